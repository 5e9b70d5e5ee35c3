"""Operator console: items with stock alerts, redemption actions, CSV, voucher search."""

import csv
import io

import pytest
from django.urls import reverse

from points.rewards.models import Redemption, RewardItem
from points.selectors import balance_for_member
from tests.factories import MemberFactory
from tests.factories.rewards import RewardItemFactory, give_points, redeem

pytestmark = pytest.mark.django_db


@pytest.fixture
def redemptions(db):
    gift = RewardItemFactory(gift=True, points_price=100, stock=50)
    made = []
    for _ in range(3):
        m = MemberFactory()
        give_points(m, 1000)
        made.append(redeem(m, gift))
    return made


def test_item_changelist_flags_low_stock(admin_client_, django_assert_max_num_queries):
    RewardItemFactory(name_zh="快没了", stock=2, stock_alert_at=5)
    RewardItemFactory.create_batch(20, stock=100)
    with django_assert_max_num_queries(12):
        response = admin_client_.get(reverse("admin:rewards_rewarditem_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "⚠ 2" in page
    assert "快没了 (2)" in page  # the warning message at the top
    low = admin_client_.get(
        reverse("admin:rewards_rewarditem_changelist"), {"stock": "low"}
    )
    assert low.context["cl"].result_count == 1


def test_restocking_adds_to_the_stock_as_it_is_when_saved(admin_client_, member):
    # given an item the operator opened with stock 10
    item = RewardItemFactory(stock=10, points_price=100)
    url = reverse("admin:rewards_rewarditem_change", args=[item.pk])
    form = admin_client_.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("image", "min_tier")
    }
    # and meanwhile a member redeems 3
    give_points(member, 1000)
    redeem(member, item, quantity=3)
    # when the operator saves "+5"
    data.update(stock_change=5, unlimited="")
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    # then nothing the member took is lost: 10 - 3 + 5
    item.refresh_from_db()
    assert item.stock == 12


def test_admin_item_form_refuses_a_non_image(admin_client_):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "code": "mug",
        "kind": "physical_gift",
        "is_active": "on",
        "sort_order": 0,
        "name_zh": "杯子",
        "name_en": "Mug",
        "points_price": 100,
        "stock": 5,
        "stock_alert_at": 1,
        "voucher_valid_days": 90,
        "image": SimpleUploadedFile("x.png", b"not an image", "image/png"),
    }
    response = admin_client_.post(reverse("admin:rewards_rewarditem_add"), data)
    assert response.status_code == 200
    assert "image" in response.context["adminform"].form.errors
    assert not RewardItem.objects.filter(code="mug").exists()


def test_redemption_changelist_query_count(
    admin_client_, redemptions, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = admin_client_.get(reverse("admin:rewards_redemption_changelist"))
    assert response.status_code == 200


def test_fulfil_and_cancel_actions_call_the_actions(admin_client_, redemptions):
    url = reverse("admin:rewards_redemption_changelist")
    first, second, _third = redemptions
    admin_client_.post(
        url, {"action": "fulfil_selected", "_selected_action": [first.pk]}
    )
    admin_client_.post(
        url,
        {"action": "cancel_selected", "_selected_action": [first.pk, second.pk]},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Redemption.Status.FULFILLED  # shipped: not cancelled
    assert second.status == Redemption.Status.CANCELLED
    assert balance_for_member(second.member_id) == 1000
    assert second.handled_by is not None


def test_csv_export_lists_redemptions_with_addresses(admin_client_, redemptions):
    url = reverse("admin:rewards_redemption_changelist")
    response = admin_client_.post(
        url,
        {"action": "export_csv", "_selected_action": [r.pk for r in redemptions]},
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "redemption_id"
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(r.pk for r in redemptions)
    assert all(r[16] == "建国路 1 号" for r in rows[1:])


def test_vouchers_are_found_by_code_as_printed(
    admin_client_, member, django_assert_max_num_queries
):
    give_points(member, 5000)
    voucher = redeem(member, RewardItemFactory(), quantity=3).vouchers.first()
    url = reverse("admin:rewards_voucher_changelist")
    with django_assert_max_num_queries(10):
        response = admin_client_.get(url, {"q": voucher.display_code.lower()})
    assert [v.pk for v in response.context["cl"].result_list] == [voucher.pk]


def test_read_only_staff_cannot_fulfil_or_cancel(client, redemptions):
    from django.contrib.auth.models import Permission

    from tests.factories import StaffUserFactory

    analyst = StaffUserFactory()
    analyst.user_permissions.add(
        Permission.objects.get(
            codename="view_redemption", content_type__app_label="rewards"
        )
    )
    client.force_login(analyst)
    url = reverse("admin:rewards_redemption_changelist")
    assert client.get(url).status_code == 200
    client.post(
        url, {"action": "cancel_selected", "_selected_action": [redemptions[0].pk]}
    )
    redemptions[0].refresh_from_db()
    assert redemptions[0].status == Redemption.Status.PLACED


def test_change_pages_render(admin_client_, redemptions):
    redemption = redemptions[0]
    give_points(redemption.member, 1000)
    voucher = redeem(redemption.member, RewardItemFactory()).vouchers.get()
    for url in (
        reverse("admin:rewards_rewarditem_add"),
        reverse("admin:rewards_rewarditem_change", args=[redemption.item_id]),
        reverse("admin:rewards_redemption_change", args=[redemption.pk]),
        reverse("admin:rewards_redemption_change", args=[voucher.redemption_id]),
        reverse("admin:rewards_voucher_change", args=[voucher.pk]),
    ):
        assert admin_client_.get(url).status_code == 200, url


def test_only_the_note_of_a_redemption_is_editable(admin_client_, redemptions):
    redemption = redemptions[0]
    url = reverse("admin:rewards_redemption_change", args=[redemption.pk])
    response = admin_client_.post(
        url,
        {
            "note": "顺丰 SF123",
            "status": "cancelled",
            "points": 1,
            "vouchers-TOTAL_FORMS": 0,
            "vouchers-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    redemption.refresh_from_db()
    assert redemption.note == "顺丰 SF123"
    assert redemption.status == Redemption.Status.PLACED
    assert redemption.points == 100


def test_writing_off_more_than_the_stock_is_a_form_error(admin_client_):
    item = RewardItemFactory(stock=3, points_price=100)
    url = reverse("admin:rewards_rewarditem_change", args=[item.pk])
    form = admin_client_.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("image", "min_tier")
    }
    data.update(stock_change=-5, unlimited="")
    response = admin_client_.post(url, data)
    assert response.status_code == 200
    assert "stock_change" in response.context["adminform"].form.errors
    item.refresh_from_db()
    assert item.stock == 3
