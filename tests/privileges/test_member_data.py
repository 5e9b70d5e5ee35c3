"""The member's privileges data: the export section and what closure does."""

import datetime
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from members.actions import member_close
from privileges import actions
from privileges.models import EventSignup, MemberEvent
from privileges.selectors import member_export_section
from tests.factories.privileges import (
    MemberEventFactory,
    PrivilegeFactory,
    TierGrantFactory,
)

pytestmark = pytest.mark.django_db


def _admin_signup(event, member) -> EventSignup:
    return actions.event_signup(
        event_id=event.pk, member_id=member.pk, source=EventSignup.Source.ADMIN
    )


def test_export_lists_the_members_privilege_uses_and_sign_ups_only(
    member_client, member, other_member
):
    # given a privilege both members used and an event each signed up to
    grant = TierGrantFactory(privilege=PrivilegeFactory(code="export-hotline"))
    for who in (member, other_member):
        actions.privilege_use(
            member_id=who.pk, privilege_code=grant.privilege.code, key=f"use-{who.pk}"
        )
    mine = MemberEventFactory(title_zh="我的沙龙")
    _admin_signup(mine, member)
    _admin_signup(MemberEventFactory(title_zh="别人的沙龙"), other_member)

    # when the member downloads the export
    response = member_client.get(reverse("members:export"))

    # then the privileges section holds their use and their sign-up only
    section = json.loads(response.content)["privileges"]
    assert [u["privilege"] for u in section["privilege_uses"]] == ["export-hotline"]
    assert [(s["event"], s["status"]) for s in section["event_signups"]] == [
        ("我的沙龙", "confirmed")
    ]
    assert "别人的沙龙" not in response.content.decode()


def test_export_section_queries_do_not_grow_with_history(
    member, django_assert_num_queries
):
    for _ in range(6):
        _admin_signup(MemberEventFactory(), member)
    with django_assert_num_queries(2):
        section = member_export_section(member)
    assert len(section["event_signups"]) == 6


def test_closing_the_account_frees_places_at_future_events_only(
    member, other_member, django_capture_on_commit_callbacks
):
    # given the member holds a place at a future event whose sign-up has closed,
    # a future event still open, and a past event (history)
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(days=30)):
        closed_signup = MemberEventFactory(
            starts_at=now + datetime.timedelta(hours=3),
            signup_closes_at=now - datetime.timedelta(hours=1),
        )
        past = MemberEventFactory(starts_at=now - datetime.timedelta(days=2))
        past_signup = _admin_signup(past, member)
        _admin_signup(closed_signup, member)
    open_event = MemberEventFactory()
    _admin_signup(open_event, member)
    # and another member holds a place at the open event
    theirs = _admin_signup(open_event, other_member)

    # when the account is closed (the receiver runs after commit)
    with django_capture_on_commit_callbacks(execute=True):
        member_close(member_id=member.pk)

    # then the future places are cancelled and freed, the past one kept
    mine = EventSignup.objects.filter(member=member)
    assert set(mine.filter(status="cancelled").values_list("event_id", flat=True)) == {
        closed_signup.pk,
        open_event.pk,
    }
    assert mine.get(event=past).status == "confirmed" == past_signup.status
    seats = dict(MemberEvent.objects.values_list("pk", "seats_taken"))
    assert seats[closed_signup.pk] == 0 and seats[open_event.pk] == 1
    # and the other member keeps their place
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"
    # a second run changes nothing
    assert actions.member_event_signups_close(member_id=member.pk) == 0
    assert MemberEvent.objects.get(pk=open_event.pk).seats_taken == 1
