"""Vouchers: codes, consumption by dealers, service vouchers on bookings."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from points.rewards.actions import (
    voucher_apply_to_booking,
    voucher_consume,
    voucher_release,
    voucher_use_for_booking,
)
from points.rewards.codes import ALPHABET, CODE_LENGTH, new_voucher_code
from points.rewards.exceptions import (
    VoucherAlreadyUsed,
    VoucherExpired,
    VoucherMismatch,
    VoucherNotFound,
    VoucherUnavailable,
)
from points.rewards.models import Voucher
from points.rewards.qr import voucher_qr_svg
from tests.factories import DealerFactory
from tests.factories.rewards import RewardItemFactory, give_points, redeem

pytestmark = pytest.mark.django_db


@pytest.fixture
def cash_voucher(member) -> Voucher:
    give_points(member, 1000)
    return redeem(member, RewardItemFactory(voucher_valid_days=30)).vouchers.get()


@pytest.fixture
def service_voucher(member) -> Voucher:
    give_points(member, 1000)
    item = RewardItemFactory(service=True, points_price=500)
    return redeem(member, item).vouchers.get()


def test_codes_are_random_long_and_from_the_unambiguous_alphabet():
    codes = {new_voucher_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert not set("01IO") & set(ALPHABET)


def test_a_dealer_consumes_a_voucher_once(cash_voucher, dealer):
    used = voucher_consume(code=cash_voucher.code, dealer_id=dealer.pk, order_no="SO-1")
    assert used.status == Voucher.Status.USED
    assert used.used_by_dealer_id == dealer.pk
    assert used.order_no == "SO-1"
    with pytest.raises(VoucherAlreadyUsed):
        voucher_consume(code=cash_voucher.code, dealer_id=dealer.pk, order_no="SO-1")
    with pytest.raises(VoucherAlreadyUsed):
        voucher_consume(
            code=cash_voucher.code, dealer_id=DealerFactory().pk, order_no="SO-2"
        )


def test_a_code_typed_with_dashes_and_lower_case_is_found(cash_voucher, dealer):
    typed = cash_voucher.display_code.lower()
    assert "-" in typed
    voucher_consume(code=typed, dealer_id=dealer.pk, order_no="SO-1")


def test_an_expired_voucher_is_refused(cash_voucher, dealer):
    with time_machine.travel(cash_voucher.expires_at + dt.timedelta(seconds=1)):
        with pytest.raises(VoucherExpired):
            voucher_consume(code=cash_voucher.code, dealer_id=dealer.pk, order_no="1")
        assert cash_voucher.effective_status() == "expired"
    cash_voucher.refresh_from_db()
    assert cash_voucher.status == Voucher.Status.ISSUED


def test_an_unknown_code_is_not_found(dealer):
    with pytest.raises(VoucherNotFound):
        voucher_consume(code="NOPE-NOPE", dealer_id=dealer.pk, order_no="1")
    with pytest.raises(VoucherNotFound):
        voucher_consume(code="--", dealer_id=dealer.pk, order_no="1")


def test_a_service_voucher_is_not_consumed_at_a_dealer_till(service_voucher, dealer):
    with pytest.raises(VoucherUnavailable):
        voucher_consume(code=service_voucher.code, dealer_id=dealer.pk, order_no="1")


def test_a_service_voucher_is_reserved_by_a_booking_and_returned_on_cancel(
    service_voucher, member, dealer
):
    # when services applies it to a booking
    reserved = voucher_apply_to_booking(
        code=service_voucher.code,
        member_id=member.pk,
        service_type_code="pipe_cleaning",
        booking_ref="B-1",
    )
    assert (reserved.status, reserved.booking_ref) == ("reserved", "B-1")
    # then applying again to the same booking is a no-op, another booking is refused
    voucher_apply_to_booking(
        code=service_voucher.code,
        member_id=member.pk,
        service_type_code="pipe_cleaning",
        booking_ref="B-1",
    )
    with pytest.raises(VoucherUnavailable):
        voucher_apply_to_booking(
            code=service_voucher.code,
            member_id=member.pk,
            service_type_code="pipe_cleaning",
            booking_ref="B-2",
        )
    # when the booking is cancelled (twice) the voucher is valid again
    voucher_release(code=service_voucher.code)
    released = voucher_release(code=service_voucher.code)
    assert (released.status, released.booking_ref) == ("issued", "")
    # and can then be used on another booking that completes
    voucher_apply_to_booking(
        code=service_voucher.code,
        member_id=member.pk,
        service_type_code="pipe_cleaning",
        booking_ref="B-3",
    )
    used = voucher_use_for_booking(code=service_voucher.code, booking_ref="B-3")
    assert used.status == "used"
    assert voucher_release(code=service_voucher.code).status == "used"


def test_a_service_voucher_fits_only_its_member_and_service(
    service_voucher, other_member, member, cash_voucher
):
    with pytest.raises(VoucherNotFound):
        voucher_apply_to_booking(
            code=service_voucher.code,
            member_id=other_member.pk,
            service_type_code="pipe_cleaning",
            booking_ref="B-1",
        )
    with pytest.raises(VoucherMismatch):
        voucher_apply_to_booking(
            code=service_voucher.code,
            member_id=member.pk,
            service_type_code="annual_check",
            booking_ref="B-1",
        )
    with pytest.raises(VoucherMismatch):
        voucher_apply_to_booking(
            code=cash_voucher.code,
            member_id=member.pk,
            service_type_code="pipe_cleaning",
            booking_ref="B-1",
        )


def test_an_expired_service_voucher_cannot_be_applied(service_voucher, member):
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=400)),
        pytest.raises(VoucherExpired),
    ):
        voucher_apply_to_booking(
            code=service_voucher.code,
            member_id=member.pk,
            service_type_code="pipe_cleaning",
            booking_ref="B-1",
        )


def test_the_qr_code_is_an_inline_svg_that_differs_per_code(cash_voucher):
    svg = voucher_qr_svg(cash_voucher.code, title=cash_voucher.display_code)
    assert svg.startswith("<svg")
    assert f"<title>{cash_voucher.display_code}</title>" in svg
    assert svg != voucher_qr_svg(new_voucher_code(), title=cash_voucher.display_code)
