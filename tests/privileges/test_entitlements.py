"""What each tier grants: the default catalogue, inheritance, override, revocation."""

import itertools
from decimal import Decimal

import pytest

from privileges import selectors
from privileges.models import Privilege, TierGrant
from tests.factories.privileges import PrivilegeFactory, TierGrantFactory
from tiers.models import Tier

pytestmark = pytest.mark.django_db


def codes(member_id):
    return {e.code for e in selectors.member_entitlements(member_id)}


def test_regular_member_gets_basic_discount_birthday_wishes_and_reminders(member):
    # given a new member (entry tier)
    # when we ask what they get
    got = {e.code: e for e in selectors.member_entitlements(member.pk)}
    # then the basic package of the default catalogue, nothing of higher tiers
    assert {"member_discount", "birthday_wishes", "maintenance_reminders"} <= set(got)
    assert "member_hotline" not in got and "free_annual_check" not in got
    assert selectors.discount_percent(member.pk) == Decimal("2")
    assert selectors.priority_booking_days(member.pk) == 0
    assert selectors.emergency_response_hours(member.pk) is None
    assert selectors.warranty_extension_months(member.pk) == 0
    assert selectors.free_service_remaining(member.pk, "annual_check") == 0


def test_silver_inherits_regular_and_adds_hotline_promotions_and_5_percent(
    member, set_tier
):
    set_tier(member, "silver")
    got = codes(member.pk)
    assert {"birthday_wishes", "maintenance_reminders"} <= got  # inherited
    assert {"member_hotline", "member_promotions", "priority_booking"} <= got
    assert selectors.discount_percent(member.pk) == Decimal("5")  # overridden
    assert selectors.priority_booking_days(member.pk) == 3
    assert selectors.free_service_remaining(member.pk, "annual_check") == 0


def test_gold_adds_annual_check_design_consultation_fast_after_sales_10_percent(
    member, set_tier
):
    set_tier(member, "gold")
    got = {e.code: e for e in selectors.member_entitlements(member.pk)}
    assert {"member_hotline", "member_promotions", "birthday_wishes"} <= set(got)
    assert got["free_annual_check"].quota == 1
    assert got["free_annual_check"].period == TierGrant.Period.YEAR
    assert got["design_consultation"].remaining == 1
    assert selectors.discount_percent(member.pk) == Decimal("10")
    assert selectors.emergency_response_hours(member.pk) == 24
    assert selectors.warranty_extension_months(member.pk) == 12
    assert selectors.free_service_remaining(member.pk, "annual_check") == 1
    assert selectors.free_service_remaining(member.pk, "design_consultation") == 1
    assert selectors.free_service_remaining(member.pk, "pipe_cleaning") == 0
    assert "customisation" not in got


def test_diamond_adds_preview_customisation_two_free_services_and_faster_targets(
    member, set_tier
):
    set_tier(member, "diamond")
    got = {e.code: e for e in selectors.member_entitlements(member.pk)}
    assert {"new_product_preview", "customisation", "free_annual_check"} <= set(got)
    free_per_year = sum(
        e.quota for e in got.values() if e.kind == Privilege.Kind.FREE_SERVICE
    )
    assert free_per_year == 2
    assert selectors.discount_percent(member.pk) > Decimal("10")
    assert selectors.emergency_response_hours(member.pk) < 24
    assert selectors.priority_booking_days(member.pk) > 7
    assert selectors.warranty_extension_months(member.pk) > 12
    assert got["member_events"].quota is None  # unlimited overrides Gold's 4


def test_every_higher_tier_has_at_least_what_the_lower_tier_has():
    # given the default catalogue
    tiers = selectors.tiers_with_entitlements()
    # then each tier's privilege set contains the previous tier's
    for (_, lower), (_, higher) in itertools.pairwise(tiers):
        assert {e.code for e in lower} <= {e.code for e in higher}
        assert len(higher) > len(lower)


def test_grant_inherited_unless_overridden_or_revoked(member, set_tier):
    # given a privilege granted at regular with 3 days, overridden at gold
    # with 9 days, revoked at diamond
    privilege = PrivilegeFactory(kind=Privilege.Kind.PRIORITY_BOOKING, code="p-x")
    tiers = {t.code: t for t in Tier.objects.all()}
    TierGrantFactory(tier=tiers["regular"], privilege=privilege, value=3)
    TierGrantFactory(tier=tiers["gold"], privilege=privilege, value=9)
    TierGrantFactory(tier=tiers["diamond"], privilege=privilege, revoked=True)

    def param():
        e = selectors.member_entitlement(member.pk, "p-x")
        return None if e is None else (e.parameter, e.granted_by)

    # then each tier sees the nearest grant at or below it
    assert param() == (3, "regular")
    set_tier(member, "silver")
    assert param() == (3, "regular")
    set_tier(member, "gold")
    assert param() == (9, "gold")
    set_tier(member, "diamond")
    assert param() is None


def test_inactive_privilege_is_granted_to_nobody(member):
    Privilege.objects.filter(code="member_discount").update(is_active=False)
    assert "member_discount" not in codes(member.pk)
    assert selectors.discount_percent(member.pk) == Decimal("0")


def test_next_tier_additions_lists_new_and_improved_privileges_only():
    regular, silver = (
        entitlements for _, entitlements in selectors.tiers_with_entitlements()[:2]
    )
    added = {
        new.code: old for new, old in selectors.next_tier_additions(regular, silver)
    }
    assert "member_hotline" in added and added["member_hotline"] is None
    assert added["member_discount"].parameter == Decimal("2")  # improved
    assert "birthday_wishes" not in added  # same in both


def test_member_entitlements_takes_few_queries(member, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        selectors.member_entitlements(member.pk)
