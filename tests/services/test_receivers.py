"""Completion and purchases reach points, tiers and privileges through their seams."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from points import actions as points_actions
from points.exceptions import PurchaseRejected
from points.models import LedgerEntry
from services import actions
from services.models import Booking, RegisteredProduct
from tests.factories import MemberFactory
from tiers.models import GrowthEvent

from .images import image_bytes


def _complete(member, slot, address, staff_user, technician, code="annual_check", **kw):
    booking = actions.booking_create(
        member_id=member.pk,
        service_type_code=code,
        slot_id=slot.pk,
        address=address,
        source="portal",
        **kw,
    )
    actions.booking_confirm(booking_id=booking.pk, actor_id=staff_user.pk)
    actions.booking_assign(
        booking_id=booking.pk, technician_id=technician.pk, actor_id=staff_user.pk
    )
    return actions.booking_complete(booking_id=booking.pk, actor_id=staff_user.pk)


def test_completed_maintenance_earns_on_time_points_and_growth(
    member, slot, address, staff_user, technician, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _complete(member, slot, address, staff_user, technician)

    entries = LedgerEntry.objects.filter(account__member=member, points__gt=0)
    assert entries.filter(source_type="services.booking", source_id=booking.pk).exists()
    assert GrowthEvent.objects.filter(
        member=member, key=f"services:booking:{booking.pk}:growth"
    ).exists()


def test_emergency_repair_earns_growth_but_no_maintenance_points(
    member, slot, address, staff_user, technician
):
    booking = _complete(
        member, slot, address, staff_user, technician, code="emergency_repair"
    )

    assert not LedgerEntry.objects.filter(
        source_type="services.booking", source_id=booking.pk
    ).exists()
    assert GrowthEvent.objects.filter(member=member).exists()


def _review(booking, photos=0):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [SimpleUploadedFile(f"{i}.jpg", image_bytes()) for i in range(photos)]
    return actions.review_create(
        booking_id=booking.pk,
        member_id=booking.member_id,
        rating=5,
        text="师傅很专业",
        photos=files,
    )


def test_review_with_photos_earns_points_once(
    member, slot, address, staff_user, technician
):
    from services.exceptions import ReviewRejected

    booking = _complete(member, slot, address, staff_user, technician)

    review = _review(booking, photos=2)
    with pytest.raises(ReviewRejected):
        _review(booking, photos=1)

    assert review.points_awarded > 0
    assert review.photos.count() == 2
    assert (
        LedgerEntry.objects.filter(
            key__contains=f"services:review:{booking.pk}"
        ).count()
        <= 1
    )
    assert (
        LedgerEntry.objects.filter(
            source_type="services.booking", source_id=booking.pk, reason__isnull=False
        ).count()
        == 2
    )  # on-time maintenance + review with photos


def test_review_without_photos_earns_nothing(
    member, slot, address, staff_user, technician
):
    booking = _complete(member, slot, address, staff_user, technician)

    review = _review(booking, photos=0)

    assert review.points_awarded == 0


def test_review_before_completion_is_refused(member, slot, address):
    from services.exceptions import ReviewRejected

    booking = actions.booking_create(
        member_id=member.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address=address,
        source="portal",
    )

    with pytest.raises(ReviewRejected):
        _review(booking)


def _purchase(member, serials, order_no="A-1", pending=False):
    return points_actions.purchase_record(
        member_id=member.pk,
        order_no=order_no,
        purchased_at=timezone.now() - dt.timedelta(days=1),
        amount=Decimal("3000.00"),
        items=[
            {
                "sku": "GZ-600",
                "name": "钢制柱式散热器",
                "category": "radiator",
                "quantity": len(serials),
                "amount": Decimal("3000.00"),
                "serial_numbers": serials,
            }
        ],
        channel="dealer",
        pending_until_installation=pending,
    )


def test_purchase_serials_become_registered_products(member):
    purchase = _purchase(member, ["SN-A1", "SN-A2"])

    products = RegisteredProduct.objects.filter(member=member).order_by("serial_number")
    assert [p.serial_number for p in products] == ["SN-A1", "SN-A2"]
    assert all(p.purchase_id == purchase.pk for p in products)
    assert products[0].purchase_date == timezone.localdate() - dt.timedelta(days=1)


def test_purchase_with_a_serial_of_another_member_is_rejected(member):
    other = MemberFactory()
    _purchase(other, ["SN-B1"], order_no="B-1")

    with pytest.raises(PurchaseRejected) as exc:
        _purchase(member, ["SN-B1"], order_no="B-2")

    assert exc.value.field == "items"
    assert not RegisteredProduct.objects.filter(member=member).exists()


def test_installation_completion_releases_pending_points_and_starts_warranty(
    member, slot, address, staff_user, technician
):
    from points.models import Purchase

    purchase = _purchase(member, ["SN-C1"], order_no="C-1", pending=True)
    assert purchase.pending_state == Purchase.PendingState.PENDING

    booking = _complete(
        member,
        slot,
        address,
        staff_user,
        technician,
        code="installation",
        purchase_id=purchase.pk,
    )

    purchase.refresh_from_db()
    assert purchase.pending_state != Purchase.PendingState.PENDING
    product = RegisteredProduct.objects.get(serial_number="SN-C1")
    assert product.installation_date == timezone.localdate(booking.completed_at)
    assert product.warranty_ends_on == actions.add_months(
        product.installation_date,
        product.base_warranty_months + product.extension_months,
    )


def test_warranty_end_adds_the_tiers_extension(member, monkeypatch):
    from services import integrations

    monkeypatch.setattr(integrations, "warranty_extension_months", lambda member_id: 12)

    product = actions.product_register(
        member_id=member.pk,
        model="GZ-600",
        serial_number="SN-W1",
        purchase_date=dt.date(2026, 1, 31),
    )

    assert product.extension_months == 12
    assert product.warranty_ends_on == dt.date(2029, 1, 31)  # 24 + 12 months


def test_add_months_clamps_to_month_end():
    assert actions.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert actions.add_months(dt.date(2026, 3, 15), -11) == dt.date(2025, 4, 15)


def _service_voucher(member, code="pipe_cleaning"):
    from tests.factories.rewards import RewardItemFactory, give_points, redeem

    item = RewardItemFactory(service=True, service_type_code=code)
    give_points(member, item.points_price)
    return redeem(member, item).vouchers.get()


def test_service_voucher_pays_the_booking_and_is_released_on_cancel(
    member, slot, address
):
    from points.rewards.models import Voucher

    voucher = _service_voucher(member)

    booking = actions.booking_create(
        member_id=member.pk,
        service_type_code="pipe_cleaning",
        slot_id=slot.pk,
        address=address,
        source="portal",
        voucher_code=voucher.code,
    )

    assert booking.price == 0 and booking.voucher_code == voucher.code
    assert Voucher.objects.get(pk=voucher.pk).status == Voucher.Status.RESERVED
    actions.booking_cancel(booking_id=booking.pk, actor_id=member.user_id)
    assert Voucher.objects.get(pk=voucher.pk).status == Voucher.Status.ISSUED


def test_service_voucher_is_used_on_completion(
    member, slot, address, staff_user, technician
):
    from points.rewards.models import Voucher

    voucher = _service_voucher(member)

    _complete(
        member,
        slot,
        address,
        staff_user,
        technician,
        code="pipe_cleaning",
        voucher_code=voucher.code,
    )

    assert Voucher.objects.get(pk=voucher.pk).status == Voucher.Status.USED


def test_voucher_for_another_service_is_refused_and_nothing_is_booked(
    member, slot, address
):
    from services.exceptions import VoucherRejected
    from services.models import Slot

    voucher = _service_voucher(member, code="pipe_cleaning")

    with pytest.raises(VoucherRejected):
        actions.booking_create(
            member_id=member.pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address=address,
            source="portal",
            voucher_code=voucher.code,
        )
    assert Booking.objects.count() == 0
    assert Slot.objects.get(pk=slot.pk).booked == 0


@pytest.fixture
def gold(member):
    """Put the member on gold through the tiers app's own action."""
    from tiers.actions import tier_change_manual
    from tiers.models import Tier

    tier_change_manual(
        member_id=member.pk,
        tier_id=Tier.objects.get(code="gold").pk,
        reason="test",
        actor_id=None,
    )
    return member


