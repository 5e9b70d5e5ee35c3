"""The functions other apps call: tier lookups, growth, purchases, bought upgrades."""

from decimal import Decimal

import pytest

from members.models import Notification
from tests.factories.tiers import TierStatusFactory
from tiers import actions, selectors
from tiers.exceptions import AlreadyTopTier, InvalidGrowth
from tiers.models import GrowthEvent, GrowthWeights, TierChange, TierStatus

pytestmark = pytest.mark.django_db


def _consumption_raw_for(growth: int) -> Decimal:
    weight = GrowthWeights.objects.get().consumption
    return Decimal(growth) * 100 / weight


def test_member_without_status_holds_entry_tier(member, tiers):
    assert not TierStatus.objects.filter(member=member).exists()
    assert selectors.tier_for_member(member.pk) == tiers["regular"]
    assert selectors.earning_multiplier(member.pk) == tiers["regular"].multiplier


def test_tier_and_multiplier_follow_the_status_row(member, tiers):
    TierStatusFactory(member=member, tier=tiers["gold"])
    assert selectors.tier_for_member(member.pk) == tiers["gold"]
    assert selectors.earning_multiplier(member.pk) == tiers["gold"].multiplier


def test_growth_is_weighted_by_the_dimension_weight(member, tiers):
    weights = GrowthWeights.objects.get()
    event = actions.growth_record(
        member_id=member.pk,
        dimension="social",
        raw_value=160,
        source=GrowthEvent.Source.REFERRAL,
        key="ref-1",
    )
    assert event.weighted_value == round(160 * weights.social / 100)
    assert TierStatus.objects.get(member=member).window_growth == event.weighted_value


def test_growth_record_is_idempotent_by_key(member, tiers):
    first = actions.growth_record(
        member_id=member.pk,
        dimension="interaction",
        raw_value=40,
        source="survey",
        key="survey-7",
    )
    again = actions.growth_record(
        member_id=member.pk,
        dimension="interaction",
        raw_value=40,
        source="survey",
        key="survey-7",
    )
    assert first is not None and again is None
    assert GrowthEvent.objects.filter(member=member).count() == 1
    assert TierStatus.objects.get(member=member).window_growth == first.weighted_value


def test_growth_record_refuses_unknown_dimension_and_source(member):
    with pytest.raises(InvalidGrowth):
        actions.growth_record(
            member_id=member.pk,
            dimension="luck",
            raw_value=1,
            source="survey",
            key="k1",
        )
    with pytest.raises(InvalidGrowth):
        actions.growth_record(
            member_id=member.pk,
            dimension="social",
            raw_value=1,
            source="lottery",
            key="k2",
        )
    assert not GrowthEvent.objects.exists()


def test_one_below_silver_stays_regular_and_the_threshold_upgrades(
    member, tiers, awards, django_capture_on_commit_callbacks, changes_announced
):
    # given growth one below silver's minimum
    silver = tiers["silver"]
    actions.growth_record(
        member_id=member.pk,
        dimension="consumption",
        raw_value=_consumption_raw_for(silver.min_growth - 1),
        source="adjustment",
        key="a",
    )
    assert selectors.tier_for_member(member.pk) == tiers["regular"]
    assert awards == []
    # when one more growth value arrives
    with django_capture_on_commit_callbacks(execute=True):
        actions.growth_record(
            member_id=member.pk,
            dimension="consumption",
            raw_value=_consumption_raw_for(1),
            source="adjustment",
            key="b",
        )
    # then the member is silver at once, with history, gift and notification
    status = TierStatus.objects.get(member=member)
    assert status.window_growth == silver.min_growth
    assert status.tier == silver
    assert status.term_ends_on is not None
    change = TierChange.objects.get(member=member)
    assert (change.from_tier, change.to_tier, change.reason) == (
        tiers["regular"],
        silver,
        TierChange.Reason.UPGRADE,
    )
    assert len(awards) == 1
    assert awards[0]["points"] == silver.upgrade_gift_points
    assert awards[0]["member_id"] == member.pk
    assert awards[0]["key"] == (
        f"tier-gift:{member.pk}:silver:{status.term_ends_on.isoformat()}"
    )
    assert Notification.objects.filter(member=member, category="tier").count() == 1
    assert changes_announced == [
        {
            "member_id": member.pk,
            "old_tier_code": "regular",
            "new_tier_code": "silver",
            "reason": "upgrade",
        }
    ]


def test_crossing_two_tiers_at_once_lands_on_the_higher(member, tiers, awards):
    actions.growth_record(
        member_id=member.pk,
        dimension="consumption",
        raw_value=_consumption_raw_for(tiers["gold"].min_growth),
        source="adjustment",
        key="big",
    )
    assert selectors.tier_for_member(member.pk) == tiers["gold"]
    assert TierChange.objects.filter(member=member).count() == 1
    assert [a["points"] for a in awards] == [tiers["gold"].upgrade_gift_points]


def test_spend_alone_reaches_a_tier_at_its_minimum(member, tiers):
    # given weights where spend hardly makes growth
    GrowthWeights.objects.filter(pk=1).update(
        consumption=Decimal("10"),
        interaction=Decimal("40"),
        social=Decimal("25"),
        loyalty=Decimal("25"),
    )
    silver = tiers["silver"]
    actions.purchase_growth_record(
        member_id=member.pk,
        amount=silver.min_spend - Decimal("0.01"),
        categories=[],
        key="order-1",
        occurred_at=None,
    )
    status = TierStatus.objects.get(member=member)
    assert status.window_growth < silver.min_growth
    assert status.tier == tiers["regular"]
    # when one more cent is spent
    actions.purchase_growth_record(
        member_id=member.pk,
        amount=Decimal("0.01"),
        categories=[],
        key="order-2",
        occurred_at=None,
    )
    status.refresh_from_db()
    assert status.window_spend == silver.min_spend
    assert status.tier == silver


