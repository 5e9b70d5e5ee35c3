import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from points import actions
from points.models import Account, LedgerEntry, Purchase
from tests.factories import MemberFactory
from tests.factories.points import EarningRuleFactory

pytestmark = pytest.mark.django_db


def _account(member, points=100):
    actions.points_earn(
        member_id=member.pk, points=points, reason="seed", key=f"s{member.pk}"
    )
    return Account.objects.get(member=member)


def test_ledger_admin_is_read_only(admin_client_, member):
    _account(member)
    entry = LedgerEntry.objects.get()
    changelist = admin_client_.get(reverse("admin:points_ledgerentry_changelist"))
    assert changelist.status_code == 200
    assert admin_client_.get(reverse("admin:points_ledgerentry_add")).status_code == 403
    response = admin_client_.post(
        reverse("admin:points_ledgerentry_change", args=[entry.pk]), {"points": 5}
    )
    assert LedgerEntry.objects.get().points == 100
    assert response.status_code in (200, 403)
    assert (
        admin_client_.post(
            reverse("admin:points_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_admin_lists_are_bounded_in_queries(
    admin_client_, django_assert_max_num_queries
):
    for _ in range(5):
        _account(MemberFactory())
    for name in (
        "ledgerentry",
        "account",
        "purchase",
        "earningrule",
        "campaign",
        "driftreport",
    ):
        with django_assert_max_num_queries(15):
            assert (
                admin_client_.get(
                    reverse(f"admin:points_{name}_changelist")
                ).status_code
                == 200
            )


def test_account_page_shows_recent_entries(admin_client_, member):
    account = _account(member)
    html = admin_client_.get(
        reverse("admin:points_account_change", args=[account.pk])
    ).content
    assert b"seed" in html


def test_adjust_form_requires_reason_and_records_actor(
    admin_client_, member, staff_user
):
    account = _account(member)
    url = reverse("admin:points_account_adjust", args=[account.pk])

    response = admin_client_.post(url, {"points": 50, "reason": " ", "token": "t1"})
    assert (
        response.status_code == 200
        and Account.objects.get(pk=account.pk).balance == 100
    )

    admin_client_.post(url, {"points": 50, "reason": "客服补偿", "token": "t1"})
    admin_client_.post(
        url, {"points": 50, "reason": "客服补偿", "token": "t1"}
    )  # resubmit
    entry = LedgerEntry.objects.get(kind="adjust")
    assert entry.actor == staff_user and entry.reason == "客服补偿"
    assert Account.objects.get(pk=account.pk).balance == 150


def test_adjust_below_zero_shows_form_error(admin_client_, member):
    account = _account(member)
    url = reverse("admin:points_account_adjust", args=[account.pk])
    response = admin_client_.post(url, {"points": -500, "reason": "纠错", "token": "t"})
    assert response.status_code == 200
    assert Account.objects.get(pk=account.pk).balance == 100


def test_bulk_award_from_csv_reports_awarded_skipped_unknown(admin_client_):
    EarningRuleFactory(event_code="salon", points=30, cap_lifetime=1)
    a, b = MemberFactory(), MemberFactory()
    actions.custom_event_record(member_id=b.pk, event_code="salon", key="before")
    csv = f"phone\n{a.user.phone}\n+86 {b.user.phone}\n13900000000\nnot-a-phone\n"
    upload = SimpleUploadedFile("phones.csv", csv.encode(), content_type="text/csv")

    response = admin_client_.post(
        reverse("admin:points_account_bulk_award"),
        {"event_code": "salon", "batch": "b1", "file": upload},
    )

    assert response.status_code == 200
    result = response.context["result"]
    assert result.awarded == [a.pk]
    assert result.skipped == [b.pk]
    assert sorted(result.unknown) == ["13900000000", "not-a-phone"]
    assert Account.objects.get(member=a).balance == 30


def test_bulk_award_action_on_selected_accounts(admin_client_):
    EarningRuleFactory(event_code="tour", points=20)
    members = [MemberFactory(), MemberFactory()]
    accounts = [_account(m, 1) for m in members]
    data = {
        "action": "award_custom_event",
        "_selected_action": [a.pk for a in accounts],
        "event_code": "tour",
        "batch": "b2",
        "apply": "1",
    }
    admin_client_.post(reverse("admin:points_account_changelist"), data)
    admin_client_.post(reverse("admin:points_account_changelist"), data)  # resubmit

    assert [Account.objects.get(pk=a.pk).balance for a in accounts] == [21, 21]


def test_refund_action_reverses_points(admin_client_, member):
    from django.utils import timezone

    purchase = actions.purchase_record(
        member_id=member.pk,
        order_no="R-1",
        purchased_at=timezone.now(),
        amount="100.00",
        items=[],
    )
    before = Account.objects.get(member=member).balance
    admin_client_.post(
        reverse("admin:points_purchase_changelist"),
        {
            "action": "refund",
            "_selected_action": [purchase.pk],
            "reason": "退货",
            "apply": "1",
        },
    )
    purchase = Purchase.objects.get(pk=purchase.pk)
    assert purchase.refund_state == "full"
    assert Account.objects.get(member=member).balance == before - purchase.points_earned


def test_campaign_admin_refuses_overlapping_campaign(admin_client_):
    from tests.factories.points import CampaignFactory

    existing = CampaignFactory(product_category="radiator")
    response = admin_client_.post(
        reverse("admin:points_campaign_add"),
        {
            "code": "again",
            "name": "又一个双倍",
            "multiplier": "2",
            "starts_at_0": existing.starts_at.strftime("%Y-%m-%d"),
            "starts_at_1": "00:00:00",
            "ends_at_0": existing.ends_at.strftime("%Y-%m-%d"),
            "ends_at_1": "00:00:00",
            "product_category": "radiator",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
