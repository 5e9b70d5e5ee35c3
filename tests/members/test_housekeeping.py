"""Daily housekeeping: old sign-in failures and codes are forgotten, once."""

import pytest
import time_machine
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from members.models import PhoneCode, SignInFailure
from members.tasks import members_housekeeping

pytestmark = pytest.mark.django_db


def _code(created_at):
    return PhoneCode.objects.create(
        phone="13912345678",
        purpose=PhoneCode.Purpose.REGISTER,
        code_hash="x",
        created_at=created_at,
        expires_at=created_at + timezone.timedelta(minutes=10),
    )


def test_housekeeping_forgets_only_what_is_past_its_window():
    now = timezone.now()
    old_failure = SignInFailure.objects.create(
        identifier="13912345678", created_at=now - timezone.timedelta(hours=1)
    )
    fresh_failure = SignInFailure.objects.create(identifier="13912345678")
    old_code, fresh_code = _code(now - timezone.timedelta(days=8)), _code(now)

    first = members_housekeeping()
    second = members_housekeeping()

    assert first == {"signin_failures": 1, "phone_codes": 1}
    assert second == {"signin_failures": 0, "phone_codes": 0}
    assert not SignInFailure.objects.filter(pk=old_failure.pk).exists()
    assert SignInFailure.objects.filter(pk=fresh_failure.pk).exists()
    assert not PhoneCode.objects.filter(pk=old_code.pk).exists()
    assert PhoneCode.objects.filter(pk=fresh_code.pk).exists()


def test_housekeeping_is_scheduled_in_the_database_scheduler():
    task = PeriodicTask.objects.get(task="members.tasks.members_housekeeping")

    assert task.enabled
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_old_failures_no_longer_lock_after_the_window(
    client, member, password, settings
):
    from django.urls import reverse

    settings.MEMBERS_LOCKOUT_FAILURES = 2
    start = timezone.now()
    with time_machine.travel(start):
        for _ in range(2):
            client.post(
                reverse("members:login"),
                {"username": member.user.phone, "password": "wrong"},
            )
    with time_machine.travel(start + timezone.timedelta(minutes=20)):
        members_housekeeping()
        response = client.post(
            reverse("members:login"),
            {"username": member.user.phone, "password": password},
        )

    assert response.status_code == 302
    assert not SignInFailure.objects.exists()
