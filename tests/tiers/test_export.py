"""The tiers section of the member's data export (/me/export/)."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories.tiers import GrowthEventFactory, TierStatusFactory
from tiers.models import TierChange

pytestmark = pytest.mark.django_db


def test_export_holds_tier_growth_and_history_of_the_member_only(
    member_client, member, other_member, tiers
):
    # given a gold member with growth in two dimensions and an upgrade in history
    since = timezone.now() - timedelta(days=10)
    TierStatusFactory(member=member, tier=tiers["gold"], since=since)
    GrowthEventFactory(member=member, dimension="consumption", weighted_value=300)
    GrowthEventFactory(member=member, dimension="interaction", weighted_value=7)
    TierChange.objects.create(
        member=member,
        from_tier=tiers["silver"],
        to_tier=tiers["gold"],
        reason="upgrade",
    )
    # and another member with growth and a change of their own
    GrowthEventFactory(member=other_member, dimension="social", weighted_value=99)
    TierChange.objects.create(
        member=other_member, to_tier=tiers["diamond"], reason="manual"
    )

    # when the member downloads the export
    response = member_client.get(reverse("members:export"))

    # then the tiers section is theirs alone
    section = json.loads(response.content)["tiers"]
    assert section["current_tier"] == "gold"
    assert section["since"] == since.isoformat()
    assert section["growth_by_dimension"]["consumption"] == 300
    assert section["growth_by_dimension"]["interaction"] == 7
    assert section["growth_by_dimension"]["social"] == 0
    assert section["window_growth"] == 307
    assert [(h["from"], h["to"], h["reason"]) for h in section["history"]] == [
        ("silver", "gold", "upgrade")
    ]


def test_export_section_costs_the_same_few_queries_with_a_long_history(
    member, tiers, django_assert_max_num_queries
):
    from tiers.selectors import member_export_section

    TierStatusFactory(member=member, tier=tiers["gold"])
    for _ in range(15):
        TierChange.objects.create(
            member=member,
            from_tier=tiers["silver"],
            to_tier=tiers["gold"],
            reason="upgrade",
        )
    with django_assert_max_num_queries(3):
        section = member_export_section(member)
    assert len(section["history"]) == 15
