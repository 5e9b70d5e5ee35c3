import datetime as dt

import pytest
import time_machine

from services import actions, signals
from services.exceptions import (
    CutOffPassed,
    InvalidTransition,
    NotAllowed,
    SlotFull,
    TechnicianUnavailable,
)
from services.models import Booking, Slot
from tests.factories import DealerStaffFactory
from tests.factories.services import SlotFactory, TechnicianFactory

S = Booking.Status

ALL_ACTIONS = ["confirm", "assign", "start", "complete", "no_show", "cancel"]
ALLOWED = {
    S.REQUESTED: {"confirm", "cancel"},
    S.CONFIRMED: {"assign", "no_show", "cancel"},
    S.ASSIGNED: {"assign", "start", "complete", "no_show", "cancel"},
    S.IN_PROGRESS: {"complete"},
    S.COMPLETED: set(),
    S.CANCELLED: {"cancel"},  # cancelling twice is a no-op
    S.NO_SHOW: set(),
}


@pytest.fixture
def booking(member, slot, address):
    return actions.booking_create(
        member_id=member.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address=address,
        source="portal",
    )


def _bring_to(booking, status, staff_user, technician):
    path = {
        S.REQUESTED: [],
        S.CONFIRMED: ["confirm"],
        S.ASSIGNED: ["confirm", "assign"],
        S.IN_PROGRESS: ["confirm", "assign", "start"],
        S.COMPLETED: ["confirm", "assign", "start", "complete"],
        S.CANCELLED: ["cancel"],
        S.NO_SHOW: ["confirm", "no_show"],
    }[status]
    for step in path:
        _do(step, booking, staff_user, technician)
    booking.refresh_from_db()
    assert booking.status == status


def _do(step, booking, staff_user, technician):
    kw = {"booking_id": booking.pk, "actor_id": staff_user.pk}
    if step == "assign":
        return actions.booking_assign(technician_id=technician.pk, **kw)
    if step == "no_show":
        with time_machine.travel(booking.slot.starts_at + dt.timedelta(hours=1)):
            return actions.booking_mark_no_show(**kw)
    fn = {
        "confirm": actions.booking_confirm,
        "start": actions.booking_start,
        "complete": actions.booking_complete,
        "cancel": actions.booking_cancel,
    }[step]
    return fn(**kw)


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("step", ALL_ACTIONS)
def test_every_transition_is_allowed_or_refused_by_the_state_machine(
    booking, status, step, staff_user, technician
):
    _bring_to(booking, status, staff_user, technician)

    if step in ALLOWED[status]:
        _do(step, booking, staff_user, technician)
        booking.refresh_from_db()
        expected = {
            "confirm": S.CONFIRMED,
            "assign": S.ASSIGNED,
            "start": S.IN_PROGRESS,
            "complete": S.COMPLETED,
            "no_show": S.NO_SHOW,
            "cancel": S.CANCELLED,
        }[step]
        assert booking.status == expected
    else:
        with pytest.raises(InvalidTransition):
            _do(step, booking, staff_user, technician)
        booking.refresh_from_db()
        assert booking.status == status


def test_each_transition_records_its_timestamp(booking, staff_user, technician):
    _bring_to(booking, S.COMPLETED, staff_user, technician)

    assert booking.confirmed_at <= booking.assigned_at <= booking.started_at
    assert booking.started_at <= booking.completed_at


def test_cancel_gives_capacity_back_and_no_show_keeps_it(
    member, slot, address, staff_user, technician
):
    a = actions.booking_create(
        member_id=member.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address=address,
        source="portal",
    )
    b = actions.booking_create(
        member_id=member.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address=address,
        source="portal",
    )

    actions.booking_cancel(booking_id=a.pk, actor_id=member.user_id)
    _bring_to(b, S.NO_SHOW, staff_user, technician)

    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_members_cannot_run_dispatcher_transitions(booking, member):
    with pytest.raises(NotAllowed):
        actions.booking_confirm(booking_id=booking.pk, actor_id=member.user_id)


def test_another_member_cannot_cancel(booking, other_member):
    with pytest.raises(NotAllowed):
        actions.booking_cancel(booking_id=booking.pk, actor_id=other_member.user_id)
    assert Booking.objects.get(pk=booking.pk).status == S.REQUESTED


def test_dealer_staff_may_cancel_only_their_dealers_bookings(member, slot, address):
    staff = DealerStaffFactory()
    theirs = actions.booking_create(
        member_id=member.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address=address,
        source="dealer_api",
        dealer_id=staff.dealer_id,
        actor_id=staff.pk,
    )
    portal = actions.booking_create(
        member_id=member.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address=address,
        source="portal",
    )

    actions.booking_cancel(booking_id=theirs.pk, actor_id=staff.pk)
    with pytest.raises(NotAllowed):
        actions.booking_cancel(booking_id=portal.pk, actor_id=staff.pk)


def test_member_cannot_cancel_after_the_cut_off_but_a_dispatcher_can(
    booking, member, staff_user, settings
):
    settings.SERVICES_CANCEL_CUTOFF_HOURS = 24
    late = booking.slot.starts_at - dt.timedelta(hours=23)

    with time_machine.travel(late):
        with pytest.raises(CutOffPassed):
            actions.booking_cancel(booking_id=booking.pk, actor_id=member.user_id)
        actions.booking_cancel(booking_id=booking.pk, actor_id=staff_user.pk)
    assert Booking.objects.get(pk=booking.pk).status == S.CANCELLED


