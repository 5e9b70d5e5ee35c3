"""Purchases: record, preview, refund, list; order numbers; paying with points."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from points.actions import points_earn
from points.models import LedgerEntry, Purchase
from points.selectors import balance_for_member
from services.models import RegisteredProduct
from tests.api.conftest import purchase_body
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/purchases/"


def test_recording_a_purchase_earns_what_the_preview_said(api, customer, our_dealer):
    # given the preview of a purchase
    preview = api.post(f"{URL}preview/", purchase_body(customer), format="json")
    assert preview.status_code == 200
    assert Purchase.objects.count() == 0  # the preview creates nothing
    # when it is recorded
    response = api.post(URL, purchase_body(customer), format="json")
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["points_earned"] == preview.json()["points_earned"] > 0
    assert sum(r["points"] for r in preview.json()["rules"]) == body["points_earned"]
    assert body["amount"] == "2598.00" and body["order_no"] == "SO-1001"
    assert body["balance_after"] == balance_for_member(customer.pk)
    assert body["points_redeemed"] == 0 and body["cash_value_of_redeemed"] == "0.00"
    purchase = Purchase.objects.get(pk=body["id"])
    assert purchase.dealer == our_dealer and purchase.member == customer


def test_serial_numbers_become_registered_products_of_the_customer(api, customer):
    api.post(URL, purchase_body(customer), format="json")
    assert set(
        RegisteredProduct.objects.filter(member=customer).values_list(
            "serial_number", flat=True
        )
    ) == {"SN-A-1", "SN-A-2"}


def test_a_repeated_order_number_is_409_but_another_dealer_may_use_it(
    api, other_api, customer
):
    assert api.post(URL, purchase_body(customer), format="json").status_code == 201
    again = api.post(
        URL,
        purchase_body(customer, items=[{"sku": "X", "quantity": 1, "unit_price": "1"}]),
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["order_no"]
    theirs = other_api.post(
        "/api/v1/customers/", {"phone": customer.user.phone, "name": "x"}, format="json"
    )
    assert theirs.status_code == 200
    body = purchase_body(
        customer, items=[{"sku": "X", "quantity": 1, "unit_price": "1"}]
    )
    assert other_api.post(URL, body, format="json").status_code == 201


def test_paying_with_points_debits_the_balance(api, customer):
    points_earn(member_id=customer.pk, points=500, reason="test", key="gift")
    response = api.post(
        URL, purchase_body(customer, points_to_redeem=100), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["points_redeemed"] == 100
    assert body["cash_value_of_redeemed"] != "0.00"
    assert body["balance_after"] == balance_for_member(customer.pk)
    redeem = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REDEEM)
    assert (redeem.points, redeem.source_id) == (-100, body["id"])


def test_redeeming_more_than_the_balance_is_400_and_nothing_is_recorded(api, customer):
    response = api.post(
        URL, purchase_body(customer, points_to_redeem=50), format="json"
    )
    assert response.status_code == 400
    assert response.json()["points_to_redeem"][0]
    assert Purchase.objects.count() == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"items": []}, "items"),
        ({"purchased_at": "yesterday"}, "purchased_at"),
        ({"order_no": ""}, "order_no"),
        ({"points_to_redeem": -5}, "points_to_redeem"),
    ],
)
def test_bad_input_is_400_on_the_field(api, customer, override, field):
    response = api.post(URL, purchase_body(customer, **override), format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_future_purchase_time_is_400(api, customer):
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()
    response = api.post(
        URL, purchase_body(customer, purchased_at=future), format="json"
    )
    assert response.status_code == 400 and response.json()["purchased_at"]


def test_a_customer_of_another_dealer_is_404(api, other_api):
    stranger = other_api.post(
        "/api/v1/customers/", {"phone": "13600136000", "name": "x"}, format="json"
    ).json()
    member = MemberFactory()
    for customer_id in (stranger["id"], member.pk):
        body = purchase_body(member, customer_id=customer_id)
        assert api.post(URL, body, format="json").status_code == 404
        assert api.post(f"{URL}preview/", body, format="json").status_code == 404
    assert Purchase.objects.count() == 0


def test_partial_then_full_refund_reverses_points_pro_rata(api, customer):
    body = api.post(URL, purchase_body(customer), format="json").json()
    earned = body["points_earned"]
    half = api.post(
        f"{URL}{body['id']}/refund/",
        {"amount": "1299.00", "reason": "退一片"},
        format="json",
    )
    assert half.status_code == 200
    assert half.json()["refund_state"] == "partial"
    assert half.json()["points_reversed"] == earned // 2
    rest = api.post(f"{URL}{body['id']}/refund/", {"reason": "全部退货"}, format="json")
    assert rest.status_code == 200
    assert rest.json()["points_reversed"] == earned
    assert rest.json()["refunded_amount"] == "2598.00"
    too_much = api.post(
        f"{URL}{body['id']}/refund/", {"amount": "1.00", "reason": "x"}, format="json"
    )
    assert too_much.status_code == 400
    assert api.post(f"{URL}{body['id']}/refund/", {}, format="json").json()["reason"]


def test_another_dealers_purchase_is_404_everywhere(api, other_api):
    theirs_customer = other_api.post(
        "/api/v1/customers/", {"phone": "13600136000", "name": "x"}, format="json"
    ).json()
    theirs = other_api.post(
        URL,
        purchase_body(MemberFactory(), customer_id=theirs_customer["id"]),
        format="json",
    ).json()
    assert api.get(f"{URL}{theirs['id']}/").status_code == 404
    refund = api.post(f"{URL}{theirs['id']}/refund/", {"reason": "x"}, format="json")
    assert refund.status_code == 404
    assert api.get(URL).json()["count"] == 0


def test_list_filters_by_customer_and_date_and_orders(api, customer, our_dealer):
    other = MemberFactory()
    api.post(
        "/api/v1/customers/", {"phone": other.user.phone, "name": "x"}, format="json"
    )
    now = timezone.now()
    for i, (who, days_ago) in enumerate([(customer, 1), (customer, 10), (other, 5)]):
        when = (now - dt.timedelta(days=days_ago)).isoformat()
        body = purchase_body(who, order_no=f"SO-{i}", purchased_at=when)
        body["items"][0]["serial_numbers"] = []
        assert api.post(URL, body, format="json").status_code == 201
    mine = api.get(URL, {"customer_id": customer.pk, "ordering": "purchased_at"}).json()
    assert [p["order_no"] for p in mine["results"]] == ["SO-1", "SO-0"]
    since = (timezone.localdate() - dt.timedelta(days=6)).isoformat()
    recent = api.get(URL, {"date_from": since, "ordering": "-purchased_at"}).json()
    assert [p["order_no"] for p in recent["results"]] == ["SO-0", "SO-2"]
    assert api.get(URL, {"date_from": "not-a-date"}).status_code == 400


def test_purchase_list_query_count_does_not_grow_with_page_size(api, customer):
    now = timezone.now()
    for i in range(8):
        body = purchase_body(customer, order_no=f"Q-{i}", purchased_at=now.isoformat())
        body["items"][0]["serial_numbers"] = []
        api.post(URL, body, format="json")

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert len(api.get(URL, {"page_size": size}).json()["results"]) == size
        return len(ctx.captured_queries)

    assert count(8) == count(2)


def test_a_serial_number_registered_to_someone_else_is_400_and_nothing_is_recorded(
    api, customer
):
    assert api.post(URL, purchase_body(customer), format="json").status_code == 201
    other = api.post(
        "/api/v1/customers/", {"phone": "13300133000", "name": "钱七"}, format="json"
    ).json()
    body = purchase_body(customer, order_no="SO-1002", customer_id=other["id"])
    again = api.post(URL, body, format="json")
    assert again.status_code == 400
    assert "SN-A-1" in again.json()["items"][0]  # names the serial at fault
    assert Purchase.objects.count() == 1
