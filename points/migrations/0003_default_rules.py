"""Default settings and earning rules, so that points work right after migrate.

Operators edit them in the admin; this only creates what is missing.
"""

from decimal import Decimal

from django.db import migrations

RULES = [
    # code, name, kind, extra
    ("purchase-base", "消费积分（每元 1 分）", "purchase_base", {"rate": Decimal("1"), "priority": 10}),
    (
        "big-order",
        "大单奖励（满 10,000 元送 2,000 分）",
        "big_order",
        {"points": 2000, "min_amount": Decimal("10000"), "priority": 20},
    ),
    ("first-purchase", "首单奖励", "first_purchase", {"points": 500, "priority": 30, "cap_lifetime": 1}),
    ("registration", "注册奖励", "registration", {"points": 200, "cap_lifetime": 1}),
    ("referral", "推荐奖励", "referral", {"points": 1000}),
    (
        "review-with-photos",
        "带图评价",
        "custom_event",
        {"event_code": "review_photos", "points": 100},
    ),
    (
        "on-time-maintenance",
        "按时保养",
        "custom_event",
        {"event_code": "on_time_maintenance", "points": 200, "cap_per_month": 1},
    ),
    (
        "product-survey",
        "产品调研问卷",
        "custom_event",
        {"event_code": "survey", "points": 50, "cap_per_month": 2},
    ),
    (
        "social-share",
        "社交分享",
        "custom_event",
        {"event_code": "share", "points": 10, "cap_per_day": 1, "cap_per_month": 10},
    ),
]


def forwards(apps, schema_editor):
    EarningRule = apps.get_model("points", "EarningRule")
    PointsSettings = apps.get_model("points", "PointsSettings")
    PointsSettings.objects.get_or_create(pk=1)
    for code, name, kind, extra in RULES:
        EarningRule.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, **extra}
        )


class Migration(migrations.Migration):
    dependencies = [("points", "0002_ledger_append_only")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
