"""Sign-in by phone or username, lockout per account and per IP, password reset."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from members import sms
from members.actions import member_enrol_by_dealer
from members.models import SignInFailure
from tests.factories.members import DealerFactory, MemberFactory, StaffUserFactory

from .conftest import last_code

pytestmark = pytest.mark.django_db
LOGIN = reverse("members:login")
RESET = reverse("members:password_reset")


def _login(client, identifier, password, **extra):
    return client.post(LOGIN, {"username": identifier, "password": password}, **extra)


def test_customer_signs_in_with_a_formatted_phone_number(client, member, password):
    phone = member.user.phone
    response = _login(client, f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}", password)

    assert response.status_code == 302
    assert client.get(reverse("members:home")).status_code == 200


def test_staff_signs_in_with_username(client, password):
    staff = StaffUserFactory()

    response = _login(client, staff.username, password)

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_wrong_password_and_unknown_number_answer_alike(client, member):
    known = _login(client, member.user.phone, "wrong-password")
    unknown = _login(client, "13700000000", "wrong-password")

    assert known.status_code == unknown.status_code == 400
    assert known.context["form"].non_field_errors() == (
        unknown.context["form"].non_field_errors()
    )


def test_account_locks_after_repeated_failures_even_with_the_right_password(
    client, member, password, settings
):
    settings.MEMBERS_LOCKOUT_FAILURES = 3
    for _ in range(3):
        _login(client, member.user.phone, "wrong-password")

    locked = _login(client, member.user.phone, password)

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # After the window the right password works again and clears the count.
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
        assert _login(client, member.user.phone, password).status_code == 302
    assert not SignInFailure.objects.filter(identifier=member.user.phone).exists()


def test_unknown_numbers_lock_the_same_way(client, settings):
    settings.MEMBERS_LOCKOUT_FAILURES = 2
    for _ in range(2):
        _login(client, "13700000000", "x")

    assert _login(client, "13700000000", "x").status_code == 429


def test_client_ip_locks_after_failures_across_accounts(client, password, settings):
    settings.MEMBERS_LOCKOUT_IP_FAILURES = 4
    victim = MemberFactory()
    for i in range(4):
        _login(client, f"1370000000{i}", "x")

    from_same_ip = _login(client, victim.user.phone, password)
    from_other_ip = _login(client, victim.user.phone, password, REMOTE_ADDR="10.9.9.9")

    assert from_same_ip.status_code == 429
    assert from_other_ip.status_code == 302


def test_successful_sign_in_clears_the_account_failures(
    client, member, password, settings
):
    settings.MEMBERS_LOCKOUT_FAILURES = 3
    _login(client, member.user.phone, "wrong")
    _login(client, member.user.phone, "wrong")
    assert _login(client, member.user.phone, password).status_code == 302
    client.logout()

    _login(client, member.user.phone, "wrong")
    assert _login(client, member.user.phone, password).status_code == 302


def test_login_without_csrf_token_is_forbidden(member, password):
    from django.test import Client

    response = _login(Client(enforce_csrf_checks=True), member.user.phone, password)

    assert response.status_code == 403


NEW_PASSWORD = "New-Warm-Home-88"


def _reset(client, phone, code, password=NEW_PASSWORD):
    return client.post(
        RESET,
        {"phone": phone, "code": code, "password1": password, "password2": password},
    )


def test_password_reset_by_phone_code(client, member, send_code):
    send_code(member.user.phone, purpose="reset")

    response = _reset(client, member.user.phone, last_code(member.user.phone))

    assert response.status_code == 302
    assert _login(client, member.user.phone, "New-Warm-Home-88").status_code == 302


def test_password_reset_answers_alike_for_unknown_numbers(send_code, member):
    known = send_code(member.user.phone, purpose="reset")
    unknown = send_code("13700000000", purpose="reset")

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    assert [m["phone"] for m in sms.outbox] == [member.user.phone]


def test_password_reset_with_a_wrong_code_changes_nothing(
    client, member, password, send_code
):
    send_code(member.user.phone, purpose="reset")
    code = last_code(member.user.phone)

    response = _reset(
        client, member.user.phone, "000000" if code != "000000" else "111111"
    )

    assert response.status_code == 400
    member.user.refresh_from_db()
    assert member.user.check_password(password)


def test_registration_code_does_not_reset_a_password(client, send_code):
    # Purposes are separate: a code asked for registration is not a reset code.
    _enrolled, _ = member_enrol_by_dealer(
        dealer_id=DealerFactory().pk, phone="13612345678", name="赵女士"
    )
    send_code("13612345678", purpose="register")

    response = _reset(client, "13612345678", last_code("13612345678"))

    assert response.status_code == 400


def test_dealer_enrolled_customer_claims_through_password_reset(
    client, send_code, django_capture_on_commit_callbacks
):
    dealer = DealerFactory()
    member, created = member_enrol_by_dealer(
        dealer_id=dealer.pk, phone="13612345678", name="赵女士", address="幸福路 1 号"
    )
    assert created and not member.user.has_usable_password()
    assert _login(client, "13612345678", "anything-at-all").status_code == 400

    send_code("13612345678", purpose="reset")
    assert _reset(client, "13612345678", last_code("13612345678")).status_code == 302

    member.refresh_from_db()
    assert member.claimed_at is not None
    assert member.enrolled_by_dealer == dealer
    assert _login(client, "13612345678", "New-Warm-Home-88").status_code == 302
