"""Reviews of completed bookings.

``review_invite`` asks the member for a review once (notification key).
``review_create`` accepts one review per completed booking, checks every
photo before anything is stored, removes stored files again if a later photo
fails, and credits the review-with-photos points and growth once
(idempotent by key).
"""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import conf, integrations
from ..exceptions import NotAllowed, ReviewRejected, TooManyPhotos
from ..models import Booking, BookingPhoto, Review
from ..uploads import image_process
from ._common import S
from .media import _store_photo


def review_invite(*, booking_id: int) -> None:
    """Invite the member to review a completed booking (once, by key)."""
    from members.actions import notification_send

    b = Booking.objects.select_related("service_type").get(pk=booking_id)
    if b.status != S.COMPLETED:
        return
    notification_send(
        member_id=b.member_id,
        title=_("How did we do? Review your %(service)s")
        % {"service": b.service_type.name},
        body=_("A review with photos earns you points."),
        url=reverse("services:booking_detail", args=[b.pk]),
        category="services",
        key=f"services:booking:{b.pk}:review-invite",
    )


def review_create(
    *,
    booking_id: int,
    member_id: int,
    rating: int,
    text: str = "",
    photos: list | tuple = (),
) -> Review:
    """The member reviews a completed booking, once. Every photo is checked
    before anything is stored. A review with photos earns the review points
    once (idempotent by key)."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise ReviewRejected(_("Please give 1 to 5 stars.")) from None
    if not 1 <= rating <= 5:
        raise ReviewRejected(_("Please give 1 to 5 stars."))
    photos = list(photos or [])
    if len(photos) > conf.get("SERVICES_PHOTOS_PER_BOOKING"):
        raise TooManyPhotos()
    processed = [image_process(f) for f in photos]
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .filter(pk=booking_id, member_id=member_id)
            .first()
        )
        if booking is None:
            raise NotAllowed(_("No such booking."))
        if booking.status != S.COMPLETED:
            raise ReviewRejected(_("You can review a service once it is completed."))
        if Review.objects.filter(booking=booking).exists():
            raise ReviewRejected(_("You have already reviewed this service."))
        review = Review.objects.create(
            booking=booking,
            member_id=member_id,
            rating=rating,
            text=(text or "")[:2000],
        )
        stored = []
        try:
            for img in processed:
                stored.append(
                    _store_photo(
                        booking=booking,
                        img=img,
                        kind=BookingPhoto.Kind.REVIEW,
                        user_id=None,
                        review=review,
                    )
                )
        except Exception:
            for p in stored:
                p.image.delete(save=False)
                p.thumbnail.delete(save=False)
            raise
        if stored:
            entry = integrations.custom_event_record(
                member_id=member_id,
                event_code=conf.get("SERVICES_REVIEW_PHOTO_EVENT_CODE"),
                key=f"services:review:{booking.pk}:photos",
                source_id=booking.pk,
            )
            points = getattr(entry, "points", 0) or 0
            if points:
                review.points_awarded = points
                review.save(update_fields=["points_awarded"])
            integrations.growth_record(
                member_id=member_id,
                key=f"services:review:{booking.pk}:growth",
                occurred_at=review.created_at,
                source="review_photo",
                raw_value=conf.get("SERVICES_REVIEW_GROWTH_VALUE"),
            )
    return review
