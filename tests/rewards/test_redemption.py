"""Redemption: one transaction for limits, stock, points and vouchers."""

import contextlib
import datetime as dt
import random

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from members.models import Notification
from points.models import Account, LedgerEntry
from points.rewards.actions import (
    redemption_cancel,
    redemption_fulfil,
    redemption_place,
    voucher_consume,
)
from points.rewards.exceptions import (
    FulfilmentRefused,
    LimitReached,
    NotCancellable,
    NotEnoughPoints,
    NotFulfillable,
    NotOnSale,
    OutOfStock,
    RedemptionRefused,
    TierTooLow,
)
from points.rewards.models import Redemption, RewardItem, Voucher
from points.selectors import balance_for_member
from tests.factories import DealerFactory, MemberFactory
from tests.factories.rewards import ADDRESS, RewardItemFactory, give_points, redeem
from tiers.models import Tier

pytestmark = pytest.mark.django_db


def ledger_sum(member) -> int:
    return (
        LedgerEntry.objects.filter(account__member=member).aggregate(s=Sum("points"))[
            "s"
        ]
        or 0
    )


def assert_points_invariant(member):
    account = Account.objects.get(member=member)
    assert account.balance == ledger_sum(member)
    assert account.balance >= 0


def test_redeeming_vouchers_debits_points_decrements_stock_and_issues_one_code_each(
    member, django_capture_on_commit_callbacks
):
    # given a member with 2,500 points and a ¥50 voucher for 1,000 points
    give_points(member, 2500)
    item = RewardItemFactory(stock=10)
    # when they redeem two
    with django_capture_on_commit_callbacks(execute=True):
        redemption = redeem(member, item, quantity=2)
    # then 2,000 points are gone, the stock is 8 and two distinct vouchers exist
    assert balance_for_member(member.pk) == 500
    item.refresh_from_db()
    assert item.stock == 8
    vouchers = list(redemption.vouchers.all())
    assert len(vouchers) == 2
    assert len({v.code for v in vouchers}) == 2
    assert all(v.value == item.voucher_value for v in vouchers)
    assert redemption.status == Redemption.Status.FULFILLED
    spend = LedgerEntry.objects.get(pk=redemption.spend_entry_id)
    assert spend.points == -2000
    assert (spend.source_type, spend.source_id) == ("redemption", redemption.pk)
    assert Notification.objects.filter(member=member, category="rewards").exists()
    assert_points_invariant(member)


def test_a_physical_gift_stays_placed_until_fulfilled_and_keeps_the_address(member):
    give_points(member, 1000)
    item = RewardItemFactory(gift=True, points_price=800)
    redemption = redeem(member, item)
    assert redemption.status == Redemption.Status.PLACED
    assert redemption.shipping_address["detail"] == ADDRESS["detail"]
    assert not redemption.vouchers.exists()
    # when an operator ships it
    redemption_fulfil(redemption_id=redemption.pk, note="SF 123")
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.FULFILLED
    assert redemption.fulfilled_at is not None
    assert redemption.note == "SF 123"


def test_a_physical_gift_without_an_address_is_refused(member):
    give_points(member, 1000)
    item = RewardItemFactory(gift=True, points_price=800)
    with pytest.raises(RedemptionRefused):
        redeem(member, item, shipping_address={"recipient": "张三"})
    assert balance_for_member(member.pk) == 1000


def test_not_enough_points_refuses_and_saves_nothing(member):
    # given a member short of points
    give_points(member, 1999)
    item = RewardItemFactory(stock=5)
    # when they try two vouchers
    with pytest.raises(NotEnoughPoints):
        redeem(member, item, quantity=2)
    # then nothing changed: no redemption, no voucher, stock and balance intact
    item.refresh_from_db()
    assert item.stock == 5
    assert not Redemption.objects.exists()
    assert not Voucher.objects.exists()
    assert balance_for_member(member.pk) == 1999
    assert_points_invariant(member)


def test_per_member_limit_counts_quantities_and_ignores_cancelled(member):
    give_points(member, 10_000)
    item = RewardItemFactory(per_member_limit=3, points_price=100)
    first = redeem(member, item, quantity=2)
    with pytest.raises(LimitReached):
        redeem(member, item, quantity=2)
    redeem(member, item, quantity=1)
    with pytest.raises(LimitReached):
        redeem(member, item)
    # a cancelled redemption frees its units
    redemption_cancel(redemption_id=first.pk)
    redeem(member, item, quantity=2)


def test_the_limit_is_per_member(member, other_member):
    give_points(member, 1000)
    give_points(other_member, 1000)
    item = RewardItemFactory(per_member_limit=1, points_price=100)
    redeem(member, item)
    redeem(other_member, item)


