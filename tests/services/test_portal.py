import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from services import actions
from services.models import Booking, RegisteredProduct
from tests.factories import AddressFactory, MemberFactory
from tests.factories.services import SlotFactory


def _book(member, slot, address, code="annual_check"):
    return actions.booking_create(
        member_id=member.pk,
        service_type_code=code,
        slot_id=slot.pk,
        address=address,
        source="portal",
    )


def test_booking_list_shows_only_my_bookings_within_a_query_budget(
    member_client, member, other_member, slot, address, django_assert_max_num_queries
):
    slot.capacity = 10
    slot.save()
    for _ in range(3):
        _book(member, slot, address)
    theirs = _book(other_member, slot, {**address, "detail": "别人家 9 号"})

    with django_assert_max_num_queries(8):
        response = member_client.get(reverse("services:booking_list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("/me/bookings/") >= 3
    assert f"/me/bookings/{theirs.pk}/" not in body


def test_another_members_booking_is_404_for_every_page(
    member_client, other_member, slot, address
):
    theirs = _book(other_member, slot, address)

    for name, method in [
        ("booking_detail", "get"),
        ("booking_cancel", "post"),
        ("booking_reschedule", "post"),
        ("booking_photo_add", "post"),
        ("booking_review", "post"),
    ]:
        url = reverse(f"services:{name}", args=[theirs.pk])
        response = getattr(member_client, method)(url, {"slot_id": slot.pk})
        assert response.status_code == 404, name
    assert Booking.objects.get(pk=theirs.pk).status == Booking.Status.REQUESTED


def test_booking_detail_within_a_query_budget(
    member_client, member, slot, address, django_assert_max_num_queries
):
    booking = _book(member, slot, address)
    SlotFactory(region=slot.region, date=slot.date + dt.timedelta(days=1))

    with django_assert_max_num_queries(15):
        response = member_client.get(
            reverse("services:booking_detail", args=[booking.pk])
        )

    assert response.status_code == 200
    assert (
        "Cancel booking" in response.content.decode()
        or "取消预约" in response.content.decode()
    )


def test_new_booking_walks_service_address_slot_and_books(
    member_client, member, slot, django_assert_max_num_queries
):
    home = AddressFactory(member=member, city="北京")
    url = reverse("services:booking_new")

    assert member_client.get(url).status_code == 200
    with django_assert_max_num_queries(16):
        page = member_client.get(url, {"service": "annual_check", "address": home.pk})
    assert page.status_code == 200
    assert f'value="{slot.pk}"' in page.content.decode()

    response = member_client.post(
        f"{url}?service=annual_check&address={home.pk}", {"slot_id": slot.pk}
    )

    booking = Booking.objects.get(member=member)
    assert response.status_code == 302
    assert response["Location"] == reverse("services:booking_detail", args=[booking.pk])
    assert booking.address["detail"] == home.detail
    assert booking.source == "portal"


def test_new_booking_says_clearly_when_nothing_is_free(member_client, member, region):
    home = AddressFactory(member=member, city="北京")
    SlotFactory(region=region, capacity=1, booked=1)

    response = member_client.get(
        reverse("services:booking_new"),
        {"service": "annual_check", "address": home.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert (
        "is taken" in response.content.decode() or "已约满" in response.content.decode()
    )


def test_full_slot_at_submit_shows_the_slot_full_message(
    member_client, member, region, settings
):
    settings.LANGUAGE_CODE = "en"
    home = AddressFactory(member=member, city="北京")
    full = SlotFactory(region=region, capacity=1, booked=1)

    response = member_client.post(
        f"{reverse('services:booking_new')}?service=annual_check&address={home.pk}",
        {"slot_id": full.pk},
    )

    assert response.status_code == 400
    assert Booking.objects.count() == 0


def test_member_cancels_before_the_cut_off(member_client, member, slot, address):
    booking = _book(member, slot, address)

    response = member_client.post(reverse("services:booking_cancel", args=[booking.pk]))

    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED


def test_member_cannot_cancel_after_the_cut_off(member_client, member, slot, address):
    booking = _book(member, slot, address)

    with time_machine.travel(slot.starts_at - dt.timedelta(hours=2)):
        member_client.post(reverse("services:booking_cancel", args=[booking.pk]))

    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.REQUESTED


def test_member_reschedules(member_client, member, slot, address):
    booking = _book(member, slot, address)
    later = SlotFactory(region=slot.region, date=slot.date + dt.timedelta(days=2))

    member_client.post(
        reverse("services:booking_reschedule", args=[booking.pk]), {"slot_id": later.pk}
    )

    assert Booking.objects.get(pk=booking.pk).slot_id == later.pk


def test_slot_ids_too_large_for_the_database_are_form_errors_not_500(
    member_client, member, slot, address
):
    # given a booking and a member who tampers with the hidden slot id
    booking = _book(member, slot, address)
    home = AddressFactory(member=member, city="北京")
    huge = 10**30

    # when the slot id is past any database integer, then the form refuses it
    moved = member_client.post(
        reverse("services:booking_reschedule", args=[booking.pk]), {"slot_id": huge}
    )
    assert moved.status_code == 302
    assert Booking.objects.get(pk=booking.pk).slot_id == slot.pk
    created = member_client.post(
        f"{reverse('services:booking_new')}?service=annual_check&address={home.pk}",
        {"slot_id": huge},
    )
    assert created.status_code == 400
    assert Booking.objects.count() == 1


def test_products_page_registers_by_serial_and_shows_warranty_end(
    member_client, member, django_assert_max_num_queries
):
    url = reverse("services:product_list")
    purchased = timezone.localdate() - dt.timedelta(days=10)

    response = member_client.post(
        url,
        {
            "model": "GZ-600",
            "serial_number": " sn-123 456 ",
            "purchase_date": purchased,
        },
    )

    assert response.status_code == 302
    product = RegisteredProduct.objects.get(member=member)
    assert product.serial_number == "SN-123456"
    with django_assert_max_num_queries(8):
        page = member_client.get(url)
    assert "SN-123456" in page.content.decode()


def test_serial_registered_by_someone_else_is_a_form_error(member_client, member):
    other = MemberFactory()
    actions.product_register(
        member_id=other.pk,
        model="GZ-600",
        serial_number="SN1",
        purchase_date=timezone.localdate(),
    )

    response = member_client.post(
        reverse("services:product_list"),
        {
            "model": "GZ-600",
            "serial_number": "SN1",
            "purchase_date": timezone.localdate(),
        },
    )

    assert response.status_code == 400
    assert not RegisteredProduct.objects.filter(member=member).exists()


def test_home_card_and_nav_link_show_services(member_client, member, slot, address):
    _book(member, slot, address)

    response = member_client.get(reverse("members:home"))

    assert response.status_code == 200
    assert reverse("services:booking_list") in response.content.decode()


@pytest.mark.parametrize("name", ["booking_list", "booking_new", "product_list"])
def test_pages_need_sign_in(client, name, db):
    response = client.get(reverse(f"services:{name}"))

    assert response.status_code == 302
    assert "login" in response["Location"]


def _completed(member, slot, address):
    from tests.factories import StaffUserFactory
    from tests.factories.services import TechnicianFactory

    staff = StaffUserFactory()
    tech = TechnicianFactory(regions=[slot.region])
    booking = _book(member, slot, address)
    actions.booking_confirm(booking_id=booking.pk, actor_id=staff.pk)
    actions.booking_assign(
        booking_id=booking.pk, technician_id=tech.pk, actor_id=staff.pk
    )
    return actions.booking_complete(booking_id=booking.pk, actor_id=staff.pk)


def test_member_reviews_a_completed_booking_with_photos(
    member_client, member, slot, address
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .images import image_bytes

    booking = _completed(member, slot, address)
    url = reverse("services:booking_review", args=[booking.pk])
    photos = [SimpleUploadedFile(f"{i}.png", image_bytes("PNG")) for i in range(2)]

    response = member_client.post(url, {"rating": 4, "text": "准时", "photos": photos})

    assert response.status_code == 302
    review = Booking.objects.get(pk=booking.pk).review
    assert review.rating == 4 and review.photos.count() == 2
    page = member_client.get(reverse("services:booking_detail", args=[booking.pk]))
    assert "准时" in page.content.decode()


def test_a_bad_review_photo_refuses_the_whole_review(
    member_client, member, slot, address, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from services.models import BookingPhoto, Review

    from .images import image_bytes

    booking = _completed(member, slot, address)
    photos = [
        SimpleUploadedFile("ok.jpg", image_bytes()),
        SimpleUploadedFile("bad.jpg", b"GIF89a not really"),
    ]

    response = member_client.post(
        reverse("services:booking_review", args=[booking.pk]),
        {"rating": 5, "photos": photos},
    )

    assert response.status_code == 400
    assert "Only JPEG, PNG or WebP images are accepted." in response.content.decode()
    assert not Review.objects.exists() and not BookingPhoto.objects.exists()


def test_new_booking_with_a_typed_address(member_client, member, slot):
    url = reverse("services:booking_new")
    query = {
        "service": "pipe_cleaning",
        "recipient": "王五",
        "phone": "13800000002",
        "city": "廊坊",
        "district": "广阳区",
        "detail": "新华路 3 号",
    }

    page = member_client.get(url, query)
    assert f'value="{slot.pk}"' in page.content.decode()
    from urllib.parse import urlencode

    response = member_client.post(f"{url}?{urlencode(query)}", {"slot_id": slot.pk})

    assert response.status_code == 302
    assert Booking.objects.get(member=member).address["city"] == "廊坊"


def test_new_booking_can_be_paid_with_points(member_client, member, slot):
    from tests.factories.rewards import give_points

    give_points(member, 3000)
    home = AddressFactory(member=member, city="北京")
    url = f"{reverse('services:booking_new')}?service=pipe_cleaning&address={home.pk}"

    response = member_client.post(url, {"slot_id": slot.pk, "pay_with_points": "on"})

    assert response.status_code == 302
    assert Booking.objects.get(member=member).paid_points == 3000


def test_pages_render_in_chinese(member_client, member, slot, address, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    booking = _book(member, slot, address)
    home = AddressFactory(member=member, city="北京")

    pages = [
        reverse("services:booking_list"),
        reverse("services:booking_detail", args=[booking.pk]),
        f"{reverse('services:booking_new')}?service=annual_check&address={home.pk}",
        reverse("services:product_list"),
    ]
    bodies = [
        member_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        for url in pages
    ]

    assert "我的预约" in bodies[0]
    assert "取消预约" in bodies[1]
    assert "年度健康检查" in bodies[2]
    assert "登记产品" in bodies[3]
