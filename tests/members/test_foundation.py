import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members.phone import mask_phone, normalize_phone
from tiers.models import Tier


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
    ],
)
def test_phone_is_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12345", "23812345678", "1381234567a", "138123456789"]
)
def test_bad_phone_is_refused_with_a_message(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_phone_is_masked_for_display():
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.django_db
def test_default_tiers_exist_in_rank_order():
    assert list(Tier.objects.values_list("code", "min_growth")) == [
        ("regular", 0),
        ("silver", 501),
        ("gold", 1501),
        ("diamond", 3001),
    ]


def test_member_signs_in_with_phone_and_sees_home(client, member, password):
    response = client.post(
        reverse("members:login"), {"username": member.user.phone, "password": password}
    )
    assert response.status_code == 302
    home = client.get(reverse("members:home"))
    assert home.status_code == 200
    assert member.user.name in home.content.decode()


def test_full_width_digits_from_chinese_input_methods_are_accepted():
    assert normalize_phone("＋８６ １３８１２３４５６７８") == "13812345678"


@pytest.mark.parametrize("raw", ["1３812345678\u0663", "138١٢٣٤٥٦٧٨"])
def test_non_latin_digits_that_are_not_full_width_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)
