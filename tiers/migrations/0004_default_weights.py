from decimal import Decimal

from django.db import migrations


def create(apps, schema_editor):
    GrowthWeights = apps.get_model("tiers", "GrowthWeights")
    GrowthWeights.objects.get_or_create(
        pk=1,
        defaults={
            "consumption": Decimal("50"),
            "interaction": Decimal("25"),
            "social": Decimal("12.5"),
            "loyalty": Decimal("12.5"),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("tiers", "0003_growth_status_history")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
