"""Member pages: each renders within a query budget; nobody sees another's data."""

import json

import pytest
from django.urls import reverse

from members import portal
from members.models import Address, Member, Notification, User
from tests.factories.members import (
    AddressFactory,
    NotificationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "members:home",
        "members:profile",
        "members:addresses",
        "members:address_new",
        "members:notifications",
        "members:export",
        "members:close",
    ],
)
def test_member_page_renders_within_its_query_budget(
    member_client, member, name, django_assert_max_num_queries
):
    AddressFactory.create_batch(5, member=member)
    NotificationFactory.create_batch(30, member=member)

    # session, user, member, unread badge, page data; /me/ and the export instead
    # add what higher apps register (each card or section costs two or three queries).
    if name == "members:home":
        budget = 4 + 3 * len(portal.home_cards)
    elif name == "members:export":
        budget = 6 + 3 * len(portal.export_sections)
    else:
        budget = 6
    with django_assert_max_num_queries(budget):
        response = member_client.get(reverse(name))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    ["members:landing", "members:register", "members:login", "members:password_reset"],
)
def test_public_page_renders_without_database_queries_beyond_the_session(
    client, name, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        response = client.get(reverse(name))
    assert response.status_code == 200


def test_address_edit_page_query_budget(
    member_client, member, django_assert_max_num_queries
):
    address = AddressFactory(member=member)
    with django_assert_max_num_queries(5):
        response = member_client.get(reverse("members:address_edit", args=[address.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name", ["members:home", "members:profile", "members:addresses", "members:export"]
)
def test_member_pages_need_sign_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))


def test_staff_without_member_profile_is_sent_to_home(client):
    client.force_login(StaffUserFactory())

    assert client.get(reverse("members:profile")).status_code == 302
    home = client.get(reverse("members:home"))
    assert home.status_code == 200
    assert reverse("admin:index") in home.content.decode()


def test_member_adds_edits_and_deletes_an_address(member_client, member):
    data = {
        "label": "家",
        "recipient": "王小明",
        "phone": "139 1234 5678",
        "city": "哈尔滨",
        "district": "南岗区",
        "detail": "红旗大街 8 号",
    }
    assert member_client.post(reverse("members:address_new"), data).status_code == 302
    address = Address.objects.get(member=member)
    assert address.phone == "13912345678" and address.is_default

    member_client.post(
        reverse("members:address_edit", args=[address.pk]), {**data, "detail": "新址"}
    )
    address.refresh_from_db()
    assert address.detail == "新址"

    member_client.post(reverse("members:address_delete", args=[address.pk]))
    assert not Address.objects.filter(member=member).exists()


def test_bad_address_shows_errors_and_saves_nothing(member_client, member):
    response = member_client.post(
        reverse("members:address_new"), {"recipient": "", "phone": "123", "city": ""}
    )

    assert response.status_code == 400
    assert {"recipient", "phone", "city", "detail"} <= set(
        response.context["form"].errors
    )
    assert not Address.objects.filter(member=member).exists()


def test_only_one_address_is_default(member_client, member):
    first = AddressFactory(member=member, is_default=True)
    data = {
        "recipient": "甲",
        "phone": "13912345678",
        "city": "北京",
        "detail": "x",
        "is_default": "on",
    }

    member_client.post(reverse("members:address_new"), data)

    first.refresh_from_db()
    assert not first.is_default
    assert Address.objects.filter(member=member, is_default=True).count() == 1


def test_member_never_sees_or_changes_anothers_address(member_client, other_member):
    theirs = AddressFactory(member=other_member)

    edit = member_client.get(reverse("members:address_edit", args=[theirs.pk]))
    change = member_client.post(
        reverse("members:address_edit", args=[theirs.pk]),
        {"recipient": "x", "phone": "13912345678", "city": "x", "detail": "x"},
    )
    delete = member_client.post(reverse("members:address_delete", args=[theirs.pk]))
    listing = member_client.get(reverse("members:addresses"))

    assert edit.status_code == change.status_code == delete.status_code == 404
    assert theirs.detail not in listing.content.decode()
    theirs.refresh_from_db()
    assert theirs.recipient == "张三"


def test_member_never_sees_or_marks_anothers_notification(member_client, other_member):
    theirs = NotificationFactory(member=other_member, title="别人的通知")

    listing = member_client.get(reverse("members:notifications"))
    mark = member_client.post(reverse("members:notification_read", args=[theirs.pk]))

    assert "别人的通知" not in listing.content.decode()
    assert mark.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_are_paginated_newest_first(member_client, member):
    NotificationFactory.create_batch(25, member=member)

    first = member_client.get(reverse("members:notifications"))
    second = member_client.get(reverse("members:notifications") + "?page=2")
    beyond = member_client.get(reverse("members:notifications") + "?page=abc")

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5
    assert beyond.status_code == 200
    newest = Notification.objects.filter(member=member).first()
    assert first.context["page"].object_list[0] == newest


def test_member_marks_one_and_then_all_notifications_read(member_client, member):
    one, two = NotificationFactory.create_batch(2, member=member)

    member_client.post(reverse("members:notification_read", args=[one.pk]))
    one.refresh_from_db(), two.refresh_from_db()
    assert one.read_at is not None and two.read_at is None

    member_client.post(reverse("members:notifications_read_all"))
    assert not Notification.objects.filter(member=member, read_at__isnull=True).exists()


def test_opening_a_notification_follows_only_local_links(member_client, member):
    n = NotificationFactory(member=member, url="/me/profile/")

    local = member_client.post(
        reverse("members:notification_read", args=[n.pk]), {"next": n.url}
    )
    evil = member_client.post(
        reverse("members:notification_read", args=[n.pk]),
        {"next": "https://evil.example/"},
    )

    assert local.url == "/me/profile/"
    assert evil.url == reverse("members:notifications")


def test_profile_update_and_bad_input(member_client, member):
    ok = member_client.post(
        reverse("members:profile"),
        {
            "name": "新名字",
            "email": "a@example.com",
            "household_size": "4",
            "notify_by_sms": "on",
        },
    )
    bad = member_client.post(
        reverse("members:profile"), {"name": "", "email": "nope", "home_area_m2": "-5"}
    )

    assert ok.status_code == 302
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert (member.user.name, member.household_size) == ("新名字", 4)
    assert member.notify_by_sms and not member.notify_by_email
    assert bad.status_code == 400
    assert {"name", "email", "home_area_m2"} <= set(bad.context["form"].errors)
    member.user.refresh_from_db()
    assert member.user.name == "新名字"


def test_export_contains_own_data_and_registered_sections(
    member_client, member, other_member
):
    from tests.factories.members import DealerCustomerFactory

    DealerCustomerFactory(member=member, dealer__name="暖居北京店")
    AddressFactory(member=member, detail="我家")
    AddressFactory(member=other_member, detail="别人家")
    NotificationFactory(member=member, title="我的")
    portal.register_export_section(
        name="test_section", collect=lambda m: {"member_id": m.pk}
    )
    try:
        response = member_client.get(reverse("members:export"))
    finally:
        portal.export_sections[:] = [
            s for s in portal.export_sections if s.name != "test_section"
        ]

    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["phone"] == member.user.phone
    assert [a["detail"] for a in data["addresses"]] == ["我家"]
    assert [n["title"] for n in data["notifications"]] == ["我的"]
    assert [d["dealer"] for d in data["dealers"]] == ["暖居北京店"]
    assert data["test_section"] == {"member_id": member.pk}


def test_closing_the_account_anonymises_and_signs_out(
    member_client, member, password, django_capture_on_commit_callbacks
):
    from members.signals import member_closed

    AddressFactory(member=member)
    NotificationFactory(member=member)
    closed = []
    member_closed.connect(lambda **kw: closed.append(kw), weak=False, dispatch_uid="t3")
    phone = member.user.phone

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("members:close"), {"password": password, "confirm": "on"}
        )
    member_closed.disconnect(dispatch_uid="t3")

    assert response.status_code == 302
    member = Member.objects.select_related("user").get(pk=member.pk)  # row kept
    user = member.user
    assert (user.phone, user.username, user.name, user.email) == (None, None, "", "")
    assert not user.is_active and not user.has_usable_password()
    assert member.closed_at is not None and member.birthday is None
    assert not Address.objects.filter(member=member).exists()
    assert not Notification.objects.filter(member=member).exists()
    assert [c["member_id"] for c in closed] == [member.pk]
    assert member_client.get(reverse("members:home")).status_code == 302
    # The number is free for a new registration.
    assert not User.objects.filter(phone=phone).exists()


def test_closing_needs_the_password_and_the_confirmation(member_client, member):
    response = member_client.post(reverse("members:close"), {"password": "wrong"})

    assert response.status_code == 400
    assert {"password", "confirm"} <= set(response.context["form"].errors)
    member.refresh_from_db()
    assert member.closed_at is None
