"""Operators record privileges given off-line, so every use is counted."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from members import roles
from privileges.models import Privilege, PrivilegeUse
from tests.factories.members import StaffUserFactory

pytestmark = pytest.mark.django_db
URL = "admin:privileges_privilegeuse_record"


def staff_in(group_name):
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def ops_client(client):
    client.force_login(staff_in(roles.MEMBER_OPERATIONS))
    return client


def _hotline():
    return Privilege.objects.get(kind=Privilege.Kind.HOTLINE)


def test_member_operations_record_an_offline_use_once_even_if_sent_twice(
    ops_client, member, set_tier
):
    set_tier(member, "silver")
    form = ops_client.get(reverse(URL))
    token = form.context["form"]["token"].value()
    data = {
        "phone": member.user.phone,
        "privilege": _hotline().pk,
        "note": "hotline call",
        "token": token,
    }

    first = ops_client.post(reverse(URL), data)
    second = ops_client.post(reverse(URL), data)

    assert first.status_code == second.status_code == 302
    use = PrivilegeUse.objects.get(member=member)
    assert use.privilege == _hotline()
    assert use.ref_type == "staff:hotline call"


def test_unknown_number_or_privilege_outside_the_tier_is_a_form_error(
    ops_client, member
):
    unknown = ops_client.post(
        reverse(URL),
        {
            "phone": "13900000000",
            "privilege": _hotline().pk,
            "note": "x",
            "token": "t1",
        },
    )
    not_held = ops_client.post(
        reverse(URL),
        {
            "phone": member.user.phone,
            "privilege": _hotline().pk,
            "note": "x",
            "token": "t2",
        },
    )

    assert unknown.status_code == 200 and unknown.context["form"].errors["phone"]
    assert not_held.status_code == 200 and not_held.context["form"].errors["privilege"]
    assert not PrivilegeUse.objects.exists()


def test_analyst_cannot_record_uses(client, member):
    client.force_login(staff_in(roles.ANALYST))

    assert client.get(reverse(URL)).status_code == 403
    listing = client.get(reverse("admin:privileges_privilegeuse_changelist"))
    assert reverse(URL) not in listing.content.decode()


def test_a_form_resent_for_another_member_is_a_form_error_not_a_crash(
    ops_client, member, set_tier
):
    from tests.factories.members import MemberFactory

    other = MemberFactory()
    set_tier(member, "silver")
    set_tier(other, "silver")
    data = {
        "phone": member.user.phone,
        "privilege": _hotline().pk,
        "note": "hotline call",
        "token": "same-token",
    }
    ops_client.post(reverse(URL), data)

    again = ops_client.post(reverse(URL), {**data, "phone": other.user.phone})

    assert again.status_code == 200 and again.context["form"].errors
    assert not PrivilegeUse.objects.filter(member=other).exists()


def test_an_overlong_token_is_a_form_error(ops_client, member, set_tier):
    set_tier(member, "silver")
    data = {
        "phone": member.user.phone,
        "privilege": _hotline().pk,
        "note": "hotline call",
        "token": "x" * 500,
    }

    response = ops_client.post(reverse(URL), data)

    assert response.status_code == 200 and response.context["form"].errors
    assert not PrivilegeUse.objects.exists()
