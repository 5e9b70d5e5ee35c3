"""Concurrency on PostgreSQL with real threads: never oversold, consumed once."""

import uuid

import pytest

from points.rewards.actions import redemption_place, voucher_consume
from points.rewards.exceptions import (
    LimitReached,
    NotEnoughPoints,
    OutOfStock,
    VoucherAlreadyUsed,
)
from points.rewards.models import Redemption, Voucher
from points.selectors import balance_for_member
from tests.concurrency import run_concurrently
from tests.factories import DealerFactory, MemberFactory
from tests.factories.rewards import RewardItemFactory, give_points, redeem

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_200_concurrent_redemptions_of_stock_5_sell_exactly_5(postgres):
    # given 200 members who can all afford an item with stock 5
    item = RewardItemFactory(stock=5, points_price=100)
    members = [MemberFactory() for _ in range(200)]
    for m in members:
        give_points(m, 100)

    # when they all redeem at the same moment
    def attempt(i):
        return redemption_place(
            member_id=members[i].pk, item_id=item.pk, quantity=1, key=str(uuid.uuid4())
        )

    results = run_concurrently(attempt, 200, workers=30)

    # then exactly 5 succeed, the rest are told it is out of stock
    won = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, OutOfStock)]
    assert len(won) == 5
    assert len(refused) == 195, {type(r) for r in results}
    item.refresh_from_db()
    assert item.stock == 0
    assert Redemption.objects.filter(item=item).count() == 5
    assert Voucher.objects.filter(redemption__item=item).count() == 5
    winners = {r.member_id for r in won}
    for m in members:
        assert balance_for_member(m.pk) == (0 if m.pk in winners else 100)


def test_one_member_redeeming_concurrently_cannot_go_past_the_balance(postgres):
    # given a member with points for 3 of 10 different items
    member = MemberFactory()
    give_points(member, 1000)
    items = [RewardItemFactory(points_price=300) for _ in range(10)]

    # when they redeem all ten at once
    def attempt(i):
        return redeem(member, items[i])

    results = run_concurrently(attempt, 10)

    # then three succeed and the balance never went below zero
    assert sum(isinstance(r, Redemption) for r in results) == 3
    assert sum(isinstance(r, NotEnoughPoints) for r in results) == 7
    assert balance_for_member(member.pk) == 100


def test_one_member_redeeming_concurrently_cannot_pass_the_limit(postgres):
    member = MemberFactory()
    give_points(member, 100_000)
    item = RewardItemFactory(points_price=100, per_member_limit=2, stock=None)

    results = run_concurrently(lambda i: redeem(member, item), 12)

    assert sum(isinstance(r, Redemption) for r in results) == 2
    assert sum(isinstance(r, LimitReached) for r in results) == 10
    assert balance_for_member(member.pk) == 100_000 - 200


def test_the_same_key_submitted_twice_at_once_redeems_once(postgres):
    member = MemberFactory()
    give_points(member, 10_000)
    item = RewardItemFactory(points_price=100)

    results = run_concurrently(lambda i: redeem(member, item, key="double-click"), 8)

    assert {r.pk for r in results if isinstance(r, Redemption)} == {
        Redemption.objects.get().pk
    }
    assert all(isinstance(r, Redemption) for r in results), results
    assert balance_for_member(member.pk) == 9_900


def test_20_concurrent_consumes_of_one_voucher_succeed_once(postgres):
    # given one cash voucher and 20 dealers
    member = MemberFactory()
    give_points(member, 1000)
    code = redeem(member, RewardItemFactory()).vouchers.get().code
    dealers = [DealerFactory() for _ in range(20)]

    # when all consume it at the same moment
    def attempt(i):
        return voucher_consume(code=code, dealer_id=dealers[i].pk, order_no=f"SO-{i}")

    results = run_concurrently(attempt, 20)

    # then one wins and 19 are told it is used
    won = [r for r in results if isinstance(r, Voucher)]
    assert len(won) == 1
    assert sum(isinstance(r, VoucherAlreadyUsed) for r in results) == 19
    voucher = Voucher.objects.get(code=code)
    assert voucher.used_by_dealer_id == won[0].used_by_dealer_id


def test_concurrent_mix_of_redemptions_and_cancellations_keeps_the_invariants(
    postgres,
):
    import random

    from django.db.models import Sum

    from points.models import Account, LedgerEntry
    from points.rewards.actions import redemption_cancel
    from points.rewards.exceptions import NotCancellable, RedemptionRefused

    # given members with points, items, and some redemptions already placed
    rng = random.Random(8)
    members = [MemberFactory() for _ in range(8)]
    for m in members:
        give_points(m, 3000)
    items = [
        RewardItemFactory(stock=6, points_price=400),
        RewardItemFactory(stock=None, points_price=700, per_member_limit=2),
        RewardItemFactory(gift=True, stock=4, points_price=300),
    ]
    start_stock = {i.pk: i.stock for i in items}
    placed = [redeem(m, items[n % 2]) for n, m in enumerate(members)]
    jobs = [("cancel", r.pk) for r in placed] * 2  # every one cancelled twice
    jobs += [
        ("redeem", (rng.choice(members), rng.choice(items), rng.randint(1, 2)))
        for _ in range(32)
    ]
    rng.shuffle(jobs)

    # when they all run at once
    def run(i):
        what, arg = jobs[i]
        if what == "cancel":
            return redemption_cancel(redemption_id=arg)
        member, item, quantity = arg
        return redeem(member, item, quantity=quantity)

    results = run_concurrently(run, len(jobs), workers=24)

    # then nothing failed but the expected refusals (no deadlock, no error)
    unexpected = [
        r
        for r in results
        if isinstance(r, Exception)
        and not isinstance(r, RedemptionRefused | NotCancellable)
    ]
    assert unexpected == []
    # every cancelled redemption was refunded exactly once
    for r in placed:
        r.refresh_from_db()
        assert r.status == Redemption.Status.CANCELLED
        assert (
            LedgerEntry.objects.filter(key=f"rewards:redemption:{r.pk}:refund").count()
            == 1
        )
    # balances equal their ledgers and never went below zero
    for m in members:
        account = Account.objects.get(member=m)
        ledger = LedgerEntry.objects.filter(account=account).aggregate(s=Sum("points"))[
            "s"
        ]
        held = (
            Redemption.objects.filter(member=m)
            .exclude(status="cancelled")
            .aggregate(s=Sum("points"))["s"]
            or 0
        )
        assert account.balance == ledger == 3000 - held
        assert account.balance >= 0
    # and stock plus units held equals the starting stock
    for item in items:
        item.refresh_from_db()
        held = (
            Redemption.objects.filter(item=item)
            .exclude(status="cancelled")
            .aggregate(s=Sum("quantity"))["s"]
            or 0
        )
        if start_stock[item.pk] is not None:
            assert item.stock + held == start_stock[item.pk]
            assert item.stock >= 0
