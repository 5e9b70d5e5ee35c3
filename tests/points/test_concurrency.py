"""Real concurrent transactions on PostgreSQL (skipped on SQLite)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from points import actions
from points.exceptions import InsufficientPoints
from points.models import Account, LedgerEntry, Lot
from tests.concurrency import run_concurrently
from tests.factories.points import EarningRuleFactory

from .conftest import assert_invariants

pytestmark = pytest.mark.django_db(transaction=True)


def test_100_concurrent_spends_against_balance_for_10_exactly_10_succeed(
    member, postgres
):
    for i in range(5):  # several lots, so spends cross lot boundaries
        actions.points_earn(member_id=member.pk, points=200, reason="seed", key=f"e{i}")

    results = run_concurrently(
        lambda i: actions.points_spend(
            member_id=member.pk, points=100, reason="gift", key=f"s{i}"
        ),
        100,
        workers=20,
    )

    ok = [r for r in results if isinstance(r, LedgerEntry)]
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert len(ok) == 10 and len(refused) == 90
    assert "Insufficient points" in str(refused[0]) or "积分不足" in str(refused[0])
    assert Account.objects.get(member=member).balance == 0
    assert_invariants()


def test_20_concurrent_earns_with_one_key_make_one_entry(member, postgres):
    results = run_concurrently(
        lambda i: actions.points_earn(
            member_id=member.pk, points=50, reason="once", key="same-key"
        ),
        20,
    )

    assert all(isinstance(r, LedgerEntry) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Account.objects.get(member=member).balance == 50
    assert_invariants()


def test_concurrent_first_earns_create_one_account(member, postgres):
    run_concurrently(
        lambda i: actions.points_earn(
            member_id=member.pk, points=1, reason="x", key=f"k{i}"
        ),
        10,
    )
    assert Account.objects.get(member=member).balance == 10


def test_expiry_run_twice_concurrently_gives_same_state_as_once(
    member, other_member, postgres
):
    past = timezone.now() - dt.timedelta(days=800)
    with time_machine.travel(past):
        for m in (member, other_member):
            for i in range(3):
                actions.points_earn(
                    member_id=m.pk, points=100, reason="old", key=f"{m.pk}-{i}"
                )
        actions.points_spend(member_id=member.pk, points=50, reason="gift", key="s")
    actions.points_earn(member_id=member.pk, points=70, reason="new", key="fresh")

    results = run_concurrently(lambda i: actions.points_expire_due(), 2)

    assert sorted(results) == [0, 550]
    assert LedgerEntry.objects.filter(kind="expire").count() == 2
    assert Account.objects.get(member=member).balance == 70
    assert Account.objects.get(member=other_member).balance == 0
    assert actions.points_expire_due() == 0
    assert_invariants()


@pytest.mark.parametrize("cap", ["cap_per_day", "cap_per_month", "cap_lifetime"])
def test_caps_hold_under_concurrency(member, postgres, cap):
    EarningRuleFactory(event_code="share-c", points=10, **{cap: 3})

    results = run_concurrently(
        lambda i: actions.custom_event_record(
            member_id=member.pk, event_code="share-c", key=f"k{i}"
        ),
        20,
    )

    assert sum(isinstance(r, LedgerEntry) for r in results) == 3
    assert Account.objects.get(member=member).balance == 30


def test_concurrent_spends_and_reversal_keep_invariants(member, postgres):
    earn = actions.points_earn(member_id=member.pk, points=1000, reason="seed", key="e")

    def op(i):
        if i == 0:
            return actions.points_reverse(entry_id=earn.pk, reason="refund", key="r")
        return actions.points_spend(
            member_id=member.pk, points=100, reason="x", key=f"s{i}"
        )

    run_concurrently(op, 15)

    assert not Lot.objects.filter(remaining__lt=0).exists()
    assert_invariants()


def test_concurrent_purchases_with_one_order_number_record_one(
    member, dealer, postgres
):
    from decimal import Decimal

    from points.exceptions import DuplicateOrder
    from points.models import Purchase

    results = run_concurrently(
        lambda i: actions.purchase_record(
            member_id=member.pk,
            order_no="SAME-1",
            purchased_at=timezone.now(),
            amount=Decimal("500"),
            items=[],
            dealer_id=dealer.pk,
        ),
        10,
    )

    assert sum(isinstance(r, Purchase) for r in results) == 1, results[:3]
    assert sum(isinstance(r, DuplicateOrder) for r in results) == 9
    assert LedgerEntry.objects.filter(source_type="purchase").count() == 1
    assert_invariants()
