"""Every write of the services app. Keyword-only, one transaction each.

Capacity: a booking holds ``units`` of its slot. Every action that takes or
gives back capacity locks the slot row (``select_for_update``) first, then
moves ``Slot.booked`` with an ``F()`` update; the ``slot_not_overbooked``
check constraint refuses ``booked > capacity`` even if a code path forgot the
lock. Several slots (reschedule) are locked in primary-key order.

Technicians: ``booking_assign`` locks the slot, checks, and the partial unique
constraint ``booking_technician_once_per_slot`` is the final word.
"""

import datetime as dt
import math
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from members.models import Address, Member, Notification, User

from . import conf, integrations, signals
from .exceptions import (
    CutOffPassed,
    ImageRejected,
    InvalidAddress,
    InvalidTransition,
    NotAllowed,
    OutsideBookingWindow,
    OutsideServiceArea,
    PointsPaymentRejected,
    ProductRejected,
    ReviewRejected,
    SerialNumberTaken,
    ServiceNotAvailable,
    SlotFull,
    SlotUnavailable,
    TechnicianUnavailable,
    TooManyPhotos,
    VoucherRejected,
)
from .models import (
    Booking,
    BookingPhoto,
    RegisteredProduct,
    Review,
    ServiceType,
    Slot,
    SlotTemplate,
    Technician,
)
from .uploads import ProcessedImage, image_process

S = Booking.Status
# Stored as the cancel reason of bookings cancelled because the account closed.
CLOSURE_REASON = gettext_lazy("Account closed")

# The state machine: action -> statuses it may start from.
TRANSITIONS = {
    "confirm": {S.REQUESTED},
    "assign": {S.CONFIRMED, S.ASSIGNED},
    "start": {S.ASSIGNED},
    "complete": {S.ASSIGNED, S.IN_PROGRESS},
    "no_show": {S.CONFIRMED, S.ASSIGNED},
    "cancel": {S.REQUESTED, S.CONFIRMED, S.ASSIGNED},
    "reschedule": {S.REQUESTED, S.CONFIRMED, S.ASSIGNED},
}


# --------------------------------------------------------------------------
# Helpers (caller holds the transaction)


@dataclass(frozen=True)
class Actor:
    """Who acts: None is the system (tasks, receivers), trusted."""

    user: User | None

    @property
    def is_system(self) -> bool:
        return self.user is None

    @property
    def is_dispatcher(self) -> bool:
        return self.user is None or (self.user.is_staff and self.user.dealer_id is None)


def _actor(actor_id: int | None) -> Actor:
    if actor_id is None:
        return Actor(None)
    user = User.objects.filter(pk=actor_id, is_active=True).first()
    if user is None:
        raise NotAllowed()
    return Actor(user)


def _check_transition(booking: Booking, action: str) -> None:
    if booking.status not in TRANSITIONS[action]:
        raise InvalidTransition(
            _("A booking that is %(status)s cannot be %(action)s.")
            % {"status": booking.get_status_display(), "action": _ACTION_NAMES[action]}
        )


_ACTION_NAMES = {
    "confirm": pgettext_lazy("booking action", "confirmed"),
    "assign": pgettext_lazy("booking action", "assigned"),
    "start": pgettext_lazy("booking action", "started"),
    "complete": pgettext_lazy("booking action", "completed"),
    "no_show": pgettext_lazy("booking action", "marked as no-show"),
    "cancel": pgettext_lazy("booking action", "cancelled"),
    "reschedule": pgettext_lazy("booking action", "rescheduled"),
}


def _require_dispatcher(actor: Actor) -> None:
    if not actor.is_dispatcher:
        raise NotAllowed(_("Only a dispatcher may do this."))


def _member_side_allowed(actor: Actor, booking: Booking) -> bool:
    """The member, the booking's dealer's staff, or a dispatcher."""
    if actor.is_dispatcher:
        return True
    user = actor.user
    if user.dealer_id is not None:
        return booking.dealer_id == user.dealer_id
    return Member.objects.filter(pk=booking.member_id, user_id=user.pk).exists()


