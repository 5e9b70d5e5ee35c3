import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from members.models import Notification
from privileges import actions, tasks
from tests.factories.members import MemberFactory
from tests.factories.privileges import MemberEventFactory

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def test_event_reminders_go_once_to_members_attending_tomorrow():
    # given an event tomorrow with two places taken (one cancelled) and one next week
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    starts = datetime.datetime.combine(tomorrow, datetime.time(14), tzinfo=SHANGHAI)
    event = MemberEventFactory(starts_at=starts)
    later = MemberEventFactory(starts_at=starts + datetime.timedelta(days=7))
    going, cancelled, other = MemberFactory(), MemberFactory(), MemberFactory()
    actions.event_signup(event_id=event.pk, member_id=going.pk)
    gone = actions.event_signup(event_id=event.pk, member_id=cancelled.pk)
    actions.event_signup_cancel(signup_id=gone.pk)
    actions.event_signup(event_id=later.pk, member_id=other.pk)
    # when the daily task runs twice
    assert tasks.privileges_event_reminders() == 1
    tasks.privileges_event_reminders()
    # then only the member going tomorrow is reminded, once
    reminders = Notification.objects.filter(key__startswith="event-reminder:")
    assert [n.member_id for n in reminders] == [going.pk]


def test_event_reminders_are_scheduled_in_beat():
    # (re-applied: a transactional test elsewhere may have flushed the table)
    migration = importlib.import_module("privileges.migrations.0003_beat_schedule")
    migration.register(apps, None)
    migration.register(apps, None)  # idempotent
    task = PeriodicTask.objects.get(task="privileges.tasks.privileges_event_reminders")
    assert task.enabled and str(task.crontab.timezone) == "Asia/Shanghai"
