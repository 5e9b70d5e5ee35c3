"""The one way every app puts its periodic tasks in the beat database scheduler.

Each app registers its jobs from a data migration, passing the migration's
historical ``apps``::

    TASKS = [("points: expire due lots", "points.tasks.expire_due_points", "10", "0")]

    def register(apps, schema_editor):
        schedule_register(apps, TASKS)

A task is ``(name, dotted task path, minute, hour[, day_of_month])`` on a
crontab in Asia/Shanghai time. Registering is idempotent (an existing task of
that name is updated, not duplicated), so a rerun or the test suite's restore
of reference data is safe. It lives in members, the lowest app, because every
app needs it.
"""

TIMEZONE = "Asia/Shanghai"


def schedule_register(apps, tasks) -> None:
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, *rest in tasks:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month=rest[0] if rest else "*",
            month_of_year="*",
            timezone=TIMEZONE,
        )
        # A task an operator switched off stays off when this runs again.
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={"task": task, "crontab": schedule},
            create_defaults={"task": task, "crontab": schedule, "enabled": True},
        )


def schedule_unregister(apps, tasks) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[t[0] for t in tasks]).delete()
