"""Register the tiers app's periodic tasks in django-celery-beat's scheduler."""

from django.db import migrations

TASKS = [
    # name, task, minute, hour, day_of_month
    ("tiers: nightly recalculation", "tiers.tasks.tiers_nightly_recalculate", "30", "2", "*"),
    ("tiers: downgrade warnings", "tiers.tasks.tiers_downgrade_warnings", "30", "3", "*"),
    ("tiers: birthday points", "tiers.tasks.tiers_birthday_points", "0", "8", "*"),
    ("tiers: monthly loyalty growth", "tiers.tasks.tiers_loyalty_growth", "30", "1", "1"),
]


def register(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, dom in TASKS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month=dom,
            month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": schedule, "enabled": True}
        )


def unregister(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tiers", "0004_default_weights"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(register, unregister)]
