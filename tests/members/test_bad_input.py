"""Nothing a visitor types produces a 500."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

text = st.text(max_size=300)
FORMS = {
    "members:send_code": ["phone", "purpose"],
    "members:register": [
        "phone",
        "code",
        "name",
        "password1",
        "password2",
        "accept_terms",
        "email",
        "birthday",
        "household_size",
        "home_area_m2",
        "referral_code",
        "action",
    ],
    "members:login": ["username", "password"],
    "members:password_reset": ["phone", "code", "password1", "password2", "action"],
}


@pytest.mark.parametrize("name", list(FORMS))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(values=st.lists(text, min_size=12, max_size=12))
def test_public_forms_answer_4xx_or_redirect_for_any_input(client, name, values):
    data = dict(zip(FORMS[name], values, strict=False))

    response = client.post(reverse(name), data)

    assert response.status_code in (200, 302, 400, 429)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(values=st.lists(text, min_size=10, max_size=10))
def test_member_forms_answer_4xx_or_redirect_for_any_input(member_client, values):
    profile = dict(
        zip(
            ["name", "email", "birthday", "household_size", "home_area_m2", "city"],
            values,
            strict=False,
        )
    )
    address = dict(
        zip(["recipient", "phone", "city", "detail", "label"], values[5:], strict=False)
    )

    assert member_client.post(reverse("members:profile"), profile).status_code in (
        302,
        400,
    )
    assert member_client.post(reverse("members:address_new"), address).status_code in (
        302,
        400,
    )
    assert (
        member_client.get(
            reverse("members:notifications"), {"page": values[0]}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        # A repeated field: Django reads the last value, a valid number.
        ({"phone": ["13912345678", "13912345679"], "purpose": "register"}, 200),
        ({"phone": "13912345678", "purpose": "login"}, 400),
        ({"phone": "13912345678"}, 400),
        ({"phone": "1" * 10_000, "purpose": "register"}, 400),
        # Full-width digits are normalised, not refused.
        ({"phone": "１３９１２３４５６７８", "purpose": "register"}, 200),
        ({"phone": "13912345678\x00", "purpose": "register"}, 400),
    ],
)
def test_send_code_answers_odd_payloads_in_json_with_400_or_a_sent_code(
    client, payload, status
):
    response = client.post(reverse("members:send_code"), payload)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["ok"] is (status == 200)