def test_gold_member_gets_the_free_annual_check_and_it_comes_back_on_cancel(
    gold, slot, address
):
    from privileges.selectors import free_service_remaining

    before = free_service_remaining(gold.pk, "annual_check")
    assert before == 1

    booking = actions.booking_create(
        member_id=gold.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address=address,
        source="portal",
    )

    assert booking.free_service and booking.price == 0
    assert free_service_remaining(gold.pk, "annual_check") == 0
    second = actions.booking_create(
        member_id=gold.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address=address,
        source="portal",
    )
    assert not second.free_service and second.price == Decimal("199.00")
    actions.booking_cancel(booking_id=booking.pk, actor_id=gold.user_id)
    assert free_service_remaining(gold.pk, "annual_check") == 1


def test_gold_member_sees_further_ahead_and_gets_a_faster_emergency_target(
    gold, member, region, address, settings
):
    from tests.factories.services import SlotFactory

    settings.SERVICES_BOOKING_DAYS_AHEAD = 14
    far = SlotFactory(region=region, date=timezone.localdate() + dt.timedelta(days=20))

    booking = actions.booking_create(
        member_id=gold.pk,
        service_type_code="emergency_repair",
        slot_id=far.pk,
        address=address,
        source="portal",
    )

    assert booking.response_target_hours == 24


