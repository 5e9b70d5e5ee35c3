"""Real threads against PostgreSQL: capacity and technicians hold under load."""

import datetime as dt

import pytest
from django.db import connection

from services import actions
from services.exceptions import SlotFull, TechnicianUnavailable
from services.models import Booking, Slot
from tests.concurrency import run_concurrently
from tests.factories import MemberFactory


@pytest.mark.django_db(transaction=True)
def test_100_concurrent_bookings_for_capacity_3_make_exactly_3(postgres, slot, address):
    members = [MemberFactory() for _ in range(100)]
    connection.close()

    def book(i):
        return actions.booking_create(
            member_id=members[i].pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address=address,
            source="portal",
        )

    results = run_concurrently(book, 100, workers=25)

    made = [r for r in results if isinstance(r, Booking)]
    full = [r for r in results if isinstance(r, SlotFull)]
    assert len(made) == 3
    assert len(full) == 97, [
        r for r in results if not isinstance(r, Booking | SlotFull)
    ]
    assert all(str(e) == "This slot is full." for e in full)
    assert Slot.objects.get(pk=slot.pk).booked == 3
    assert Booking.objects.filter(slot=slot).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_assignment_of_one_technician_in_one_slot_gives_one(
    postgres, member, slot, address, staff_user, technician
):
    bookings = [
        actions.booking_create(
            member_id=member.pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address=address,
            source="portal",
        )
        for _ in range(2)
    ]
    for b in bookings:
        actions.booking_confirm(booking_id=b.pk, actor_id=staff_user.pk)
    connection.close()

    results = run_concurrently(
        lambda i: actions.booking_assign(
            booking_id=bookings[i].pk,
            technician_id=technician.pk,
            actor_id=staff_user.pk,
        ),
        2,
    )

    assert sum(isinstance(r, Booking) for r in results) == 1
    assert sum(isinstance(r, TechnicianUnavailable) for r in results) == 1
    assert Booking.objects.filter(slot=slot, technician=technician).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancel_and_rebook_never_overbook(postgres, member, slot, address):
    first = [
        actions.booking_create(
            member_id=member.pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address=address,
            source="portal",
        )
        for _ in range(3)
    ]
    connection.close()

    def work(i):
        if i < 3:
            return actions.booking_cancel(booking_id=first[i].pk, actor_id=None)
        return actions.booking_create(
            member_id=member.pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address=address,
            source="portal",
        )

    run_concurrently(work, 20)

    active = Booking.objects.filter(slot=slot).exclude(status="cancelled").count()
    assert Slot.objects.get(pk=slot.pk).booked == active <= 3


@pytest.mark.django_db(transaction=True)
def test_crossing_reschedules_neither_deadlock_nor_overbook(
    postgres, member, region, address
):
    from tests.factories.services import SlotFactory

    a_slot = SlotFactory(region=region, capacity=1)
    b_slot = SlotFactory(
        region=region, date=a_slot.date + dt.timedelta(days=1), capacity=1
    )
    a, b = (
        actions.booking_create(
            member_id=member.pk,
            service_type_code="annual_check",
            slot_id=s.pk,
            address=address,
            source="portal",
        )
        for s in (a_slot, b_slot)
    )
    connection.close()

    # a wants b's slot and b wants a's: both slots are full, so both must fail
    # cleanly with SlotFull (locks taken in pk order: no deadlock error).
    results = run_concurrently(
        lambda i: actions.booking_reschedule(
            booking_id=(a, b)[i].pk, slot_id=(b_slot, a_slot)[i].pk, actor_id=None
        ),
        2,
    )

    assert all(isinstance(r, SlotFull) for r in results), results
    assert Slot.objects.get(pk=a_slot.pk).booked == 1
    assert Slot.objects.get(pk=b_slot.pk).booked == 1
