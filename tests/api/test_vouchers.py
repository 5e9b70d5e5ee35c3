"""Vouchers in the dealer API: check, consume once, 409 used/expired, 404 unknown."""

import datetime as dt

import pytest
import time_machine

from points.rewards.models import Voucher
from tests.concurrency import run_concurrently
from tests.factories.api import api_client, dealer_token
from tests.factories.members import MemberFactory
from tests.factories.rewards import RewardItemFactory, give_points, redeem

pytestmark = pytest.mark.django_db


def _voucher(**item) -> Voucher:
    member = MemberFactory()
    give_points(member, 5000)
    return redeem(member, RewardItemFactory(**item)).vouchers.get()


@pytest.fixture
def voucher() -> Voucher:
    return _voucher(voucher_valid_days=30)


def url(code: str, consume: bool = False) -> str:
    return f"/api/v1/vouchers/{code}/" + ("consume/" if consume else "")


def test_any_dealer_can_check_a_code(api, voucher, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = api.get(url(voucher.display_code))
    assert response.status_code == 200
    assert response.json() == {
        "code": voucher.code,
        "kind": "cash_voucher",
        "value": "50.00",
        "status": "issued",
        "expires_at": response.json()["expires_at"],
        "service_type": None,
    }
    assert (
        dt.datetime.fromisoformat(response.json()["expires_at"]) == voucher.expires_at
    )


def test_consume_succeeds_once_then_409(api, other_api, voucher, our_dealer):
    first = api.post(url(voucher.code, True), {"order_no": "SO-9"}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "used"
    assert first.json()["order_no"] == "SO-9"
    voucher.refresh_from_db()
    assert voucher.used_by_dealer == our_dealer
    again = other_api.post(url(voucher.code, True), {"order_no": "X"}, format="json")
    assert again.status_code == 409
    assert again.json()["detail"]
    assert api.get(url(voucher.code)).json()["status"] == "used"


def test_a_retry_with_the_same_idempotency_key_gets_the_first_200(api, voucher):
    headers = {"HTTP_IDEMPOTENCY_KEY": "consume-1"}
    first = api.post(
        url(voucher.code, True), {"order_no": "1"}, format="json", **headers
    )
    retry = api.post(
        url(voucher.code, True), {"order_no": "1"}, format="json", **headers
    )
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()


def test_an_expired_voucher_is_409(api, voucher):
    with time_machine.travel(voucher.expires_at + dt.timedelta(minutes=1)):
        assert api.get(url(voucher.code)).json()["status"] == "expired"
        response = api.post(url(voucher.code, True), {"order_no": "1"}, format="json")
    assert response.status_code == 409


def test_a_service_voucher_is_409_at_the_till(api):
    voucher = _voucher(service=True, points_price=300)
    body = api.get(url(voucher.code)).json()
    assert (body["kind"], body["service_type"], body["value"]) == (
        "service_voucher",
        "pipe_cleaning",
        None,
    )
    response = api.post(url(voucher.code, True), {"order_no": "1"}, format="json")
    assert response.status_code == 409


def test_unknown_code_is_404(api):
    assert api.get(url("ZZZZ-ZZZZ-ZZZZ-ZZZZ")).status_code == 404
    response = api.post(url("ZZZZZZZZZZZZZZZZ", True), {"order_no": "1"}, format="json")
    assert response.status_code == 404


def test_consume_needs_an_order_number(api, voucher):
    response = api.post(url(voucher.code, True), {}, format="json")
    assert response.status_code == 400
    assert "order_no" in response.json()
    voucher.refresh_from_db()
    assert voucher.status == "issued"


def test_vouchers_need_a_dealer_token(client, voucher):
    assert client.get(url(voucher.code)).status_code == 401
    assert (
        api_client().post(url(voucher.code, True), {"order_no": "1"}).status_code == 401
    )


@pytest.mark.django_db(transaction=True)
def test_20_concurrent_consumes_give_one_200_and_nineteen_409(postgres):
    # given one voucher and 20 dealers' tokens
    voucher = _voucher()
    clients = [api_client(dealer_token()) for _ in range(20)]

    # when all 20 consume it at the same moment
    def attempt(i):
        return (
            clients[i]
            .post(url(voucher.code, True), {"order_no": f"SO-{i}"}, format="json")
            .status_code
        )

    codes = run_concurrently(attempt, 20)

    # then exactly one succeeds
    assert sorted(codes) == [200] + [409] * 19


@pytest.fixture
def api_schema():
    """The schema served by the WSGI app. Like Django's test client, keep the
    request signals from closing the test's database connection (PostgreSQL)."""
    import schemathesis
    from django.core import signals
    from django.db import close_old_connections

    from config.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz():
    import schemathesis
    from hypothesis import HealthCheck, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.pytest.from_fixture("api_schema").include(
        path_regex="/vouchers/"
    )
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]

    @pytest.mark.django_db
    @schema.parametrize()
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def test_voucher_endpoints_fuzz_no_5xx_and_no_schema_violation(case):
        token = dealer_token()
        # half the cases with a real voucher, so 200 and 409 are exercised
        if case.path_parameters and len(str(case.path_parameters.get("code"))) % 2:
            case.path_parameters["code"] = _voucher().code
        case.call_and_validate(
            headers={"Authorization": f"Token {token.key}"}, checks=checks
        )

    return test_voucher_endpoints_fuzz_no_5xx_and_no_schema_violation


test_voucher_endpoints_fuzz_no_5xx_and_no_schema_violation = _fuzz()
