import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.signals import member_registered
from points import actions
from points.exceptions import UnknownEvent
from points.models import Account, EarningRule, LedgerEntry
from tests.factories.points import CampaignFactory, EarningRuleFactory
from tiers.signals import points_award_requested

pytestmark = pytest.mark.django_db


def balance(member) -> int:
    return Account.objects.get(member=member).balance


def test_custom_event_credits_rule_points_once_per_key(member):
    rule = EarningRuleFactory(event_code="survey-x", points=50)

    first = actions.custom_event_record(
        member_id=member.pk, event_code="survey-x", key="k"
    )
    again = actions.custom_event_record(
        member_id=member.pk, event_code="survey-x", key="k"
    )

    assert first.pk == again.pk and first.points == 50
    assert first.rule_hits.get().rule == rule


def test_custom_event_unknown_code_raises(member):
    with pytest.raises(UnknownEvent):
        actions.custom_event_record(member_id=member.pk, event_code="nope", key="k")


def test_custom_event_outside_window_or_inactive_gives_nothing(member):
    EarningRuleFactory(
        event_code="later", valid_from=timezone.now() + dt.timedelta(days=1)
    )
    EarningRuleFactory(event_code="off", is_active=False)

    assert (
        actions.custom_event_record(member_id=member.pk, event_code="later", key="a")
        is None
    )
    assert (
        actions.custom_event_record(member_id=member.pk, event_code="off", key="b")
        is None
    )


def test_daily_cap_stops_second_event_and_resets_next_day(member):
    EarningRuleFactory(event_code="share-x", points=10, cap_per_day=1)

    assert actions.custom_event_record(
        member_id=member.pk, event_code="share-x", key="1"
    )
    assert (
        actions.custom_event_record(member_id=member.pk, event_code="share-x", key="2")
        is None
    )
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert actions.custom_event_record(
            member_id=member.pk, event_code="share-x", key="3"
        )
    assert balance(member) == 20


def test_lifetime_cap_counts_every_past_hit(member):
    EarningRuleFactory(event_code="once", points=10, cap_lifetime=2)
    results = [
        actions.custom_event_record(member_id=member.pk, event_code="once", key=str(i))
        for i in range(4)
    ]
    assert [r is not None for r in results] == [True, True, False, False]


def test_rules_fire_in_priority_order_and_stop_further(member):
    EarningRuleFactory(event_code="multi", points=5, priority=20)
    EarningRuleFactory(event_code="multi", points=7, priority=10, stop_further=True)

    entry = actions.custom_event_record(
        member_id=member.pk, event_code="multi", key="k"
    )

    assert entry.points == 7


def test_registration_bonus_on_member_registered_signal(member):
    member_registered.send(sender=None, member_id=member.pk, channel="portal")
    member_registered.send(sender=None, member_id=member.pk, channel="portal")

    assert balance(member) == EarningRule.objects.get(code="registration").points


def test_tiers_award_request_credits_once_by_key(member):
    for _ in range(2):
        points_award_requested.send(
            sender=None,
            member_id=member.pk,
            points=300,
            reason="升级礼",
            key="gift-1",
            source="tier_upgrade",
        )
    assert balance(member) == 300
    assert LedgerEntry.objects.get(key="gift-1").source_type == "tier_upgrade"


def test_birthday_request_adds_active_birthday_rule(member):
    EarningRuleFactory(kind="birthday", event_code="", points=88)
    points_award_requested.send(
        sender=None,
        member_id=member.pk,
        points=100,
        reason="生日",
        key="bd-2026",
        source="birthday",
    )
    assert balance(member) == 188


def test_overlapping_rule_windows_for_same_event_are_refused():
    EarningRuleFactory(event_code="dup", valid_from=None, valid_until=None)
    clash = EarningRule(
        code="dup-2", name="x", kind="custom_event", event_code="dup", points=5
    )
    with pytest.raises(ValidationError):
        clash.full_clean()
    clash.is_active = False
    clash.full_clean()


def test_rule_needs_points_or_rate_for_its_kind():
    with pytest.raises(ValidationError):
        EarningRule(code="b", name="b", kind="purchase_base", rate=0).full_clean()
    with pytest.raises(ValidationError):
        EarningRule(
            code="c", name="c", kind="custom_event", event_code="c"
        ).full_clean()


def test_campaign_multiplier_bounds_are_validated():
    campaign = CampaignFactory.build(multiplier=Decimal("12"))
    with pytest.raises(ValidationError):
        campaign.full_clean()


def test_default_rules_exist_after_migrate():
    kinds = set(EarningRule.objects.values_list("kind", flat=True))
    assert {
        "purchase_base",
        "big_order",
        "first_purchase",
        "registration",
        "referral",
        "custom_event",
    } <= kinds


def test_registration_through_members_app_credits_bonus(
    django_capture_on_commit_callbacks,
):
    from members.actions import member_register

    with django_capture_on_commit_callbacks(execute=True):
        new = member_register(
            phone="13912345678",
            name="新会员",
            password="Warm-Radiator-2026",
            channel="portal",
        )

    assert balance(new) == EarningRule.objects.get(code="registration").points


def test_campaign_for_other_tiers_does_not_apply(member):
    from tiers.models import Tier

    EarningRule.objects.exclude(code="purchase-base").update(is_active=False)
    Tier.objects.update(multiplier=Decimal("1"), upgrade_gift_points=0)
    top = Tier.objects.order_by("-rank").first()
    campaign = CampaignFactory(multiplier=Decimal("3"))
    campaign.tiers.set([top])

    purchase = actions.purchase_record(
        member_id=member.pk,
        order_no="C-1",
        purchased_at=timezone.now(),
        amount=Decimal("100"),
        items=[],
    )

    assert purchase.points_earned == 100
