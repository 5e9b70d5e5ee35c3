import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from points import actions

pytestmark = pytest.mark.django_db


def test_my_points_shows_balance_next_expiry_and_readable_history(
    member_client, member, django_assert_max_num_queries
):
    soon = timezone.now() + dt.timedelta(days=12)
    actions.points_earn(
        member_id=member.pk,
        points=1234,
        reason="订单 A-1 积分",
        key="a",
        expires_at=soon,
    )
    actions.points_earn(member_id=member.pk, points=100, reason="问卷", key="b")
    actions.points_spend(member_id=member.pk, points=34, reason="兑换保温杯", key="c")

    with django_assert_max_num_queries(12):
        response = member_client.get(reverse("points:mine"))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"\b1,?300\b", html)  # balance
    # what expires next: 1234 - 34 taken from the soonest lot
    assert re.search(r"\b1,?200\b", html)
    assert "兑换保温杯" in html and "订单 A-1 积分" in html


def test_my_points_paginates_history(member_client, member):
    for i in range(25):
        actions.points_earn(
            member_id=member.pk, points=1, reason=f"事件{i:02d}", key=f"k{i}"
        )

    first = member_client.get(reverse("points:mine")).content.decode()
    second = member_client.get(reverse("points:mine") + "?page=2").content.decode()

    assert "事件24" in first and "事件00" not in first
    assert "事件00" in second


def test_my_points_shows_debt(member_client, member):
    earn = actions.points_earn(member_id=member.pk, points=100, reason="a", key="a")
    actions.points_spend(member_id=member.pk, points=100, reason="b", key="b")
    actions.points_reverse(entry_id=earn.pk, reason="退货", key="r")

    html = member_client.get(reverse("points:mine")).content.decode()

    assert "100" in html and ("owe" in html or "欠" in html)


def test_my_points_needs_sign_in(client):
    response = client.get(reverse("points:mine"))
    assert response.status_code == 302


def test_staff_without_member_profile_gets_404(admin_client_):
    assert admin_client_.get(reverse("points:mine")).status_code == 404


def test_member_home_shows_points_card(
    member_client, member, django_assert_max_num_queries
):
    actions.points_earn(member_id=member.pk, points=4321, reason="a", key="a")

    with django_assert_max_num_queries(30):
        html = member_client.get(reverse("members:home")).content.decode()

    assert re.search(r"\b4,?321\b", html)
    assert reverse("points:mine") in html


def test_my_points_lists_pending_purchases_and_menu_link(member_client, member):
    from decimal import Decimal

    purchase = actions.purchase_record(
        member_id=member.pk,
        order_no="P-77",
        purchased_at=timezone.now(),
        amount=Decimal("300"),
        items=[],
        pending_until_installation=True,
    )

    html = member_client.get(reverse("points:mine")).content.decode()

    assert "P-77" in html
    assert re.search(rf"\b{purchase.points_pending}\b", html)
    assert f'href="{reverse("points:mine")}"' in html  # the menu link
