"""Privileges where other apps meet them: event tickets, birthdays, the dealer API's
bulk discount."""

from decimal import Decimal

import pytest

from points.rewards.exceptions import FulfilmentRefused
from points.rewards.models import Redemption
from points.rewards.registry import fulfiller_for
from privileges import selectors
from privileges.models import EventSignup, PrivilegeUse
from tests.factories.members import MemberFactory
from tests.factories.privileges import MemberEventFactory
from tests.factories.rewards import RewardItemFactory, give_points, redeem

pytestmark = pytest.mark.django_db


def test_event_ticket_fulfiller_is_registered():
    assert fulfiller_for("event_ticket") is not None


def test_redeemed_ticket_takes_a_place_without_using_the_event_quota(member):
    # given an event and a ticket item for it, and a member with points
    event = MemberEventFactory(capacity=2)
    item = RewardItemFactory(ticket=True, event_id=event.pk, points_price=500)
    give_points(member, 1000)
    # when the member redeems the ticket
    redemption = redeem(member, item)
    # then they hold a place, paid by points, their yearly sign-up untouched
    signup = EventSignup.objects.get(member=member)
    assert signup.source == EventSignup.Source.TICKET
    event.refresh_from_db()
    assert event.seats_taken == 1
    assert not PrivilegeUse.objects.filter(member=member).exists()
    assert redemption.pk


def test_ticket_for_a_full_event_is_refused_and_nothing_is_debited(member):
    from points.selectors import balance_for_member
    from privileges.actions import event_signup

    event = MemberEventFactory(capacity=1)
    event_signup(event_id=event.pk, member_id=MemberFactory().pk)
    item = RewardItemFactory(ticket=True, event_id=event.pk, points_price=500)
    give_points(member, 1000)
    with pytest.raises(FulfilmentRefused):
        redeem(member, item)
    assert not Redemption.objects.filter(member_id=member.pk).exists()
    assert balance_for_member(member.pk) == 1000
    assert not EventSignup.objects.filter(member=member).exists()


def test_cancelled_ticket_frees_the_place(member):
    from points.rewards.actions import redemption_cancel

    event = MemberEventFactory(capacity=1)
    item = RewardItemFactory(ticket=True, event_id=event.pk, points_price=500)
    give_points(member, 1000)
    redemption = redeem(member, item)
    redemption_cancel(redemption_id=redemption.pk, member_id=member.pk)
    event.refresh_from_db()
    assert event.seats_taken == 0
    assert EventSignup.objects.get(member=member).status == "cancelled"


def test_ticket_for_an_event_the_member_already_attends_is_refused(member):
    from privileges.actions import event_signup

    event = MemberEventFactory()
    event_signup(event_id=event.pk, member_id=member.pk)
    item = RewardItemFactory(ticket=True, event_id=event.pk, points_price=500)
    give_points(member, 1000)
    with pytest.raises(FulfilmentRefused):
        redeem(member, item)


def test_birthday_points_count_as_a_use_of_the_birthday_privilege():
    import datetime

    from tiers.actions import birthday_points_award

    member = MemberFactory(birthday=datetime.date(1990, 5, 17))
    birthday_points_award(day=datetime.date(2026, 5, 17))
    birthday_points_award(day=datetime.date(2026, 5, 17))  # once a year
    uses = PrivilegeUse.objects.filter(member=member)
    assert [u.privilege.code for u in uses] == ["birthday_wishes"]


def test_bulk_discounts_equal_the_one_member_answer(
    set_tier, django_assert_max_num_queries
):
    members = [MemberFactory() for _ in range(4)]
    for m, code in zip(members, ["regular", "silver", "gold", "diamond"], strict=True):
        set_tier(m, code)
    with django_assert_max_num_queries(3):
        bulk = selectors.discount_percents([m.pk for m in members])
    assert bulk == {m.pk: selectors.discount_percent(m.pk) for m in members}
    assert bulk[members[2].pk] == Decimal("10")
