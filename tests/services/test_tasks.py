import datetime as dt

import time_machine
from django.utils import timezone

from members.models import Notification
from services import actions, tasks
from services.models import Booking, Slot
from tests.factories import MemberFactory
from tests.factories.services import (
    RegisteredProductFactory,
    SlotFactory,
    SlotTemplateFactory,
)


def test_slot_generation_rolls_templates_out_and_is_idempotent(region, settings):
    settings.SERVICES_SLOT_WEEKS_AHEAD = 2
    SlotTemplateFactory(region=region, weekday=0, period="morning", capacity=4)
    SlotTemplateFactory(region=region, weekday=0, period="afternoon", capacity=2)
    start = dt.date(2026, 11, 23)  # a Monday

    first = actions.slots_generate(start=start)
    again = actions.slots_generate(start=start)

    assert (first, again) == (4, 0)
    mondays = Slot.objects.filter(region=region).order_by("date", "period")
    assert {s.date.weekday() for s in mondays} == {0}
    assert sorted(s.capacity for s in mondays) == [2, 2, 4, 4]


def test_slot_generation_keeps_dispatcher_edits(region):
    SlotTemplateFactory(region=region, weekday=0, period="morning", capacity=4)
    start = dt.date(2026, 11, 23)
    actions.slots_generate(start=start, weeks=1)
    Slot.objects.update(capacity=9)

    actions.slots_generate(start=start, weeks=1)

    assert list(Slot.objects.values_list("capacity", flat=True)) == [9]


def test_generate_slots_task_runs(region):
    SlotTemplateFactory(region=region, weekday=timezone.localdate().weekday())

    assert tasks.generate_slots.delay().get() >= 1


def test_annual_check_reminder_goes_once_per_member_per_season(settings, db):
    settings.SERVICES_ANNUAL_CHECK_REMINDER_MONTH = 9
    owner = RegisteredProductFactory().member
    MemberFactory()  # no product, no service: not reminded

    with time_machine.travel(dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)):
        sent = tasks.send_annual_check_reminders.delay().get()
    with time_machine.travel(dt.datetime(2026, 9, 2, 10, tzinfo=dt.UTC)):
        again = tasks.send_annual_check_reminders.delay().get()

    assert (sent, again) == (1, 0)
    assert Notification.objects.filter(
        member=owner, key=f"services:annual-check:2026:{owner.pk}"
    ).exists()


def test_annual_check_reminder_skips_other_months_and_members_already_booked(
    settings, region, address
):
    settings.SERVICES_ANNUAL_CHECK_REMINDER_MONTH = 9
    owner = RegisteredProductFactory().member
    booked = RegisteredProductFactory().member
    with time_machine.travel(dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)):
        slot = SlotFactory(region=region, date=dt.date(2026, 9, 10))
        actions.booking_create(
            member_id=booked.pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address=address,
            source="portal",
        )
    with time_machine.travel(dt.datetime(2026, 8, 31, 10, tzinfo=dt.UTC)):
        assert actions.annual_check_reminders_send() == 0

    with time_machine.travel(dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)):
        assert actions.annual_check_reminders_send() == 1

    assert Notification.objects.filter(member=owner).count() == 1
    assert not Notification.objects.filter(
        member=booked, category="services", key__startswith="services:annual"
    ).exists()


def test_follow_up_reminder_eleven_months_after_the_last_service(
    region, address, staff_user, technician
):
    member = MemberFactory()
    with time_machine.travel(dt.datetime(2025, 12, 1, 2, tzinfo=dt.UTC)):
        slot = SlotFactory(region=region, date=dt.date(2025, 12, 5))
        b = actions.booking_create(
            member_id=member.pk,
            service_type_code="pipe_cleaning",
            slot_id=slot.pk,
            address=address,
            source="portal",
        )
        actions.booking_confirm(booking_id=b.pk, actor_id=staff_user.pk)
        actions.booking_assign(
            booking_id=b.pk, technician_id=technician.pk, actor_id=staff_user.pk
        )
        actions.booking_complete(booking_id=b.pk, actor_id=staff_user.pk)

    with time_machine.travel(dt.datetime(2026, 10, 1, 2, tzinfo=dt.UTC)):
        assert actions.follow_up_reminders_send() == 0  # ten months
    with time_machine.travel(dt.datetime(2026, 11, 6, 2, tzinfo=dt.UTC)):
        assert actions.follow_up_reminders_send() == 1
        assert actions.follow_up_reminders_send() == 0
    assert Booking.objects.get(pk=b.pk).status == "completed"