def test_stock_cannot_go_below_zero(member):
    give_points(member, 10_000)
    item = RewardItemFactory(stock=2, points_price=100)
    with pytest.raises(OutOfStock, match="2"):
        redeem(member, item, quantity=3)
    redeem(member, item, quantity=2)
    with pytest.raises(OutOfStock):
        redeem(member, item)
    item.refresh_from_db()
    assert item.stock == 0


def test_unlimited_stock_stays_unlimited(member):
    give_points(member, 10_000)
    item = RewardItemFactory(stock=None, points_price=100)
    redeem(member, item, quantity=5)
    item.refresh_from_db()
    assert item.stock is None


def test_minimum_tier_refuses_lower_tiers_and_admits_the_tier(member):
    from tiers.actions import tier_upgrade_buy

    give_points(member, 5000)
    silver = Tier.objects.get(rank=1)
    item = RewardItemFactory(min_tier=silver, points_price=100)
    with pytest.raises(TierTooLow):
        redeem(member, item)
    tier_upgrade_buy(member_id=member.pk, key="test-up")
    assert redeem(member, item).status == Redemption.Status.FULFILLED


def test_sale_window_and_inactive_items_are_refused(member):
    give_points(member, 5000)
    now = timezone.now()
    item = RewardItemFactory(
        sale_starts_at=now + dt.timedelta(days=1),
        sale_ends_at=now + dt.timedelta(days=3),
        points_price=100,
    )
    with pytest.raises(NotOnSale):
        redeem(member, item)
    with time_machine.travel(now + dt.timedelta(days=2), tick=False):
        redeem(member, item)
    with (
        time_machine.travel(now + dt.timedelta(days=3), tick=False),
        pytest.raises(NotOnSale),
    ):
        redeem(member, item)
    inactive = RewardItemFactory(is_active=False)
    with pytest.raises(NotOnSale):
        redeem(member, inactive)


@pytest.mark.parametrize("quantity", [0, -1, 21])
def test_a_quantity_out_of_range_is_refused(member, item, quantity):
    give_points(member, 100_000)
    with pytest.raises(RedemptionRefused):
        redeem(member, item, quantity=quantity)


def test_a_repeat_with_the_same_key_returns_the_first_redemption(member, item):
    give_points(member, 5000)
    first = redeem(member, item, key="same-key")
    again = redeem(member, item, key="same-key")
    assert again.pk == first.pk
    assert Redemption.objects.count() == 1
    assert balance_for_member(member.pk) == 4000


def test_another_member_cannot_reuse_a_key(member, other_member, item):
    give_points(member, 5000)
    give_points(other_member, 5000)
    redeem(member, item, key="k1")
    with pytest.raises(RedemptionRefused):
        redeem(other_member, item, key="k1")


def test_cancelling_twice_refunds_points_and_stock_once(member):
    # given a redemption of two vouchers
    give_points(member, 3000)
    item = RewardItemFactory(stock=10)
    redemption = redeem(member, item, quantity=2)
    # when it is cancelled twice
    redemption_cancel(redemption_id=redemption.pk, reason="changed mind")
    redemption_cancel(redemption_id=redemption.pk, reason="again")
    # then the points and the stock came back once, and the vouchers are void
    assert balance_for_member(member.pk) == 3000
    item.refresh_from_db()
    assert item.stock == 10
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.CANCELLED
    assert redemption.cancel_reason == "changed mind"
    assert set(redemption.vouchers.values_list("status", flat=True)) == {"void"}
    assert (
        LedgerEntry.objects.filter(account__member=member, kind="reverse").count() == 1
    )
    assert_points_invariant(member)


def test_a_void_voucher_cannot_be_consumed(member, item):
    give_points(member, 1000)
    redemption = redeem(member, item)
    code = redemption.vouchers.get().code
    redemption_cancel(redemption_id=redemption.pk)
    from points.rewards.exceptions import VoucherUnavailable

    with pytest.raises(VoucherUnavailable):
        voucher_consume(code=code, dealer_id=DealerFactory().pk, order_no="A1")


def test_a_redemption_with_a_used_voucher_cannot_be_cancelled(member, item):
    give_points(member, 1000)
    redemption = redeem(member, item)
    voucher_consume(
        code=redemption.vouchers.get().code, dealer_id=DealerFactory().pk, order_no="1"
    )
    with pytest.raises(NotCancellable):
        redemption_cancel(redemption_id=redemption.pk)
    assert balance_for_member(member.pk) == 0


