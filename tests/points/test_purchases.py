import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from points import actions
from points.exceptions import DuplicateOrder, PurchaseRejected, RefundRefused
from points.models import Account, EarningRule, LedgerEntry, PointsSettings, Purchase
from points.selectors import pending_for_member
from points.signals import purchase_recorded
from tests.factories import MemberFactory
from tests.factories.points import CampaignFactory
from tiers.models import Tier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _flat_tiers(db):
    """Purchases also feed tier growth; keep tier gifts and multipliers out of the sums."""
    Tier.objects.update(upgrade_gift_points=0, multiplier=Decimal("1"))


def _record(member, order_no="A-1", amount="1000.00", items=None, **kwargs):
    return actions.purchase_record(
        member_id=member.pk,
        order_no=order_no,
        purchased_at=kwargs.pop("purchased_at", timezone.now()),
        amount=Decimal(amount),
        items=items
        if items is not None
        else [
            {"sku": "R-1", "category": "radiator", "quantity": 1, "unit_price": amount}
        ],
        **kwargs,
    )


def balance(member) -> int:
    return Account.objects.get(member=member).balance


def _only_base_rule():
    EarningRule.objects.exclude(code="purchase-base").update(is_active=False)


def test_purchase_earns_base_rate_and_first_purchase_bonus(member, invariants):
    purchase = _record(member, amount="1000.00")

    first_bonus = EarningRule.objects.get(code="first-purchase").points
    assert purchase.points_earned == 1000 + first_bonus
    assert balance(member) == 1000 + first_bonus
    invariants()


def test_second_purchase_gets_no_first_purchase_bonus(member):
    _only_base_rule()
    EarningRule.objects.filter(code="first-purchase").update(is_active=True)
    _record(member, order_no="A-1", amount="100.00")

    second = _record(member, order_no="A-2", amount="100.00")

    assert second.points_earned == 100


def test_big_order_bonus_from_threshold(member):
    _only_base_rule()
    EarningRule.objects.filter(code="big-order").update(is_active=True)

    small = _record(member, order_no="A-1", amount="9999.99")
    big = _record(member, order_no="A-2", amount="10000.00")

    assert small.points_earned == 9999
    assert big.points_earned == 10000 + 2000


def test_stop_further_rule_skips_later_rules(member):
    EarningRule.objects.filter(code="purchase-base").update(stop_further=True)

    purchase = _record(member, amount="10000.00")

    assert purchase.points_earned == 10000


def test_campaign_multiplies_base_points_of_its_category_only(member):
    _only_base_rule()
    CampaignFactory(multiplier=Decimal("2"), product_category="radiator")

    purchase = _record(
        member,
        amount="300.00",
        items=[
            {"sku": "R", "category": "radiator", "unit_price": "100.00"},
            {"sku": "V", "category": "valve", "unit_price": "200.00"},
        ],
    )

    assert purchase.points_earned == 200 + 200


def test_preview_reports_rules_without_writing(member):
    preview = actions.purchase_preview(
        member_id=member.pk,
        order_no="P-1",
        purchased_at=timezone.now(),
        amount=Decimal("12000"),
        items=[{"sku": "R", "category": "radiator", "unit_price": "12000"}],
    )

    codes = {r["code"]: r["points"] for r in preview.rules}
    assert codes["purchase-base"] == 12000 and "big-order" in codes
    assert preview.points_earned == sum(codes.values())
    assert not Purchase.objects.exists() and not LedgerEntry.objects.exists()
    purchase = _record(member, order_no="P-1", amount="12000")
    assert purchase.points_earned == preview.points_earned


def test_duplicate_order_number_per_dealer_is_refused(member, dealer, other_member):
    _record(member, order_no="D-1", dealer_id=dealer.pk)

    with pytest.raises(DuplicateOrder):
        _record(other_member, order_no="D-1", dealer_id=dealer.pk)
    _record(other_member, order_no="D-1")  # another channel: fine


def test_bad_input_is_rejected_with_field(member):
    with pytest.raises(PurchaseRejected) as info:
        _record(member, amount="0")
    assert info.value.field == "amount"
    with pytest.raises(PurchaseRejected) as info:
        _record(member, purchased_at=timezone.now() + dt.timedelta(days=2))
    assert info.value.field == "purchased_at"
    assert not Purchase.objects.exists()


def test_receiver_can_reject_purchase_and_nothing_is_saved(member):
    def refuse(sender, **kwargs):
        raise PurchaseRejected("items", "serial taken")

    purchase_recorded.connect(refuse, dispatch_uid="test-refuse")
    try:
        with pytest.raises(PurchaseRejected):
            _record(member)
    finally:
        purchase_recorded.disconnect(dispatch_uid="test-refuse")
    assert not Purchase.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_points_at_checkout_debit_in_same_transaction_with_cash_value(
    member, invariants
):
    _only_base_rule()
    actions.points_earn(member_id=member.pk, points=2000, reason="a", key="seed")

    purchase = _record(member, amount="1000.00", points_to_redeem=2000)

    assert purchase.redeemed_value == Decimal("100.00")
    assert purchase.points_earned == 900  # only the cash part earns
    assert balance(member) == 2000 - 2000 + 900
    invariants()


