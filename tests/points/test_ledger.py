import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from points import actions
from points.exceptions import (
    InsufficientPoints,
    NothingToReverse,
    NotReversible,
    PointsError,
)
from points.models import Account, LedgerEntry, Lot

pytestmark = pytest.mark.django_db


def test_earn_creates_account_entry_and_lot(member, invariants):
    entry = actions.points_earn(
        member_id=member.pk, points=300, reason="测试", key="k1"
    )

    account = Account.objects.get(member=member)
    assert account.balance == 300
    assert entry.kind == LedgerEntry.Kind.EARN and entry.balance_after == 300
    lot = Lot.objects.get(entry=entry)
    assert (lot.amount, lot.remaining) == (300, 300)
    invariants()


def test_earn_is_idempotent_by_key(member):
    first = actions.points_earn(member_id=member.pk, points=100, reason="a", key="same")
    again = actions.points_earn(member_id=member.pk, points=100, reason="a", key="same")

    assert again.pk == first.pk
    assert Account.objects.get(member=member).balance == 100


def test_earn_refuses_non_positive_points(member):
    with pytest.raises(ValueError):
        actions.points_earn(member_id=member.pk, points=0, reason="x", key="z")


def test_spend_consumes_soonest_expiring_lot_first(member, invariants):
    now = timezone.now()
    late = actions.points_earn(
        member_id=member.pk,
        points=100,
        reason="late",
        key="late",
        expires_at=now + dt.timedelta(days=300),
    )
    soon = actions.points_earn(
        member_id=member.pk,
        points=100,
        reason="soon",
        key="soon",
        expires_at=now + dt.timedelta(days=10),
    )

    actions.points_spend(member_id=member.pk, points=150, reason="gift", key="s1")

    assert Lot.objects.get(entry=soon).remaining == 0
    assert Lot.objects.get(entry=late).remaining == 50
    invariants()


def test_spend_more_than_balance_raises_clear_error_and_changes_nothing(member):
    actions.points_earn(member_id=member.pk, points=100, reason="a", key="e")

    with pytest.raises(InsufficientPoints) as info:
        actions.points_spend(member_id=member.pk, points=101, reason="b", key="s")

    assert "101" in str(info.value) and "100" in str(info.value)
    assert Account.objects.get(member=member).balance == 100
    assert not LedgerEntry.objects.filter(key="s").exists()


def test_spend_without_account_raises_insufficient(member):
    with pytest.raises(InsufficientPoints):
        actions.points_spend(member_id=member.pk, points=1, reason="b", key="s")


def test_reverse_earn_after_spending_leaves_a_debt_repaid_by_next_earn(
    member, invariants
):
    earn = actions.points_earn(member_id=member.pk, points=100, reason="a", key="e1")
    actions.points_spend(member_id=member.pk, points=80, reason="b", key="s1")

    actions.points_reverse(entry_id=earn.pk, reason="refund", key="r1")

    account = Account.objects.get(member=member)
    assert account.balance == -80 and account.debt == 80
    invariants()

    later = actions.points_earn(member_id=member.pk, points=50, reason="c", key="e2")
    assert Lot.objects.get(entry=later).remaining == 0
    assert Account.objects.get(member=member).balance == -30
    invariants()

    actions.points_earn(member_id=member.pk, points=100, reason="d", key="e3")
    assert Account.objects.get(member=member).balance == 70
    invariants()


def test_spend_cannot_take_balance_below_zero_while_in_debt(member):
    earn = actions.points_earn(member_id=member.pk, points=100, reason="a", key="e1")
    actions.points_spend(member_id=member.pk, points=100, reason="b", key="s1")
    actions.points_reverse(entry_id=earn.pk, reason="refund", key="r1")

    with pytest.raises(InsufficientPoints):
        actions.points_spend(member_id=member.pk, points=1, reason="b", key="s2")


def test_partial_reverse_takes_from_its_own_lot_first(member, invariants):
    now = timezone.now()
    other = actions.points_earn(
        member_id=member.pk,
        points=100,
        reason="soon",
        key="a",
        expires_at=now + dt.timedelta(days=5),
    )
    earn = actions.points_earn(member_id=member.pk, points=100, reason="late", key="b")

    actions.points_reverse(entry_id=earn.pk, reason="part", key="r", points=30)

    assert Lot.objects.get(entry=earn).remaining == 70
    assert Lot.objects.get(entry=other).remaining == 100
    invariants()


def test_reverse_more_than_left_is_refused(member):
    earn = actions.points_earn(member_id=member.pk, points=100, reason="a", key="e")
    actions.points_reverse(entry_id=earn.pk, reason="part", key="r1", points=60)

    with pytest.raises(NothingToReverse):
        actions.points_reverse(entry_id=earn.pk, reason="part", key="r2", points=41)
    actions.points_reverse(entry_id=earn.pk, reason="rest", key="r3")
    assert Account.objects.get(member=member).balance == 0


def test_reverse_redeem_restores_the_lots_it_took_from(member, invariants):
    earn = actions.points_earn(member_id=member.pk, points=100, reason="a", key="e")
    spend = actions.points_spend(member_id=member.pk, points=70, reason="gift", key="s")

    actions.points_reverse(entry_id=spend.pk, reason="cancelled", key="r")

    assert Lot.objects.get(entry=earn).remaining == 100
    assert Account.objects.get(member=member).balance == 100
    invariants()


def test_reverse_of_expiry_is_refused(member):
    with time_machine.travel(timezone.now() - dt.timedelta(days=800)):
        actions.points_earn(member_id=member.pk, points=10, reason="a", key="e")
    actions.points_expire_due()
    expire = LedgerEntry.objects.get(kind="expire")

    with pytest.raises(NotReversible):
        actions.points_reverse(entry_id=expire.pk, reason="x", key="r")


def test_adjust_needs_a_reason_and_records_the_actor(member, staff_user):
    with pytest.raises(PointsError):
        actions.points_adjust(
            member_id=member.pk, points=10, reason="  ", actor_id=staff_user.pk, key="a"
        )
    entry = actions.points_adjust(
        member_id=member.pk, points=10, reason="补录", actor_id=staff_user.pk, key="a"
    )
    assert entry.actor_id == staff_user.pk and entry.kind == "adjust"


def test_negative_adjust_cannot_go_below_zero(member, staff_user):
    actions.points_earn(member_id=member.pk, points=10, reason="a", key="e")
    with pytest.raises(InsufficientPoints):
        actions.points_adjust(
            member_id=member.pk,
            points=-11,
            reason="纠错",
            actor_id=staff_user.pk,
            key="a",
        )


def test_ledger_rows_cannot_be_updated_or_deleted_in_the_database(member, postgres):
    with time_machine.travel(timezone.now() - dt.timedelta(days=800)):
        actions.points_earn(member_id=member.pk, points=10, reason="a", key="e")
    actions.points_expire_due()
    entry = LedgerEntry.objects.get(kind="expire")  # nothing refers to it

    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(points=-1000)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM points_ledgerentry WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).points == -10


def test_ledger_rows_cannot_be_updated_on_any_database(member):
    entry = actions.points_earn(member_id=member.pk, points=10, reason="a", key="e")

    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(reason="changed")

    assert LedgerEntry.objects.get(pk=entry.pk).reason == "a"
