"""notification_send: the one helper every app uses to tell a member something."""

import pytest
from django.core import mail

from members import sms
from members.actions import member_close, notification_send
from members.models import Notification
from members.tasks import notification_deliver
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def test_notification_reaches_inbox_email_and_sms_after_commit(
    django_capture_on_commit_callbacks,
):
    member = MemberFactory(user__email="li@example.com")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = notification_send(
            member_id=member.pk, title="升级", body="您已升级为银卡", sms=True
        )
        assert mail.outbox == [] and sms.outbox == []  # nothing before commit
    for callback in callbacks:
        callback()

    assert n.member_id == member.pk
    assert [m.to for m in mail.outbox] == [["li@example.com"]]
    assert sms.outbox == [{"phone": member.user.phone, "text": "升级 您已升级为银卡"}]


def test_notification_respects_member_preferences(django_capture_on_commit_callbacks):
    member = MemberFactory(
        user__email="li@example.com", notify_by_email=False, notify_by_sms=False
    )

    with django_capture_on_commit_callbacks(execute=True):
        notification_send(member_id=member.pk, title="t", body="b", sms="短信")

    assert mail.outbox == [] and sms.outbox == []
    assert Notification.objects.filter(member=member).count() == 1


def test_notification_without_sms_flag_sends_no_sms(django_capture_on_commit_callbacks):
    member = MemberFactory()

    with django_capture_on_commit_callbacks(execute=True):
        notification_send(member_id=member.pk, title="t")

    assert sms.outbox == []


def test_notification_is_idempotent_by_key(django_capture_on_commit_callbacks):
    member = MemberFactory(user__email="li@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        first = notification_send(member_id=member.pk, title="t", key="batch-1")
        second = notification_send(member_id=member.pk, title="t", key="batch-1")

    assert first is not None and second is None
    assert Notification.objects.filter(key="batch-1").count() == 1
    assert len(mail.outbox) == 1


def test_delivery_task_retried_sends_nothing_twice(django_capture_on_commit_callbacks):
    member = MemberFactory(user__email="li@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        n = notification_send(member_id=member.pk, title="t", sms=True)

    notification_deliver(n.pk)  # a duplicate delivery of the task

    assert len(mail.outbox) == 1 and len(sms.outbox) == 1


def test_closed_member_receives_nothing(django_capture_on_commit_callbacks):
    member = MemberFactory(user__email="li@example.com")
    member_close(member_id=member.pk)

    with django_capture_on_commit_callbacks(execute=True):
        result = notification_send(member_id=member.pk, title="t", sms=True)

    assert result is None and mail.outbox == [] and sms.outbox == []
