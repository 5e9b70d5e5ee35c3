"""The dispatchers' and technicians' side of a booking: confirm, assign,
start, complete, no-show.

Confirming, assigning and no-shows are for dispatchers (and the system);
starting and completing also for the assigned technician. Each runs in its
own transaction on the locked booking and moves it along ``TRANSITIONS``
(InvalidTransition otherwise). ``booking_assign`` locks the slot, checks the
technician's region, skills and other bookings, and the partial unique
constraint ``booking_technician_once_per_slot`` is the final word.
``booking_complete`` consumes the voucher and sends ``booking_completed``
inside the transaction; confirmation and assignment notify the member after
commit.
"""

from functools import partial

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..exceptions import InvalidTransition, NotAllowed, TechnicianUnavailable
from ..models import Booking, Technician
from ._benefits import _give_back_benefits, _voucher_consume
from ._common import (
    Actor,
    S,
    _actor,
    _check_transition,
    _locked_booking,
    _now_field,
    _require_dispatcher,
)
from .slots import _lock_slots


def booking_confirm(*, booking_id: int, actor_id: int | None = None) -> Booking:
    """Confirm a requested booking (dispatchers only); the member is notified
    after commit."""
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
    """Start an assigned booking (the assigned technician or a dispatcher)."""
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
