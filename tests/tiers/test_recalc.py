"""The nightly recalculation: windows, thresholds, term ends, soft landing, decay."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from members.models import Notification
from tests.factories.tiers import GrowthEventFactory, TierStatusFactory
from tiers import actions, conf
from tiers.models import GrowthEvent, TierChange, TierStatus

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def local(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


@pytest.fixture
def on_today(time_machine):
    time_machine.move_to(local("2026-06-15 02:30"))


def _member_at(tier, *, term_ends_on=None, growth=0, spend=Decimal("0"), when=None):
    status = TierStatusFactory(
        tier=tier, term_ends_on=term_ends_on, last_activity_at=timezone.now()
    )
    if growth or spend:
        GrowthEventFactory(
            member=status.member,
            weighted_value=growth,
            spend=spend,
            occurred_at=when or timezone.now(),
        )
    return status


def _run():
    return actions.tiers_recalculate()


def test_rolling_window_counts_its_first_and_last_day_only(tiers, on_today):
    status = _member_at(tiers["regular"])
    m = status.member
    GrowthEventFactory(
        member=m, weighted_value=300, occurred_at=local("2025-06-15 23:59:59")
    )
    GrowthEventFactory(
        member=m, weighted_value=200, occurred_at=local("2025-06-16 00:00")
    )
    GrowthEventFactory(
        member=m, weighted_value=1, occurred_at=local("2026-06-15 23:59")
    )

    _run()

    status.refresh_from_db()
    assert status.window_growth == 201


def test_calendar_year_setting_starts_the_window_on_1_january(
    tiers, on_today, settings
):
    settings.TIERS_QUALIFICATION_WINDOW = "calendar"
    status = _member_at(tiers["regular"])
    m = status.member
    GrowthEventFactory(
        member=m, weighted_value=300, occurred_at=local("2025-12-31 23:59:59")
    )
    GrowthEventFactory(
        member=m, weighted_value=200, occurred_at=local("2026-01-01 00:00")
    )

    _run()

    status.refresh_from_db()
    assert status.window_growth == 200


@pytest.mark.parametrize("code", ["silver", "gold", "diamond"])
def test_nightly_upgrades_exactly_at_each_growth_threshold(
    tiers, on_today, code, awards
):
    target = tiers[code]
    below = next(t for t in tiers.values() if t.rank == target.rank - 1)
    just_below = _member_at(below, growth=target.min_growth - 1)
    at = _member_at(below, growth=target.min_growth)

    _run()

    assert TierStatus.objects.get(pk=just_below.pk).tier == below
    at_status = TierStatus.objects.get(pk=at.pk)
    assert at_status.tier == target
    assert at_status.term_ends_on == dt.date(2027, 6, 15)
    assert [a["member_id"] for a in awards] == [at.pk]
    assert awards[0]["key"] == f"tier-gift:{at.pk}:{code}:2027-06-15"


@pytest.mark.parametrize("code", ["silver", "gold", "diamond"])
def test_spend_threshold_alone_qualifies(tiers, on_today, code):
    target = tiers[code]
    short = _member_at(tiers["regular"], spend=target.min_spend - Decimal("0.01"))
    enough = _member_at(tiers["regular"], spend=target.min_spend)

    _run()

    assert TierStatus.objects.get(pk=short.pk).tier.rank < target.rank
    assert TierStatus.objects.get(pk=enough.pk).tier == target


def test_retention_met_keeps_the_tier_for_a_new_term(tiers, on_today):
    gold = tiers["gold"]
    kept = _member_at(gold, term_ends_on=TODAY, growth=gold.retention_growth)
    kept_by_spend = _member_at(gold, term_ends_on=TODAY, spend=gold.retention_spend)

    _run()

    for status in (kept, kept_by_spend):
        status.refresh_from_db()
        assert status.tier == gold
        assert status.term_ends_on == dt.date(2027, 6, 15)
    assert not TierChange.objects.exists()


def test_retention_missed_by_one_drops_one_level(
    tiers, on_today, django_capture_on_commit_callbacks
):
    gold = tiers["gold"]
    status = _member_at(gold, term_ends_on=TODAY, growth=gold.retention_growth - 1)

    with django_capture_on_commit_callbacks(execute=True):
        _run()

    status.refresh_from_db()
    assert status.tier == tiers["silver"]
    assert status.term_ends_on == dt.date(2027, 6, 15)
    change = TierChange.objects.get(member_id=status.pk)
    assert (change.from_tier, change.to_tier, change.reason) == (
        gold,
        tiers["silver"],
        TierChange.Reason.DOWNGRADE,
    )


def test_term_not_yet_ended_keeps_the_tier_whatever_the_growth(tiers, on_today):
    status = _member_at(tiers["gold"], term_ends_on=TODAY + dt.timedelta(days=1))

    _run()

    status.refresh_from_db()
    assert status.tier == tiers["gold"]
    assert not TierChange.objects.exists()


def test_two_level_drop_lands_one_level_down_per_term(tiers, time_machine):
    # given a diamond member with no growth at all whose term ends today
    time_machine.move_to(local("2026-06-15 02:30"))
    status = _member_at(tiers["diamond"], term_ends_on=TODAY)
    # when the term ends
    _run()
    # then the member lands on gold, not on regular
    status.refresh_from_db()
    assert status.tier == tiers["gold"]
    # and a year later, still without growth, one more level
    time_machine.move_to(local("2027-06-15 02:30"))
    _run()
    status.refresh_from_db()
    assert status.tier == tiers["silver"]
    assert TierChange.objects.filter(member_id=status.pk).count() == 2


def test_dormant_member_decays_once_a_month_on_its_own_day(
    tiers, time_machine, settings
):
    settings.TIERS_DORMANCY_DAYS = 180
    settings.TIERS_DECAY_PERCENT = 10
    time_machine.move_to(local("2026-06-01 02:30"))
    dormant = _member_at(tiers["silver"], term_ends_on=dt.date(2026, 12, 1))
    active = _member_at(tiers["silver"], term_ends_on=dt.date(2026, 12, 1))
    day = conf.decay_day(dormant.pk)
    time_machine.move_to(local(f"2026-06-{day:02d} 02:30"))
    for status, days in ((dormant, 181), (active, 179)):
        GrowthEventFactory(
            member=status.member,
            weighted_value=1000,
            occurred_at=timezone.now() - dt.timedelta(days=days),
        )
        TierStatus.objects.filter(pk=status.pk).update(
            window_growth=1000,
            last_activity_at=timezone.now() - dt.timedelta(days=days),
        )
    TierStatus.objects.filter(pk=active.pk).update(
        last_activity_at=timezone.now() - dt.timedelta(days=179)
    )
    other_day = day % 28 + 1  # the next day of the month: not this member's

    time_machine.move_to(local(f"2026-06-{day:02d} 02:30") - dt.timedelta(days=1))
    _run()
    assert not GrowthEvent.objects.filter(source="decay").exists()
    time_machine.move_to(local(f"2026-06-{day:02d} 02:30"))
    _run()
    _run()  # same night again: no second decay
    time_machine.move_to(local(f"2026-06-{other_day:02d} 02:30"))
    _run()

    dormant.refresh_from_db()
    active.refresh_from_db()
    assert dormant.window_growth == 900
    assert active.window_growth == 1000
    decay = GrowthEvent.objects.get(source="decay")
    assert (decay.member_id, decay.weighted_value) == (dormant.pk, -100)


def test_rerun_on_the_same_day_changes_nothing(tiers, on_today):
    _member_at(tiers["diamond"], term_ends_on=TODAY)
    _member_at(tiers["regular"], growth=tiers["gold"].min_growth)
    first = _run()
    before = list(TierStatus.objects.values_list("pk", "tier_id", "term_ends_on"))

    second = _run()

    assert (first.upgraded, first.downgraded) == (1, 1)
    assert (second.upgraded, second.downgraded, second.renewed) == (0, 0, 0)
    assert (
        list(TierStatus.objects.values_list("pk", "tier_id", "term_ends_on")) == before
    )
    assert TierChange.objects.count() == 2


def test_nightly_changes_are_announced_after_the_run(
    tiers, on_today, changes_announced, django_capture_on_commit_callbacks
):
    status = _member_at(tiers["gold"], term_ends_on=TODAY)

    with django_capture_on_commit_callbacks(execute=True):
        from tiers.tasks import tiers_nightly_recalculate

        tiers_nightly_recalculate.delay()

    assert (
        Notification.objects.filter(member_id=status.pk, category="tier").count() == 1
    )
    assert changes_announced == [
        {
            "member_id": status.pk,
            "old_tier_code": "gold",
            "new_tier_code": "silver",
            "reason": "downgrade",
        }
    ]


def test_recalculation_runs_in_batches_of_member_ids(tiers, on_today):
    statuses = [
        _member_at(tiers["regular"], growth=tiers["silver"].min_growth)
        for _ in range(5)
    ]

    from tiers import recalc

    result = recalc.recalculate(batch_size=2)

    assert result.upgraded == 5
    assert set(TierStatus.objects.values_list("tier__code", flat=True)) == {"silver"}
    assert len(statuses) == 5


def test_events_leave_the_window_once_even_after_a_refresh_by_an_event(
    tiers, time_machine
):
    # given a first (full) run with two events in the window
    time_machine.move_to(local("2026-06-15 02:30"))
    status = _member_at(tiers["regular"])
    m = status.member
    GrowthEventFactory(
        member=m, weighted_value=300, occurred_at=local("2025-06-20 12:00")
    )
    GrowthEventFactory(
        member=m, weighted_value=200, occurred_at=local("2025-06-25 12:00")
    )
    assert _run().full
    status.refresh_from_db()
    assert status.window_growth == 500
    # when the first event leaves the window, the next runs take it out once
    time_machine.move_to(local("2026-06-21 02:30"))
    assert not _run().full
    _run()
    status.refresh_from_db()
    assert status.window_growth == 200
    # and a member's own event that refreshed the window before the night's
    # run (the second event already gone) is not taken out a second time
    time_machine.move_to(local("2026-06-26 01:00"))
    event = actions.growth_record(
        member_id=m.pk,
        dimension="interaction",
        raw_value=40,
        source="activity",
        key="late",
    )
    time_machine.move_to(local("2026-06-26 02:30"))
    _run()
    status.refresh_from_db()
    assert status.window_growth == event.weighted_value


def test_changing_the_window_setting_recounts_every_member(
    tiers, time_machine, settings
):
    time_machine.move_to(local("2026-06-15 02:30"))
    status = _member_at(tiers["regular"])
    GrowthEventFactory(
        member=status.member, weighted_value=300, occurred_at=local("2025-12-01 12:00")
    )
    _run()
    settings.TIERS_QUALIFICATION_WINDOW = "calendar"

    result = _run()

    status.refresh_from_db()
    assert result.full
    assert status.window_growth == 0


def test_monthly_loyalty_growth_counts_in_the_status_at_once(tiers, time_machine):
    time_machine.move_to(local("2026-06-01 01:30"))
    status = _member_at(tiers["gold"])
    _run()

    actions.loyalty_growth_award()

    status.refresh_from_db()
    high = GrowthEvent.objects.get(member=status.member, source="high_tier")
    assert status.window_growth == high.weighted_value > 0
