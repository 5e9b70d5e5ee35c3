"""Register the tiers app's periodic tasks in django-celery-beat's scheduler."""

from django.db import migrations

from members.beat import schedule_register, schedule_unregister

TASKS = [
    # name, task, minute, hour, day_of_month
    ("tiers: nightly recalculation", "tiers.tasks.tiers_nightly_recalculate", "30", "2", "*"),
    ("tiers: downgrade warnings", "tiers.tasks.tiers_downgrade_warnings", "30", "3", "*"),
    ("tiers: birthday points", "tiers.tasks.tiers_birthday_points", "0", "8", "*"),
    ("tiers: monthly loyalty growth", "tiers.tasks.tiers_loyalty_growth", "30", "1", "1"),
]


def register(apps, schema_editor):
    schedule_register(apps, TASKS)


def unregister(apps, schema_editor):
    schedule_unregister(apps, TASKS)


class Migration(migrations.Migration):
    dependencies = [
        ("tiers", "0004_default_weights"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(register, unregister)]
