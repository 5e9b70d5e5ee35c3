"""Races on PostgreSQL with real threads: one phone, one code, one key."""

import pytest
from django.db import close_old_connections

from members import actions
from members.exceptions import CodeInvalid, PhoneTaken
from members.models import Member, Notification, User
from tests.concurrency import run_concurrently
from tests.factories.members import DealerFactory, MemberFactory, PhoneCodeFactory

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "13912345678"


def test_concurrent_registrations_of_one_number_create_one_member(postgres):
    def register(i):
        close_old_connections()
        return actions.member_register(
            phone=PHONE, name=f"并发{i}", password="Warm-Winter-2026"
        )

    results = run_concurrently(register, 6)

    assert sum(isinstance(r, Member) for r in results) == 1
    assert all(isinstance(r, (Member, PhoneTaken)) for r in results), results
    assert User.objects.filter(phone=PHONE).count() == 1


def test_a_code_used_by_two_requests_at_once_registers_once(postgres):
    PhoneCodeFactory(phone=PHONE, code="123456")

    def register(i):
        return actions.member_register_with_code(
            phone=PHONE, code="123456", name=f"并发{i}", password="Warm-Winter-2026"
        )

    results = run_concurrently(register, 4)

    assert sum(isinstance(r, Member) for r in results) == 1
    assert all(isinstance(r, (Member, CodeInvalid)) for r in results), results
    assert Member.objects.filter(user__phone=PHONE).count() == 1


def test_concurrent_dealer_enrolments_of_one_number_create_one_member(postgres):
    dealers = [DealerFactory() for _ in range(4)]

    def enrol(i):
        return actions.member_enrol_by_dealer(
            dealer_id=dealers[i].pk, phone=PHONE, name="赵女士"
        )

    results = run_concurrently(enrol, 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(created for _member, created in results) == 1
    member = Member.objects.get(user__phone=PHONE)
    assert member.dealer_links.count() == 4


def test_notification_with_one_key_sent_at_once_is_written_once(postgres):
    member = MemberFactory()

    results = run_concurrently(
        lambda i: actions.notification_send(
            member_id=member.pk, title="提醒", key="batch-2026-11"
        ),
        5,
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r is not None for r in results) == 1
    assert Notification.objects.filter(key="batch-2026-11").count() == 1
