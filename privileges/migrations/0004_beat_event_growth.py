"""Schedule the daily event-participation growth task."""

from django.db import migrations

from members.beat import schedule_register, schedule_unregister

TASKS = [
    (
        "privileges: event participation growth",
        "privileges.tasks.privileges_event_participation_growth",
        "30",
        "1",
    ),
]


def register(apps, schema_editor):
    schedule_register(apps, TASKS)


def unregister(apps, schema_editor):
    schedule_unregister(apps, TASKS)


class Migration(migrations.Migration):
    dependencies = [("privileges", "0003_beat_schedule")]
    operations = [migrations.RunPython(register, unregister)]