def _locked_booking(booking_id: int) -> Booking:
    try:
        return Booking.objects.select_for_update().get(pk=booking_id)
    except Booking.DoesNotExist:
        raise NotAllowed(_("No such booking.")) from None


def _lock_slots(*slot_ids: int) -> dict[int, Slot]:
    """Lock the slots in primary-key order (no deadlock between two reschedules)."""
    ids = sorted(set(slot_ids))
    slots = {
        s.pk: s
        for s in Slot.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    return slots


def booking_window(
    member_id: int, *, today: dt.date | None = None, priority_days: int | None = None
) -> tuple[dt.date, dt.date]:
    """First and last date the member may book: the regular window plus the
    tier's priority-booking days."""
    today = today or timezone.localdate()
    first = today + dt.timedelta(days=conf.get("SERVICES_BOOKING_LEAD_DAYS"))
    if priority_days is None:
        priority_days = integrations.priority_booking_days(member_id)
    days = conf.get("SERVICES_BOOKING_DAYS_AHEAD") + priority_days
    return first, today + dt.timedelta(days=days)


def reserved_units(slot: Slot) -> int:
    """Units of the slot kept for the top tiers (peak months only)."""
    if slot.date.month not in tuple(conf.get("SERVICES_PEAK_MONTHS")):
        return 0
    share = conf.get("SERVICES_PEAK_RESERVED_SHARE")
    return min(slot.capacity, math.floor(slot.capacity * float(share)))


def units_open_to(slot: Slot, tier_rank: int) -> int:
    """Capacity units still open to a member of ``tier_rank``."""
    free = slot.capacity - slot.booked
    if tier_rank >= conf.get("SERVICES_PEAK_TOP_TIER_MIN_RANK"):
        return max(free, 0)
    return max(free - reserved_units(slot), 0)


def _take_capacity(
    slot: Slot, units: int, *, tier_rank: int, bypass_reserve: bool
) -> None:
    """Caller holds the slot lock. Raises SlotFull."""
    open_units = (
        slot.capacity - slot.booked
        if bypass_reserve
        else units_open_to(slot, tier_rank)
    )
    if units > open_units:
        raise SlotFull()
    try:
        with transaction.atomic():
            Slot.objects.filter(pk=slot.pk).update(booked=F("booked") + units)
    except IntegrityError:  # the check constraint: never overbooked
        raise SlotFull() from None
    slot.booked += units


def _release_capacity(slot_id: int, units: int) -> None:
    """Caller holds the slot lock."""
    Slot.objects.filter(pk=slot_id).update(booked=F("booked") - units)


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


def _now_field(booking: Booking, field: str):
    now = timezone.now()
    setattr(booking, field, now)
    return now


# --------------------------------------------------------------------------
# Bookings


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
    notes = (notes or "")[:1000]

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
    return booking


def _voucher_reserve(booking: Booking, code: str) -> None:
    """Reserve the member's service voucher for the booking (rewards owns
    vouchers); the voucher pays the service."""
    from points.rewards.actions import voucher_apply_to_booking
    from points.rewards.exceptions import VoucherError

    try:
        with transaction.atomic():
            voucher_apply_to_booking(
                code=code,
                member_id=booking.member_id,
                service_type_code=booking.service_type.code,
                booking_ref=_booking_ref(booking),
            )
    except VoucherError as exc:
        raise VoucherRejected(str(exc)) from None
    booking.voucher_code = code
    booking.price = 0


def _voucher_release(booking: Booking) -> None:
    if booking.voucher_code:
        from points.rewards.actions import voucher_release

        voucher_release(code=booking.voucher_code)


def _voucher_consume(booking: Booking) -> None:
    if booking.voucher_code:
        from points.rewards.actions import voucher_use_for_booking

        voucher_use_for_booking(
            code=booking.voucher_code, booking_ref=_booking_ref(booking)
        )


def _booking_ref(booking: Booking) -> str:
    return f"services.booking:{booking.pk}"


def _free_service_take(booking: Booking) -> None:
    code = integrations.free_service_privilege_code(
        booking.member_id, booking.service_type.code
    )
    if code is None:
        return
    from privileges.exceptions import PrivilegeError

    key = f"services:booking:{booking.pk}:free"
    try:
        with transaction.atomic():
            integrations.privilege_use(
                member_id=booking.member_id,
                privilege_code=code,
                key=key,
                ref_id=booking.pk,
            )
    except PrivilegeError:
        return  # quota gone meanwhile: the member pays the normal price
    booking.free_service = True
    booking.privilege_use_key = key
    booking.price = 0


def _pay_with_points(booking: Booking) -> None:
    """Debit the service's points price (caller holds the slot lock; the
    points account is locked after it, always in this order)."""
    from points.exceptions import InsufficientPoints

    points = booking.service_type.points_price
    if not points:
        raise PointsPaymentRejected()
    try:
        with transaction.atomic():
            entry = integrations.points_spend(
                member_id=booking.member_id,
                points=points,
                reason=_("Service booking #%(id)s: %(service)s")
                % {"id": booking.pk, "service": booking.service_type.name},
                key=f"services:booking:{booking.pk}:points",
                source_id=booking.pk,
            )
    except InsufficientPoints:
        raise PointsPaymentRejected(
            _("You need %(points)s points for this service.") % {"points": points}
        ) from None
    booking.paid_points = points
    booking.points_entry_id = entry.pk
    booking.price = 0


def _give_back_benefits(booking: Booking) -> None:
    """Return the free service, release the voucher and refund points
    (cancellation, no-show). Each is idempotent by key. A closed account gets
    no points back (it cannot spend them; the ledger keeps the spend) and its
    released voucher becomes void (``voucher_release``)."""
    if booking.free_service and booking.privilege_use_key:
        integrations.privilege_use_return(key=booking.privilege_use_key)
    _voucher_release(booking)
    closed = Member.objects.filter(
        pk=booking.member_id, closed_at__isnull=False
    ).exists()
    if booking.points_entry_id and not closed:
        integrations.points_refund(
            entry_id=booking.points_entry_id,
            reason=_("Service booking #%(id)s cancelled") % {"id": booking.pk},
            key=f"services:booking:{booking.pk}:points-refund",
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
            booking.notes = notes[:1000]
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


def booking_confirm(*, booking_id: int, actor_id: int | None = None) -> Booking:
    actor = _actor(actor_id)
    _require_dispatcher(actor)
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        _check_transition(booking, "confirm")
        booking.status = S.CONFIRMED
        _now_field(booking, "confirmed_at")
        booking.save()
        transaction.on_commit(partial(_notify_status, booking.pk))
    return booking


def booking_assign(
    *, booking_id: int, technician_id: int, actor_id: int | None = None
) -> Booking:
    """Give a confirmed booking to a technician who serves the region and has
    the skill. A technician is never given two bookings in one slot (slot
    lock + partial unique constraint). Re-assigning replaces the technician."""
    actor = _actor(actor_id)
    _require_dispatcher(actor)
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        _check_transition(booking, "assign")
        _lock_slots(booking.slot_id)
        tech = (
            Technician.objects.filter(pk=technician_id, is_active=True)
            .select_related("user")
            .first()
        )
        if tech is None:
            raise TechnicianUnavailable(_("Unknown or inactive technician."))
        if not tech.regions.filter(pk=booking.slot.region_id).exists():
            raise TechnicianUnavailable(
                _("This technician does not serve this region.")
            )
        if not tech.skills.filter(pk=booking.service_type_id).exists():
            raise TechnicianUnavailable(
                _("This technician is not trained for this service.")
            )
        busy = (
            Booking.objects.filter(slot_id=booking.slot_id, technician=tech)
            .exclude(status=S.CANCELLED)
            .exclude(pk=booking.pk)
            .exists()
        )
        if busy:
            raise TechnicianUnavailable()
        booking.technician = tech
        booking.status = S.ASSIGNED
        _now_field(booking, "assigned_at")
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError:
            raise TechnicianUnavailable() from None
        transaction.on_commit(partial(_notify_status, booking.pk))
    return booking


def _technician_or_dispatcher(actor: Actor, booking: Booking) -> None:
    if actor.is_dispatcher:
        return
    if booking.technician_id and booking.technician.user_id == actor.user.pk:
        return
    raise NotAllowed(_("Only the assigned technician or a dispatcher may do this."))


def booking_start(*, booking_id: int, actor_id: int | None = None) -> Booking:
    actor = _actor(actor_id)
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        _technician_or_dispatcher(actor, booking)
        _check_transition(booking, "start")
        booking.status = S.IN_PROGRESS
        _now_field(booking, "started_at")
        booking.save()
    return booking


def booking_complete(*, booking_id: int, actor_id: int | None = None) -> Booking:
    """Complete the job. Inside the transaction: consume the voucher and send
    ``booking_completed`` (receivers credit on-time maintenance points, growth
    and release points waiting for an installation, each idempotent by key).
    After commit: the review invitation."""
    actor = _actor(actor_id)
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        _technician_or_dispatcher(actor, booking)
        _check_transition(booking, "complete")
        now = _now_field(booking, "completed_at")
        booking.started_at = booking.started_at or now
        booking.status = S.COMPLETED
        booking.save()
        _voucher_consume(booking)
        signals.booking_completed.send(
            sender=Booking,
            booking_id=booking.pk,
            member_id=booking.member_id,
            service_type_code=booking.service_type.code,
        )
    return booking


def booking_mark_no_show(*, booking_id: int, actor_id: int | None = None) -> Booking:
    """The customer was not there. Only once the slot has begun. Capacity stays
    used (the technician went); a free service is returned, a voucher
    released."""
    actor = _actor(actor_id)
    _require_dispatcher(actor)
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        _check_transition(booking, "no_show")
        if timezone.now() < booking.slot.starts_at:
            raise InvalidTransition(
                _("A no-show can be recorded once the slot has begun.")
            )
        booking.status = S.NO_SHOW
        _now_field(booking, "no_show_at")
        booking.save()
        _give_back_benefits(booking)
    return booking


def _notify_status(booking_id: int) -> None:
    from members.actions import notification_send

    b = Booking.objects.select_related("service_type", "slot").get(pk=booking_id)
    title = {
        S.CONFIRMED: _("Your %(service)s booking is confirmed"),
        S.ASSIGNED: _("A technician is assigned to your %(service)s booking"),
    }.get(b.status)
    if title is None:
        return
    notification_send(
        member_id=b.member_id,
        title=title % {"service": b.service_type.name},
        body=_("Appointment: %(date)s, %(period)s.")
        % {"date": b.slot.date.isoformat(), "period": b.slot.get_period_display()},
        url=reverse("services:booking_detail", args=[b.pk]),
        category="services",
        key=f"services:booking:{b.pk}:{b.status}",
    )


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


# --------------------------------------------------------------------------
# Photos and reviews


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


# --------------------------------------------------------------------------
# Registered products and warranty


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the month's last day."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def warranty_end(*, start: dt.date, base_months: int, extension_months: int) -> dt.date:
    return add_months(start, base_months + extension_months)


def product_register(
    *,
    member_id: int,
    model: str,
    serial_number: str,
    purchase_date: dt.date,
    installation_date: dt.date | None = None,
    source: str = RegisteredProduct.Source.PORTAL,
    purchase_id: int | None = None,
    dealer_id: int | None = None,
) -> RegisteredProduct:
    """Register a product by serial number. Warranty ends base warranty +
    the tier's extension after installation (or purchase when not yet
    installed). Idempotent for the same member and serial; raises
    SerialNumberTaken when another member holds the serial."""
    serial = "".join((serial_number or "").split()).upper()
    model = (model or "").strip()[:80]
    if not serial or len(serial) > 60:
        raise ProductRejected(_("Please enter the serial number printed on the label."))
    if not model:
        raise ProductRejected(_("Please enter the model."), field="model")
    if purchase_date > timezone.localdate():
        raise ProductRejected(
            _("The purchase date cannot be in the future."), field="purchase_date"
        )
    if installation_date and installation_date < purchase_date:
        raise ProductRejected(
            _("The installation date cannot be before the purchase date."),
            field="installation_date",
        )
    base = conf.get("SERVICES_BASE_WARRANTY_MONTHS")
    extension = integrations.warranty_extension_months(member_id)
    with transaction.atomic():
        existing = (
            RegisteredProduct.objects.select_for_update()
            .filter(serial_number=serial)
            .first()
        )
        if existing is not None:
            if existing.member_id == member_id:
                return existing
            raise SerialNumberTaken()
        try:
            with transaction.atomic():
                return RegisteredProduct.objects.create(
                    member_id=member_id,
                    model=model,
                    serial_number=serial,
                    purchase_date=purchase_date,
                    installation_date=installation_date,
                    base_warranty_months=base,
                    extension_months=extension,
                    warranty_ends_on=warranty_end(
                        start=installation_date or purchase_date,
                        base_months=base,
                        extension_months=extension,
                    ),
                    source=source,
                    purchase_id=purchase_id,
                    dealer_id=dealer_id,
                )
        except IntegrityError:
            raise SerialNumberTaken() from None


def products_installed(*, purchase_id: int, installed_on: dt.date) -> int:
    """Set the installation date of a purchase's products and move their
    warranty end. Returns how many products changed."""
    changed = 0
    with transaction.atomic():
        for p in (
            RegisteredProduct.objects.select_for_update()
            .filter(purchase_id=purchase_id, installation_date__isnull=True)
            .order_by("pk")
        ):
            p.installation_date = installed_on
            p.warranty_ends_on = warranty_end(
                start=installed_on,
                base_months=p.base_warranty_months,
                extension_months=p.extension_months,
            )
            p.save(update_fields=["installation_date", "warranty_ends_on"])
            changed += 1
    return changed


# --------------------------------------------------------------------------
# Slots


def slots_generate(*, start: dt.date | None = None, weeks: int | None = None) -> int:
    """Create the slots of every active template for the coming weeks.
    Set-based and idempotent (existing slots are kept as dispatchers edited
    them). Returns the number of new slots."""
    start = start or timezone.localdate()
    weeks = weeks if weeks is not None else conf.get("SERVICES_SLOT_WEEKS_AHEAD")
    templates = list(
        SlotTemplate.objects.filter(is_active=True, region__is_active=True).only(
            "pk", "region_id", "weekday", "period", "capacity"
        )
    )
    by_weekday: dict[int, list[SlotTemplate]] = {}
    for t in templates:
        by_weekday.setdefault(t.weekday, []).append(t)
    end = start + dt.timedelta(weeks=weeks)
    existing = set(
        Slot.objects.filter(date__gte=start, date__lt=end).values_list(
            "region_id", "date", "period"
        )
    )
    new = []
    day = start
    while day < end:
        for t in by_weekday.get(day.weekday(), []):
            if (t.region_id, day, t.period) not in existing:
                new.append(
                    Slot(
                        region_id=t.region_id,
                        date=day,
                        period=t.period,
                        capacity=t.capacity,
                        template_id=t.pk,
                    )
                )
        day += dt.timedelta(days=1)
    Slot.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    return len(new)


def slot_capacity_set(*, slot_id: int, capacity: int) -> Slot:
    """Change a slot's capacity; never below what is already booked."""
    from .exceptions import SlotUnavailable as _Err

    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot_id)
        if capacity < slot.booked:
            raise _Err(
                _("%(booked)s units are already booked in this slot.")
                % {"booked": slot.booked}
            )
        slot.capacity = capacity
        slot.save(update_fields=["capacity"])
    return slot


# --------------------------------------------------------------------------
# Reminders


def season_of(day: dt.date) -> int:
    """The heating-season year a date belongs to (April to March)."""
    return day.year if day.month >= 4 else day.year - 1


REMINDER_BATCH = 500


def _send_reminders(member_ids, *, key_prefix: str, title, body, url: str) -> int:
    from members.actions import notification_send

    sent = 0
    for member_id in member_ids:
        if notification_send(
            member_id=member_id,
            title=title,
            body=body,
            url=url,
            category="services",
            key=f"{key_prefix}{member_id}",
        ):
            sent += 1
    return sent


def _not_yet_reminded(qs, key_prefix: str):
    return qs.exclude(
        Exists(
            Notification.objects.filter(
                member=OuterRef("pk"), key__startswith=key_prefix
            )
        )
    )


def annual_check_reminders_send(*, today: dt.date | None = None) -> int:
    """In the reminder month before the heating season, remind every member
    with a registered product or a past service who has no annual health
    check booked this season. Once per member per season (notification keys;
    members already reminded are skipped in SQL). Returns how many were sent."""
    today = today or timezone.localdate()
    if today.month != conf.get("SERVICES_ANNUAL_CHECK_REMINDER_MONTH"):
        return 0
    season = season_of(today)
    season_start = dt.date(season, 4, 1)
    key_prefix = f"services:annual-check:{season}:"
    booked_this_season = Booking.objects.filter(
        service_type__code=ServiceType.Code.ANNUAL_CHECK, slot__date__gte=season_start
    ).exclude(status=S.CANCELLED)
    members = _not_yet_reminded(
        Member.objects.filter(closed_at__isnull=True)
        .filter(Q(products__isnull=False) | Q(bookings__status=S.COMPLETED))
        .exclude(pk__in=booked_this_season.values("member_id")),
        key_prefix,
    )
    ids = list(members.values_list("pk", flat=True).distinct().order_by("pk"))
    sent = 0
    for i in range(0, len(ids), REMINDER_BATCH):
        sent += _send_reminders(
            ids[i : i + REMINDER_BATCH],
            key_prefix=key_prefix,
            title=_("Time for your annual radiator health check"),
            body=_(
                "Book a health check before the heating season starts: slots fill up "
                "quickly in autumn."
            ),
            url=reverse("services:booking_new") + "?service=annual_check",
        )
    return sent


def follow_up_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind members whose last completed service was eleven months ago
    (between 11 and 12 months, so a missed day catches up) and who have
    nothing booked since. Once per member per season."""
    today = today or timezone.localdate()
    months = conf.get("SERVICES_FOLLOW_UP_MONTHS")
    newest = add_months(today, -months)
    oldest = add_months(today, -(months + 1))
    key_prefix = f"services:follow-up:{season_of(today)}:"
    members = _not_yet_reminded(
        Member.objects.filter(closed_at__isnull=True)
        .annotate(
            last_service=Max(
                "bookings__slot__date", filter=Q(bookings__status=S.COMPLETED)
            )
        )
        .filter(last_service__gt=oldest, last_service__lte=newest)
        .exclude(
            pk__in=Booking.objects.filter(status__in=Booking.ACTIVE_STATUSES).values(
                "member_id"
            )
        ),
        key_prefix,
    )
    ids = list(members.values_list("pk", flat=True).order_by("pk"))
    sent = 0
    for i in range(0, len(ids), REMINDER_BATCH):
        sent += _send_reminders(
            ids[i : i + REMINDER_BATCH],
            key_prefix=key_prefix,
            title=_("It is almost a year since your last service"),
            body=_(
                "A yearly check keeps your radiators efficient. Book your next visit."
            ),
            url=reverse("services:booking_new"),
        )
    return sent
