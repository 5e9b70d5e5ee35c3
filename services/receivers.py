"""Receivers of services events and of the apps below. Thin: each calls an
action of the app that owns the data, idempotent by key."""

from functools import partial

from django.db import transaction
from django.utils import timezone

from . import actions, conf, integrations
from .models import Booking, ServiceType


def on_booking_completed(sender, *, booking_id, member_id, service_type_code, **kwargs):
    """Points for on-time maintenance (once per member per season), growth,
    points waiting for an installation, and the review invitation."""
    booking = Booking.objects.select_related("service_type").get(pk=booking_id)
    completed_at = booking.completed_at or timezone.now()
    if booking.service_type.is_maintenance:
        season = actions.season_of(timezone.localdate(completed_at))
        integrations.custom_event_record(
            member_id=member_id,
            event_code=conf.get("SERVICES_ON_TIME_EVENT_CODE"),
            key=f"services:on-time:{member_id}:{season}",
            source_id=booking_id,
        )
    integrations.growth_record(
        member_id=member_id,
        key=f"services:booking:{booking_id}:growth",
        occurred_at=completed_at,
    )
    if service_type_code == ServiceType.Code.INSTALLATION and booking.purchase_id:
        integrations.purchase_release_pending(purchase_id=booking.purchase_id)
        actions.products_installed(
            purchase_id=booking.purchase_id,
            installed_on=timezone.localdate(completed_at),
        )
    transaction.on_commit(partial(actions.review_invite, booking_id=booking_id))


def _item_value(item, *names):
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value:
            return value
    return None


def on_purchase_recorded(
    sender, *, purchase_id, member_id, dealer_id=None, items=(), **kwargs
):
    """Serial numbers of a purchase become the member's registered products.
    A serial registered to someone else refuses the whole purchase."""
    from points.exceptions import PurchaseRejected
    from points.models import Purchase

    from .exceptions import ServiceError

    purchased_at = (
        Purchase.objects.filter(pk=purchase_id)
        .values_list("purchased_at", flat=True)
        .first()
    )
    purchase_date = (
        timezone.localdate(purchased_at) if purchased_at else timezone.localdate()
    )
    for item in items or ():
        serials = _item_value(item, "serial_numbers", "serials") or []
        single = _item_value(item, "serial_number", "serial")
        if single:
            serials = [single, *serials]
        model = _item_value(item, "name", "sku", "model") or "-"
        for serial in serials:
            try:
                actions.product_register(
                    member_id=member_id,
                    model=str(model),
                    serial_number=str(serial),
                    purchase_date=min(purchase_date, timezone.localdate()),
                    source="purchase",
                    purchase_id=purchase_id,
                    dealer_id=dealer_id,
                )
            except ServiceError as exc:
                raise PurchaseRejected("items", f"{serial}: {exc}") from None


def on_member_closed(sender, *, member_id, **kwargs):
    """The account was closed: cancel its bookings that have not started."""
    actions.member_bookings_close(member_id=member_id)