def test_points_at_checkout_limited_by_max_share(member):
    actions.points_earn(member_id=member.pk, points=100000, reason="a", key="seed")

    with pytest.raises(PurchaseRejected) as info:
        _record(member, amount="1000.00", points_to_redeem=11000)  # ¥550 > 50%
    assert info.value.field == "points_to_redeem"
    assert balance(member) == 100000


def test_points_at_checkout_without_enough_points_rejects_all(member):
    with pytest.raises(PurchaseRejected) as info:
        _record(member, amount="1000.00", points_to_redeem=1000)
    assert info.value.field == "points_to_redeem"
    assert not Purchase.objects.exists()


def test_full_refund_reverses_points_and_may_leave_debt(member, invariants):
    _only_base_rule()
    purchase = _record(member, amount="1000.00")
    actions.points_spend(member_id=member.pk, points=600, reason="gift", key="s")

    actions.purchase_refund(purchase_id=purchase.pk, reason="退货")

    assert balance(member) == -600
    purchase.refresh_from_db()
    assert purchase.refund_state == "full" and purchase.points_reversed == 1000
    invariants()


def test_partial_refunds_reverse_pro_rata_and_the_last_takes_the_rest(
    member, invariants
):
    _only_base_rule()
    purchase = _record(member, amount="999.00")

    actions.purchase_refund(purchase_id=purchase.pk, amount="333.33", reason="部分退货")
    assert balance(member) == 999 - 333
    actions.purchase_refund(purchase_id=purchase.pk, reason="余下退货")
    assert balance(member) == 0
    with pytest.raises(RefundRefused):
        actions.purchase_refund(purchase_id=purchase.pk, amount="1", reason="again")
    invariants()


def test_refund_gives_back_points_paid_at_checkout(member, invariants):
    _only_base_rule()
    actions.points_earn(member_id=member.pk, points=1000, reason="a", key="seed")
    purchase = _record(member, amount="1000.00", points_to_redeem=1000)

    actions.purchase_refund(purchase_id=purchase.pk, reason="退货")

    assert balance(member) == 1000
    invariants()


def test_pending_days_hold_points_then_release(member, invariants):
    _only_base_rule()
    EarningRule.objects.filter(code="purchase-base").update(pending_days=7)
    purchase = _record(member, amount="500.00")

    assert purchase.pending_state == "pending"
    assert pending_for_member(member.pk) == 500
    assert balance(member) == 0

    assert actions.release_due_pending() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert actions.release_due_pending() == 1
    assert balance(member) == 500 and pending_for_member(member.pk) == 0
    invariants()


def test_refund_inside_pending_cancels_points_without_ledger_entry(member):
    _only_base_rule()
    purchase = _record(member, amount="500.00", pending_until_installation=True)

    actions.purchase_refund(purchase_id=purchase.pk, reason="退货")

    purchase.refresh_from_db()
    assert purchase.pending_state == "cancelled"
    assert not LedgerEntry.objects.filter(account__member=member).exists()
    actions.purchase_release_pending(purchase_id=purchase.pk)
    assert balance(member) == 0


def test_release_pending_after_installation_is_idempotent(member):
    _only_base_rule()
    purchase = _record(member, amount="500.00", pending_until_installation=True)

    actions.purchase_release_pending(purchase_id=purchase.pk)
    actions.purchase_release_pending(purchase_id=purchase.pk)

    assert balance(member) == 500


def test_referrer_rewarded_once_on_referee_first_purchase(member):
    referee = MemberFactory(referred_by=member)
    reward = EarningRule.objects.get(code="referral").points

    _record(referee, order_no="A-1")
    _record(referee, order_no="A-2")

    assert balance(member) == reward


def test_full_refund_of_first_purchase_takes_back_referral_reward(member):
    referee = MemberFactory(referred_by=member)
    purchase = _record(referee, order_no="A-1")

    actions.purchase_refund(purchase_id=purchase.pk, reason="退货")

    assert balance(member) == 0


def test_tier_multiplier_applies_to_base_points(member, monkeypatch):
    _only_base_rule()
    monkeypatch.setattr(
        "points.actions.rules.earning_multiplier", lambda member_id: Decimal("1.5")
    )

    purchase = _record(member, amount="101.00")

    assert purchase.points_earned == 151  # 151.5 rounded down


def test_redemption_rate_is_operator_data(member):
    conf = PointsSettings.load()
    conf.redeem_points_per_unit = 100
    conf.redeem_unit_value = Decimal("1.00")
    conf.save()

    assert actions.redemption_value(250, conf) == Decimal("2.50")
