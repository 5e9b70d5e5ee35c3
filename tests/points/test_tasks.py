import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from members.models import Notification
from points import actions, tasks
from points.models import Account, DriftReport, LedgerEntry, Lot

pytestmark = pytest.mark.django_db


def _old_points(member, points=100, key="old", days_ago=800):
    with time_machine.travel(timezone.now() - dt.timedelta(days=days_ago)):
        return actions.points_earn(
            member_id=member.pk, points=points, reason="old", key=key
        )


def test_expiry_expires_only_remaining_of_due_lots(member, invariants):
    old = _old_points(member)
    with time_machine.travel(timezone.now() - dt.timedelta(days=790)):
        actions.points_spend(member_id=member.pk, points=30, reason="x", key="s")
    actions.points_earn(member_id=member.pk, points=50, reason="new", key="new")

    assert tasks.expire_due_points() == 70
    assert tasks.expire_due_points() == 0

    assert Lot.objects.get(entry=old).remaining == 0
    assert Account.objects.get(member=member).balance == 50
    entry = LedgerEntry.objects.get(kind="expire")
    assert entry.points == -70 and entry.balance_after == 50
    invariants()


def test_default_expiry_is_24_months_end_of_day(member):
    entry = actions.points_earn(member_id=member.pk, points=1, reason="x", key="x")
    lot = Lot.objects.get(entry=entry)
    local_earned = timezone.localtime(lot.earned_at).date()
    local_expiry = timezone.localtime(lot.expires_at)
    assert (local_expiry.year - local_earned.year) * 12 + (
        local_expiry.month - local_earned.month
    ) == 24
    assert (local_expiry.hour, local_expiry.minute) == (23, 59)


def test_expiry_mode_end_of_next_year(member):
    from points.models import PointsSettings

    conf = PointsSettings.load()
    conf.expiry_mode = PointsSettings.ExpiryMode.END_OF_NEXT_YEAR
    conf.save()
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC)):
        entry = actions.points_earn(member_id=member.pk, points=1, reason="x", key="x")
    expiry = timezone.localtime(Lot.objects.get(entry=entry).expires_at)
    assert (expiry.year, expiry.month, expiry.day) == (2027, 12, 31)


def test_expiry_reminder_once_per_batch(member):
    soon = timezone.now() + dt.timedelta(days=20)
    actions.points_earn(
        member_id=member.pk, points=40, reason="a", key="a", expires_at=soon
    )
    actions.points_earn(
        member_id=member.pk, points=60, reason="b", key="b", expires_at=soon
    )
    actions.points_earn(
        member_id=member.pk,
        points=5,
        reason="c",
        key="c",
        expires_at=timezone.now() + dt.timedelta(days=90),
    )

    assert tasks.send_expiry_reminders() == 1
    assert tasks.send_expiry_reminders() == 0

    note = Notification.objects.get(member=member)
    assert "100" in note.title


def test_reminder_window_follows_setting(member):
    from points.models import PointsSettings

    actions.points_earn(
        member_id=member.pk,
        points=10,
        reason="a",
        key="a",
        expires_at=timezone.now() + dt.timedelta(days=50),
    )
    assert tasks.send_expiry_reminders() == 0
    conf = PointsSettings.load()
    conf.reminder_days = 60
    conf.save()
    assert tasks.send_expiry_reminders() == 1


def test_reconciliation_reports_drift_without_fixing_it(member, invariants):
    actions.points_earn(member_id=member.pk, points=100, reason="a", key="a")
    assert tasks.reconcile_balances() == 0

    Account.objects.filter(member=member).update(balance=150)  # simulated corruption
    assert tasks.reconcile_balances() == 1
    assert tasks.reconcile_balances() == 0  # already reported, not resolved yet

    report = DriftReport.objects.get()
    assert (report.balance, report.ledger_sum, report.lots_sum) == (150, 100, 100)
    assert Account.objects.get(member=member).balance == 150  # never fixed silently


def test_beat_schedule_registered_by_migration():
    from django_celery_beat.models import PeriodicTask

    tasks_registered = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {
        "points.tasks.expire_due_points",
        "points.tasks.send_expiry_reminders",
        "points.tasks.reconcile_balances",
        "points.tasks.release_pending_points",
    } <= tasks_registered
    expire = PeriodicTask.objects.get(task="points.tasks.expire_due_points")
    assert str(expire.crontab.timezone) == "Asia/Shanghai"


def test_seed_demo_points_is_idempotent(invariants):
    from django.core.management import call_command

    call_command("seed_demo", "--only-members", "--force", verbosity=0)
    call_command("seed_demo_points")
    counts = (LedgerEntry.objects.count(), Lot.objects.count())
    call_command("seed_demo_points")

    assert counts == (LedgerEntry.objects.count(), Lot.objects.count())
    assert counts[0] > 5
    assert Account.objects.filter(balance__lt=0).exists()  # the demo debt
    invariants()
