"""Member events: sign-up, cancel, eligibility, capacity under concurrency."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from members.models import Notification
from privileges import actions, selectors
from privileges.exceptions import (
    EventClosed,
    EventError,
    EventFull,
    EventNotEligible,
    NotEntitled,
    QuotaExhausted,
)
from privileges.models import EventSignup, MemberEvent, PrivilegeUse
from tests.concurrency import run_concurrently
from tests.factories.members import MemberFactory
from tests.factories.privileges import MemberEventFactory
from tiers.models import Tier


def signup(event, member, **kw):
    return actions.event_signup(event_id=event.pk, member_id=member.pk, **kw)


@pytest.mark.django_db
def test_signup_takes_a_place_uses_event_access_and_notifies(
    member, django_capture_on_commit_callbacks
):
    event = MemberEventFactory(capacity=3)
    with django_capture_on_commit_callbacks(execute=True):
        done = signup(event, member)
    event.refresh_from_db()
    assert done.status == EventSignup.Status.CONFIRMED
    assert event.seats_taken == 1
    use = PrivilegeUse.objects.get(member=member)
    assert use.privilege.code == "member_events" and use.ref_id == done.pk
    assert Notification.objects.filter(member=member, category="event").exists()


@pytest.mark.django_db
def test_signing_up_twice_keeps_one_place(member, set_tier):
    set_tier(member, "silver")
    event = MemberEventFactory()
    assert signup(event, member) == signup(event, member)
    event.refresh_from_db()
    assert event.seats_taken == 1
    assert PrivilegeUse.objects.count() == 1


@pytest.mark.django_db
def test_full_event_refuses_and_saves_nothing(member):
    event = MemberEventFactory(capacity=1)
    signup(event, MemberFactory())
    with pytest.raises(EventFull):
        signup(event, member)
    assert not EventSignup.objects.filter(member=member).exists()
    assert not PrivilegeUse.objects.filter(member=member).exists()


@pytest.mark.django_db
def test_event_for_gold_refuses_a_silver_member(member, set_tier):
    set_tier(member, "silver")
    event = MemberEventFactory(min_tier=Tier.objects.get(code="gold"))
    with pytest.raises(EventNotEligible) as exc:
        signup(event, member)
    assert "金卡" in str(exc.value.message) or "Gold" in str(exc.value.message)
    set_tier(member, "gold")
    assert signup(event, member).status == EventSignup.Status.CONFIRMED


@pytest.mark.django_db
def test_unpublished_or_started_event_is_closed(member):
    hidden = MemberEventFactory(is_published=False)
    with pytest.raises(EventClosed):
        signup(hidden, member)
    soon = MemberEventFactory(starts_at=timezone.now() + datetime.timedelta(hours=1))
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(hours=2)),
        pytest.raises(EventClosed),
    ):
        signup(soon, member)


@pytest.mark.django_db
def test_event_access_quota_limits_signups_per_year(member):
    # given a regular member, whose tier grants one event sign-up a year
    first, second = MemberEventFactory(), MemberEventFactory()
    signup(first, member)
    with pytest.raises(QuotaExhausted):
        signup(second, member)
    second.refresh_from_db()
    assert second.seats_taken == 0
    # when the first sign-up is cancelled the sign-up is given back
    actions.event_signup_cancel(
        signup_id=EventSignup.objects.get(member=member).pk, member_id=member.pk
    )
    assert signup(second, member).status == EventSignup.Status.CONFIRMED


@pytest.mark.django_db
def test_tier_without_event_access_cannot_sign_up_on_the_portal(member):
    from privileges.models import TierGrant

    TierGrant.objects.filter(privilege__code="member_events").delete()
    with pytest.raises(NotEntitled):
        signup(MemberEventFactory(), member)


@pytest.mark.django_db
def test_ticket_signup_does_not_use_the_event_access_quota(member):
    event = MemberEventFactory()
    done = signup(event, member, source="ticket", ref_key="redemption:9")
    assert done.source == "ticket"
    assert not PrivilegeUse.objects.exists()
    assert signup(event, member, source="ticket", ref_key="redemption:9") == done


@pytest.mark.django_db
def test_cancel_frees_the_place_once_and_only_for_the_owner(member, other_member):
    event = MemberEventFactory(capacity=1)
    mine = signup(event, member)
    with pytest.raises(EventError):
        actions.event_signup_cancel(signup_id=mine.pk, member_id=other_member.pk)
    actions.event_signup_cancel(signup_id=mine.pk, member_id=member.pk)
    actions.event_signup_cancel(signup_id=mine.pk, member_id=member.pk)
    event.refresh_from_db()
    assert event.seats_taken == 0
    assert PrivilegeUse.objects.get(key=mine.use_key).returned_at is not None
    assert signup(event, other_member).status == EventSignup.Status.CONFIRMED


@pytest.mark.django_db
def test_member_cannot_cancel_after_signup_closed_but_staff_can(member):
    event = MemberEventFactory(starts_at=timezone.now() + datetime.timedelta(days=2))
    mine = signup(event, member)
    with time_machine.travel(event.starts_at + datetime.timedelta(minutes=5)):
        with pytest.raises(EventClosed):
            actions.event_signup_cancel(signup_id=mine.pk, member_id=member.pk)
        actions.event_signup_cancel(signup_id=mine.pk, by_staff=True)
    mine.refresh_from_db()
    assert mine.status == EventSignup.Status.CANCELLED


@pytest.mark.django_db
def test_database_refuses_more_places_than_capacity():
    event = MemberEventFactory(capacity=2)
    with pytest.raises(IntegrityError):
        MemberEvent.objects.filter(pk=event.pk).update(seats_taken=3)


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_signups_for_ten_places_get_ten(postgres):
    # given an event with 10 places and 50 members
    event = MemberEventFactory(capacity=10)
    members = [MemberFactory() for _ in range(50)]

    # when all 50 sign up at the same moment
    results = run_concurrently(lambda i: signup(event, members[i]), 50, workers=25)

    # then exactly 10 hold a place, the rest were told it is full
    won = [r for r in results if isinstance(r, EventSignup)]
    assert len(won) == 10
    assert all(isinstance(r, EventFull) for r in results if r not in won)
    event.refresh_from_db()
    assert event.seats_taken == 10 == selectors.event_confirmed_count(event.pk)


@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_and_cancels_keep_places_consistent(postgres):
    event = MemberEventFactory(capacity=5)
    members = [MemberFactory() for _ in range(5)]
    first = [signup(event, m) for m in members]
    newcomers = [MemberFactory() for _ in range(5)]

    def work(i):
        if i % 2:
            return actions.event_signup_cancel(signup_id=first[i // 2].pk)
        return signup(event, newcomers[i // 2])

    run_concurrently(work, 10)
    event.refresh_from_db()
    assert event.seats_taken == selectors.event_confirmed_count(event.pk)
    assert event.seats_taken <= 5


@pytest.mark.django_db(transaction=True)
def test_double_clicked_signup_takes_one_place(postgres):
    event = MemberEventFactory(capacity=5)
    member = MemberFactory()
    results = run_concurrently(lambda i: signup(event, member), 8)
    assert all(isinstance(r, EventSignup) for r in results)
    event.refresh_from_db()
    assert event.seats_taken == 1
    assert EventSignup.objects.filter(member=member).count() == 1
    assert PrivilegeUse.objects.filter(member=member).count() == 1


@pytest.mark.django_db
def test_closed_account_cannot_sign_up(member):
    member.closed_at = timezone.now()
    member.save()
    with pytest.raises(NotEntitled):
        signup(MemberEventFactory(), member)


@pytest.mark.django_db
def test_editing_an_event_never_overwrites_places_taken(member):
    # given an event loaded for editing, then a member signs up
    event = MemberEventFactory(capacity=5)
    stale = MemberEvent.objects.get(pk=event.pk)
    signup(event, member)
    # when the operator's change is saved
    actions.event_update(event_id=stale.pk, place="新地点", seats_taken=0)
    # then the place changed and the sign-up still counts
    event.refresh_from_db()
    assert (event.place, event.seats_taken) == ("新地点", 1)


@pytest.mark.django_db
def test_capacity_cannot_drop_below_places_taken(member, other_member):
    event = MemberEventFactory(capacity=5)
    signup(event, member)
    signup(event, other_member)
    with pytest.raises(EventError):
        actions.event_update(event_id=event.pk, capacity=1)
    assert actions.event_update(event_id=event.pk, capacity=2).capacity == 2


@pytest.mark.django_db
def test_admin_edit_of_an_event_keeps_places_taken(admin_client_, member):
    from django.urls import reverse

    event = MemberEventFactory(capacity=5)
    signup(event, member)
    data = {
        "kind": event.kind,
        "title_zh": "改名后的沙龙",
        "title_en": "",
        "description_zh": "",
        "description_en": "",
        "place": event.place,
        "city": event.city,
        "starts_at_0": timezone.localtime(event.starts_at).strftime("%Y-%m-%d"),
        "starts_at_1": timezone.localtime(event.starts_at).strftime("%H:%M:%S"),
        "ends_at_0": "",
        "ends_at_1": "",
        "signup_closes_at_0": "",
        "signup_closes_at_1": "",
        "capacity": "6",
        "min_tier": event.min_tier_id,
        "is_published": "on",
        "signups-TOTAL_FORMS": "1",
        "signups-INITIAL_FORMS": "1",
        "signups-MIN_NUM_FORMS": "0",
        "signups-MAX_NUM_FORMS": "1000",
        "signups-0-id": EventSignup.objects.get().pk,
        "signups-0-event": event.pk,
    }
    response = admin_client_.post(
        reverse("admin:privileges_memberevent_change", args=[event.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event.refresh_from_db()
    assert (event.title_zh, event.capacity, event.seats_taken) == ("改名后的沙龙", 6, 1)
