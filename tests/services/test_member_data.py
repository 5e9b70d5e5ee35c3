"""The member's services data: the export section and what closure does."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.actions import member_close
from points.models import LedgerEntry
from points.rewards.models import Voucher
from privileges.models import PrivilegeUse
from services import actions
from services.actions import bookings as booking_actions
from services.models import Booking, Review, Slot
from services.selectors import member_export_section
from tests.factories.rewards import RewardItemFactory, give_points, redeem
from tests.factories.services import RegisteredProductFactory, SlotFactory

pytestmark = pytest.mark.django_db


def _book(member, slot, address, code="annual_check", **kw) -> Booking:
    return actions.booking_create(
        member_id=member.pk,
        service_type_code=code,
        slot_id=slot.pk,
        address=address,
        source="portal",
        **kw,
    )


@pytest.fixture
def gold(member):
    from tiers.actions import tier_change_manual
    from tiers.models import Tier

    tier_change_manual(
        member_id=member.pk,
        tier_id=Tier.objects.get(code="gold").pk,
        reason="test",
        actor_id=None,
    )
    return member


def test_export_lists_bookings_reviews_and_products_of_the_member_only(
    member_client, member, other_member, slot, address
):
    # given the member has a booking with a review and a registered product
    booking = _book(member, slot, address)
    Review.objects.create(booking=booking, member=member, rating=5, text="师傅很专业")
    RegisteredProductFactory(member=member, serial_number="SN-MINE")
    # and another member has a booking at another address and a product
    _book(other_member, slot, dict(address, detail="别人家 9 号"))
    RegisteredProductFactory(member=other_member, serial_number="SN-THEIRS")

    # when the member downloads the export
    response = member_client.get(reverse("members:export"))

    # then the services section holds their data only
    section = json.loads(response.content)["services"]
    [exported] = section["bookings"]
    assert exported["address"]["detail"] == address["detail"]
    assert (exported["status"], exported["date"]) == ("requested", str(slot.date))
    assert exported["requested_at"]
    assert [(r["booking_id"], r["rating"]) for r in section["reviews"]] == [
        (booking.pk, 5)
    ]
    [product] = section["products"]
    assert product["serial_number"] == "SN-MINE" and product["warranty_ends_on"]
    body = response.content.decode()
    assert "别人家" not in body and "SN-THEIRS" not in body


def test_export_section_queries_do_not_grow_with_the_number_of_bookings(
    member, slot, address, django_assert_num_queries
):
    for _ in range(3):
        _book(member, slot, address)
    RegisteredProductFactory.create_batch(3, member=member)
    with django_assert_num_queries(3):
        section = member_export_section(member)
    assert len(section["bookings"]) == len(section["products"]) == 3


def test_closing_the_account_cancels_future_bookings_and_gives_back_capacity_quota_and_voucher(
    gold, other_member, region, slot, address, django_capture_on_commit_callbacks
):
    # given future bookings: a free annual check, one paid by voucher, one with points
    free = _book(gold, slot, address)
    assert free.free_service
    item = RewardItemFactory(service=True, service_type_code="pipe_cleaning")
    give_points(gold, item.points_price + 2000)
    voucher = redeem(gold, item).vouchers.get()
    by_voucher = _book(gold, slot, address, "pipe_cleaning", voucher_code=voucher.code)
    later = SlotFactory(region=region, date=slot.date + dt.timedelta(days=1))
    by_points = _book(gold, later, address, pay_with_points=True)
    # and a booking whose slot is already past (left to the dispatchers)
    past_slot = SlotFactory(region=region, date=slot.date + dt.timedelta(days=2))
    past = _book(gold, past_slot, address)
    Slot.objects.filter(pk=past_slot.pk).update(
        date=timezone.localdate() - dt.timedelta(days=1)
    )
    # and another member's booking in the same slot
    theirs = _book(other_member, slot, address)

    # when the account is closed (receivers run after commit)
    with django_capture_on_commit_callbacks(execute=True):
        member_close(member_id=gold.pk)

    # then the future bookings are cancelled by the system with a reason
    statuses = dict(Booking.objects.values_list("pk", "status"))
    for booking in (free, by_voucher, by_points):
        assert statuses[booking.pk] == "cancelled"
    assert Booking.objects.get(pk=free.pk).cancel_reason
    assert statuses[past.pk] == "requested"
    # capacity is back: only the other member's booking holds the first slot
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert Slot.objects.get(pk=later.pk).booked == 0
    assert Slot.objects.get(pk=past_slot.pk).booked == 1
    # the free service is returned, the voucher void, no points refunded
    assert PrivilegeUse.objects.get(key=free.privilege_use_key).returned_at
    assert Voucher.objects.get(pk=voucher.pk).status == "void"
    assert by_points.points_entry_id
    assert not LedgerEntry.objects.filter(
        reverses_id=by_points.points_entry_id
    ).exists()
    # and nothing of the other member changed
    assert statuses[theirs.pk] == "requested"
    # a second run changes nothing
    assert actions.member_bookings_close(member_id=gold.pk) == 0


def test_whole_export_stays_within_a_fixed_query_budget_as_data_grows(
    gold, member_client, region, slot, address
):
    """/me/export/ with data in every section: the query count is bounded and
    does not grow with the number of rows (no N+1 in any section)."""
    from privileges.actions import event_signup
    from tests.factories.privileges import MemberEventFactory
    from tests.factories.tiers import GrowthEventFactory
    from tiers.models import Tier, TierChange

    def add_data():
        _book(gold, slot, address)
        RegisteredProductFactory(member=gold)
        item = RewardItemFactory()
        give_points(gold, item.points_price)
        redeem(gold, item)
        event_signup(
            event_id=MemberEventFactory().pk, member_id=gold.pk, source="admin"
        )
        GrowthEventFactory(member=gold, dimension="interaction", weighted_value=5)
        TierChange.objects.create(
            member=gold, to_tier=Tier.objects.get(code="silver"), reason="manual"
        )

    def export_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = member_client.get(reverse("members:export"))
        assert response.status_code == 200
        data = json.loads(response.content)
        assert data["services"]["bookings"] and data["rewards"]["vouchers"]
        assert data["privileges"]["event_signups"] and data["tiers"]["history"]
        return len(ctx.captured_queries)

    Slot.objects.filter(pk=slot.pk).update(capacity=20)
    add_data()
    few = export_queries()
    for _ in range(4):
        add_data()
    many = export_queries()

    assert many == few
    # 16 today: session, user, member, members' own data, 3 tiers, 2 rewards,
    # 2 privileges, 3 services; room for the points section.
    assert many <= 22


def test_closure_skips_a_booking_that_started_meanwhile_and_cancels_the_rest(
    member, slot, address, monkeypatch
):
    # given two future bookings, the first of which a technician starts just as
    # the closure gets to it
    started, other = _book(member, slot, address), _book(member, slot, address)
    real_cancel = booking_actions.booking_cancel

    def cancel_after_start(*, booking_id, **kwargs):
        if booking_id == started.pk:
            Booking.objects.filter(pk=booking_id).update(status="in_progress")
        return real_cancel(booking_id=booking_id, **kwargs)

    # member_bookings_close calls the name in its own module, so patch it there
    monkeypatch.setattr(booking_actions, "booking_cancel", cancel_after_start)

    # when the account's bookings are closed
    cancelled = actions.member_bookings_close(member_id=member.pk)

    # then the started one is left alone and the other is cancelled
    assert cancelled == 1
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {started.pk: "in_progress", other.pk: "cancelled"}


def test_closing_through_the_portal_settles_every_app_and_the_booked_voucher_ends_void(
    member_client, member, password, slot, address, django_capture_on_commit_callbacks
):
    """Every receiver of member_closed together, whatever order they run in."""
    from privileges.actions import event_signup
    from privileges.models import EventSignup
    from tests.factories.privileges import MemberEventFactory

    # given a booking paid by a service voucher, a place at an event and a gift
    item = RewardItemFactory(service=True, service_type_code="pipe_cleaning")
    gift = RewardItemFactory(gift=True, points_price=300)
    give_points(member, item.points_price + gift.points_price)
    voucher = redeem(member, item).vouchers.get()
    booking = _book(member, slot, address, "pipe_cleaning", voucher_code=voucher.code)
    signup = event_signup(
        event_id=MemberEventFactory().pk, member_id=member.pk, source="admin"
    )
    placed = redeem(member, gift)

    # when the member closes the account on /me/close/
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("members:close"), {"password": password, "confirm": "on"}
        )

    # then the booking, the place and the gift are cancelled, the voucher void
    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"
    assert Slot.objects.get(pk=slot.pk).booked == 0
    assert EventSignup.objects.get(pk=signup.pk).status == "cancelled"
    placed.refresh_from_db()
    assert placed.status == "cancelled"
    assert Voucher.objects.get(pk=voucher.pk).status == "void"
