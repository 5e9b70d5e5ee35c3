"""Races on PostgreSQL with real threads: one key, one purchase; no overdraft."""

import pytest

from members.models import DealerCustomer
from points.actions import points_earn
from points.models import EarningRule, LedgerEntry, Purchase
from points.selectors import balance_for_member
from tests.api.conftest import purchase_body
from tests.concurrency import run_concurrently
from tests.factories.api import api_client, dealer_token
from tests.factories.members import MemberFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

URL = "/api/v1/purchases/"


def _dealer_and_customer():
    token = dealer_token()
    customer = MemberFactory()
    DealerCustomer.objects.create(
        dealer=token.user.dealer, member=customer, enrolled=True
    )
    return token, customer


def test_twenty_identical_purchases_with_one_key_record_one(postgres):
    # given
    token, customer = _dealer_and_customer()
    body = purchase_body(customer)

    # when 20 threads post the same purchase with the same key at once
    def call(_i):
        r = api_client(token).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        return r.status_code, r.json()

    results = run_concurrently(call, 20)

    # then one purchase, 20 identical 201 responses
    assert [r for r in results if isinstance(r, Exception)] == []
    assert Purchase.objects.count() == 1
    assert [status for status, _ in results] == [201] * 20
    assert all(body == results[0][1] for _, body in results)


def test_concurrent_checkouts_paying_with_points_never_overdraw(postgres):
    # given a balance enough for three checkouts of 100 points, and points
    # earned by purchases held as pending (so only the balance can be spent)
    token, customer = _dealer_and_customer()
    points_earn(member_id=customer.pk, points=300, reason="seed", key="seed")
    EarningRule.objects.update(pending_days=30)

    # when ten small checkouts of 100 points each arrive at once (distinct orders)
    def call(i):
        body = purchase_body(
            customer,
            order_no=f"RACE-{i}",
            amount="20.00",
            items=[{"sku": "VALVE", "quantity": 1, "unit_price": "20.00"}],
            points_to_redeem=100,
        )
        return api_client(token).post(URL, body, format="json").status_code

    statuses = run_concurrently(call, 10)

    # then exactly three went through, the rest were refused, never below zero
    assert sorted(statuses) == [201] * 3 + [400] * 7
    assert Purchase.objects.filter(points_redeemed=100).count() == 3
    redeemed = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REDEEM)
    assert sum(e.points for e in redeemed) == -300
    assert balance_for_member(customer.pk) == 0