def test_a_shipped_gift_cannot_be_cancelled_and_a_cancelled_one_not_fulfilled(member):
    give_points(member, 1000)
    item = RewardItemFactory(gift=True, points_price=100)
    shipped = redeem(member, item)
    redemption_fulfil(redemption_id=shipped.pk)
    with pytest.raises(NotCancellable):
        redemption_cancel(redemption_id=shipped.pk)
    placed = redeem(member, item)
    redemption_cancel(redemption_id=placed.pk)
    with pytest.raises(NotFulfillable):
        redemption_fulfil(redemption_id=placed.pk)


def test_a_member_cannot_cancel_someone_elses_redemption(member, other_member, item):
    give_points(member, 1000)
    redemption = redeem(member, item)
    with pytest.raises(NotCancellable):
        redemption_cancel(redemption_id=redemption.pk, member_id=other_member.pk)
    redemption_cancel(redemption_id=redemption.pk, member_id=member.pk)


def test_a_member_cannot_get_points_back_for_expired_vouchers(member):
    give_points(member, 1000)
    item = RewardItemFactory(voucher_valid_days=1)
    redemption = redeem(member, item)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        with pytest.raises(NotCancellable):
            redemption_cancel(redemption_id=redemption.pk, member_id=member.pk)
        # an operator still can
        redemption_cancel(redemption_id=redemption.pk)
    assert balance_for_member(member.pk) == 1000


def test_event_tickets_need_a_registered_fulfiller(member, clean_registry):
    give_points(member, 1000)
    clean_registry.unregister_fulfiller("event_ticket")
    item = RewardItemFactory(ticket=True, points_price=100, event_id=42)
    with pytest.raises(FulfilmentRefused):
        redeem(member, item)
    assert balance_for_member(member.pk) == 1000


def test_the_fulfiller_gets_the_params_and_cancel_undoes_it(member, clean_registry):
    # given privileges' fulfiller registered for event tickets
    calls = []
    clean_registry.register_fulfiller(
        "event_ticket",
        fulfil=lambda **kw: calls.append(("fulfil", kw)),
        cancel=lambda **kw: calls.append(("cancel", kw)),
    )
    give_points(member, 1000)
    item = RewardItemFactory(ticket=True, points_price=100, event_id=42)
    # when a member redeems two tickets, then cancels twice
    redemption = redeem(member, item, quantity=2)
    redemption_cancel(redemption_id=redemption.pk)
    redemption_cancel(redemption_id=redemption.pk)
    # then fulfil got the event id and cancel ran once
    assert calls == [
        (
            "fulfil",
            {
                "redemption_id": redemption.pk,
                "member_id": member.pk,
                "item_code": item.code,
                "quantity": 2,
                "params": {"event_id": 42},
            },
        ),
        ("cancel", {"redemption_id": redemption.pk}),
    ]
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.CANCELLED
    assert balance_for_member(member.pk) == 1000


def test_a_refusing_fulfiller_rolls_everything_back(member, clean_registry):
    def full(**kwargs):
        raise FulfilmentRefused("活动名额已满")

    clean_registry.register_fulfiller(
        "event_ticket", fulfil=full, cancel=lambda **kw: None
    )
    give_points(member, 1000)
    item = RewardItemFactory(ticket=True, points_price=100, stock=3)
    with pytest.raises(FulfilmentRefused, match="活动名额已满"):
        redeem(member, item)
    item.refresh_from_db()
    assert item.stock == 3
    assert not Redemption.objects.exists()
    assert balance_for_member(member.pk) == 1000
    assert_points_invariant(member)


def test_service_voucher_fulfiller_gets_the_codes(member, clean_registry):
    seen = {}
    clean_registry.register_fulfiller(
        "service_voucher",
        fulfil=lambda **kw: seen.update(kw["params"]),
        cancel=lambda **kw: None,
    )
    give_points(member, 1000)
    item = RewardItemFactory(service=True, points_price=300)
    redemption = redeem(member, item)
    voucher = redemption.vouchers.get()
    assert seen == {
        "service_type_code": "pipe_cleaning",
        "voucher_codes": [voucher.code],
    }
    assert voucher.service_type_code == "pipe_cleaning"
    assert voucher.value is None


def test_a_tier_upgrade_moves_the_member_one_tier_up(member):
    from tiers.selectors import tier_for_member

    give_points(member, 50_000)
    item = RewardItemFactory(upgrade=True, points_price=5000)
    start = tier_for_member(member.pk).rank
    redeem(member, item)
    assert tier_for_member(member.pk).rank == start + 1
    with pytest.raises(RedemptionRefused):
        redeem(member, item, quantity=2)


