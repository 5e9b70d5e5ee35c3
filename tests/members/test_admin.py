"""The operator console: changelists at scale, search by phone, roles, actions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from members import roles
from members.models import Member, Notification, User
from tests.factories.members import (
    AddressFactory,
    DealerStaffFactory,
    MemberFactory,
    NotificationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "user",
    "member",
    "address",
    "dealer",
    "dealercustomer",
    "phonecode",
    "signinfailure",
    "notification",
]


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders_within_a_query_budget(
    admin_client_, model, django_assert_max_num_queries
):
    for _ in range(5):
        AddressFactory()
        NotificationFactory()
    DealerStaffFactory.create_batch(3)

    with django_assert_max_num_queries(14):
        response = admin_client_.get(reverse(f"admin:members_{model}_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_add_page_renders_except_for_history(admin_client_, model):
    response = admin_client_.get(reverse(f"admin:members_{model}_add"))

    history = {"phonecode", "signinfailure"}
    assert response.status_code == (403 if model in history else 200)


def test_member_change_page_renders(admin_client_):
    member = MemberFactory()
    AddressFactory(member=member)
    response = admin_client_.get(
        reverse("admin:members_member_change", args=[member.pk])
    )
    assert response.status_code == 200


@pytest.mark.parametrize("typed", ["13912345678", "+86 139-1234-5678", "会员X"])
def test_members_are_found_by_phone_in_any_format_and_by_name(admin_client_, typed):
    wanted = MemberFactory(user__phone="13912345678", user__name="会员X")
    MemberFactory(user__phone="13711112222", user__name="别人")

    response = admin_client_.get(
        reverse("admin:members_member_changelist"), {"q": typed}
    )

    assert list(response.context["cl"].result_list) == [wanted]


def test_verification_codes_are_read_only_and_never_show_the_hash(
    admin_client_, send_code
):
    send_code("13912345678")
    from members.models import PhoneCode

    code = PhoneCode.objects.get()
    page = admin_client_.get(reverse("admin:members_phonecode_change", args=[code.pk]))
    change = admin_client_.post(
        reverse("admin:members_phonecode_change", args=[code.pk]), {"attempts": 0}
    )

    assert code.code_hash not in page.content.decode()
    assert change.status_code == 403
    assert admin_client_.get(reverse("admin:members_phonecode_add")).status_code == 403


def test_notify_selected_members_action_sends_to_each(
    admin_client_, django_capture_on_commit_callbacks
):
    chosen = MemberFactory.create_batch(2)
    MemberFactory()
    url = reverse("admin:members_member_changelist")
    selection = {
        "action": "notify_selected",
        "_selected_action": [m.pk for m in chosen],
    }

    form = admin_client_.post(url, selection)
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client_.post(
            url, {**selection, "apply": "1", "title": "冬季保养提醒", "body": "请预约"}
        )

    assert form.status_code == 200 and done.status_code == 302
    assert set(
        Notification.objects.filter(title="冬季保养提醒").values_list(
            "member_id", flat=True
        )
    ) == {m.pk for m in chosen}


def test_deleting_a_member_in_the_console_closes_the_account(admin_client_):
    member = MemberFactory()

    admin_client_.post(
        reverse("admin:members_member_delete", args=[member.pk]), {"post": "yes"}
    )

    member.refresh_from_db()
    assert member.closed_at is not None
    assert User.objects.filter(pk=member.user_id, phone__isnull=True).exists()


def test_staff_user_is_created_with_a_username_and_password(admin_client_):
    response = admin_client_.post(
        reverse("admin:members_user_add"),
        {"username": "dispatch2", "password1": "Strong-Pass-2026", "is_staff": "on"},
    )

    assert response.status_code == 302
    user = User.objects.get(username="dispatch2")
    assert user.is_staff and user.phone is None
    assert user.check_password("Strong-Pass-2026")


# --- staff roles -------------------------------------------------------------------


def _perms(group_name) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=group_name).permissions.select_related(
            "content_type"
        )
    }


def test_the_four_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        roles.MEMBER_OPERATIONS,
        roles.SERVICE_DISPATCH,
        roles.ANALYST,
        roles.DEALER_MANAGEMENT,
    }


def test_analyst_can_view_everything_of_the_programme_and_change_nothing():
    perms = _perms(roles.ANALYST)
    every_view = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(
            content_type__app_label__in=roles.OUR_APPS, codename__startswith="view_"
        ).select_related("content_type")
    }

    assert perms == every_view
    assert "members.view_member" in perms


def test_member_operations_edit_members_but_delete_nothing_but_addresses():
    perms = _perms(roles.MEMBER_OPERATIONS)

    assert {"members.change_member", "members.add_notification"} <= perms
    deletes = {p for p in perms if ".delete_" in p}
    assert deletes <= {
        "members.delete_address",
        "members.delete_signinfailure",
        "privileges.delete_tiergrant",
    }
    assert not any(p.startswith("auth.") for p in perms)
    assert "members.change_dealer" not in perms


def test_service_dispatch_reads_members_and_cannot_touch_points_or_dealers():
    perms = _perms(roles.SERVICE_DISPATCH)

    assert {p for p in perms if p.startswith("members.")} == {
        "members.view_member",
        "members.view_user",
        "members.view_address",
        "members.add_notification",
        "members.view_notification",
    }
    assert not any(p.startswith(("points.", "rewards.", "auth.")) for p in perms)


def test_dealer_management_manages_dealers_but_not_member_profiles():
    perms = _perms(roles.DEALER_MANAGEMENT)

    assert {"members.add_dealer", "members.change_dealer", "members.add_user"} <= perms
    assert "members.change_member" not in perms
    assert "members.delete_dealer" not in perms
    assert not any(p.startswith("auth.") for p in perms)


def test_no_role_may_manage_groups_permissions_or_superusers():
    for name in roles.ROLES:
        assert not any(
            p.startswith(("auth.", "contenttypes.", "admin.")) for p in _perms(name)
        )


def test_group_sync_is_idempotent_and_restores_removed_permissions():
    group = Group.objects.get(name=roles.ANALYST)
    before = _perms(roles.ANALYST)
    group.permissions.add(Permission.objects.get(codename="delete_member"))
    group.permissions.remove(Permission.objects.get(codename="view_member"))

    roles.sync_staff_groups()
    roles.sync_staff_groups()

    assert _perms(roles.ANALYST) == before
    assert Group.objects.filter(name=roles.ANALYST).count() == 1


def test_analyst_sees_the_member_list_but_cannot_open_the_add_form(client):
    analyst = StaffUserFactory()
    analyst.groups.add(Group.objects.get(name=roles.ANALYST))
    client.force_login(analyst)

    assert client.get(reverse("admin:members_member_changelist")).status_code == 200
    assert client.get(reverse("admin:members_address_add")).status_code == 403


# --- demo data -----------------------------------------------------------------------


def test_seed_demo_is_idempotent_and_creates_one_account_per_role(settings):
    call_command("seed_demo", "--force", "--only-members", stdout=_Null())
    counts = (
        User.objects.count(),
        Member.objects.count(),
        Notification.objects.count(),
    )

    call_command("seed_demo", "--force", "--only-members", stdout=_Null())

    assert (
        User.objects.count(),
        Member.objects.count(),
        Notification.objects.count(),
    ) == counts
    for name in roles.ROLES:
        assert User.objects.filter(groups__name=name, is_staff=True).count() == 1
    assert User.objects.get(username="admin").is_superuser
    assert Member.objects.filter(claimed_at__isnull=True).count() == 1


def test_seed_demo_refuses_to_run_with_debug_off_without_force(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=_Null())
    assert not User.objects.filter(username="admin").exists()


class _Null:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


def test_operator_enrols_a_customer_who_claims_later(admin_client_, dealer):
    response = admin_client_.post(
        reverse("admin:members_member_add"),
        {
            "phone": "+86 136 1234 5678",
            "name": "钱先生",
            "city": "长春",
            "dealer": dealer.pk,
        },
    )

    assert response.status_code == 302
    member = Member.objects.select_related("user").get(user__phone="13612345678")
    assert member.channel == Member.Channel.ADMIN
    assert member.claimed_at is None and not member.user.has_usable_password()
    assert member.enrolled_by_dealer == dealer


@pytest.mark.parametrize(
    "data", [{"phone": "123", "name": "x"}, {"phone": "13912345678", "name": ""}]
)
def test_operator_enrolment_with_bad_input_shows_errors(admin_client_, data):
    response = admin_client_.post(reverse("admin:members_member_add"), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Member.objects.exists()


def test_operator_enrolment_of_a_registered_number_is_refused(admin_client_, member):
    response = admin_client_.post(
        reverse("admin:members_member_add"), {"phone": member.user.phone, "name": "x"}
    )

    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert Member.objects.count() == 1


def test_analyst_cannot_enrol(client):
    analyst = StaffUserFactory()
    analyst.groups.add(Group.objects.get(name=roles.ANALYST))
    client.force_login(analyst)

    assert client.get(reverse("admin:members_member_add")).status_code == 403


def test_staff_who_may_change_users_cannot_grant_rights(client, password):
    ops = StaffUserFactory()
    ops.groups.add(Group.objects.get(name=roles.MEMBER_OPERATIONS))
    boss = StaffUserFactory(is_superuser=True)
    client.force_login(ops)
    url = reverse("admin:members_user_change", args=[ops.pk])
    page = client.get(url)

    saved = client.post(
        url,
        {
            "username": ops.username,
            "name": "x",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [g.pk for g in Group.objects.all()],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    superuser_page = client.get(reverse("admin:members_user_change", args=[boss.pk]))
    superuser_password = client.get(
        reverse("admin:auth_user_password_change", args=[boss.pk])
    )

    assert page.status_code == 200
    assert saved.status_code == 302  # the rest of the form was accepted
    ops.refresh_from_db()
    assert not ops.is_superuser
    assert list(ops.groups.values_list("name", flat=True)) == [roles.MEMBER_OPERATIONS]
    assert superuser_page.context["has_change_permission"] is False
    assert superuser_password.status_code == 403


def test_notification_added_in_the_console_is_delivered(
    admin_client_, django_capture_on_commit_callbacks
):
    from members import sms

    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(
            reverse("admin:members_notification_add"),
            {
                "member": member.pk,
                "category": "operator",
                "title": "停水通知",
                "body": "",
                "url": "",
                "sms_text": "明日停水",
            },
        )

    assert response.status_code == 302
    assert Notification.objects.get(member=member).title == "停水通知"
    assert sms.outbox == [{"phone": member.user.phone, "text": "明日停水"}]


def test_notification_to_a_closed_account_is_refused_in_the_console(admin_client_):
    from members.actions import member_close

    member = MemberFactory()
    member_close(member_id=member.pk)

    response = admin_client_.post(
        reverse("admin:members_notification_add"),
        {"member": member.pk, "category": "operator", "title": "x"},
    )

    assert response.status_code == 200
    assert "member" in response.context["adminform"].form.errors
    assert not Notification.objects.exists()
