from decimal import Decimal

from django.db import migrations

DEFAULT_TIERS = [
    # code, zh, en, rank, min_growth, min_spend, multiplier, retention growth, retention spend, gift, birthday, colour
    ("regular", "普通会员", "Regular", 0, 0, "0", "1.00", 0, "0", 0, 50, "#8c8c8c"),
    ("silver", "银卡会员", "Silver", 1, 501, "1000", "1.20", 300, "600", 200, 100, "#9aa5b1"),
    ("gold", "金卡会员", "Gold", 2, 1501, "5000", "1.50", 1000, "3000", 500, 200, "#c9a227"),
    ("diamond", "钻石会员", "Diamond", 3, 3001, "10000", "2.00", 2000, "6000", 1000, 500, "#3b6fd8"),
]


def create(apps, schema_editor):
    Tier = apps.get_model("tiers", "Tier")
    for code, zh, en, rank, growth, spend, mult, rg, rs, gift, bday, colour in DEFAULT_TIERS:
        Tier.objects.update_or_create(
            code=code,
            defaults=dict(
                name_zh=zh,
                name_en=en,
                rank=rank,
                min_growth=growth,
                min_spend=Decimal(spend),
                multiplier=Decimal(mult),
                retention_growth=rg,
                retention_spend=Decimal(rs),
                upgrade_gift_points=gift,
                birthday_points=bday,
                colour=colour,
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("tiers", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
