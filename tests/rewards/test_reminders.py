"""Voucher expiry reminders: once per batch, only valid vouchers in the window."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from members.models import Notification
from points.rewards.actions import voucher_consume, voucher_expiry_reminders_send
from points.rewards.tasks import rewards_voucher_expiry_reminders
from tests.factories import DealerFactory
from tests.factories.rewards import RewardItemFactory, give_points, redeem

pytestmark = pytest.mark.django_db


def reminders(member):
    return Notification.objects.filter(
        member=member, key__startswith="rewards:voucher-expiry:"
    )


def test_members_are_reminded_once_per_batch_of_expiring_vouchers(member, other_member):
    # given a member with two vouchers expiring in 5 days and one in 60
    give_points(member, 10_000)
    give_points(other_member, 10_000)
    redeem(member, RewardItemFactory(voucher_valid_days=5), quantity=2)
    redeem(member, RewardItemFactory(voucher_valid_days=60))
    # and another member whose only soon-expiring voucher is already used
    used = redeem(other_member, RewardItemFactory(voucher_valid_days=5))
    voucher_consume(
        code=used.vouchers.get().code, dealer_id=DealerFactory().pk, order_no="1"
    )
    # when the daily job runs twice
    assert voucher_expiry_reminders_send(days=7) == 1
    assert rewards_voucher_expiry_reminders() == 0
    # then one message for the first member, about 2 vouchers, none for the other
    message = reminders(member).get()
    assert "2" in message.title
    assert not reminders(other_member).exists()
    # and the later voucher gets its own reminder when it comes into the window
    with time_machine.travel(timezone.now() + dt.timedelta(days=55)):
        assert voucher_expiry_reminders_send(days=7) == 1
    assert reminders(member).count() == 2


def test_the_reminder_job_is_scheduled_in_the_database():
    task = PeriodicTask.objects.get(name="rewards: voucher expiry reminders")
    assert task.task == "points.rewards.tasks.rewards_voucher_expiry_reminders"
    assert str(task.crontab.timezone) == "Asia/Shanghai"
    assert task.enabled
