"""Register the members app's periodic task in django-celery-beat's scheduler."""

from django.db import migrations

from members.beat import schedule_register, schedule_unregister

TASKS = [("members: daily housekeeping", "members.tasks.members_housekeeping", "15", "4")]


def register(apps, schema_editor):
    schedule_register(apps, TASKS)


def unregister(apps, schema_editor):
    schedule_unregister(apps, TASKS)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_notification_delivery_signin_failures"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(register, unregister)]
