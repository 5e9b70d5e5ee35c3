"""SQLite: refuse UPDATE of ledger rows too (PostgreSQL has 0002's trigger).

DELETE stays possible on SQLite only because the test runner empties tables
with DELETE between transactional tests; production runs on PostgreSQL.
"""

from django.db import migrations

CREATE = """
CREATE TRIGGER IF NOT EXISTS points_ledger_no_update
BEFORE UPDATE ON points_ledgerentry
BEGIN
    SELECT RAISE(ABORT, 'points ledger entries are append-only: UPDATE refused');
END;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS points_ledger_no_update", params=None
        )


class Migration(migrations.Migration):
    dependencies = [("points", "0004_beat_schedule")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
