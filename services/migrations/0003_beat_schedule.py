"""Register the services jobs in django-celery-beat's database schedule."""

from django.db import migrations

from members.beat import schedule_register, schedule_unregister

JOBS = [
    # name, task, minute, hour
    ("services: generate slots from templates", "services.tasks.generate_slots", "20", "1"),
    (
        "services: annual health-check reminders",
        "services.tasks.send_annual_check_reminders",
        "0",
        "10",
    ),
    (
        "services: eleven-month follow-up reminders",
        "services.tasks.send_follow_up_reminders",
        "30",
        "10",
    ),
]


def forwards(apps, schema_editor):
    schedule_register(apps, JOBS)


def backwards(apps, schema_editor):
    schedule_unregister(apps, JOBS)


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0002_default_service_types"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
