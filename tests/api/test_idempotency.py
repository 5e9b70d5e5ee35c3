"""Idempotency-Key: replay, conflict, per-dealer scope, keeping time, races."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from members.models import Member
from services.api.idempotency import idempotency_records_purge
from services.api.models import IdempotencyRecord
from tests.concurrency import run_concurrently
from tests.factories.api import api_client, dealer_token

URL = "/api/v1/customers/"
BODY = {"phone": "13800138000", "name": "王芳"}


def post(client, body=BODY, key="order-1"):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_response_and_creates_nothing(api):
    first = post(api)
    # the member changes in between: a replay still shows the first response
    Member.objects.update(city="上海")
    again = post(api)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Member.objects.count() == 1


@pytest.mark.django_db
def test_key_order_in_the_body_does_not_matter(api):
    first = post(api, {"phone": "13800138000", "name": "王芳"})
    again = post(api, {"name": "王芳", "phone": "13800138000"})
    assert again.status_code == 201 and again.json() == first.json()


@pytest.mark.django_db
def test_same_key_with_a_different_body_is_409(api):
    post(api)
    response = post(api, {**BODY, "name": "李雷"})
    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["detail"]
    assert Member.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_scoped_per_dealer(api, other_api):
    mine = post(api)
    theirs = post(other_api, {"phone": "13900139000", "name": "李雷"})
    assert mine.status_code == theirs.status_code == 201
    assert Member.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 65, "with space", "中文"])
def test_a_malformed_key_is_400_and_nothing_is_created(api, key):
    response = api.post(
        URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1")
    )
    assert response.status_code == 400
    assert response.json()["Idempotency-Key"]
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_a_failed_request_stores_nothing_so_a_corrected_retry_works(api):
    bad = post(api, {"phone": "123", "name": "王芳"})
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_keys_are_kept_for_at_least_24_hours_then_purged(api):
    post(api)
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        assert post(api)["Idempotent-Replayed"] == "true"
        assert idempotency_records_purge() == 0
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert idempotency_records_purge() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_requests_at_once_enrol_once_and_answer_alike(postgres):
    # given one dealer token and one key
    token = dealer_token()

    # when 20 threads send the same request with the same key at the same moment
    def call(_i):
        response = post(api_client(token), key="same-moment")
        return response.status_code, response.json()

    results = run_concurrently(call, 20)

    # then one member exists and every caller got the same 201 and body
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert Member.objects.count() == 1
    assert {status for status, _ in results} == {201}
    assert all(body == results[0][1] for _, body in results)
    assert IdempotencyRecord.objects.count() == 1