def test_a_tier_upgrade_at_the_top_tier_is_refused_and_costs_nothing(member):
    from tiers.selectors import tier_for_member

    give_points(member, 50_000)
    item = RewardItemFactory(upgrade=True, points_price=1000)
    top = Tier.objects.order_by("-rank").first().rank
    while tier_for_member(member.pk).rank < top:
        redeem(member, item)
    spent = balance_for_member(member.pk)
    with pytest.raises(RedemptionRefused):
        redeem(member, item)
    assert balance_for_member(member.pk) == spent
    # and a bought upgrade cannot be refunded
    with pytest.raises(NotCancellable):
        redemption_cancel(redemption_id=Redemption.objects.first().pk)


def test_a_closed_member_cannot_redeem(member, item):
    give_points(member, 1000)
    member.closed_at = timezone.now()
    member.save(update_fields=["closed_at"])
    with pytest.raises(RedemptionRefused):
        redeem(member, item)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_points_and_stock_invariants_hold_after_any_mix(seed):
    # given members with points and a few items
    rng = random.Random(seed)
    members = [MemberFactory() for _ in range(3)]
    for m in members:
        give_points(m, rng.randint(500, 6000))
    items = [
        RewardItemFactory(stock=rng.randint(1, 6), points_price=rng.choice([100, 700])),
        RewardItemFactory(stock=None, points_price=300, per_member_limit=2),
        RewardItemFactory(gift=True, stock=4, points_price=250),
    ]
    initial_stock = {i.pk: i.stock for i in items}
    # when a random mix of redemptions, cancellations and repeats happens
    for _ in range(40):
        action = rng.random()
        placed = list(Redemption.objects.exclude(status="cancelled"))
        if action < 0.6 or not placed:
            with contextlib.suppress(RedemptionRefused):
                redeem(rng.choice(members), rng.choice(items), rng.randint(1, 3))
        else:
            with contextlib.suppress(NotCancellable):
                redemption_cancel(redemption_id=rng.choice(placed).pk)
    # then every balance equals its ledger, none is negative,
    for m in members:
        assert_points_invariant(m)
        held = (
            Redemption.objects.filter(member=m)
            .exclude(status="cancelled")
            .aggregate(s=Sum("points"))["s"]
            or 0
        )
        earned = LedgerEntry.objects.filter(account__member=m, kind="earn").aggregate(
            s=Sum("points")
        )["s"]
        assert balance_for_member(m.pk) == earned - held
    # and stock plus units held equals the starting stock
    for i in items:
        i.refresh_from_db()
        held = (
            Redemption.objects.filter(item=i)
            .exclude(status="cancelled")
            .aggregate(s=Sum("quantity"))["s"]
            or 0
        )
        if initial_stock[i.pk] is not None:
            assert i.stock + held == initial_stock[i.pk]
            assert i.stock >= 0
        if i.per_member_limit:
            for m in members:
                held_by_m = (
                    Redemption.objects.filter(item=i, member=m)
                    .exclude(status="cancelled")
                    .aggregate(s=Sum("quantity"))["s"]
                    or 0
                )
                assert held_by_m <= i.per_member_limit


def test_item_kind_fields_are_required_by_the_database(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RewardItem.objects.create(
            code="bad", kind="cash_voucher", name_zh="x", name_en="x", points_price=10
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RewardItem.objects.create(
            code="bad2", kind="event_ticket", name_zh="x", name_en="x", points_price=10
        )


def test_redemption_place_by_id_of_unknown_item_is_refused(member):
    with pytest.raises(NotOnSale):
        redemption_place(member_id=member.pk, item_id=999_999, quantity=1, key="x")


def test_a_fulfiller_refusing_the_cancellation_keeps_everything(member, clean_registry):
    # given an event ticket whose event has started (privileges refuses to cancel)
    def too_late(**kwargs):
        raise FulfilmentRefused("活动已开始，不能取消")

    clean_registry.register_fulfiller(
        "event_ticket", fulfil=lambda **kw: None, cancel=too_late
    )
    give_points(member, 1000)
    item = RewardItemFactory(ticket=True, points_price=100, stock=3)
    redemption = redeem(member, item)
    # when the member tries to cancel
    with pytest.raises(NotCancellable, match="活动已开始"):
        redemption_cancel(redemption_id=redemption.pk, member_id=member.pk)
    # then nothing was refunded
    redemption.refresh_from_db()
    item.refresh_from_db()
    assert redemption.status == Redemption.Status.FULFILLED
    assert item.stock == 2
    assert balance_for_member(member.pk) == 900