def test_reschedule_moves_capacity_and_unassigns(
    booking, member, region, staff_user, technician
):
    _bring_to(booking, S.ASSIGNED, staff_user, technician)
    other = SlotFactory(region=region, date=booking.slot.date + dt.timedelta(days=1))

    moved = actions.booking_reschedule(
        booking_id=booking.pk, slot_id=other.pk, actor_id=member.user_id
    )

    assert moved.slot_id == other.pk
    assert moved.status == S.CONFIRMED and moved.technician_id is None
    assert Slot.objects.get(pk=booking.slot_id).booked == 0
    assert Slot.objects.get(pk=other.pk).booked == 1


def test_reschedule_into_a_full_slot_changes_nothing(booking, member, region):
    full = SlotFactory(
        region=region,
        date=booking.slot.date + dt.timedelta(days=1),
        capacity=1,
        booked=1,
    )

    with pytest.raises(SlotFull):
        actions.booking_reschedule(
            booking_id=booking.pk, slot_id=full.pk, actor_id=member.user_id
        )
    booking.refresh_from_db()
    assert Slot.objects.get(pk=booking.slot_id).booked == 1
    assert Slot.objects.get(pk=full.pk).booked == 1


def test_technician_cannot_take_two_bookings_in_one_slot(
    member, slot, address, staff_user, technician
):
    a, b = (
        actions.booking_create(
            member_id=member.pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address=address,
            source="portal",
        )
        for _ in range(2)
    )
    for x in (a, b):
        actions.booking_confirm(booking_id=x.pk, actor_id=staff_user.pk)
    actions.booking_assign(
        booking_id=a.pk, technician_id=technician.pk, actor_id=staff_user.pk
    )

    with pytest.raises(TechnicianUnavailable):
        actions.booking_assign(
            booking_id=b.pk, technician_id=technician.pk, actor_id=staff_user.pk
        )


def test_technician_outside_the_region_is_refused(booking, staff_user):
    stranger = TechnicianFactory(regions=[])
    actions.booking_confirm(booking_id=booking.pk, actor_id=staff_user.pk)

    with pytest.raises(TechnicianUnavailable):
        actions.booking_assign(
            booking_id=booking.pk, technician_id=stranger.pk, actor_id=staff_user.pk
        )


def test_assigned_technician_may_start_and_complete(booking, staff_user, technician):
    _bring_to(booking, S.ASSIGNED, staff_user, technician)

    actions.booking_start(booking_id=booking.pk, actor_id=technician.user_id)
    actions.booking_complete(booking_id=booking.pk, actor_id=technician.user_id)

    assert Booking.objects.get(pk=booking.pk).status == S.COMPLETED


def test_no_show_cannot_be_recorded_before_the_slot(booking, staff_user):
    actions.booking_confirm(booking_id=booking.pk, actor_id=staff_user.pk)

    with pytest.raises(InvalidTransition):
        actions.booking_mark_no_show(booking_id=booking.pk, actor_id=staff_user.pk)


def test_completion_sends_booking_completed_once(
    booking, staff_user, technician, django_capture_on_commit_callbacks
):
    seen = []

    def receiver(sender, **kw):
        seen.append(kw)

    signals.booking_completed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _bring_to(booking, S.COMPLETED, staff_user, technician)
    finally:
        signals.booking_completed.disconnect(receiver)

    assert [(k["booking_id"], k["service_type_code"]) for k in seen] == [
        (booking.pk, "annual_check")
    ]
    assert booking.member.notifications.filter(
        key=f"services:booking:{booking.pk}:review-invite"
    ).exists()


def test_details_update_changes_notes_and_address_until_finished(
    booking, staff_user, technician
):
    from services.exceptions import OutsideServiceArea

    actions.booking_details_update(
        booking_id=booking.pk,
        notes="带梯子",
        address={**booking.address, "detail": "新址 2 号"},
    )
    with pytest.raises(OutsideServiceArea):
        actions.booking_details_update(
            booking_id=booking.pk, address={**booking.address, "city": "上海"}
        )
    _bring_to(booking, S.COMPLETED, staff_user, technician)

    assert booking.notes == "带梯子" and booking.address["detail"] == "新址 2 号"
    with pytest.raises(InvalidTransition):
        actions.booking_details_update(booking_id=booking.pk, notes="late")


def test_members_and_dealers_book_only_for_themselves(
    member, other_member, slot, address
):
    staff = DealerStaffFactory()
    other_dealer = DealerStaffFactory()

    with pytest.raises(NotAllowed):
        actions.booking_create(
            member_id=member.pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address=address,
            source="portal",
            actor_id=other_member.user_id,
        )
    with pytest.raises(NotAllowed):
        actions.booking_create(
            member_id=member.pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address=address,
            source="dealer_api",
            dealer_id=other_dealer.dealer_id,
            actor_id=staff.pk,
        )
    booking = actions.booking_create(
        member_id=member.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address=address,
        source="dealer_api",
        actor_id=staff.pk,
    )
    assert booking.dealer_id == staff.dealer_id
