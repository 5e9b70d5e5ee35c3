"""What pays for a booking besides money, and giving it back.

A booking may be paid by a free service from the member's privileges, a
service voucher from the rewards catalogue, or points. These helpers run
inside the caller's transaction, which holds the booking (and, when booking
or cancelling, its slot) locked; the points account is always locked after
the slot, never before.

- ``_voucher_reserve`` reserves the member's voucher for the booking and
  makes it free, or raises VoucherRejected; ``_free_service_take`` uses a
  free service when the member has one left (a quota gone meanwhile just
  leaves the normal price); ``_pay_with_points`` debits the service's points
  price or raises PointsPaymentRejected. Each calls the other app in a
  savepoint, so that app's refusal undoes only its own writes.
- ``_voucher_consume`` uses the reserved voucher (completion).
- ``_give_back_benefits`` returns the free service, releases the voucher and
  refunds the points (cancellation, no-show); a closed account gets no
  points back.

Every call to another app is idempotent by a key naming the booking, so a
retry changes nothing.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from members.models import Member

from .. import integrations
from ..exceptions import PointsPaymentRejected, VoucherRejected
from ..models import Booking


def _voucher_reserve(booking: Booking, code: str) -> None:
    """Reserve the member's service voucher for the booking (rewards owns
    vouchers); the voucher pays the service."""
    from points.rewards.actions import voucher_apply_to_booking
    from points.rewards.exceptions import VoucherError

    try:
        with transaction.atomic():
            voucher_apply_to_booking(
                code=code,
                member_id=booking.member_id,
                service_type_code=booking.service_type.code,
                booking_ref=_booking_ref(booking),
            )
    except VoucherError as exc:
        raise VoucherRejected(str(exc)) from None
    booking.voucher_code = code
    booking.price = 0


def _voucher_release(booking: Booking) -> None:
    if booking.voucher_code:
        from points.rewards.actions import voucher_release

        voucher_release(code=booking.voucher_code)


def _voucher_consume(booking: Booking) -> None:
    if booking.voucher_code:
        from points.rewards.actions import voucher_use_for_booking

        voucher_use_for_booking(
            code=booking.voucher_code, booking_ref=_booking_ref(booking)
        )


def _booking_ref(booking: Booking) -> str:
    return f"services.booking:{booking.pk}"


def _free_service_take(booking: Booking) -> None:
    code = integrations.free_service_privilege_code(
        booking.member_id, booking.service_type.code
    )
    if code is None:
        return
    from privileges.exceptions import PrivilegeError

    key = f"services:booking:{booking.pk}:free"
    try:
        with transaction.atomic():
            integrations.privilege_use(
                member_id=booking.member_id,
                privilege_code=code,
                key=key,
                ref_id=booking.pk,
            )
    except PrivilegeError:
        return  # quota gone meanwhile: the member pays the normal price
    booking.free_service = True
    booking.privilege_use_key = key
    booking.price = 0


def _pay_with_points(booking: Booking) -> None:
    """Debit the service's points price (caller holds the slot lock; the
    points account is locked after it, always in this order)."""
    from points.exceptions import InsufficientPoints

    points = booking.service_type.points_price
    if not points:
        raise PointsPaymentRejected()
    try:
        with transaction.atomic():
            entry = integrations.points_spend(
                member_id=booking.member_id,
                points=points,
                reason=_("Service booking #%(id)s: %(service)s")
                % {"id": booking.pk, "service": booking.service_type.name},
                key=f"services:booking:{booking.pk}:points",
                source_id=booking.pk,
            )
    except InsufficientPoints:
        raise PointsPaymentRejected(
            _("You need %(points)s points for this service.") % {"points": points}
        ) from None
    booking.paid_points = points
    booking.points_entry_id = entry.pk
    booking.price = 0


def _give_back_benefits(booking: Booking) -> None:
    """Return the free service, release the voucher and refund points
    (cancellation, no-show). Each is idempotent by key. A closed account gets
    no points back (it cannot spend them; the ledger keeps the spend) and its
    released voucher becomes void (``voucher_release``)."""
    if booking.free_service and booking.privilege_use_key:
        integrations.privilege_use_return(key=booking.privilege_use_key)
    _voucher_release(booking)
    closed = Member.objects.filter(
        pk=booking.member_id, closed_at__isnull=False
    ).exists()
    if booking.points_entry_id and not closed:
        integrations.points_refund(
            entry_id=booking.points_entry_id,
            reason=_("Service booking #%(id)s cancelled") % {"id": booking.pk},
            key=f"services:booking:{booking.pk}:points-refund",
        )
