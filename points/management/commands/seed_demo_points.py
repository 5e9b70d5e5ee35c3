"""Demo points data: purchases, events, a campaign, a pending purchase, a debt.

Idempotent: every write goes through an action with a fixed key or order
number, so running it again changes nothing. Runs after ``seed_demo``
(members) created the demo members; members missing are skipped.
"""

import contextlib
import datetime as dt
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.utils import timezone

from members.models import Dealer, Member
from points import actions
from points.exceptions import PointsError
from points.models import Campaign, Purchase

PURCHASES = [
    # phone, order no, days ago, amount, items, pending until installation
    (
        "13800000001",
        "DEMO-1001",
        60,
        "12800.00",
        [("RAD-STEEL-1800", "钢制板式散热器 1800", "radiator", 8, "1500.00")],
        False,
    ),
    (
        "13800000001",
        "DEMO-1002",
        10,
        "680.00",
        [("VALVE-TH", "温控阀", "valve", 4, "170.00")],
        False,
    ),
    (
        "13800000002",
        "DEMO-2001",
        3,
        "5600.00",
        [("RAD-COPPER-AL", "铜铝复合散热器", "radiator", 4, "1400.00")],
        True,
    ),
    (
        "13800000003",
        "DEMO-3001",
        20,
        "3200.00",
        [("BOILER-24", "壁挂炉 24kW", "boiler", 1, "3200.00")],
        False,
    ),
]

EVENTS = [
    ("13800000001", "review_photos", "demo:review:1"),
    ("13800000001", "survey", "demo:survey:1"),
    ("13800000003", "on_time_maintenance", "demo:maint:3"),
    ("13800000004", "share", "demo:share:4"),
]


class Command(BaseCommand):
    help = "Create demo points data (idempotent)."

    def handle(self, *args, **options):
        now = timezone.now()
        members = {
            m.user.phone: m
            for m in Member.objects.select_related("user").filter(
                user__phone__startswith="1380000000"
            )
        }
        dealer = Dealer.objects.filter(code="nuanju-beijing").first()
        Campaign.objects.get_or_create(
            code="demo-winter-double",
            defaults={
                "name": "冬季采暖季双倍积分（散热器）",
                "multiplier": Decimal("2"),
                "starts_at": now - dt.timedelta(days=5),
                "ends_at": now + dt.timedelta(days=60),
                "product_category": "radiator",
            },
        )
        for phone, order_no, days, amount, items, pending in PURCHASES:
            member = members.get(phone)
            if member is None or Purchase.objects.filter(order_no=order_no).exists():
                continue
            actions.purchase_record(
                member_id=member.pk,
                order_no=order_no,
                purchased_at=now - dt.timedelta(days=days),
                amount=Decimal(amount),
                items=[
                    {
                        "sku": sku,
                        "name": name,
                        "category": category,
                        "quantity": qty,
                        "unit_price": price,
                    }
                    for sku, name, category, qty, price in items
                ],
                dealer_id=dealer.pk if dealer else None,
                pending_until_installation=pending,
            )
        for phone, code, key in EVENTS:
            if member := members.get(phone):
                with contextlib.suppress(PointsError):
                    actions.custom_event_record(
                        member_id=member.pk, event_code=code, key=key
                    )
        if member := members.get("13800000005"):
            # some points that expire soon, to show the reminder and the portal
            actions.points_earn(
                member_id=member.pk,
                points=800,
                reason="老会员回馈积分",
                key="demo:expiring:5",
                expires_at=now + dt.timedelta(days=20),
            )
        if member := members.get("13800000006"):
            # a refund after spending: the portal shows a debt
            earn = actions.points_earn(
                member_id=member.pk,
                points=500,
                reason="订单 DEMO-6001 消费积分",
                key="demo:6:earn",
            )
            try:
                actions.points_spend(
                    member_id=member.pk,
                    points=400,
                    reason="兑换保温杯",
                    key="demo:6:spend",
                )
                actions.points_reverse(
                    entry_id=earn.pk, reason="订单 DEMO-6001 退货", key="demo:6:reverse"
                )
            except PointsError:
                pass
        self.stdout.write(self.style.SUCCESS("Points demo data ready."))
