"""What a member, a dealer or a dispatcher does to a booking: create,
cancel, reschedule and change its details; and cancelling the bookings of a
closed account.

Each action runs in its own transaction and holds the slot's capacity under
concurrency (slot row lock + check constraint, see ``slots``). Members and
dealers act within the booking window and before the cancellation cut-off;
dispatchers and the system are exempt. Cancelling gives the capacity, the
free service, the voucher and points paid back (``_benefits``) and is
idempotent.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import Address, Member

from .. import conf, integrations
from ..exceptions import (
    CutOffPassed,
    InvalidAddress,
    InvalidTransition,
    NotAllowed,
    NotesTooLong,
    OutsideBookingWindow,
    OutsideServiceArea,
    ServiceNotAvailable,
    SlotUnavailable,
)
from ..models import Booking, ServiceType, Slot
from ._benefits import (
    _free_service_take,
    _give_back_benefits,
    _pay_with_points,
    _voucher_reserve,
)
from ._common import (
    TRANSITIONS,
    Actor,
    S,
    _actor,
    _check_transition,
    _locked_booking,
    _member_side_allowed,
    _now_field,
)
from .slots import _lock_slots, _release_capacity, _take_capacity, booking_window

NOTES_MAX_LENGTH = Booking._meta.get_field("notes").max_length

# Stored as the cancel reason of bookings cancelled because the account closed.
CLOSURE_REASON = gettext_lazy("Account closed")


def _resolve_address(member: Member, address, address_id) -> dict:
    if address_id is not None:
        row = Address.objects.filter(pk=address_id, member_id=member.pk).first()
        if row is None:
            raise InvalidAddress()
        return row.snapshot()
    if isinstance(address, Address):
        if address.member_id != member.pk:
            raise InvalidAddress()
        return address.snapshot()
    if isinstance(address, dict):
        snap = {
            k: str(address.get(k, "") or "").strip()[:200]
            for k in ("recipient", "phone", "province", "city", "district", "detail")
        }
        if not snap["city"] or not snap["detail"]:
            raise InvalidAddress(
                _("An address needs at least a city and a street address.")
            )
        return snap
    raise InvalidAddress()


def _check_window(member_id: int, slot: Slot, *, bypass: bool) -> None:
    today = timezone.localdate()
    if slot.date < today or (slot.date == today and slot.starts_at <= timezone.now()):
        raise OutsideBookingWindow(_("This slot is in the past."))
    if bypass:
        return
    first, last = booking_window(member_id, today=today)
    if slot.date < first:
        raise OutsideBookingWindow(
            _("The earliest date you can book is %(date)s.")
            % {"date": first.isoformat()}
        )
    if slot.date > last:
        raise OutsideBookingWindow(
            _("You can book up to %(date)s; later dates open day by day.")
            % {"date": last.isoformat()}
        )


def _check_cutoff(actor: Actor, booking: Booking) -> None:
    if actor.is_dispatcher:
        return
    hours = conf.get("SERVICES_CANCEL_CUTOFF_HOURS")
    if timezone.now() > booking.slot.starts_at - dt.timedelta(hours=hours):
        raise CutOffPassed(
            _(
                "Changes are possible until %(hours)s hours before the appointment; please call us."
            )
            % {"hours": hours}
        )


def _checked_notes(notes: str) -> str:
    """Notes as given; NotesTooLong rather than cutting off what was sent."""
    if len(notes) > NOTES_MAX_LENGTH:
        raise NotesTooLong()
    return notes


def booking_create(
    *,
    member_id: int,
    service_type_code: str,
    slot_id: int,
    address: dict | Address | None = None,
    address_id: int | None = None,
    source: str = Booking.Source.PORTAL,
    dealer_id: int | None = None,
    notes: str = "",
    actor_id: int | None = None,
    voucher_code: str | None = None,
    purchase_id: int | None = None,
    use_free_service: bool = True,
    pay_with_points: bool = False,
) -> Booking:
    """Book a slot for a member.

    Holds the slot's capacity under concurrency (slot row lock + check
    constraint). Applies the booking window (regular days + the tier's
    priority days; the operator console is exempt), the peak-month reserve
    for the top tiers, the service's minimum tier, a free service from the
    member's privileges when one is left, a service voucher, or payment with
    points (``pay_with_points``, at the service's points price). Emergency
    repairs get the tier's response target. Raises SlotFull, SlotUnavailable,
    OutsideBookingWindow, ServiceNotAvailable, InvalidAddress, VoucherRejected,
    PointsPaymentRejected.
    """
    if source not in Booking.Source.values:
        raise ValueError(f"unknown source {source!r}")
    actor = _actor(actor_id)
    member = Member.objects.filter(pk=member_id, closed_at__isnull=True).first()
    if member is None:
        raise ServiceNotAvailable(_("This member account is closed or does not exist."))
    if not actor.is_dispatcher:
        if actor.user.dealer_id is not None:
            # A dealer's staff books for their own dealer only.
            dealer_id = dealer_id or actor.user.dealer_id
            if dealer_id != actor.user.dealer_id:
                raise NotAllowed()
        elif actor.user.pk != member.user_id:
            raise NotAllowed()
    service = ServiceType.objects.filter(code=service_type_code, is_active=True).first()
    if service is None:
        raise ServiceNotAvailable(_("Unknown service type."))
    tier_rank = integrations.member_tier_rank(member_id)
    if service.min_tier_id is not None and tier_rank < service.min_tier.rank:
        raise ServiceNotAvailable(
            _("%(service)s is available from the %(tier)s tier.")
            % {"service": service.name, "tier": service.min_tier.name}
        )
    snapshot = _resolve_address(member, address, address_id)
    bypass = source == Booking.Source.ADMIN and actor.is_dispatcher
    notes = _checked_notes(notes or "")

    with transaction.atomic():
        slot = (
            Slot.objects.select_for_update()
            .select_related("region")
            .filter(pk=slot_id)
            .first()
        )
        if slot is None or slot.is_closed or not slot.region.is_active:
            raise SlotUnavailable()
        _check_window(member_id, slot, bypass=bypass)
        if not slot.region.serves_city(snapshot.get("city", "")):
            raise OutsideServiceArea()
        _take_capacity(
            slot, service.duration_slots, tier_rank=tier_rank, bypass_reserve=bypass
        )
        now = timezone.now()
        booking = Booking.objects.create(
            member=member,
            service_type=service,
            slot=slot,
            units=service.duration_slots,
            address=snapshot,
            source=source,
            dealer_id=dealer_id,
            notes=notes,
            price=service.price,
            points_price=service.points_price,
            purchase_id=purchase_id,
            created_by=actor.user,
            created_at=now,
        )
        if service.is_emergency:
            hours = integrations.emergency_response_hours(member_id)
            booking.response_target_hours = hours
            booking.respond_by = now + dt.timedelta(hours=hours)
        if voucher_code:
            _voucher_reserve(booking, voucher_code.strip())
        elif use_free_service:
            _free_service_take(booking)
        if pay_with_points and not booking.free_service and not booking.voucher_code:
            _pay_with_points(booking)
        booking.save()
        _count_privilege_uses(booking, bypass=bypass)
    return booking


def _count_privilege_uses(booking: Booking, *, bypass: bool) -> None:
    """Count the tier privileges this booking relied on, for the usage report:
    priority booking when its date lies past the regular window (not for the
    dispatchers' phone bookings, which ignore the window), the emergency
    response target for an emergency. Once per booking each (keys).
    """
    regular_last = timezone.localdate() + dt.timedelta(
        days=conf.get("SERVICES_BOOKING_DAYS_AHEAD")
    )
    if not bypass and booking.slot.date > regular_last:
        integrations.privilege_kind_use(
            member_id=booking.member_id,
            kind="priority_booking",
            key=f"booking:{booking.pk}:priority",
            ref_type="services.booking",
            ref_id=booking.pk,
        )
    if booking.service_type.is_emergency:
        integrations.privilege_kind_use(
            member_id=booking.member_id,
            kind="emergency_response",
            key=f"booking:{booking.pk}:emergency",
            ref_type="services.booking",
            ref_id=booking.pk,
        )


def booking_cancel(
    *, booking_id: int, actor_id: int | None = None, reason: str = ""
) -> Booking:
    """Cancel and give the slot's capacity, the free service and the voucher
    back. Members and dealers only before the cut-off. Idempotent: cancelling
    a cancelled booking returns it unchanged."""
    actor = _actor(actor_id)
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        if not _member_side_allowed(actor, booking):
            raise NotAllowed()
        if booking.status == S.CANCELLED:
            return booking
        _check_transition(booking, "cancel")
        _check_cutoff(actor, booking)
        _lock_slots(booking.slot_id)
        _release_capacity(booking.slot_id, booking.units)
        booking.status = S.CANCELLED
        booking.cancel_reason = (reason or "")[:200]
        _now_field(booking, "cancelled_at")
        booking.save()
        _give_back_benefits(booking)
    return booking


def member_bookings_close(*, member_id: int) -> int:
    """The account was closed: cancel its bookings that have not started.

    Every booking still requested, confirmed or assigned whose slot starts
    later than now is cancelled through ``booking_cancel`` as the system
    (dispatcher rights, no cut-off), which gives the slot capacity back,
    returns a free service and releases the voucher (void for a closed
    account); points paid are not refunded to a closed account. Bookings in
    progress or in the past (also one that started meanwhile) are left to the
    dispatchers. Idempotent; returns how many bookings were cancelled.
    """
    now = timezone.now()
    candidates = (
        Booking.objects.filter(
            member_id=member_id,
            status__in=TRANSITIONS["cancel"],
            slot__date__gte=timezone.localdate(now),
        )
        .select_related("slot")
        .order_by("pk")
    )
    ids = [b.pk for b in candidates if b.slot.starts_at > now]
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(CLOSURE_REASON)
    cancelled = 0
    for booking_id in ids:
        try:
            booking = booking_cancel(
                booking_id=booking_id, actor_id=None, reason=reason
            )
        except InvalidTransition:
            continue  # started meanwhile: left to the dispatchers
        cancelled += booking.cancel_reason == reason
    return cancelled


def booking_reschedule(
    *, booking_id: int, slot_id: int, actor_id: int | None = None
) -> Booking:
    """Move a booking to another slot of the same region. The new slot's
    capacity is taken before the old one is given back (both locked in pk
    order). An assigned booking loses its technician and returns to
    confirmed."""
    actor = _actor(actor_id)
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        if not _member_side_allowed(actor, booking):
            raise NotAllowed()
        _check_transition(booking, "reschedule")
        _check_cutoff(actor, booking)
        if slot_id == booking.slot_id:
            return booking
        slots = _lock_slots(booking.slot_id, slot_id)
        new = slots.get(slot_id)
        if new is None or new.is_closed or new.region_id != booking.slot.region_id:
            raise SlotUnavailable(_("Please choose another slot in the same region."))
        _check_window(booking.member_id, new, bypass=actor.is_dispatcher)
        tier_rank = integrations.member_tier_rank(booking.member_id)
        _take_capacity(
            new, booking.units, tier_rank=tier_rank, bypass_reserve=actor.is_dispatcher
        )
        _release_capacity(booking.slot_id, booking.units)
        booking.slot = new
        if booking.status == S.ASSIGNED:
            booking.status = S.CONFIRMED
            booking.technician = None
            booking.assigned_at = None
        _now_field(booking, "rescheduled_at")
        booking.save()
        _count_privilege_uses(booking, bypass=actor.is_dispatcher)
    return booking


def booking_details_update(
    *,
    booking_id: int,
    notes: str | None = None,
    address: dict | None = None,
    actor_id: int | None = None,
) -> Booking:
    """Change the notes or the address of a booking that is not finished.
    The address must still be served by the slot's region."""
    actor = _actor(actor_id)
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        if not _member_side_allowed(actor, booking):
            raise NotAllowed()
        if booking.status not in Booking.ACTIVE_STATUSES:
            raise InvalidTransition(
                _("A booking that is %(status)s cannot be changed.")
                % {"status": booking.get_status_display()}
            )
        fields = ["updated_at"]
        if notes is not None:
            booking.notes = _checked_notes(notes)
            fields.append("notes")
        if address is not None:
            member = Member.objects.get(pk=booking.member_id)
            snapshot = _resolve_address(member, dict(address), None)
            if not booking.slot.region.serves_city(snapshot.get("city", "")):
                raise OutsideServiceArea()
            booking.address = snapshot
            fields.append("address")
        booking.save(update_fields=fields)
    return booking
