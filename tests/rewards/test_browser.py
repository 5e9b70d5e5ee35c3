"""End to end in a real browser: redeem a voucher with the confirmation step, see its QR."""

import re

import pytest

from members.models import Member
from points.rewards.models import Redemption
from points.selectors import balance_for_member
from tests.factories.members import PASSWORD, MemberFactory
from tests.factories.rewards import RewardItemFactory, give_points

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, member: Member):
    page.goto(page.url_for("/accounts/login/"))
    page.fill("input[name=username]", member.user.phone)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form button").last.click()
    page.wait_for_url(re.compile(r"/me/$"))


def test_member_redeems_two_vouchers_and_sees_their_qr_codes(page, screenshot_dir):
    # given a member with 2,500 points and a ¥50 voucher for 1,000
    member = MemberFactory()
    give_points(member, 2500)
    item = RewardItemFactory(name_zh="五十元代金券", stock=10)
    RewardItemFactory(gift=True, name_zh="品牌保温杯", points_price=5000)
    _sign_in(page, member)

    # when they open the catalogue, pick the voucher, choose 2 and continue
    page.goto(page.url_for("/rewards/"))
    page.screenshot(path=screenshot_dir / "rewards-catalogue-zh.png", full_page=True)
    page.click("text=五十元代金券")
    page.fill("input[name=quantity]", "2")
    page.click("button[value=review]")

    # then they see the total and nothing is redeemed before they confirm
    assert "2,000" in page.content() or "2000" in page.content()
    assert not Redemption.objects.exists()
    page.screenshot(path=screenshot_dir / "rewards-confirm-zh.png", full_page=True)
    page.click("button[value=place]")

    # and after confirming they land on their vouchers, each with a QR code
    page.wait_for_url(re.compile(r"/me/vouchers/$"))
    assert page.locator("svg.voucher-qr").count() == 2
    page.screenshot(path=screenshot_dir / "rewards-vouchers-zh.png", full_page=True)
    assert balance_for_member(member.pk) == 500
    item.refresh_from_db()
    assert item.stock == 8
