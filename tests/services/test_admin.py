import datetime as dt

import time_machine
from django.urls import reverse

from services import actions
from services.models import Booking
from tests.factories import MemberFactory
from tests.factories.services import SlotFactory, TechnicianFactory


def _book(member, slot, address, code="annual_check"):
    return actions.booking_create(
        member_id=member.pk,
        service_type_code=code,
        slot_id=slot.pk,
        address=address,
        source="portal",
    )


def test_dispatcher_changelist_query_count_does_not_grow_with_rows(
    admin_client_, region, address, django_assert_max_num_queries
):
    for i in range(5):
        slot = SlotFactory(
            region=region, date=dt.date.today() + dt.timedelta(days=2 + i), capacity=5
        )
        for _ in range(4):
            _book(MemberFactory(), slot, address)
    url = reverse("admin:services_booking_changelist")

    with django_assert_max_num_queries(14):
        response = admin_client_.get(url, {"todo": "confirm", "status": "requested"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 20


def test_admin_actions_call_the_actions(admin_client_, member, slot, address, region):
    bookings = [_book(member, slot, address) for _ in range(2)]
    tech = TechnicianFactory(regions=[region])
    url = reverse("admin:services_booking_changelist")
    ids = [b.pk for b in bookings]

    admin_client_.post(url, {"action": "confirm", "_selected_action": ids})
    assert set(Booking.objects.values_list("status", flat=True)) == {"confirmed"}

    page = admin_client_.post(url, {"action": "assign", "_selected_action": ids})
    assert page.status_code == 200  # the technician form
    admin_client_.post(
        url, {"action": "assign", "_selected_action": ids, "technician": tech.pk}
    )
    # One technician, one slot: only one of the two is assigned.
    assert Booking.objects.filter(technician=tech).count() == 1

    assigned = Booking.objects.get(technician=tech)
    admin_client_.post(url, {"action": "complete", "_selected_action": [assigned.pk]})
    assert Booking.objects.get(pk=assigned.pk).status == "completed"

    other = Booking.objects.exclude(pk=assigned.pk).get()
    with time_machine.travel(slot.starts_at + dt.timedelta(hours=1)):
        admin_client_.post(url, {"action": "no_show", "_selected_action": [other.pk]})
    assert Booking.objects.get(pk=other.pk).status == "no_show"


def test_refused_admin_action_is_a_message_not_an_error(
    admin_client_, member, slot, address
):
    booking = _book(member, slot, address)
    url = reverse("admin:services_booking_changelist")

    response = admin_client_.post(
        url, {"action": "complete", "_selected_action": [booking.pk]}, follow=True
    )

    assert response.status_code == 200
    assert Booking.objects.get(pk=booking.pk).status == "requested"
    assert any(f"#{booking.pk}" in str(m) for m in response.context["messages"])


def test_day_view_shows_capacity_used_per_region(
    admin_client_, member, slot, address, django_assert_max_num_queries
):
    _book(member, slot, address)
    _book(member, slot, address, code="emergency_repair")
    url = reverse("admin:services_slot_day")

    with django_assert_max_num_queries(12):
        response = admin_client_.get(url, {"date": slot.date.isoformat()})

    assert response.status_code == 200
    row = response.context["rows"][0]
    assert (row["slot"].booked, row["slot"].capacity) == (2, 3)
    assert row["emergency"] == 1
    assert "2 / 3" in response.content.decode()


def test_admin_books_by_phone_outside_the_window(
    admin_client_, member, region, settings
):
    settings.SERVICES_BOOKING_DAYS_AHEAD = 5
    far = SlotFactory(region=region, date=dt.date.today() + dt.timedelta(days=30))
    url = reverse("admin:services_booking_add")
    from services.models import ServiceType

    response = admin_client_.post(
        url,
        {
            "member": member.pk,
            "service_type": ServiceType.objects.get(code="pipe_cleaning").pk,
            "slot": far.pk,
            "recipient": "李四",
            "phone": "13800000001",
            "city": "北京",
            "detail": "长安街 1 号",
            "notes": "",
            "voucher_code": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    booking = Booking.objects.get(member=member)
    assert booking.source == "admin" and booking.slot_id == far.pk


def test_admin_booking_into_a_full_slot_is_a_form_error(admin_client_, member, region):
    full = SlotFactory(region=region, capacity=1, booked=1)
    from services.models import ServiceType

    response = admin_client_.post(
        reverse("admin:services_booking_add"),
        {
            "member": member.pk,
            "service_type": ServiceType.objects.get(code="pipe_cleaning").pk,
            "slot": full.pk,
            "city": "北京",
            "detail": "长安街 1 号",
        },
    )

    assert response.status_code == 200
    assert Booking.objects.count() == 0


def test_other_admin_pages_render(admin_client_, slot, technician):
    for name in [
        "admin:services_slot_changelist",
        "admin:services_slottemplate_changelist",
        "admin:services_region_changelist",
        "admin:services_technician_changelist",
        "admin:services_servicetype_changelist",
        "admin:services_review_changelist",
        "admin:services_registeredproduct_changelist",
        "admin:services_booking_add",
    ]:
        assert admin_client_.get(reverse(name)).status_code == 200, name
