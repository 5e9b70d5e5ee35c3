"""Using a privilege: quotas per period, renewal, downgrade, return, concurrency."""

import datetime

import pytest
import time_machine
from django.db.models import Count, Q
from django.utils import timezone

from privileges import actions, selectors
from privileges.exceptions import NotEntitled, QuotaExhausted
from privileges.models import PrivilegeUse, QuotaCounter, TierGrant
from tests.concurrency import run_concurrently
from tests.factories.members import MemberFactory
from tests.factories.privileges import PrivilegeFactory, TierGrantFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def use(member, code="free_annual_check", key="k1", **kw):
    return actions.privilege_use(
        member_id=member.pk, privilege_code=code, key=key, **kw
    )


@pytest.mark.django_db
def test_gold_member_uses_the_annual_check_once_then_is_refused(member, set_tier):
    set_tier(member, "gold")
    first = use(member, key="booking:1", ref_type="booking", ref_id=1)
    assert first.tier_code == "gold" and first.ref_id == 1
    assert selectors.free_service_remaining(member.pk, "annual_check") == 0
    with pytest.raises(QuotaExhausted) as exc:
        use(member, key="booking:2")
    assert "1" in str(exc.value.message)
    assert PrivilegeUse.objects.filter(member=member).count() == 1


@pytest.mark.django_db
def test_same_key_returns_the_same_use_without_consuming_more(member, set_tier):
    set_tier(member, "gold")
    assert use(member, key="booking:1") == use(member, key="booking:1")
    assert QuotaCounter.objects.get(member=member).used == 1


@pytest.mark.django_db
def test_regular_member_is_not_entitled_to_the_annual_check(member):
    with pytest.raises(NotEntitled) as exc:
        use(member)
    assert str(exc.value.message)
    assert not PrivilegeUse.objects.exists()


@pytest.mark.django_db
def test_unknown_privilege_code_is_not_entitled(member):
    with pytest.raises(NotEntitled):
        use(member, code="no-such-privilege")


@pytest.mark.django_db
def test_quota_renews_in_the_next_calendar_year_shanghai_time(member, set_tier):
    set_tier(member, "gold")
    # given the check used late on 31 December, Shanghai time
    with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI)):
        use(member, key="y1")
        with pytest.raises(QuotaExhausted):
            use(member, key="y1-again")
    # when the new year starts in Shanghai (still 31 Dec in UTC)
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI)):
        # then the quota is whole again and can be used once more
        assert selectors.free_service_remaining(member.pk, "annual_check") == 1
        assert use(member, key="y2").period_key == "2027"
        with pytest.raises(QuotaExhausted):
            use(member, key="y2-again")


@pytest.mark.django_db
def test_monthly_quota_renews_next_month(member):
    privilege = PrivilegeFactory(code="monthly")
    TierGrantFactory(privilege=privilege, quota=2, period=TierGrant.Period.MONTH)
    with time_machine.travel(datetime.datetime(2026, 3, 10, tzinfo=SHANGHAI)):
        use(member, "monthly", "m1")
        use(member, "monthly", "m2")
        with pytest.raises(QuotaExhausted):
            use(member, "monthly", "m3")
    with time_machine.travel(datetime.datetime(2026, 4, 1, 9, tzinfo=SHANGHAI)):
        assert selectors.member_entitlement(member.pk, "monthly").remaining == 2
        use(member, "monthly", "m3")


@pytest.mark.django_db
def test_lifetime_quota_never_renews(member):
    privilege = PrivilegeFactory(code="once")
    TierGrantFactory(privilege=privilege, quota=1, period=TierGrant.Period.LIFETIME)
    use(member, "once", "l1")
    later = timezone.now() + datetime.timedelta(days=800)
    with time_machine.travel(later), pytest.raises(QuotaExhausted):
        use(member, "once", "l2")


@pytest.mark.django_db
def test_downgraded_member_keeps_only_what_the_new_tier_grants(member, set_tier):
    # given a diamond member who used the annual check this year
    set_tier(member, "diamond")
    use(member, key="check-1")
    assert selectors.free_service_remaining(member.pk, "pipe_cleaning") == 1
    # when downgraded to silver mid-period
    set_tier(member, "silver")
    # then diamond/gold-only privileges are gone, and using them is refused
    assert selectors.free_service_remaining(member.pk, "pipe_cleaning") == 0
    assert selectors.free_service_remaining(member.pk, "annual_check") == 0
    assert selectors.emergency_response_hours(member.pk) is None
    with pytest.raises(NotEntitled):
        use(member, "free_pipe_cleaning", "pipe-1")
    # and back to gold in the same year: the use already made still counts
    set_tier(member, "gold")
    with pytest.raises(QuotaExhausted):
        use(member, key="check-2")


@pytest.mark.django_db
def test_downgrade_to_a_smaller_quota_counts_uses_already_made(member, set_tier):
    privilege = PrivilegeFactory(code="checks")
    from tiers.models import Tier

    TierGrantFactory(privilege=privilege, quota=1)
    TierGrantFactory(privilege=privilege, quota=3, tier=Tier.objects.get(code="gold"))
    set_tier(member, "gold")
    use(member, "checks", "c1")
    use(member, "checks", "c2")
    set_tier(member, "silver")
    assert selectors.member_entitlement(member.pk, "checks").remaining == 0
    with pytest.raises(QuotaExhausted):
        use(member, "checks", "c3")


