"""The status codes every endpoint documents: 401, 404, 406, 415, 429 (and
another dealer's ids are 404 on every endpoint that takes one)."""

import pytest
from django.urls import reverse

from points.models import Purchase
from services.models import Booking
from tests.api.conftest import purchase_body
from tests.api.test_bookings import ADDRESS
from tests.factories.services import RegionFactory, SlotFactory, service_type

pytestmark = pytest.mark.django_db

# (method, path template, body); {id} is an object of the calling dealer.
ENDPOINTS = [
    ("get", "/api/v1/customers/", None),
    ("post", "/api/v1/customers/", {"phone": "13800138000", "name": "王芳"}),
    ("get", "/api/v1/customers/{customer}/", None),
    ("get", "/api/v1/purchases/", None),
    ("post", "/api/v1/purchases/", "purchase"),
    ("post", "/api/v1/purchases/preview/", "purchase"),
    ("get", "/api/v1/purchases/{purchase}/", None),
    ("post", "/api/v1/purchases/{purchase}/refund/", {"reason": "退货"}),
    ("get", "/api/v1/service-types/", None),
    ("get", "/api/v1/slots/", None),
    ("get", "/api/v1/bookings/", None),
    ("post", "/api/v1/bookings/", "booking"),
    ("get", "/api/v1/bookings/{booking}/", None),
    ("patch", "/api/v1/bookings/{booking}/", {"notes": "x"}),
    ("post", "/api/v1/bookings/{booking}/cancel/", {"reason": "改期"}),
]
WITH_ID = [e for e in ENDPOINTS if "{" in e[1]]
WRITES = [e for e in ENDPOINTS if e[0] != "get"]


@pytest.fixture
def world(api, customer):
    """A customer, a purchase and a booking of the calling dealer."""
    region = RegionFactory(code="bj")
    slot = SlotFactory(
        region=region, capacity=10 * service_type("installation").duration_slots
    )
    purchase = api.post(
        "/api/v1/purchases/", purchase_body(customer), format="json"
    ).json()
    booking = api.post(
        "/api/v1/bookings/",
        {
            "customer_id": customer.pk,
            "service_type": "installation",
            "slot_id": slot.pk,
            "address": ADDRESS,
        },
        format="json",
    ).json()
    return {
        "customer": customer.pk,
        "purchase": purchase["id"],
        "booking": booking["id"],
        "slot": slot.pk,
    }


def _body(body, world, customer):
    if body == "purchase":
        return purchase_body(
            customer,
            order_no="SO-CONTRACT",
            items=[{"sku": "X", "quantity": 1, "unit_price": "100.00"}],
        )
    if body == "booking":
        return {
            "customer_id": world["customer"],
            "service_type": "installation",
            "slot_id": world["slot"],
            "address": ADDRESS,
        }
    return body


def _call(client, method, path, body, **extra):
    return getattr(client, method)(path, body, format="json", **extra)


# Authentication, content negotiation and throttling come before any lookup
# or parsing, so these run without data: any id, any body.
ANY_ID = {"customer": 1, "purchase": 1, "booking": 1}


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_without_a_token_is_401(method, path, body):
    from tests.factories.api import api_client

    response = _call(api_client(), method, path.format(**ANY_ID), {})
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_is_throttled_per_token_with_retry_after(
    method, path, body, api, settings
):
    settings.DEALER_API_THROTTLE_RATE = "1/hour"
    api.get("/api/v1/service-types/")  # uses the one request allowed
    response = _call(api, method, path.format(**ANY_ID), {})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_refuses_an_unacceptable_accept_header_with_406(
    method, path, body, api
):
    response = _call(
        api, method, path.format(**ANY_ID), {}, HTTP_ACCEPT="application/xml"
    )
    assert response.status_code == 406


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_every_write_refuses_a_form_body_with_415(method, path, body, world, api):
    response = getattr(api, method)(
        path.format(**world), {"a": "b"}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), WITH_ID)
@pytest.mark.parametrize("bad_id", ["999999", "0.5"])
def test_every_endpoint_with_an_unknown_or_malformed_id_is_a_json_404(
    method, path, body, world, customer, api, bad_id
):
    url = path.format(**dict.fromkeys(world, bad_id))
    response = _call(api, method, url, _body(body, world, customer))
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), WITH_ID)
def test_every_endpoint_with_another_dealers_ids_is_404_and_changes_nothing(
    method, path, body, world, customer, other_api
):
    before = (
        Purchase.objects.values_list("refund_state", flat=True).get(),
        Booking.objects.values_list("status", "notes").get(),
    )
    response = _call(
        other_api, method, path.format(**world), _body(body, world, customer)
    )
    assert response.status_code == 404
    after = (
        Purchase.objects.values_list("refund_state", flat=True).get(),
        Booking.objects.values_list("status", "notes").get(),
    )
    assert after == before


def test_the_router_names_are_stable():
    assert reverse("api-customer-list") == "/api/v1/customers/"
    assert reverse("api-booking-photos", args=[1]) == "/api/v1/bookings/1/photos/"
