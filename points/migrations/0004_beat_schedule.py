"""Register the points jobs in django-celery-beat's database schedule."""

from django.db import migrations

JOBS = [
    # name, task, minute, hour
    ("points: expire due lots", "points.tasks.expire_due_points", "10", "0"),
    ("points: expiry reminders", "points.tasks.send_expiry_reminders", "30", "9"),
    ("points: nightly reconciliation", "points.tasks.reconcile_balances", "0", "3"),
    ("points: release pending points", "points.tasks.release_pending_points", "15", "*"),
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
        ("points", "0003_default_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
