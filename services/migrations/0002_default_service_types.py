from decimal import Decimal

from django.db import migrations

# code, zh, en, duration (slots), price, points price, min tier code, emergency, maintenance
SERVICE_TYPES = [
    ("installation", "安装服务", "Installation", 2, "300.00", None, None, False, False),
    ("annual_check", "年度健康检查", "Annual health check", 1, "199.00", 2000, None, False, True),
    ("pipe_cleaning", "管道清洗", "Pipe cleaning", 1, "299.00", 3000, None, False, True),
    ("system_optimisation", "系统优化", "System optimisation", 1, "399.00", None, "silver", False, True),
    ("emergency_repair", "紧急维修", "Emergency repair", 1, "150.00", None, None, True, False),
    ("design_consultation", "采暖设计咨询", "Design consultation", 1, "200.00", None, None, False, False),
]


def create(apps, schema_editor):
    ServiceType = apps.get_model("services", "ServiceType")
    Tier = apps.get_model("tiers", "Tier")
    for order, (code, zh, en, slots, price, points, tier, emergency, maint) in enumerate(
        SERVICE_TYPES
    ):
        ServiceType.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "duration_slots": slots,
                "price": Decimal(price),
                "points_price": points,
                "min_tier": Tier.objects.filter(code=tier).first() if tier else None,
                "is_emergency": emergency,
                "is_maintenance": maint,
                "sort_order": order * 10,
            },
        )


def remove(apps, schema_editor):
    ServiceType = apps.get_model("services", "ServiceType")
    ServiceType.objects.filter(code__in=[row[0] for row in SERVICE_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0001_initial"),
        ("tiers", "0002_default_tiers"),
    ]

    operations = [migrations.RunPython(create, remove)]
