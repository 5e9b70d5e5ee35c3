"""Registration with a one-time code sent to the phone."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members import sms
from members.models import Member, PhoneCode, User
from members.signals import member_claimed, member_registered
from tests.factories.members import MemberFactory

from .conftest import last_code

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
REGISTER = reverse("members:register")


def test_code_is_sent_by_sms_and_stored_only_as_a_hash(send_code):
    response = send_code(PHONE)

    assert response.status_code == 200
    assert response.json()["ok"] is True
    code = last_code(PHONE)
    row = PhoneCode.objects.get(phone=PHONE)
    assert code not in row.code_hash
    assert row.purpose == PhoneCode.Purpose.REGISTER


def test_member_registers_with_code_and_lands_signed_in_on_home(
    client, send_code, registration_data, django_capture_on_commit_callbacks
):
    events = []
    member_registered.connect(
        lambda **kw: events.append(kw), weak=False, dispatch_uid="t1"
    )
    send_code(PHONE)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            REGISTER,
            registration_data(PHONE, last_code(PHONE), city="沈阳", household_size="3"),
        )
    member_registered.disconnect(dispatch_uid="t1")

    assert response.status_code == 302 and response.url == reverse("members:home")
    member = Member.objects.select_related("user").get(user__phone=PHONE)
    assert member.user.check_password("Warm-Winter-2026")
    assert member.claimed_at is not None and member.terms_accepted_at is not None
    assert (member.city, member.household_size) == ("沈阳", 3)
    assert len(member.referral_code) == 8
    assert [e["member_id"] for e in events] == [member.pk]
    assert client.get(reverse("members:home")).status_code == 200


def test_registration_with_wrong_code_saves_nothing_and_counts_the_attempt(
    client, send_code, registration_data
):
    send_code(PHONE)
    wrong = "000000" if last_code(PHONE) != "000000" else "111111"

    response = client.post(REGISTER, registration_data(PHONE, wrong))

    assert response.status_code == 400
    assert "code" in response.context["form"].errors
    assert not User.objects.filter(phone=PHONE).exists()
    assert PhoneCode.objects.get(phone=PHONE).attempts == 1


def test_code_stops_working_after_too_many_wrong_attempts(
    client, send_code, registration_data, settings
):
    settings.MEMBERS_CODE_MAX_ATTEMPTS = 3
    send_code(PHONE)
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        client.post(REGISTER, registration_data(PHONE, wrong))

    response = client.post(REGISTER, registration_data(PHONE, code))

    assert response.status_code == 400
    assert not User.objects.filter(phone=PHONE).exists()


def test_expired_code_is_refused(client, send_code, registration_data):
    with time_machine.travel(timezone.now() - timezone.timedelta(minutes=11)):
        send_code(PHONE)
    response = client.post(REGISTER, registration_data(PHONE, last_code(PHONE)))

    assert response.status_code == 400
    assert "code" in response.context["form"].errors
    assert not User.objects.filter(phone=PHONE).exists()


def test_code_cannot_be_used_twice(send_code, registration_data):
    send_code(PHONE)
    code = last_code(PHONE)
    first, second = Client(), Client()
    assert first.post(REGISTER, registration_data(PHONE, code)).status_code == 302

    response = second.post(
        REGISTER, registration_data(PHONE, code, name="另一个人", email="x@example.com")
    )

    assert response.status_code == 400
    assert User.objects.filter(phone=PHONE).count() == 1
    assert User.objects.get(phone=PHONE).name == "王小明"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password1": "12345678", "password2": "12345678"}, "password1"),
        ({"password1": "short", "password2": "short"}, "password1"),
        ({"password2": "Different-2026"}, "password2"),
        ({"accept_terms": ""}, "accept_terms"),
        ({"name": ""}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"household_size": "-2"}, "household_size"),
        ({"referral_code": "NOSUCH"}, None),
    ],
)
def test_bad_registration_input_shows_a_field_error_and_keeps_the_code(
    client, send_code, registration_data, overrides, field
):
    send_code(PHONE)
    code = last_code(PHONE)

    response = client.post(REGISTER, registration_data(PHONE, code, **overrides))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert (field or "__all__") in errors
    assert not User.objects.filter(phone=PHONE).exists()
    # The code was not spent: correcting the form succeeds.
    assert client.post(REGISTER, registration_data(PHONE, code)).status_code == 302


def test_weak_password_similar_to_phone_is_refused(
    client, send_code, registration_data
):
    send_code(PHONE)
    response = client.post(
        REGISTER,
        registration_data(
            PHONE, last_code(PHONE), password1=f"{PHONE}a", password2=f"{PHONE}a"
        ),
    )
    assert response.status_code == 400
    assert "password1" in response.context["form"].errors


def test_registered_number_gets_the_same_answer_but_no_usable_code(
    client, send_code, registration_data
):
    existing = MemberFactory(user__phone=PHONE)
    unknown = "13700000001"

    known_answer = send_code(PHONE)
    unknown_answer = send_code(unknown)

    assert known_answer.status_code == unknown_answer.status_code == 200
    assert known_answer.json() == unknown_answer.json()
    notice = [m for m in sms.outbox if m["phone"] == PHONE]
    assert len(notice) == 1 and not any(ch.isdigit() for ch in notice[0]["text"])
    # Guessing a code does not let anyone register the number a second time.
    response = client.post(REGISTER, registration_data(PHONE, "123456"))
    assert response.status_code == 400
    assert User.objects.filter(phone=PHONE).count() == 1
    assert User.objects.get(phone=PHONE).pk == existing.user_id


def test_dealer_enrolled_customer_claims_the_account_by_registering(
    client, send_code, registration_data, django_capture_on_commit_callbacks
):
    enrolled = MemberFactory(user__phone=PHONE, claimed_at=None, terms_accepted_at=None)
    enrolled.user.set_unusable_password()
    enrolled.user.save()
    claims = []
    member_claimed.connect(
        lambda **kw: claims.append(kw), weak=False, dispatch_uid="t2"
    )
    send_code(PHONE)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER, registration_data(PHONE, last_code(PHONE)))
    member_claimed.disconnect(dispatch_uid="t2")

    assert response.status_code == 302
    enrolled.refresh_from_db()
    enrolled.user.refresh_from_db()
    assert enrolled.claimed_at is not None
    assert enrolled.user.check_password("Warm-Winter-2026")
    assert Member.objects.filter(user__phone=PHONE).count() == 1
    assert [c["member_id"] for c in claims] == [enrolled.pk]


def test_registration_with_a_referral_code_records_the_referrer(
    client, send_code, registration_data
):
    referrer = MemberFactory()
    send_code(PHONE)

    client.post(
        REGISTER,
        registration_data(
            PHONE, last_code(PHONE), referral_code=referrer.referral_code.lower()
        ),
    )

    assert Member.objects.get(user__phone=PHONE).referred_by == referrer


def test_registration_without_csrf_token_is_forbidden(send_code, registration_data):
    send_code(PHONE)
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(REGISTER, registration_data(PHONE, last_code(PHONE)))
    code_response = strict.post(reverse("members:send_code"), {"phone": PHONE})

    assert response.status_code == 403 and code_response.status_code == 403
    assert not User.objects.filter(phone=PHONE).exists()


def test_send_code_with_a_bad_number_answers_400_with_a_message(send_code):
    response = send_code("12345")

    assert response.status_code == 400
    assert response.json()["errors"]["phone"]
    assert sms.outbox == []


def test_send_code_only_accepts_post(client):
    assert client.get(reverse("members:send_code")).status_code == 405


def test_registration_page_sends_a_code_without_javascript(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER, {"phone": PHONE, "action": "send_code"})

    assert response.status_code == 200
    assert last_code(PHONE)


def test_code_is_bound_to_its_number(client, registration_data):
    from tests.factories.members import PhoneCodeFactory

    PhoneCodeFactory(phone="13700000001", code="123456")

    response = client.post(REGISTER, registration_data(PHONE, "123456"))

    assert response.status_code == 400
    assert not User.objects.filter(phone=PHONE).exists()
