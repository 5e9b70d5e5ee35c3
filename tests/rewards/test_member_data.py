"""The member's rewards data: the export section and what account closure does."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from members.actions import member_close
from points.models import LedgerEntry
from points.rewards.actions import (
    member_rewards_close,
    voucher_apply_to_booking,
    voucher_release,
)
from points.rewards.models import Redemption, Voucher
from tests.factories.rewards import RewardItemFactory, give_points, redeem

pytestmark = pytest.mark.django_db


def test_export_lists_the_members_redemptions_and_vouchers_with_codes_only_theirs(
    member_client, member, other_member
):
    # given the member holds a cash voucher and a placed gift, another member a voucher
    give_points(member, 5000)
    give_points(other_member, 5000)
    mine = redeem(member, RewardItemFactory()).vouchers.get()
    gift = redeem(member, RewardItemFactory(gift=True, points_price=300))
    theirs = redeem(other_member, RewardItemFactory()).vouchers.get()

    # when the member downloads the export
    response = member_client.get(reverse("members:export"))

    # then the rewards section holds their redemptions and voucher codes only
    section = json.loads(response.content)["rewards"]
    assert sorted(r["status"] for r in section["redemptions"]) == [
        "fulfilled",
        "placed",
    ]
    placed = next(r for r in section["redemptions"] if r["id"] == gift.pk)
    assert placed["points"] == 300 and placed["shipping_address"]["city"]
    assert [(v["code"], v["status"]) for v in section["vouchers"]] == [
        (mine.code, "issued")
    ]
    assert theirs.code not in response.content.decode()


def test_export_section_queries_do_not_grow_with_the_number_of_redemptions(
    member, django_assert_num_queries
):
    from points.rewards.selectors import member_export_section

    give_points(member, 20000)
    for _ in range(8):
        redeem(member, RewardItemFactory())
    with django_assert_num_queries(2):
        section = member_export_section(member)
    assert len(section["redemptions"]) == len(section["vouchers"]) == 8


def test_closing_the_account_voids_unused_vouchers_and_cancels_unshipped_gifts_without_refund(
    member, other_member, django_capture_on_commit_callbacks
):
    # given the member has a valid voucher, a used one and a gift not yet shipped
    give_points(member, 5000)
    give_points(other_member, 5000)
    valid = redeem(member, RewardItemFactory()).vouchers.get()
    used = redeem(member, RewardItemFactory()).vouchers.get()
    Voucher.objects.filter(pk=used.pk).update(
        status=Voucher.Status.USED, used_at=timezone.now()
    )
    gift_item = RewardItemFactory(gift=True, points_price=300, stock=10)
    gift = redeem(member, gift_item)
    # and another member holds a voucher and a placed gift of the same item
    their_voucher = redeem(other_member, RewardItemFactory()).vouchers.get()
    their_gift = redeem(other_member, gift_item)

    # when the account is closed (the receiver runs after commit)
    with django_capture_on_commit_callbacks(execute=True):
        member_close(member_id=member.pk)

    # then the valid voucher is void, the used one kept, the gift cancelled
    statuses = dict(Voucher.objects.values_list("pk", "status"))
    assert statuses[valid.pk] == "void"
    assert statuses[used.pk] == "used"
    gift.refresh_from_db()
    assert gift.status == "cancelled" and gift.refund_entry_id is None
    assert gift.cancelled_at is not None and gift.cancel_reason
    # stock comes back, no points go back to the closed account
    gift_item.refresh_from_db()
    assert gift_item.stock == 9
    assert not LedgerEntry.objects.filter(reverses_id=gift.spend_entry_id).exists()
    # and nothing of the other member changed
    assert statuses[their_voucher.pk] == "issued"
    their_gift.refresh_from_db()
    assert their_gift.status == "placed"


def test_closure_of_rewards_is_idempotent(member):
    give_points(member, 5000)
    redeem(member, RewardItemFactory())
    redeem(member, RewardItemFactory(gift=True, points_price=300))

    assert member_rewards_close(member_id=member.pk) == (1, 1)
    assert member_rewards_close(member_id=member.pk) == (0, 0)
    assert not Redemption.objects.filter(status="placed").exists()


def test_a_voucher_reserved_for_a_booking_becomes_void_when_released_after_closure(
    member, other_member
):
    # given service vouchers of two members, each reserved for a booking
    give_points(member, 1000)
    give_points(other_member, 1000)
    item = RewardItemFactory(service=True, points_price=500)
    codes = []
    for who, ref in ((member, "B-1"), (other_member, "B-2")):
        code = redeem(who, item).vouchers.get().code
        voucher_apply_to_booking(
            code=code,
            member_id=who.pk,
            service_type_code="pipe_cleaning",
            booking_ref=ref,
        )
        codes.append(code)

    # when the member's account is closed (the reserved voucher stays reserved)
    member_close(member_id=member.pk)
    member_rewards_close(member_id=member.pk)
    assert Voucher.objects.get(code=codes[0]).status == "reserved"
    # and then both bookings are cancelled
    released = [voucher_release(code=code) for code in codes]

    # then the closed member's voucher is void, the other member's valid again
    assert [v.status for v in released] == ["void", "issued"]


@pytest.mark.django_db(transaction=True)
def test_closure_racing_an_operator_cancel_and_a_dealer_returns_stock_once(postgres):
    from points.rewards.actions import redemption_cancel, voucher_consume
    from points.rewards.exceptions import VoucherUnavailable
    from tests.concurrency import run_concurrently
    from tests.factories import DealerFactory, MemberFactory

    # given a member with an unshipped gift and a valid cash voucher
    member = MemberFactory()
    give_points(member, 5000)
    gift_item = RewardItemFactory(gift=True, points_price=300, stock=5)
    gift = redeem(member, gift_item)
    voucher = redeem(member, RewardItemFactory()).vouchers.get()
    dealer = DealerFactory()

    # when closure, an operator cancelling the gift and a dealer using the
    # voucher all happen at the same moment
    def attempt(i):
        if i == 0:
            return member_rewards_close(member_id=member.pk)
        if i == 1:
            return redemption_cancel(redemption_id=gift.pk, reason="operator")
        return voucher_consume(code=voucher.code, dealer_id=dealer.pk, order_no="A1")

    results = run_concurrently(attempt, 3)

    # then the gift is cancelled once, its stock back once, and the voucher is
    # either used (the dealer won) or void (closure won), never still valid
    gift.refresh_from_db()
    gift_item.refresh_from_db()
    assert gift.status == "cancelled"
    assert gift_item.stock == 5
    status = Voucher.objects.get(pk=voucher.pk).status
    assert status in {"used", "void"}
    dealer_result = results[2]
    if status == "used":
        assert isinstance(dealer_result, Voucher)
    else:
        assert isinstance(dealer_result, VoucherUnavailable)
    assert not isinstance(results[0], Exception)


def test_an_operator_cancel_after_closure_returns_stock_but_no_points(
    member, django_capture_on_commit_callbacks
):
    from points.rewards.actions import redemption_cancel
    from points.selectors import balance_for_member

    # given a closed member whose unshipped gift is still placed (the closure
    # receivers have not run yet)
    give_points(member, 1000)
    gift_item = RewardItemFactory(gift=True, points_price=300, stock=5)
    gift = redeem(member, gift_item)
    member_close(member_id=member.pk)
    balance = balance_for_member(member.pk)

    # when an operator cancels the gift
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        redemption_cancel(redemption_id=gift.pk, reason="operator")

    # then the stock is back, but no points go back to the closed account
    gift.refresh_from_db()
    gift_item.refresh_from_db()
    assert gift.status == "cancelled" and gift.refund_entry_id is None
    assert gift_item.stock == 5
    assert balance_for_member(member.pk) == balance
    assert not LedgerEntry.objects.filter(reverses_id=gift.spend_entry_id).exists()
    assert not any("_notify_cancelled" in repr(c) for c in callbacks)
