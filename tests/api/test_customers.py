"""Customers: find-or-create by phone, masking, scoping, list and pagination."""

import pytest

from members.models import DealerCustomer, Member
from tests.factories.members import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"


def test_new_phone_enrols_a_customer_for_the_dealer(api, our_dealer):
    # when
    response = api.post(
        URL,
        {
            "phone": "+86 138-0013-8000",
            "name": "王芳",
            "city": "北京",
            "address": "建国路 1 号",
        },
        format="json",
    )
    # then
    assert response.status_code == 201
    body = response.json()
    member = Member.objects.get(pk=body["id"])
    assert member.enrolled_by_dealer == our_dealer
    assert body["phone"] == "13800138000"  # own enrolment: not masked
    assert body["name"] == "王芳"
    assert body["enrolled_by_this_dealer"] is True
    assert set(body) == {
        "id",
        "phone",
        "name",
        "tier",
        "points_balance",
        "discount_percent",
        "enrolled_by_this_dealer",
    }
    assert set(body["tier"]) == {"code", "name"} and body["tier"]["code"]
    assert isinstance(body["points_balance"], int)
    assert DealerCustomer.objects.filter(
        dealer=our_dealer, member=member, enrolled=True
    ).exists()


def test_known_phone_returns_the_member_masked_and_grants_read_access(api, our_dealer):
    # given a member who registered on the portal
    member = MemberFactory(user=UserFactory(phone="13912345678"))
    # when
    response = api.post(URL, {"phone": "13912345678", "name": "别名"}, format="json")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == member.pk
    assert body["phone"] == "139****5678"
    assert body["enrolled_by_this_dealer"] is False
    assert Member.objects.count() == 1
    assert api.get(f"{URL}{member.pk}/").status_code == 200


@pytest.mark.parametrize("phone", ["", "12345", "23812345678", "1381234567a"])
def test_bad_phone_is_400_with_a_readable_message(api, phone):
    response = api.post(URL, {"phone": phone, "name": "王芳"}, format="json")
    assert response.status_code == 400
    assert response.json()["phone"][0]
    assert Member.objects.count() == 0


def test_missing_name_is_400_on_the_field(api):
    response = api.post(URL, {"phone": "13800138000"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["name"]


def test_malformed_json_is_400_not_500(api):
    response = api.generic("POST", URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_list_shows_only_this_dealers_customers_filtered_by_phone(api, other_api):
    mine = api.post(URL, {"phone": "13800138001", "name": "甲"}, format="json").json()
    api.post(URL, {"phone": "13800138002", "name": "乙"}, format="json")
    theirs = other_api.post(
        URL, {"phone": "13800138003", "name": "丙"}, format="json"
    ).json()

    listed = api.get(URL).json()
    assert {c["id"] for c in listed["results"]} == {mine["id"], mine["id"] + 1}
    assert theirs["id"] not in {c["id"] for c in listed["results"]}

    found = api.get(URL, {"phone": "138 0013 8001"}).json()
    assert [c["id"] for c in found["results"]] == [mine["id"]]
    assert api.get(URL, {"phone": "not-a-phone"}).status_code == 400


def test_another_dealers_customer_is_404(api, other_api):
    theirs = other_api.post(
        URL, {"phone": "13800138003", "name": "丙"}, format="json"
    ).json()
    assert api.get(f"{URL}{theirs['id']}/").status_code == 404


def test_list_is_paginated_with_a_maximum_page_size(api, our_dealer):
    for i in range(5):
        m = MemberFactory()
        DealerCustomer.objects.create(dealer=our_dealer, member=m, enrolled=i % 2 == 0)
    page = api.get(URL, {"page_size": 2, "page": 2}).json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 5 and len(page["results"]) == 2
    assert page["next"] and page["previous"]
    assert len(api.get(URL, {"page_size": 1000}).json()["results"]) == 5
    assert api.get(URL, {"page": 99}).status_code == 404


def test_customer_list_query_count_does_not_grow_with_page_size(
    api, our_dealer, django_assert_max_num_queries
):
    def page_queries(size):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert api.get(URL, {"page_size": size}).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(12):
        DealerCustomer.objects.create(dealer=our_dealer, member=MemberFactory())
    small, large = page_queries(2), page_queries(12)
    assert large == small
    with django_assert_max_num_queries(small):
        api.get(URL, {"page_size": 12})