@pytest.mark.django_db
def test_returned_use_gives_the_quota_back_once(member, set_tier):
    set_tier(member, "gold")
    use(member, key="booking:7")
    actions.privilege_use_return(key="booking:7")
    actions.privilege_use_return(key="booking:7")  # idempotent
    actions.privilege_use_return(key="never-used")  # unknown: no-op
    assert selectors.free_service_remaining(member.pk, "annual_check") == 1
    assert PrivilegeUse.objects.get(key="booking:7").returned_at is not None
    use(member, key="booking:8")
    assert selectors.free_service_remaining(member.pk, "annual_check") == 0


@pytest.mark.django_db
def test_free_service_use_finds_the_privilege_by_service_type(member, set_tier):
    set_tier(member, "diamond")
    done = actions.free_service_use(
        member_id=member.pk, service_type_code="pipe_cleaning", key="b:1"
    )
    assert done.privilege.code == "free_pipe_cleaning"
    with pytest.raises(QuotaExhausted):
        actions.free_service_use(
            member_id=member.pk, service_type_code="pipe_cleaning", key="b:2"
        )
    with pytest.raises(NotEntitled):
        actions.free_service_use(
            member_id=member.pk, service_type_code="emergency_repair", key="b:3"
        )


@pytest.mark.django_db
def test_unlimited_privilege_records_every_use(member, set_tier):
    set_tier(member, "silver")
    for i in range(3):
        use(member, "member_hotline", f"call-{i}")
    assert PrivilegeUse.objects.filter(privilege__code="member_hotline").count() == 3


@pytest.mark.django_db
def test_counters_equal_the_uses_not_returned(member, set_tier):
    set_tier(member, "diamond")
    use(member, key="a")
    use(member, "free_pipe_cleaning", "b")
    actions.privilege_use_return(key="b")
    use(member, "free_pipe_cleaning", "c")
    for counter in QuotaCounter.objects.all():
        assert (
            counter.used
            == PrivilegeUse.objects.filter(
                member=counter.member,
                privilege=counter.privilege,
                period_key=counter.period_key,
                returned_at__isnull=True,
            ).count()
        )


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_uses_of_a_once_a_year_privilege_one_succeeds(
    postgres, set_tier
):
    # given a gold member with one free annual check a year
    member = MemberFactory()
    set_tier(member, "gold")

    # when 20 requests use it at the same moment
    results = run_concurrently(lambda i: use(member, key=f"race-{i}"), 20)

    # then exactly one succeeds; the others are told the quota is used up
    wins = [r for r in results if isinstance(r, PrivilegeUse)]
    assert len(wins) == 1
    assert all(isinstance(r, QuotaExhausted) for r in results if r not in wins)
    assert PrivilegeUse.objects.filter(member=member).count() == 1
    assert QuotaCounter.objects.get(member=member).used == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_uses_of_a_quota_of_three_by_two_members_stay_within_it(
    postgres, set_tier
):
    privilege = PrivilegeFactory(code="three")
    TierGrantFactory(privilege=privilege, quota=3)
    members = [MemberFactory(), MemberFactory()]
    run_concurrently(lambda i: use(members[i % 2], "three", f"r-{i}"), 16, workers=8)
    per_member = PrivilegeUse.objects.values("member").annotate(
        n=Count("id", filter=Q(returned_at__isnull=True))
    )
    assert sorted(r["n"] for r in per_member) == [3, 3]


@pytest.mark.django_db
def test_closed_account_cannot_use_privileges(member):
    member.closed_at = timezone.now()
    member.save()
    with pytest.raises(NotEntitled):
        use(member, "member_discount", "closed-1")


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_of_one_key_record_one_use(postgres, set_tier):
    # given a silver member and a request retried ten times at once
    member = MemberFactory()
    set_tier(member, "silver")
    results = run_concurrently(lambda i: use(member, "member_hotline", "retry-1"), 10)
    # then one use, the same one for every caller
    assert {r.pk for r in results if isinstance(r, PrivilegeUse)} == {
        PrivilegeUse.objects.get(key="retry-1").pk
    }
    assert all(isinstance(r, PrivilegeUse) for r in results)
    assert QuotaCounter.objects.get(member=member).used == 1


@pytest.mark.django_db
def test_refusals_name_the_privilege_and_the_renewal_date(member, set_tier):
    from django.utils import translation

    set_tier(member, "gold")
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)):
        use(member, key="june")
        with translation.override("en"):
            with pytest.raises(QuotaExhausted) as exhausted:
                use(member, key="june-2")
            with pytest.raises(NotEntitled) as not_entitled:
                use(member, "customisation", "custom-1")
            assert "Free annual health check" in str(exhausted.value.message)
            assert "01/01/2027" in str(exhausted.value.message)
            assert "Customisation" in str(not_entitled.value.message)
