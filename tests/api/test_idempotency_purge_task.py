"""The daily Celery task purges expired idempotency keys and nothing else."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from services.api.models import IdempotencyRecord
from services.tasks import purge_idempotency_records
from tests.factories.members import DealerFactory


def _record(dealer, key):
    return IdempotencyRecord.objects.create(
        dealer=dealer,
        key=key,
        method="POST",
        path="/api/v1/customers/",
        fingerprint="0" * 64,
        status_code=201,
        response_body={"id": 1},
    )


@pytest.mark.django_db
def test_purge_task_deletes_only_keys_past_their_keeping_time(settings):
    # given keys kept 48 hours: one written 3 days ago, one an hour ago
    settings.DEALER_API_IDEMPOTENCY_HOURS = 48
    dealer = DealerFactory()
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=3)):
        _record(dealer, "old")
    with time_machine.travel(now - timedelta(hours=1)):
        _record(dealer, "fresh")

    # when the daily task runs (twice: a duplicate delivery)
    first = purge_idempotency_records.apply().get()
    again = purge_idempotency_records.apply().get()

    # then only the expired key is gone
    assert (first, again) == (1, 0)
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


@pytest.mark.django_db
def test_purge_task_is_in_the_beat_schedule_daily_in_shanghai_time():
    task = PeriodicTask.objects.get(task="services.tasks.purge_idempotency_records")
    assert task.enabled
    assert task.crontab.timezone.key == "Asia/Shanghai"
    assert task.crontab.day_of_week == "*" and task.crontab.day_of_month == "*"
