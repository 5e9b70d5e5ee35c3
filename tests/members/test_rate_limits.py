"""Code sending is limited per phone and per client IP; 429 with a clear message."""

import pytest
import time_machine
from django.utils import timezone

from members import sms

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def test_second_code_within_the_resend_gap_is_refused_with_429(send_code):
    assert send_code(PHONE).status_code == 200

    response = send_code(PHONE)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["message"]
    assert len(sms.outbox) == 1


def test_per_phone_hourly_limit(send_code, settings):
    settings.MEMBERS_CODE_PER_PHONE_PER_HOUR = 3
    start = timezone.now()
    for minute in (0, 2, 4):
        with time_machine.travel(start + timezone.timedelta(minutes=minute)):
            assert send_code(PHONE).status_code == 200

    with time_machine.travel(start + timezone.timedelta(minutes=6)):
        refused = send_code(PHONE)
    with time_machine.travel(start + timezone.timedelta(minutes=61)):
        later = send_code(PHONE)

    assert refused.status_code == 429
    assert later.status_code == 200


def test_per_ip_hourly_limit_across_numbers(send_code, settings):
    settings.MEMBERS_CODE_PER_IP_PER_HOUR = 3
    for i in range(3):
        assert send_code(f"1370000000{i}").status_code == 200

    refused = send_code("13700000009")
    other_ip = send_code("13700000009", REMOTE_ADDR="10.1.2.3")

    assert refused.status_code == 429
    assert other_ip.status_code == 200


def test_limits_count_unknown_numbers_alike(send_code, settings):
    # A reset code to an unknown number sends nothing but still counts,
    # so the limits cannot tell members from strangers either.
    assert send_code(PHONE, purpose="reset").status_code == 200
    assert sms.outbox == []
    assert send_code(PHONE, purpose="reset").status_code == 429


def test_form_fallback_answers_429_past_the_limit(client):
    from django.urls import reverse

    url = reverse("members:register")
    client.post(url, {"phone": PHONE, "action": "send_code"})

    response = client.post(url, {"phone": PHONE, "action": "send_code"})

    assert response.status_code == 429
