"""Portal pages, the home card, the tier comparison rows and the admin console."""

import pytest
from django.urls import reverse
from django.utils import timezone

from privileges import actions
from privileges.models import EventSignup, PrivilegeUse
from tests.factories.members import MemberFactory
from tests.factories.privileges import MemberEventFactory
from tiers.models import Tier

pytestmark = pytest.mark.django_db


def test_my_privileges_shows_parameters_quota_and_what_gold_adds(
    member_client, member, set_tier, django_assert_max_num_queries
):
    # given a silver member
    set_tier(member, "silver")
    # when they open /me/privileges/
    with django_assert_max_num_queries(12):
        response = member_client.get(
            reverse("privileges:mine"), HTTP_ACCEPT_LANGUAGE="en"
        )
    # then their privileges with parameters, and Gold's additions
    assert response.status_code == 200
    page = response.content.decode()
    assert "Priority member hotline" in page
    assert "5% off" in page
    assert "What Gold adds" in page
    assert "Free annual health check" in page  # added by gold
    assert "10% off" in page


def test_my_privileges_shows_remaining_quota_after_a_use(
    member_client, member, set_tier
):
    set_tier(member, "gold")
    actions.privilege_use(
        member_id=member.pk, privilege_code="free_annual_check", key="b1"
    )
    page = member_client.get(
        reverse("privileges:mine"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "0 of 1 left" in page
    assert "1 of 1 left" in page  # the design consultation, unused


def test_my_privileges_in_chinese_by_default(member_client):
    page = member_client.get(reverse("privileges:mine")).content.decode()
    assert "会员折扣" in page and "我的特权" in page


def test_privilege_pages_need_a_signed_in_member(client):
    assert client.get(reverse("privileges:mine")).status_code == 302
    assert client.get(reverse("privileges:events")).status_code == 302


def test_privilege_pages_are_for_members_not_staff(admin_client_):
    assert admin_client_.get(reverse("privileges:mine")).status_code == 404
    assert admin_client_.get(reverse("privileges:events")).status_code == 404


def test_events_page_lists_upcoming_events_with_places(
    member_client, member, django_assert_max_num_queries
):
    events = [MemberEventFactory(capacity=5) for _ in range(6)]
    MemberEventFactory(is_published=False, title_en="Secret")
    MemberEventFactory(min_tier=Tier.objects.get(code="diamond"), title_en="VIP tour")
    actions.event_signup(event_id=events[0].pk, member_id=member.pk)
    with django_assert_max_num_queries(12):
        response = member_client.get(
            reverse("privileges:events"), HTTP_ACCEPT_LANGUAGE="en"
        )
    page = response.content.decode()
    assert "4 of 5 places left" in page
    assert "You are signed up" in page
    assert "Secret" not in page
    assert "Not open to your tier yet." in page


def test_sign_up_and_cancel_through_the_portal(member_client, member):
    event = MemberEventFactory(capacity=2)
    response = member_client.post(
        reverse("privileges:event_signup", args=[event.pk]), follow=True
    )
    assert response.status_code == 200
    signup = EventSignup.objects.get(member=member)
    member_client.post(reverse("privileges:event_cancel", args=[signup.pk]))
    signup.refresh_from_db()
    assert signup.status == EventSignup.Status.CANCELLED


def test_full_event_sign_up_shows_a_message_not_an_error(member_client, member):
    event = MemberEventFactory(capacity=1)
    actions.event_signup(event_id=event.pk, member_id=MemberFactory().pk)
    response = member_client.post(
        reverse("privileges:event_signup", args=[event.pk]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "fully booked" in response.content.decode()
    assert not EventSignup.objects.filter(member=member).exists()


def test_cannot_cancel_someone_elses_signup(member_client, other_member):
    event = MemberEventFactory()
    theirs = actions.event_signup(event_id=event.pk, member_id=other_member.pk)
    response = member_client.post(reverse("privileges:event_cancel", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == EventSignup.Status.CONFIRMED


def test_sign_up_needs_post(member_client):
    event = MemberEventFactory()
    assert (
        member_client.get(
            reverse("privileges:event_signup", args=[event.pk])
        ).status_code
        == 405
    )


def test_home_card_shows_discount_and_quota(member_client, member, set_tier):
    set_tier(member, "gold")
    page = member_client.get(
        reverse("members:home"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "My privileges" in page and "10% off" in page
    assert reverse("privileges:mine") in page


def test_tier_comparison_page_has_a_row_per_privilege(client):
    page = client.get(
        reverse("tiers:compare"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Free annual health check" in page
    assert "1 per year" in page
    assert "15% off" in page


# Admin ----------------------------------------------------------------------


def test_admin_matrix_shows_each_tier_with_inherited_cells(
    admin_client_, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = admin_client_.get(
            reverse("admin:privileges_privilege_matrix"), HTTP_ACCEPT_LANGUAGE="en"
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "grants-matrix" in page and "Diamond" in page
    assert "color:#888" in page  # inherited cells


def test_admin_usage_report_counts_uses_per_tier(
    admin_client_, set_tier, django_assert_max_num_queries
):
    # given 3 silver members, 2 of whom called the hotline
    members = [MemberFactory() for _ in range(3)]
    for m in members:
        set_tier(m, "silver")
    for i, m in enumerate(members[:2]):
        actions.privilege_use(
            member_id=m.pk, privilege_code="member_hotline", key=f"h{i}"
        )
    # when the operator opens the usage report
    with django_assert_max_num_queries(10):
        response = admin_client_.get(
            reverse("admin:privileges_privilege_usage"), HTTP_ACCEPT_LANGUAGE="en"
        )
    rows = {r.privilege.code: r for r in response.context["rows"]}
    silver = next(c for c in rows["member_hotline"].cells if c.tier.code == "silver")
    # then 2 uses / 3 eligible members
    assert (silver.uses, silver.eligible) == (2, 3)
    assert str(silver.rate) == "66.7"
    regular = next(c for c in rows["member_hotline"].cells if c.tier.code == "regular")
    assert not regular.granted


@pytest.mark.parametrize("year", ["abc", "0", "9999", "99999999999999999999"])
def test_admin_usage_report_bad_year_falls_back(admin_client_, year):
    response = admin_client_.get(
        reverse("admin:privileges_privilege_usage") + f"?year={year}"
    )
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year


@pytest.mark.parametrize(
    "model",
    [
        "privilege",
        "tiergrant",
        "privilegeuse",
        "quotacounter",
        "memberevent",
        "eventsignup",
    ],
)
def test_admin_changelists_load_with_bounded_queries(
    admin_client_, member, model, django_assert_max_num_queries
):
    event = MemberEventFactory()
    for _ in range(5):
        m = MemberFactory()
        actions.event_signup(event_id=event.pk, member_id=m.pk)
    with django_assert_max_num_queries(15):
        response = admin_client_.get(reverse(f"admin:privileges_{model}_changelist"))
    assert response.status_code == 200


def test_admin_uses_are_read_only(admin_client_, member):
    actions.event_signup(event_id=MemberEventFactory().pk, member_id=member.pk)
    use = PrivilegeUse.objects.get()
    assert (
        admin_client_.get(reverse("admin:privileges_privilegeuse_add")).status_code
        == 403
    )
    response = admin_client_.post(
        reverse("admin:privileges_privilegeuse_delete", args=[use.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert PrivilegeUse.objects.exists()


def test_admin_cancel_action_frees_places(admin_client_, member):
    event = MemberEventFactory()
    signup = actions.event_signup(event_id=event.pk, member_id=member.pk)
    admin_client_.post(
        reverse("admin:privileges_eventsignup_changelist"),
        {"action": "cancel_signups", "_selected_action": [signup.pk]},
    )
    event.refresh_from_db()
    assert event.seats_taken == 0


def test_admin_event_change_page_loads(admin_client_, member):
    event = MemberEventFactory()
    actions.event_signup(event_id=event.pk, member_id=member.pk)
    response = admin_client_.get(
        reverse("admin:privileges_memberevent_change", args=[event.pk])
    )
    assert response.status_code == 200


def test_admin_uses_filter_by_tier_at_use(admin_client_, set_tier):
    silver, gold = MemberFactory(), MemberFactory()
    set_tier(silver, "silver")
    set_tier(gold, "gold")
    for m in (silver, gold):
        actions.privilege_use(
            member_id=m.pk, privilege_code="member_hotline", key=f"call-{m.pk}"
        )
    response = admin_client_.get(
        reverse("admin:privileges_privilegeuse_changelist") + "?tier_code=gold"
    )
    shown = list(response.context["cl"].result_list)
    assert [u.member_id for u in shown] == [gold.pk]
