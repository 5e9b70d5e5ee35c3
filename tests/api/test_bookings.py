"""Service types, slots and bookings through the API (scoping, 409 full, photos)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from services.models import Booking
from tests.factories.services import RegionFactory, SlotFactory, service_type

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings/"
ADDRESS = {"city": "北京", "district": "朝阳区", "detail": "建国路 88 号"}


@pytest.fixture
def region():
    return RegionFactory(code="bj", cities="北京")


@pytest.fixture
def slot(region):
    """A slot with room for exactly one installation."""
    return SlotFactory(
        region=region, capacity=service_type("installation").duration_slots
    )


def book(api, customer, slot, HTTP_ACCEPT_LANGUAGE="zh-hans", **extra):
    body = {
        "customer_id": customer.pk,
        "service_type": "installation",
        "slot_id": slot.pk,
        "address": ADDRESS,
        **extra,
    }
    return api.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE=HTTP_ACCEPT_LANGUAGE)


def png(size=(8, 8)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "PNG")
    return SimpleUploadedFile("site.png", buf.getvalue(), content_type="image/png")


def test_service_types_list_code_name_duration_and_min_tier(api):
    body = api.get("/api/v1/service-types/").json()
    assert body["count"] >= 1
    first = body["results"][0]
    assert set(first) == {"code", "name", "duration_slots", "min_tier"}
    assert "installation" in {s["code"] for s in body["results"]}


def test_slots_list_only_bookable_ones(api, region):
    open_slot = SlotFactory(region=region, capacity=2)
    SlotFactory(region=region, capacity=2, booked=2, period="afternoon")  # full
    SlotFactory(
        region=region,
        capacity=2,
        is_closed=True,
        date=open_slot.date + dt.timedelta(days=1),
    )
    SlotFactory(
        region=region, capacity=2, date=timezone.localdate() - dt.timedelta(days=1)
    )
    SlotFactory(region=RegionFactory(code="sh", cities="上海"), capacity=2)
    body = api.get("/api/v1/slots/", {"region": "bj"}).json()
    assert [s["id"] for s in body["results"]] == [open_slot.pk]
    assert body["results"][0] == {
        "id": open_slot.pk,
        "region": "bj",
        "date": open_slot.date.isoformat(),
        "period": "morning",
        "capacity": 2,
        "remaining": 2,
    }
    later = (open_slot.date + dt.timedelta(days=1)).isoformat()
    assert api.get("/api/v1/slots/", {"date_from": later}).json()["count"] == 0


def test_notes_and_serials_too_long_together_are_400_and_nothing_is_booked(
    api, customer, slot
):
    serials = [f"SN-{i:04d}-{'X' * 50}" for i in range(50)]

    response = book(api, customer, slot, notes="带梯子" * 100, products=serials)

    assert response.status_code == 400
    assert list(response.json()) == ["notes"]
    assert not Booking.objects.exists()


def test_booking_an_installation_returns_201_with_slot_and_customer(
    api, customer, slot
):
    response = book(api, customer, slot, notes="带梯子", products=["SN-1"])
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "requested" and body["service_type"] == "installation"
    assert body["slot"]["id"] == slot.pk and body["slot"]["remaining"] == 0
    assert body["customer"]["id"] == customer.pk
    assert body["address"]["detail"] == "建国路 88 号"
    booking = Booking.objects.get(pk=body["id"])
    assert booking.source == Booking.Source.DEALER_API and "SN-1" in booking.notes


def test_a_full_slot_is_409_on_slot_id(api, customer, slot):
    assert book(api, customer, slot).status_code == 201
    response = book(api, customer, slot, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json() == {"slot_id": ["This slot is full."]}
    # the default language is Chinese; the message is translated, the shape is the same
    response = book(api, customer, slot)
    assert response.status_code == 409 and list(response.json()) == ["slot_id"]


def test_bad_booking_input_is_400(api, customer, slot):
    assert book(api, customer, slot, address={"city": ""}).status_code == 400
    assert book(api, customer, slot, service_type="nope").status_code == 400
    assert book(api, customer, slot, slot_id=999999).status_code == 400


def test_ids_too_large_for_the_database_are_400_not_500(api, customer, slot):
    # given a booking, when a client names ids past any database integer
    booking = book(api, customer, slot).json()
    huge = 10**30
    # then every place that takes an id answers 400
    patched = api.patch(
        f"/api/v1/bookings/{booking['id']}/", {"slot_id": huge}, format="json"
    )
    assert patched.status_code == 400 and "slot_id" in patched.json()
    assert book(api, customer, slot, slot_id=huge).status_code == 400
    assert book(api, customer, slot, customer_id=huge).status_code == 400
    for resource in ("bookings", "purchases"):
        listed = api.get(f"/api/v1/{resource}/", {"customer_id": huge})
        assert listed.status_code == 400, resource


def test_list_filter_detail_patch_and_cancel(api, customer, slot, region):
    booking = book(api, customer, slot).json()
    listed = api.get(URL, {"status": "requested", "customer_id": customer.pk}).json()
    assert [b["id"] for b in listed["results"]] == [booking["id"]]
    assert api.get(URL, {"status": "cancelled"}).json()["count"] == 0
    assert api.get(URL, {"status": "bogus"}).status_code == 400
    assert api.get(f"{URL}{booking['id']}/").json()["id"] == booking["id"]

    other_slot = SlotFactory(region=region, capacity=slot.capacity, period="afternoon")
    patched = api.patch(
        f"{URL}{booking['id']}/",
        {"slot_id": other_slot.pk, "notes": "改到下午", "address": ADDRESS},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["slot"]["id"] == other_slot.pk
    assert patched.json()["notes"] == "改到下午"

    cancelled = api.post(
        f"{URL}{booking['id']}/cancel/", {"reason": "客户改期"}, format="json"
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    # a cancelled booking is no longer editable
    again = api.patch(f"{URL}{booking['id']}/", {"notes": "x"}, format="json")
    assert again.status_code == 409


def test_a_completed_booking_cannot_be_patched(api, customer, slot):
    booking = book(api, customer, slot).json()
    Booking.objects.filter(pk=booking["id"]).update(status=Booking.Status.COMPLETED)
    response = api.patch(f"{URL}{booking['id']}/", {"notes": "x"}, format="json")
    assert response.status_code == 409 and response.json()["detail"]


def test_photos_accept_images_and_refuse_anything_else(api, customer, slot):
    booking = book(api, customer, slot).json()
    url = f"{URL}{booking['id']}/photos/"
    ok = api.post(url, {"image": png()}, format="multipart")
    assert ok.status_code == 201 and ok.json()["width"] == 8
    text = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    refused = api.post(url, {"image": text}, format="multipart")
    assert refused.status_code == 400 and refused.json()["image"][0]
    assert api.post(url, {}, format="multipart").status_code == 400


def test_a_decompression_bomb_is_400(api, customer, slot, settings):
    settings.SERVICES_UPLOAD_MAX_PIXELS = 10_000
    booking = book(api, customer, slot).json()
    response = api.post(
        f"{URL}{booking['id']}/photos/", {"image": png((400, 400))}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["image"][0]


def test_every_booking_endpoint_with_another_dealers_booking_is_404(
    api, other_api, customer, slot
):
    theirs = other_api.post(
        "/api/v1/customers/", {"phone": customer.user.phone, "name": "x"}, format="json"
    )
    assert theirs.status_code == 200
    their_booking = book(other_api, customer, slot).json()
    bid = their_booking["id"]
    assert api.get(f"{URL}{bid}/").status_code == 404
    assert api.patch(f"{URL}{bid}/", {"notes": "x"}, format="json").status_code == 404
    assert (
        api.post(f"{URL}{bid}/cancel/", {"reason": "x"}, format="json").status_code
        == 404
    )
    assert (
        api.post(
            f"{URL}{bid}/photos/", {"image": png()}, format="multipart"
        ).status_code
        == 404
    )
    assert api.get(URL).json()["count"] == 0
    stranger = other_api.post(
        "/api/v1/customers/", {"phone": "13500135000", "name": "y"}, format="json"
    ).json()
    body = {
        "customer_id": stranger["id"],
        "service_type": "installation",
        "slot_id": slot.pk,
        "address": ADDRESS,
    }
    assert api.post(URL, body, format="json").status_code == 404


def test_booking_list_query_count_does_not_grow_with_page_size(api, customer, region):
    for i in range(6):
        day = timezone.localdate() + dt.timedelta(days=2 + i)
        assert (
            book(
                api, customer, SlotFactory(region=region, date=day, capacity=9)
            ).status_code
            == 201
        )

    def count(url, size):
        with CaptureQueriesContext(connection) as ctx:
            assert len(api.get(url, {"page_size": size}).json()["results"]) == size
        return len(ctx.captured_queries)

    assert count(URL, 6) == count(URL, 2)
    assert count("/api/v1/slots/", 6) == count("/api/v1/slots/", 2)
    assert count("/api/v1/service-types/", 3) == count("/api/v1/service-types/", 1)
