"""Register the rewards catalogue's periodic tasks in django-celery-beat's scheduler."""

from django.db import migrations

from members.beat import schedule_register, schedule_unregister

TASKS = [
    # name, task, minute, hour
    (
        "rewards: voucher expiry reminders",
        "points.rewards.tasks.rewards_voucher_expiry_reminders",
        "0",
        "10",
    ),
]


def register(apps, schema_editor):
    schedule_register(apps, TASKS)


def unregister(apps, schema_editor):
    schedule_unregister(apps, TASKS)


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(register, unregister)]
