"""Portal pages: catalogue, item with confirmation, my redemptions, my vouchers."""

import re

import pytest
from django.urls import reverse

from points.rewards.models import Redemption, RewardItem
from points.selectors import balance_for_member
from tests.factories.rewards import ADDRESS, RewardItemFactory, give_points, redeem
from tiers.models import Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    gold = Tier.objects.get(rank=2)
    return {
        "voucher": RewardItemFactory(name_zh="五十元代金券", points_price=1000),
        "gift": RewardItemFactory(
            gift=True, name_zh="保温杯", points_price=3000, stock=3, stock_alert_at=5
        ),
        "service": RewardItemFactory(
            service=True, name_zh="免费管道清洗", points_price=800
        ),
        "gold_only": RewardItemFactory(
            name_zh="金卡专享礼", points_price=200, min_tier=gold
        ),
        "hidden": RewardItemFactory(name_zh="已下架", is_active=False),
    }


def test_catalogue_lists_items_on_sale_with_tier_badges(
    member_client, member, catalogue, django_assert_max_num_queries
):
    give_points(member, 1500)
    with django_assert_max_num_queries(8):
        response = member_client.get(reverse("rewards:catalogue"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("五十元代金券", "保温杯", "免费管道清洗", "金卡专享礼"):
        assert name in page
    assert "已下架" not in page
    locked = [e for e in response.context["entries"] if e.locked]
    assert [e.item.pk for e in locked] == [catalogue["gold_only"].pk]
    assert "🔒" in page


def test_catalogue_query_count_does_not_grow_with_items(
    member_client, member, catalogue, django_assert_max_num_queries
):
    gold = Tier.objects.get(rank=2)
    RewardItemFactory.create_batch(30, min_tier=gold)
    with django_assert_max_num_queries(8):
        assert member_client.get(reverse("rewards:catalogue")).status_code == 200


def test_catalogue_filters_by_kind_and_by_what_i_can_afford(
    member_client, member, catalogue
):
    give_points(member, 1000)
    by_kind = member_client.get(
        reverse("rewards:catalogue"), {"kind": "service_voucher"}
    )
    assert [e.item.pk for e in by_kind.context["entries"]] == [catalogue["service"].pk]
    affordable = member_client.get(reverse("rewards:catalogue"), {"affordable": "on"})
    shown = {e.item.pk for e in affordable.context["entries"]}
    # 1,000 points: the voucher and the service, not the gift (3,000) nor the
    # gold-only item the member's tier cannot take
    assert shown == {catalogue["voucher"].pk, catalogue["service"].pk}


def test_a_bad_kind_filter_is_ignored(member_client, catalogue):
    response = member_client.get(reverse("rewards:catalogue"), {"kind": "<script>"})
    assert response.status_code == 200
    assert len(response.context["entries"]) == 4


def test_the_item_page_asks_for_confirmation_before_redeeming(
    member_client, member, catalogue, django_assert_max_num_queries
):
    give_points(member, 5000)
    item = catalogue["voucher"]
    url = reverse("rewards:item", args=[item.pk])
    with django_assert_max_num_queries(10):
        assert member_client.get(url).status_code == 200
    # when the member chooses 2 and continues
    review = member_client.post(url, {"step": "review", "quantity": 2})
    # then nothing is redeemed yet; the page shows the total and a confirm button
    assert review.status_code == 200
    assert review.context["confirm"] is True
    assert review.context["total"] == 2000
    assert review.context["balance_after"] == 3000
    assert not Redemption.objects.exists()
    key = review.context["key"]
    # when they confirm (twice, as with a double tap)
    data = {"step": "place", "quantity": 2, "key": key}
    placed = member_client.post(url, data)
    member_client.post(url, data)
    # then one redemption of 2 vouchers, and they land on their vouchers
    assert placed.status_code == 302
    assert placed["Location"] == reverse("rewards:my_vouchers")
    redemption = Redemption.objects.get()
    assert redemption.quantity == 2
    assert balance_for_member(member.pk) == 3000


def test_a_gift_needs_an_address_and_keeps_it(member_client, member, catalogue):
    give_points(member, 5000)
    url = reverse("rewards:item", args=[catalogue["gift"].pk])
    missing = member_client.post(url, {"step": "review", "quantity": 1})
    assert missing.status_code == 200
    assert "detail" in missing.context["form"].errors
    data = {"step": "place", "quantity": 1, "key": "", **ADDRESS}
    response = member_client.post(url, data)
    assert response.status_code == 302
    assert Redemption.objects.get().shipping_address["detail"] == ADDRESS["detail"]


def test_a_refusal_is_shown_on_the_item_page(member_client, member, catalogue):
    give_points(member, 500)
    url = reverse("rewards:item", args=[catalogue["voucher"].pk])
    response = member_client.post(url, {"step": "place", "quantity": 1})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Redemption.objects.exists()


def test_an_item_off_sale_is_404(member_client, catalogue):
    url = reverse("rewards:item", args=[catalogue["hidden"].pk])
    assert member_client.get(url).status_code == 404


def test_pages_need_a_signed_in_member(client, staff_user, catalogue):
    url = reverse("rewards:catalogue")
    assert client.get(url).status_code == 302
    client.force_login(staff_user)
    assert client.get(url).status_code == 404  # staff are not members


def test_my_redemptions_lists_them_and_lets_a_member_cancel(
    member_client, member, catalogue, django_assert_max_num_queries
):
    give_points(member, 20_000)
    for _ in range(5):
        redeem(member, catalogue["voucher"])
    gift = redeem(member, catalogue["gift"])
    with django_assert_max_num_queries(8):
        response = member_client.get(reverse("rewards:my_redemptions"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 6
    assert all(can for _r, can in response.context["rows"])
    # when the member cancels the gift
    cancel = member_client.post(reverse("rewards:redemption_cancel", args=[gift.pk]))
    assert cancel.status_code == 302
    gift.refresh_from_db()
    assert gift.status == Redemption.Status.CANCELLED
    assert balance_for_member(member.pk) == 20_000 - 5 * 1000


def test_a_member_cannot_cancel_anothers_redemption(
    client, member, other_member, catalogue
):
    give_points(other_member, 5000)
    theirs = redeem(other_member, catalogue["voucher"])
    client.force_login(member.user)
    response = client.post(reverse("rewards:redemption_cancel", args=[theirs.pk]))
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == Redemption.Status.FULFILLED


def test_my_vouchers_show_a_qr_code_for_each_valid_voucher(
    member_client, member, catalogue, django_assert_max_num_queries
):
    give_points(member, 20_000)
    redeem(member, catalogue["voucher"], quantity=3)
    redeem(member, catalogue["service"], quantity=2)
    with django_assert_max_num_queries(6):
        response = member_client.get(reverse("rewards:my_vouchers"))
    page = response.content.decode()
    assert len(re.findall(r"<svg[^>]*voucher-qr", page)) == 5
    for voucher in member.vouchers.all():
        assert voucher.display_code in page


def test_home_card_and_nav_link(member_client, member, catalogue):
    give_points(member, 5000)
    redeem(member, catalogue["voucher"])
    response = member_client.get(reverse("members:home"))
    page = response.content.decode()
    assert reverse("rewards:catalogue") in page
    assert reverse("rewards:my_vouchers") in page


def test_catalogue_in_english(member_client, member, catalogue):
    member_client.cookies["django_language"] = "en"
    response = member_client.get(
        reverse("rewards:catalogue"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert catalogue["voucher"].name_en in response.content.decode()


def test_kinds_offered_as_filters_are_every_kind(member_client, catalogue):
    response = member_client.get(reverse("rewards:catalogue"))
    page = response.content.decode()
    for value, _label in RewardItem.Kind.choices:
        assert f"kind={value}" in page


def test_pages_are_in_chinese_by_default(member_client, member, catalogue):
    give_points(member, 100)
    page = member_client.get(reverse("rewards:catalogue")).content.decode()
    assert "我能兑换的" in page
    assert "积分不足" in page


def test_the_item_page_shows_how_many_of_the_limit_the_member_holds(
    member_client, member
):
    give_points(member, 5000)
    item = RewardItemFactory(points_price=100, per_member_limit=3)
    redeem(member, item, quantity=2)
    page = member_client.get(reverse("rewards:item", args=[item.pk])).content.decode()
    assert "每人限兑：3" in page
    assert "您已兑换 2 份" in page