def test_purchase_counts_amount_order_and_new_categories_once(member, tiers):
    actions.purchase_growth_record(
        member_id=member.pk,
        amount=Decimal("300"),
        categories=["radiator", "valve", "radiator"],
        key="o1",
        occurred_at=None,
    )
    actions.purchase_growth_record(
        member_id=member.pk,
        amount=Decimal("100"),
        categories=["valve", "towel rail"],
        key="o2",
        occurred_at=None,
    )
    notes = sorted(
        GrowthEvent.objects.filter(source="purchase_category").values_list(
            "note", flat=True
        )
    )
    assert notes == ["radiator", "towel rail", "valve"]
    status = TierStatus.objects.get(member=member)
    assert status.window_spend == Decimal("400")
    total = sum(GrowthEvent.objects.values_list("weighted_value", flat=True))
    assert status.window_growth == total
    # a repeat of the same order changes nothing
    actions.purchase_growth_record(
        member_id=member.pk,
        amount=Decimal("300"),
        categories=["radiator"],
        key="o1",
        occurred_at=None,
    )
    assert GrowthEvent.objects.count() == 5


def test_refund_takes_back_growth_and_spend_but_never_downgrades(member, tiers):
    actions.purchase_growth_record(
        member_id=member.pk,
        amount=Decimal("4000"),
        categories=[],
        key="o1",
        occurred_at=None,
    )
    status = TierStatus.objects.get(member=member)
    reached = status.tier
    assert reached.rank > 0
    actions.purchase_growth_reverse(
        member_id=member.pk, amount=Decimal("4000"), key="r1"
    )
    actions.purchase_growth_reverse(
        member_id=member.pk, amount=Decimal("4000"), key="r1"
    )
    status.refresh_from_db()
    assert status.window_spend == Decimal("0")
    assert status.tier == reached


def test_bought_upgrade_moves_one_step_once_per_key(member, tiers, awards):
    change = actions.tier_upgrade_buy(member_id=member.pk, key="redemption-1")
    again = actions.tier_upgrade_buy(member_id=member.pk, key="redemption-1")
    assert change.pk == again.pk
    assert change.reason == TierChange.Reason.PURCHASE
    assert selectors.tier_for_member(member.pk) == tiers["silver"]
    assert awards == []


def test_bought_upgrade_at_the_top_tier_is_refused(member, tiers):
    TierStatusFactory(member=member, tier=tiers["diamond"])
    with pytest.raises(AlreadyTopTier):
        actions.tier_upgrade_buy(member_id=member.pk, key="redemption-2")
    assert not TierChange.objects.exists()


def test_daily_sign_in_counts_once_a_day(member, tiers, time_machine):
    time_machine.move_to("2026-03-01 09:00 +08:00")
    assert actions.sign_in_record(member_id=member.pk) is not None
    time_machine.move_to("2026-03-01 23:59 +08:00")
    assert actions.sign_in_record(member_id=member.pk) is None
    time_machine.move_to("2026-03-02 00:01 +08:00")
    assert actions.sign_in_record(member_id=member.pk) is not None
    assert GrowthEvent.objects.filter(source="sign_in").count() == 2


def test_tiers_for_members_in_two_queries(tiers, django_assert_num_queries):
    gold = TierStatusFactory(tier=tiers["gold"]).member
    plain = TierStatusFactory(tier=tiers["regular"]).member
    from tests.factories import MemberFactory

    newcomer = MemberFactory()

    with django_assert_num_queries(2):
        found = selectors.tiers_for_members([gold.pk, plain.pk, newcomer.pk])

    assert found == {
        gold.pk: tiers["gold"],
        plain.pk: tiers["regular"],
        newcomer.pk: tiers["regular"],
    }


def test_manual_change_needs_a_reason_and_a_different_tier(member, tiers, staff_user):
    from tiers.exceptions import ReasonRequired, SameTier

    with pytest.raises(ReasonRequired):
        actions.tier_change_manual(
            member_id=member.pk, tier_id=tiers["gold"].pk, reason="  ", actor_id=None
        )
    with pytest.raises(SameTier):
        actions.tier_change_manual(
            member_id=member.pk,
            tier_id=tiers["regular"].pk,
            reason="no-op",
            actor_id=staff_user.pk,
        )
    assert not TierChange.objects.exists()

    change = actions.tier_change_manual(
        member_id=member.pk,
        tier_id=tiers["gold"].pk,
        reason="Compensation for a late installation",
        actor_id=staff_user.pk,
    )

    assert (change.reason, change.note, change.actor_id) == (
        TierChange.Reason.MANUAL,
        "Compensation for a late installation",
        staff_user.pk,
    )
    assert selectors.earning_multiplier(member.pk) == tiers["gold"].multiplier


def test_a_referred_registration_gives_the_referrer_social_growth_once(
    member, tiers, django_capture_on_commit_callbacks
):
    from members.actions import member_register
    from members.signals import member_registered

    with django_capture_on_commit_callbacks(execute=True):
        newcomer = member_register(
            phone="13912345678",
            name="新会员",
            password="Warm-Radiator-2026",
            referral_code=member.referral_code,
        )
    member_registered.send(sender=None, member_id=newcomer.pk, channel="portal")

    event = GrowthEvent.objects.get(member=member)
    assert (event.source, event.dimension) == ("referral", "social")
    assert event.weighted_value > 0
    assert not GrowthEvent.objects.filter(member=newcomer).exists()
