"""Portal pages: /me/tier/, the sign-in button, /tiers/, the home card, admin."""

from decimal import Decimal

import pytest
from django.urls import reverse

from members.models import Notification
from tests.factories import MemberFactory
from tests.factories.tiers import GrowthEventFactory, TierStatusFactory
from tiers import actions, registry
from tiers.models import Dimension, TierChange, TierStatus

pytestmark = pytest.mark.django_db


def test_my_tier_page_shows_the_exact_gap_to_the_next_tier(
    member_client, member, tiers, django_assert_max_num_queries
):
    actions.growth_record(
        member_id=member.pk,
        dimension="interaction",
        raw_value=40,
        source="activity",
        key="a1",
    )
    actions.purchase_growth_record(
        member_id=member.pk,
        amount=Decimal("100"),
        categories=["valve"],
        key="o1",
        occurred_at=None,
    )

    with django_assert_max_num_queries(12):
        response = member_client.get(reverse("tiers:me"))

    assert response.status_code == 200
    o = response.context["o"]
    status = TierStatus.objects.get(member=member)
    assert (o.window_growth, o.window_spend) == (
        status.window_growth,
        status.window_spend,
    )
    assert o.next_tier == tiers["silver"]
    assert o.next_gap.growth == tiers["silver"].min_growth - status.window_growth
    assert o.next_gap.spend == tiers["silver"].min_spend - Decimal("100")
    per_dimension = {
        d: sum(
            member.growth_events.filter(dimension=d).values_list(
                "weighted_value", flat=True
            )
        )
        for d in Dimension.values
    }
    assert [value for _, value in o.by_dimension] == list(per_dimension.values())
    assert per_dimension["interaction"] > 0 and per_dimension["consumption"] > 0


def test_my_tier_page_shows_what_retention_needs_and_history(
    member_client, member, tiers
):
    actions.tier_upgrade_buy(member_id=member.pk, key="buy-1")
    GrowthEventFactory(member=member, weighted_value=100)

    response = member_client.get(reverse("tiers:me"))

    o = response.context["o"]
    assert o.tier == tiers["silver"]
    assert o.retention_gap.growth == tiers["silver"].retention_growth - 100
    assert [c.reason for c in o.history] == [TierChange.Reason.PURCHASE]
    assert o.term_ends_on.isoformat() in response.content.decode()


def test_sign_in_button_gives_growth_once_a_day(member_client, member, tiers):
    url = reverse("tiers:sign_in")
    assert not member_client.get(reverse("tiers:me")).context["o"].signed_in_today
    first = member_client.post(url)
    second = member_client.post(url)
    assert first.status_code == second.status_code == 302
    assert TierStatus.objects.get(member=member).window_growth > 0
    assert member_client.get(url).status_code == 405
    assert member.growth_events.count() == 1
    assert member_client.get(reverse("tiers:me")).context["o"].signed_in_today


def test_my_tier_needs_a_signed_in_member(client, staff_user):
    assert client.get(reverse("tiers:me")).status_code == 302
    client.force_login(staff_user)
    assert client.get(reverse("tiers:me")).status_code == 404


def test_public_tier_page_compares_tiers_and_takes_registered_rows(
    client, tiers, django_assert_max_num_queries
):
    def rows(ts):
        return [("Free annual check-up", ["—" if t.rank < 2 else "1" for t in ts])]

    registry.register_comparison_rows(order=99, provider=rows)
    try:
        with django_assert_max_num_queries(3):
            response = client.get(reverse("tiers:compare"))
    finally:
        registry.providers[:] = [
            p for p in registry.providers if p.provider is not rows
        ]
    body = response.content.decode()
    assert response.status_code == 200
    assert "Free annual check-up" in body
    for tier in tiers.values():
        assert tier.name in body


def test_home_card_shows_the_tier(member_client, member, tiers):
    TierStatusFactory(member=member, tier=tiers["gold"])
    response = member_client.get(reverse("members:home"))
    assert tiers["gold"].name in response.content.decode()


def test_admin_manual_change_requires_a_reason_and_records_it(
    admin_client_, staff_user, tiers
):
    status = TierStatusFactory(tier=tiers["silver"])
    url = reverse("admin:tiers_tierstatus_changelist")
    base = {"action": "change_tier", "_selected_action": [status.pk], "apply": "1"}

    refused = admin_client_.post(url, {**base, "tier": tiers["gold"].pk, "reason": " "})
    assert refused.status_code == 200
    assert not TierChange.objects.exists()

    admin_client_.post(
        url, {**base, "tier": tiers["gold"].pk, "reason": "Complaint 42"}
    )

    change = TierChange.objects.get()
    assert (change.to_tier, change.note, change.actor) == (
        tiers["gold"],
        "Complaint 42",
        staff_user,
    )
    assert TierStatus.objects.get(pk=status.pk).tier == tiers["gold"]
    assert Notification.objects.filter(member_id=status.pk).exists()


def test_admin_manual_change_to_the_same_tier_warns_and_claims_no_success(
    admin_client_, tiers
):
    status = TierStatusFactory(tier=tiers["silver"])
    url = reverse("admin:tiers_tierstatus_changelist")
    base = {"action": "change_tier", "_selected_action": [status.pk], "apply": "1"}

    bogus = admin_client_.post(url, {**base, "tier": "abc", "reason": "x"})
    assert bogus.status_code == 200  # form error, no 500
    response = admin_client_.post(
        url, {**base, "tier": tiers["silver"].pk, "reason": "Recheck"}, follow=True
    )

    levels = [m.level_tag for m in response.context["messages"]]
    assert levels == ["warning"]
    assert not TierChange.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "tiers_tierstatus_changelist",
        "tiers_tierchange_changelist",
        "tiers_growthevent_changelist",
        "tiers_tier_changelist",
        "tiers_growthweights_changelist",
        "tiers_tierrecalcrun_changelist",
    ],
)
def test_admin_lists_load_with_bounded_queries(
    admin_client_, tiers, name, django_assert_max_num_queries
):
    for _ in range(3):
        m = MemberFactory()
        actions.tier_upgrade_buy(member_id=m.pk, key=f"k{m.pk}")
    with django_assert_max_num_queries(15):
        response = admin_client_.get(reverse(f"admin:{name}"))
    assert response.status_code == 200