def test_gold_member_gets_the_warranty_extension(gold):
    product = actions.product_register(
        member_id=gold.pk,
        model="GZ-600",
        serial_number="SN-G1",
        purchase_date=timezone.localdate(),
    )

    assert product.extension_months == 12


def test_paying_with_points_debits_the_points_price_and_cancel_refunds_it(
    member, slot, address
):
    from points.selectors import balance_for_member
    from tests.factories.rewards import give_points

    give_points(member, 2500)

    booking = actions.booking_create(
        member_id=member.pk,
        service_type_code="annual_check",
        slot_id=slot.pk,
        address=address,
        source="portal",
        pay_with_points=True,
    )

    assert (booking.price, booking.paid_points) == (0, 2000)
    assert balance_for_member(member.pk) == 500
    actions.booking_cancel(booking_id=booking.pk, actor_id=member.user_id)
    actions.booking_cancel(booking_id=booking.pk, actor_id=member.user_id)
    assert balance_for_member(member.pk) == 2500


def test_too_few_points_refuses_the_booking_and_holds_nothing(member, slot, address):
    from services.exceptions import PointsPaymentRejected
    from services.models import Slot
    from tests.factories.rewards import give_points

    give_points(member, 100)

    with pytest.raises(PointsPaymentRejected, match="2000 points"):
        actions.booking_create(
            member_id=member.pk,
            service_type_code="annual_check",
            slot_id=slot.pk,
            address=address,
            source="portal",
            pay_with_points=True,
        )
    assert Booking.objects.count() == 0
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_a_service_without_points_price_cannot_be_paid_with_points(
    member, slot, address
):
    from services.exceptions import PointsPaymentRejected

    with pytest.raises(PointsPaymentRejected):
        actions.booking_create(
            member_id=member.pk,
            service_type_code="emergency_repair",
            slot_id=slot.pk,
            address=address,
            source="portal",
            pay_with_points=True,
        )
