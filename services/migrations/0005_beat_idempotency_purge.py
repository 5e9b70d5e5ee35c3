"""Register the daily purge of expired dealer API idempotency keys."""

from django.db import migrations

from members.beat import schedule_register, schedule_unregister

TASKS = [("services: purge expired dealer API idempotency keys", "services.tasks.purge_idempotency_records", "40", "3")]


def forwards(apps, schema_editor):
    schedule_register(apps, TASKS)


def backwards(apps, schema_editor):
    schedule_unregister(apps, TASKS)


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0004_booking_paid_points"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
