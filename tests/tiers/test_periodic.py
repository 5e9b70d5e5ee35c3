"""Birthday points, downgrade warnings, monthly loyalty growth, weights."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from members.models import Notification
from tests.factories import MemberFactory
from tests.factories.tiers import GrowthEventFactory, TierStatusFactory
from tiers import actions
from tiers.models import GrowthEvent, GrowthWeights, TierStatus

pytestmark = pytest.mark.django_db


def local(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


def test_birthday_points_once_per_year_by_tier(tiers, awards, time_machine):
    time_machine.move_to(local("2026-05-20 08:00"))
    gold_member = MemberFactory(birthday=dt.date(1990, 5, 20))
    TierStatusFactory(member=gold_member, tier=tiers["gold"])
    no_status = MemberFactory(birthday=dt.date(1985, 5, 20))
    MemberFactory(birthday=dt.date(1985, 5, 21))

    assert actions.birthday_points_award() == 2
    assert actions.birthday_points_award() == 0

    got = {a["member_id"]: (a["points"], a["key"]) for a in awards}
    assert got == {
        gold_member.pk: (
            tiers["gold"].birthday_points,
            f"birthday:{gold_member.pk}:2026",
        ),
        no_status.pk: (
            tiers["regular"].birthday_points,
            f"birthday:{no_status.pk}:2026",
        ),
    }
    # the next year, again once
    time_machine.move_to(local("2027-05-20 08:00"))
    assert actions.birthday_points_award() == 2


def test_leap_day_birthday_is_celebrated_on_28_february(tiers, awards, time_machine):
    member = MemberFactory(birthday=dt.date(2000, 2, 29))
    time_machine.move_to(local("2027-02-28 08:00"))
    actions.birthday_points_award()
    time_machine.move_to(local("2028-02-28 08:00"))  # leap year: wait for the 29th
    actions.birthday_points_award()
    time_machine.move_to(local("2028-02-29 08:00"))
    actions.birthday_points_award()
    assert [a["key"] for a in awards] == [
        f"birthday:{member.pk}:2027",
        f"birthday:{member.pk}:2028",
    ]


def test_downgrade_warning_tells_exactly_what_keeps_the_tier(
    tiers, time_machine, settings
):
    settings.TIERS_DOWNGRADE_WARNING_DAYS = 30
    time_machine.move_to(local("2026-06-01 03:30"))
    gold = tiers["gold"]
    term_end = dt.date(2026, 7, 1)  # in 30 days
    short = TierStatusFactory(tier=gold, term_ends_on=term_end)
    GrowthEventFactory(
        member=short.member,
        weighted_value=gold.retention_growth - 120,
        spend=Decimal("1000"),
    )
    safe = TierStatusFactory(tier=gold, term_ends_on=term_end)
    GrowthEventFactory(member=safe.member, weighted_value=gold.retention_growth)
    later = TierStatusFactory(tier=gold, term_ends_on=term_end + dt.timedelta(days=1))

    assert actions.downgrade_warnings_send() == 1
    assert actions.downgrade_warnings_send() == 0  # once per term

    note = Notification.objects.get(category="tier")
    assert note.member_id == short.pk
    assert "120" in note.body
    assert f"{gold.retention_spend - Decimal('1000'):.2f}" in note.body
    assert tiers["silver"].name in note.body
    assert not Notification.objects.filter(member_id__in=[safe.pk, later.pk]).exists()


def test_downgrade_warning_ignores_growth_leaving_the_window_before_term_end(
    tiers, time_machine
):
    time_machine.move_to(local("2026-06-01 03:30"))
    gold = tiers["gold"]
    status = TierStatusFactory(tier=gold, term_ends_on=dt.date(2026, 6, 20))
    # enough growth today, but earned on a day that leaves the window by 20 June
    GrowthEventFactory(
        member=status.member,
        weighted_value=gold.retention_growth,
        occurred_at=local("2025-06-10 12:00"),
    )

    assert actions.downgrade_warnings_send() == 1


def test_monthly_loyalty_growth_once_per_month(tiers, time_machine):
    time_machine.move_to(local("2026-06-01 01:30"))
    veteran = MemberFactory(created_at=timezone.now() - dt.timedelta(days=400))
    newcomer = MemberFactory()
    TierStatusFactory(member=newcomer, tier=tiers["gold"])

    actions.loyalty_growth_award()
    actions.loyalty_growth_award()

    assert set(GrowthEvent.objects.values_list("member_id", "source")) == {
        (veteran.pk, "tenure"),
        (newcomer.pk, "high_tier"),
    }
    assert TierStatus.objects.filter(member=veteran).exists()
    time_machine.move_to(local("2026-07-01 01:30"))
    actions.loyalty_growth_award()
    assert GrowthEvent.objects.count() == 4


def test_weights_must_add_up_to_one_hundred_percent(tiers):
    weights = GrowthWeights.objects.get()
    weights.social = Decimal("13")
    with pytest.raises(ValidationError):
        weights.full_clean()
    with pytest.raises(IntegrityError):
        weights.save()


def test_seed_demo_tiers_is_idempotent(tiers):
    from django.core.management import call_command

    from tests.factories import UserFactory

    member = MemberFactory(user=UserFactory(phone="13800000003"))
    call_command("seed_demo_tiers", stdout=None)
    call_command("seed_demo_tiers", stdout=None)
    assert GrowthEvent.objects.filter(member=member).count() == 2
    assert TierStatus.objects.get(member=member).tier.rank > 0
