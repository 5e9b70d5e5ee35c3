"""Register the points jobs in django-celery-beat's database schedule."""

from django.db import migrations

from members.beat import schedule_register, schedule_unregister

JOBS = [
    # name, task, minute, hour
    ("points: expire due lots", "points.tasks.expire_due_points", "10", "0"),
    ("points: expiry reminders", "points.tasks.send_expiry_reminders", "30", "9"),
    ("points: nightly reconciliation", "points.tasks.reconcile_balances", "0", "3"),
    ("points: release pending points", "points.tasks.release_pending_points", "15", "*"),
]


def forwards(apps, schema_editor):
    schedule_register(apps, JOBS)


def backwards(apps, schema_editor):
    schedule_unregister(apps, JOBS)


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0003_default_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
