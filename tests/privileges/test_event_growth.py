"""Attending a member event earns tier growth (interaction: activity), once."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from privileges import actions
from privileges.tasks import privileges_event_participation_growth
from tests.factories.members import MemberFactory
from tests.factories.privileges import MemberEventFactory
from tiers.models import GrowthEvent

pytestmark = pytest.mark.django_db


def _attended_event(*members, hours_ago=3):
    """An event whose sign-ups were taken before it started, now in the past."""
    starts = timezone.now() + datetime.timedelta(days=2)
    event = MemberEventFactory(
        starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )
    signups = [actions.event_signup(event_id=event.pk, member_id=m.pk) for m in members]
    later = starts + datetime.timedelta(hours=2 + hours_ago)
    return event, signups, later


def test_attending_an_event_credits_activity_growth_once(member, settings):
    settings.PRIVILEGES_EVENT_GROWTH = 45
    _, signups, later = _attended_event(member)

    with time_machine.travel(later, tick=False):
        first = privileges_event_participation_growth.delay().get()
        second = privileges_event_participation_growth.delay().get()

    events = GrowthEvent.objects.filter(member=member, source="activity")
    assert first == 1 and second == 0
    assert events.count() == 1
    event = events.get()
    assert event.dimension == "interaction" and event.raw_value == 45
    assert event.key == f"privileges:event-attended:{signups[0].pk}"


def test_cancelled_place_and_other_members_earn_nothing(member, other_member):
    bystander = MemberFactory()
    _, signups, later = _attended_event(member, other_member)
    actions.event_signup_cancel(signup_id=signups[1].pk, member_id=other_member.pk)

    with time_machine.travel(later, tick=False):
        credited = actions.event_participation_growth_record()

    assert credited == 1
    assert GrowthEvent.objects.filter(member=member, source="activity").count() == 1
    assert not GrowthEvent.objects.filter(
        member=other_member, source="activity"
    ).exists()
    assert not GrowthEvent.objects.filter(member=bystander).exists()


def test_event_still_running_or_to_come_earns_nothing_yet(member):
    event, _, _ = _attended_event(member)

    during = event.starts_at + datetime.timedelta(hours=1)
    with time_machine.travel(during, tick=False):
        assert actions.event_participation_growth_record() == 0
    assert actions.event_participation_growth_record() == 0  # now: not yet started
    assert not GrowthEvent.objects.filter(member=member, source="activity").exists()


def test_a_missed_run_is_caught_up_within_the_lookback_only(member, settings):
    settings.PRIVILEGES_EVENT_GROWTH_LOOKBACK_DAYS = 7
    _, _, later = _attended_event(member)

    with time_machine.travel(later + datetime.timedelta(days=8), tick=False):
        too_late = actions.event_participation_growth_record()
    with time_machine.travel(later + datetime.timedelta(days=3), tick=False):
        caught_up = actions.event_participation_growth_record()

    assert too_late == 0 and caught_up == 1


def test_growth_task_is_on_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="privileges: event participation growth")
    assert task.task == "privileges.tasks.privileges_event_participation_growth"
    assert task.enabled
