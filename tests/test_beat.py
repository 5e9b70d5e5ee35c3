"""Periodic tasks are registered once, and re-registering keeps operators' choices."""

import pytest
from django.apps import apps
from django_celery_beat.models import PeriodicTask

from members.beat import schedule_register

pytestmark = pytest.mark.django_db
TASKS = [
    ("test: nightly job", "tests.nightly", "5", "2"),
    ("test: monthly", "tests.monthly", "0", "1", "1"),
]


def test_register_creates_enabled_tasks_on_shanghai_crontabs():
    schedule_register(apps, TASKS)

    nightly = PeriodicTask.objects.get(name="test: nightly job")
    monthly = PeriodicTask.objects.get(name="test: monthly")
    assert nightly.enabled and nightly.task == "tests.nightly"
    assert (nightly.crontab.minute, nightly.crontab.hour) == ("5", "2")
    assert str(nightly.crontab.timezone) == "Asia/Shanghai"
    assert monthly.crontab.day_of_month == "1"


def test_registering_again_changes_nothing_and_keeps_a_task_switched_off():
    schedule_register(apps, TASKS)
    PeriodicTask.objects.filter(name="test: nightly job").update(enabled=False)
    count = PeriodicTask.objects.count()

    schedule_register(apps, TASKS)

    assert PeriodicTask.objects.count() == count
    assert not PeriodicTask.objects.get(name="test: nightly job").enabled
