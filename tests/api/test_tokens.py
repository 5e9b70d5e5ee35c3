"""create_dealer, token actions, and the token admin for dealer managers."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from members.api_tokens import (
    NotDealerStaff,
    api_token_create,
    api_token_revoke,
    api_token_rotate,
)
from members.models import Dealer
from tests.factories.api import api_client
from tests.factories.members import DealerStaffFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/authtoken/tokenproxy/"


def test_create_dealer_prints_a_working_token():
    out, err = io.StringIO(), io.StringIO()
    call_command("create_dealer", "暖居北京朝阳店", "chaoyang", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = Token.objects.get(key=key)
    assert token.user.username == "chaoyang"
    assert token.user.dealer == Dealer.objects.get(name="暖居北京朝阳店")
    assert not token.user.has_usable_password()
    assert api_client(token).get("/api/v1/customers/").status_code == 200


def test_create_dealer_refuses_a_taken_username_and_creates_nothing():
    call_command(
        "create_dealer", "甲", "same", stdout=io.StringIO(), stderr=io.StringIO()
    )
    with pytest.raises(CommandError):
        call_command(
            "create_dealer", "乙", "same", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert Dealer.objects.count() == 1


def test_rotate_replaces_the_key_and_the_old_one_stops_working():
    staff = DealerStaffFactory()
    old = api_token_create(user_id=staff.pk)
    assert api_token_create(user_id=staff.pk).key == old.key  # idempotent
    new = api_token_rotate(user_id=staff.pk)
    assert new.key != old.key
    assert api_client(old).get("/api/v1/customers/").status_code == 401
    assert api_client(new).get("/api/v1/customers/").status_code == 200


def test_revoke_removes_the_token():
    staff = DealerStaffFactory()
    token = api_token_create(user_id=staff.pk)
    assert api_token_revoke(user_id=staff.pk) is True
    assert api_token_revoke(user_id=staff.pk) is False
    assert api_client(token).get("/api/v1/customers/").status_code == 401


@pytest.mark.parametrize("factory", [UserFactory, StaffUserFactory])
def test_only_dealer_staff_may_hold_a_token(factory):
    with pytest.raises(NotDealerStaff):
        api_token_create(user_id=factory().pk)
    assert not Token.objects.exists()


@pytest.fixture
def manager(client):
    """A dealer manager: console access, belongs to a dealer."""
    user = DealerStaffFactory(is_staff=True)
    client.force_login(user)
    return user


def test_dealer_manager_sees_only_own_dealers_tokens(client, manager):
    colleague = DealerStaffFactory(dealer=manager.dealer)
    stranger = DealerStaffFactory()
    api_token_create(user_id=colleague.pk)
    api_token_create(user_id=stranger.pk)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert str(colleague) in html and str(stranger) not in html


def test_dealer_manager_creates_rotates_and_revokes_a_token(client, manager):
    colleague = DealerStaffFactory(dealer=manager.dealer)
    created = client.post(f"{CHANGELIST}add/", {"user": colleague.pk})
    assert created.status_code == 302
    old = Token.objects.get(user=colleague).key

    client.post(
        CHANGELIST,
        {"action": "rotate_tokens", "index": 0, "_selected_action": [colleague.pk]},
    )
    new = Token.objects.get(user=colleague).key
    assert new != old

    client.post(
        CHANGELIST,
        {"action": "revoke_tokens", "index": 0, "_selected_action": [colleague.pk]},
    )
    assert not Token.objects.filter(user=colleague).exists()


def test_dealer_manager_cannot_create_a_token_for_another_dealers_staff(
    client, manager
):
    stranger = DealerStaffFactory()
    response = client.post(f"{CHANGELIST}add/", {"user": stranger.pk})
    assert response.status_code == 200  # the form shows an error
    assert not Token.objects.exists()
