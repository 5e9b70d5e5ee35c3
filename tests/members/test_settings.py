"""The project runs from the environment: production refuses an unsafe start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _run("import config.settings.production")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_read_the_environment():
    result = _run(
        "import config.settings.production as s;"
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'],"
        " s.CELERY_TASK_ALWAYS_EAGER, s.SESSION_COOKIE_SECURE)",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_DEBUG="1",
        DJANGO_ALLOWED_HOSTS="member.example.com",
        DATABASE_URL="postgres://u:p@db:5432/radiator",
        CELERY_BROKER_URL="redis://redis:6379/0",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "['member.example.com']",
        "django.db.backends.postgresql",
        "False",
        "True",
    ]


@pytest.mark.django_db
def test_celery_discovers_the_members_tasks():
    from config.celery import app

    app.loader.import_default_modules()

    assert "members.tasks.notification_deliver" in app.tasks
    assert "members.tasks.members_housekeeping" in app.tasks
