import re

import pytest
from django.urls import reverse

from members import sms


def last_code(phone: str) -> str:
    """The newest 6-digit code SMS sent to ``phone`` (from the locmem outbox)."""
    for message in reversed(sms.outbox):
        if message["phone"] == phone:
            found = re.search(r"\b(\d{6})\b", message["text"])
            if found:
                return found.group(1)
    raise AssertionError(f"no code was sent to {phone}: {sms.outbox}")


@pytest.fixture
def send_code(client, django_capture_on_commit_callbacks):
    """POST to the JSON endpoint; the SMS leaves on commit, as in production."""

    def send(phone, purpose="register", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("members:send_code"),
                {"phone": phone, "purpose": purpose},
                **extra,
            )

    return send


@pytest.fixture
def registration_data():
    def data(phone, code, /, **overrides):
        return {
            "phone": phone,
            "code": code,
            "name": "王小明",
            "password1": "Warm-Winter-2026",
            "password2": "Warm-Winter-2026",
            "accept_terms": "on",
            "action": "register",
            **overrides,
        }

    return data
