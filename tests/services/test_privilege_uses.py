"""Bookings and products count the tier privileges they relied on."""

import datetime as dt

import pytest
from django.utils import timezone

from privileges import selectors as privilege_selectors
from privileges.models import PrivilegeUse
from services import actions
from tests.factories.services import SlotFactory
from tiers.actions import tier_change_manual
from tiers.models import Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold(member):
    tier_change_manual(
        member_id=member.pk,
        tier_id=Tier.objects.get(code="gold").pk,
        reason="test",
        actor_id=None,
    )
    return member


def uses(member, kind):
    return PrivilegeUse.objects.filter(member=member, privilege__kind=kind)


def _book(member, slot, address, code="pipe_cleaning"):
    return actions.booking_create(
        member_id=member.pk,
        service_type_code=code,
        slot_id=slot.pk,
        address=address,
        source="portal",
    )


def test_booking_past_the_regular_window_counts_priority_booking_once(
    gold, region, address, settings
):
    settings.SERVICES_BOOKING_DAYS_AHEAD = 14
    days = privilege_selectors.priority_booking_days(gold.pk)
    assert days > 0
    far = SlotFactory(
        region=region, date=timezone.localdate() + dt.timedelta(days=14 + days)
    )
    farther = SlotFactory(region=region, date=far.date, period="afternoon")

    booking = _book(gold, far, address)
    actions.booking_reschedule(
        booking_id=booking.pk, slot_id=farther.pk, actor_id=gold.user_id
    )

    [use] = uses(gold, "priority_booking")
    assert (use.ref_type, use.ref_id) == ("services.booking", booking.pk)


def test_booking_inside_the_regular_window_counts_no_priority(gold, slot, address):
    _book(gold, slot, address)

    assert not uses(gold, "priority_booking").exists()


def test_emergency_booking_counts_the_response_target_privilege(gold, slot, address):
    booking = _book(gold, slot, address, code="emergency_repair")

    [use] = uses(gold, "emergency_response")
    assert use.ref_id == booking.pk


def test_member_without_the_privileges_counts_nothing(member, slot, address):
    _book(member, slot, address, code="emergency_repair")

    assert not PrivilegeUse.objects.filter(
        member=member, privilege__kind__in=["emergency_response", "priority_booking"]
    ).exists()


def test_registering_a_product_counts_the_warranty_extension(gold, member):
    product = actions.product_register(
        member_id=gold.pk,
        model="GZ-600",
        serial_number="SN-PU-1",
        purchase_date=timezone.localdate(),
    )
    again = actions.product_register(
        member_id=gold.pk,
        model="GZ-600",
        serial_number="SN-PU-1",
        purchase_date=timezone.localdate(),
    )

    assert again.pk == product.pk
    [use] = uses(gold, "warranty_extension")
    assert (use.ref_type, use.ref_id) == ("services.product", product.pk)
