"""Register the services jobs in django-celery-beat's database schedule."""

from django.db import migrations

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
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in JOBS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": schedule, "enabled": True}
        )


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[j[0] for j in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0002_default_service_types"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
