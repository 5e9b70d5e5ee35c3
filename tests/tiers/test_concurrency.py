"""Concurrent growth of one member: exactly one upgrade, one history row, one gift."""

from decimal import Decimal

import pytest

from members.models import Notification
from tests.concurrency import run_concurrently
from tiers import actions
from tiers.models import GrowthEvent, GrowthWeights, TierChange, TierStatus


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_events_crossing_a_threshold_upgrade_once(
    postgres, member, tiers, awards
):
    # given 20 events that only together reach silver
    silver = tiers["silver"]
    per_event = silver.min_growth // 20 + 1
    raw = Decimal(per_event) * 100 / GrowthWeights.objects.get().consumption
    assert 19 * per_event < silver.min_growth <= 20 * per_event

    # when they arrive at the same time
    def record(i):
        return actions.growth_record(
            member_id=member.pk,
            dimension="consumption",
            raw_value=raw,
            source="activity",
            key=f"concurrent-{i}",
        )

    results = run_concurrently(record, 20)

    # then every event counted and exactly one upgrade happened
    assert [r for r in results if isinstance(r, Exception)] == []
    assert GrowthEvent.objects.filter(member=member).count() == 20
    status = TierStatus.objects.get(member=member)
    assert status.window_growth == 20 * per_event
    assert status.tier == silver
    assert TierChange.objects.filter(member=member).count() == 1
    assert len(awards) == 1
    assert Notification.objects.filter(member=member, category="tier").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_events_create_one_status_row(postgres, member, tiers):
    def record(i):
        return actions.sign_in_record(member_id=member.pk)

    results = run_concurrently(record, 8)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(1 for r in results if r is not None) == 1
    assert TierStatus.objects.filter(member=member).count() == 1
