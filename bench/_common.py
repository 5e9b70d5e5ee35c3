"""What the PostgreSQL benchmarks share: their own database, Django pointed at
it, and the column filler for bulk ``INSERT ... SELECT`` of bench rows."""

import os

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def dsn(db_name: str) -> str:
    return f"{SERVER}/{db_name}"


def ensure_database(db_name: str, rebuild: bool) -> None:
    """Create the bench database if missing (drop it first with ``rebuild``)."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db_name]
        ).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{db_name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{db_name}"')


def setup_django(db_name: str, migrate: bool = False) -> None:
    os.environ["DATABASE_URL"] = dsn(db_name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def filler(table: str, cursor, special: dict[str, str]) -> tuple[str, str]:
    """Column list and SELECT expressions for an INSERT ... SELECT of bench rows:
    ``special`` for the columns we care about, a neutral value by type for any
    other NOT NULL column without a default (whatever other apps added)."""
    cursor.execute(
        """
        SELECT column_name, data_type, is_nullable, column_default
        FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position
        """,
        [table],
    )
    neutral = {
        "boolean": "false",
        "integer": "0",
        "smallint": "0",
        "bigint": "0",
        "numeric": "0",
        "text": "''",
        "character varying": "''",
        "date": "CURRENT_DATE",
        "timestamp with time zone": "now()",
        "jsonb": "'{}'::jsonb",
        "uuid": "gen_random_uuid()",
    }
    cols, exprs = [], []
    for name, dtype, nullable, default in cursor.fetchall():
        if name in special:
            cols.append(name)
            exprs.append(special[name])
        elif name != "id" and nullable == "NO" and default is None:
            cols.append(name)
            exprs.append(neutral[dtype])
    return ", ".join(cols), ", ".join(exprs)
