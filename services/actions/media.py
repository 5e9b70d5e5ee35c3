"""Photos attached to bookings.

Every upload is validated and re-encoded by ``services.uploads.image_process``
before anything is stored, so a rejected image (ImageRejected) leaves no
file behind. ``_store_photo`` saves the image and its thumbnail and deletes
both again if the row cannot be written (caller holds the transaction);
``booking_photo_add`` keeps to the per-booking photo limit under the
booking's row lock.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from .. import conf
from ..exceptions import ImageRejected, InvalidTransition, NotAllowed, TooManyPhotos
from ..models import Booking, BookingPhoto
from ..uploads import ProcessedImage, image_process
from ._common import S, _actor, _locked_booking, _member_side_allowed


def _store_photo(
    *,
    booking: Booking,
    img: ProcessedImage,
    kind: str,
    user_id: int | None,
    review=None,
) -> BookingPhoto:
    photo = BookingPhoto(
        booking=booking,
        review=review,
        kind=kind,
        uploaded_by_id=user_id,
        size=img.size,
        width=img.width,
        height=img.height,
    )
    photo.image.save(img.name, img.content, save=False)
    try:
        photo.thumbnail.save(img.thumb_name, img.thumb_content, save=False)
        photo.save()
    except Exception:
        photo.image.delete(save=False)
        if photo.thumbnail:
            photo.thumbnail.delete(save=False)
        raise
    return photo


def booking_photo_add(
    *,
    booking_id: int,
    file,
    kind: str = BookingPhoto.Kind.SITE,
    actor_id: int | None = None,
) -> BookingPhoto:
    """Validate and re-encode an uploaded image and attach it to a booking.

    Raises ImageRejected (nothing stored) for anything that is not a JPEG,
    PNG or WebP Pillow fully decodes within the byte and pixel limits."""
    if kind not in BookingPhoto.Kind.values or kind == BookingPhoto.Kind.REVIEW:
        raise ImageRejected(_("Unknown photo kind."))
    actor = _actor(actor_id)
    booking = Booking.objects.filter(pk=booking_id).first()
    if booking is None or not _member_side_allowed(actor, booking):
        raise NotAllowed(_("No such booking."))
    if booking.status == S.CANCELLED:
        raise InvalidTransition(_("Photos cannot be added to a cancelled booking."))
    img = image_process(file)  # raises ImageRejected before anything is stored
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        if booking.photos.count() >= conf.get("SERVICES_PHOTOS_PER_BOOKING"):
            raise TooManyPhotos()
        return _store_photo(booking=booking, img=img, kind=kind, user_id=actor_id)
