"""Slots and their capacity: the booking window, the peak-month reserve,
taking and giving back capacity, generating slots and changing capacity.

A booking holds ``units`` of its slot. Every action that takes or gives back
capacity locks the slot row (``select_for_update``) first, then moves
``Slot.booked`` with an ``F()`` update; the ``slot_not_overbooked`` check
constraint refuses ``booked > capacity`` even if a code path forgot the
lock. Several slots (reschedule) are locked in primary-key order by
``_lock_slots``, so two reschedules never deadlock.

- ``booking_window`` and ``units_open_to`` are the rules the pages and the
  API show before booking (through ``services.selectors``); they write
  nothing.
- ``_take_capacity`` raises SlotFull rather than overbook (caller holds the
  slot lock); ``_release_capacity`` gives units back (caller holds the lock).
- ``slots_generate`` is set-based and idempotent; ``slot_capacity_set``
  never goes below what is booked.
"""

import datetime as dt
import math

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import conf, integrations
from ..exceptions import SlotFull
from ..models import Slot, SlotTemplate


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


def _lock_slots(*slot_ids: int) -> dict[int, Slot]:
    """Lock the slots in primary-key order (no deadlock between two reschedules)."""
    ids = sorted(set(slot_ids))
    slots = {
        s.pk: s
        for s in Slot.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    return slots


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
    from ..exceptions import SlotUnavailable as _Err

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
