"""The catalogue's typed parameters: what operators can and cannot save."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from privileges import portal
from privileges.models import Privilege, TierGrant
from tiers.models import Tier

pytestmark = pytest.mark.django_db


def grant(code, **kw):
    return TierGrant(
        tier=Tier.objects.get(code="regular"),
        privilege=Privilege.objects.get(code=code),
        **kw,
    )


@pytest.mark.parametrize(
    ("code", "value", "field_error"),
    [
        ("member_discount", None, "needs a parameter"),
        ("member_discount", Decimal("120"), "cannot exceed 100"),
        ("priority_booking", Decimal("2.5"), "whole number"),
        ("member_hotline", Decimal("3"), "takes no parameter"),
    ],
)
def test_grant_parameter_must_fit_the_kind(code, value, field_error):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            grant(code, value=value).full_clean(exclude=["tier", "privilege"])
        assert field_error in str(exc.value)


def test_valid_grants_pass_and_a_revoked_one_needs_no_parameter():
    grant("member_discount", value=Decimal("7.5")).clean()
    grant("priority_booking", value=Decimal("4")).clean()
    grant("member_discount", revoked=True).clean()


def test_free_service_must_name_a_service_type():
    privilege = Privilege(
        code="x", name_zh="x", name_en="x", category="service", kind="free_service"
    )
    with pytest.raises(ValidationError):
        privilege.clean()
    with pytest.raises(IntegrityError):
        privilege.save()


def test_admin_grant_form_shows_a_parameter_error_not_a_500(admin_client_):
    response = admin_client_.post(
        reverse("admin:privileges_tiergrant_add"),
        {
            "tier": Tier.objects.get(code="gold").pk,
            "privilege": Privilege.objects.get(code="member_hotline").pk,
            "value": "12",
            "quota": "",
            "period": "year",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "takes no parameter" in response.content.decode()


def test_home_card_context_takes_few_queries(member, django_assert_max_num_queries):
    request = RequestFactory().get("/me/")
    request.user = member.user
    with django_assert_max_num_queries(4):
        card = portal.home_card_context(request)
    assert card["discount"] == Decimal("2") and card["count"] >= 3


def test_tier_comparison_rows_take_few_queries(django_assert_max_num_queries):
    tiers = list(Tier.objects.order_by("rank"))
    with django_assert_max_num_queries(1):
        rows = portal.comparison_rows(tiers)
    assert all(len(cells) == len(tiers) for _, cells in rows)
