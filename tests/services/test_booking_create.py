import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from services import actions, integrations
from services.exceptions import (
    InvalidAddress,
    OutsideBookingWindow,
    OutsideServiceArea,
    ServiceNotAvailable,
    SlotFull,
    SlotUnavailable,
)
from services.models import Booking, Slot
from tests.factories import AddressFactory
from tests.factories.services import SlotFactory


def _book(member, slot, address, code="annual_check", **kw):
    return actions.booking_create(
        member_id=member.pk,
        service_type_code=code,
        slot_id=slot.pk,
        address=address,
        source=kw.pop("source", "portal"),
        **kw,
    )


def test_booking_takes_capacity_and_snapshots_price_and_address(member, slot, address):
    booking = _book(member, slot, address)

    slot.refresh_from_db()
    assert slot.booked == 1
    assert booking.status == Booking.Status.REQUESTED
    assert booking.price == Decimal("199.00")
    assert booking.address["detail"] == address["detail"]
    assert booking.source == "portal"


def test_installation_uses_its_duration_in_capacity_units(member, slot, address):
    _book(member, slot, address, code="installation")

    slot.refresh_from_db()
    assert slot.booked == 2


def test_a_full_slot_refuses_with_a_clear_message(member, slot, address):
    for _ in range(3):
        _book(member, slot, address)

    with pytest.raises(SlotFull) as exc:
        _book(member, slot, address)
    assert str(exc.value) == "This slot is full."
    slot.refresh_from_db()
    assert slot.booked == 3
    assert Booking.objects.count() == 3


def test_address_by_id_must_belong_to_the_member(member, other_member, slot):
    theirs = AddressFactory(member=other_member)
    mine = AddressFactory(member=member, city="北京")

    with pytest.raises(InvalidAddress):
        actions.booking_create(
            member_id=member.pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address_id=theirs.pk,
            source="portal",
        )
    booking = actions.booking_create(
        member_id=member.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address_id=mine.pk,
        source="portal",
    )
    assert booking.address["detail"] == mine.detail


def test_address_outside_the_region_is_refused(member, slot, address):
    address["city"] = "上海"

    with pytest.raises(OutsideServiceArea):
        _book(member, slot, address)
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_closed_slot_is_refused(member, slot, address):
    slot.is_closed = True
    slot.save()

    with pytest.raises(SlotUnavailable):
        _book(member, slot, address)


def test_regular_member_cannot_book_beyond_the_window(
    member, region, address, settings
):
    settings.SERVICES_BOOKING_DAYS_AHEAD = 10
    far = SlotFactory(region=region, date=timezone.localdate() + dt.timedelta(days=11))

    with pytest.raises(OutsideBookingWindow):
        _book(member, far, address)


def test_priority_days_open_later_dates_to_higher_tiers(
    member, region, address, settings, priority_days
):
    settings.SERVICES_BOOKING_DAYS_AHEAD = 10
    far = SlotFactory(region=region, date=timezone.localdate() + dt.timedelta(days=15))
    priority_days(7)

    booking = _book(member, far, address)

    assert booking.slot_id == far.pk


def test_operator_console_books_outside_the_window(
    member, staff_user, region, address, settings
):
    settings.SERVICES_BOOKING_DAYS_AHEAD = 10
    far = SlotFactory(region=region, date=timezone.localdate() + dt.timedelta(days=40))

    booking = _book(member, far, address, source="admin", actor_id=staff_user.pk)

    assert booking.source == "admin"


def test_today_and_past_slots_are_not_bookable(member, region, address):
    today = SlotFactory(region=region, date=timezone.localdate())

    with pytest.raises(OutsideBookingWindow):
        _book(member, today, address)


def test_peak_month_reserve_is_kept_for_top_tiers(
    member, region, address, settings, tier_rank
):
    settings.SERVICES_PEAK_MONTHS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
    settings.SERVICES_PEAK_RESERVED_SHARE = Decimal("0.25")
    settings.SERVICES_PEAK_TOP_TIER_MIN_RANK = 2
    slot = SlotFactory(region=region, capacity=4)
    tier_rank(0)
    for _ in range(3):
        _book(member, slot, address)

    with pytest.raises(SlotFull):
        _book(member, slot, address)
    tier_rank(2)
    top = _book(member, slot, address)

    assert top.slot_id == slot.pk
    assert Slot.objects.get(pk=slot.pk).booked == 4


def test_min_tier_refuses_lower_tiers(member, slot, address, tier_rank):
    tier_rank(0)

    with pytest.raises(ServiceNotAvailable):
        _book(member, slot, address, code="system_optimisation")
    tier_rank(1)
    assert _book(member, slot, address, code="system_optimisation").pk


def test_emergency_repair_carries_the_tier_response_target(
    member, slot, address, monkeypatch
):
    monkeypatch.setattr(integrations, "emergency_response_hours", lambda member_id: 4)

    booking = _book(member, slot, address, code="emergency_repair")

    assert booking.response_target_hours == 4
    assert booking.respond_by - booking.created_at == dt.timedelta(hours=4)


def test_free_service_is_used_on_booking_and_returned_on_cancel(
    member, slot, address, monkeypatch
):
    used, returned = [], []
    monkeypatch.setattr(
        integrations,
        "free_service_privilege_code",
        lambda member_id, code: "free-annual-check",
    )
    monkeypatch.setattr(
        integrations, "privilege_use", lambda **kw: used.append(kw) or object()
    )
    monkeypatch.setattr(
        integrations, "privilege_use_return", lambda *, key: returned.append(key)
    )

    booking = _book(member, slot, address)

    assert booking.free_service and booking.price == 0
    assert used[0]["privilege_code"] == "free-annual-check"
    actions.booking_cancel(booking_id=booking.pk, actor_id=member.user_id)
    assert returned == [booking.privilege_use_key]


def test_closed_member_cannot_book(member, slot, address):
    member.closed_at = timezone.now()
    member.save()

    with pytest.raises(ServiceNotAvailable):
        _book(member, slot, address)


def test_slot_full_message_is_translated_for_chinese_members(member, slot, address):
    from django.utils import translation

    slot.booked = slot.capacity
    slot.save()

    with translation.override("zh-hans"):
        with pytest.raises(SlotFull) as exc:
            _book(member, slot, address)

        assert str(exc.value) == "该时段已约满。"
