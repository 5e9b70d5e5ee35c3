"""Fixtures shared by every app's tests. App-specific ones live in tests/<app>/conftest.py."""

import shutil

import pytest
from django.conf import settings

from members import sms
from tests import factories
from tests.concurrency import is_postgres
from tests.factories.members import PASSWORD

# Browser fixtures (Playwright + Debian's Chromium), one session browser per worker for all apps.
pytest_plugins = ["tests.browser_fixtures"]


@pytest.fixture(autouse=True)
def _isolation(settings, tmp_path):
    """Every test gets its own media folder, an empty SMS outbox and a clean cache."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    sms.outbox.clear()
    cache.clear()
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


# Rows that data migrations create and many tests rely on. A transactional test
# (any app's) flushes every table when it ends, so a later test on the same worker
# would find them gone: they are re-created, by the migrations' own functions,
# whenever missing. (model whose emptiness says "missing", module, function)
_REFERENCE_DATA = (
    ("tiers.Tier", "tiers.migrations.0002_default_tiers", "create"),
    ("tiers.GrowthWeights", "tiers.migrations.0004_default_weights", "create"),
    ("points.EarningRule", "points.migrations.0003_default_rules", "forwards"),
    ("points.EarningRule", "points.migrations.0006_rule_growth", "growth_defaults"),
    ("privileges.Privilege", "privileges.migrations.0002_default_catalogue", "create"),
    (
        "services.ServiceType",
        "services.migrations.0002_default_service_types",
        "create",
    ),
)
_BEAT_SCHEDULES = (
    ("members.migrations.0003_beat_schedule", "register"),
    ("tiers.migrations.0005_beat_schedule", "register"),
    ("points.migrations.0004_beat_schedule", "forwards"),
    ("points.rewards.migrations.0002_beat_schedule", "register"),
    ("privileges.migrations.0003_beat_schedule", "register"),
    ("privileges.migrations.0004_beat_event_growth", "register"),
    ("services.migrations.0003_beat_schedule", "forwards"),
    ("services.migrations.0005_beat_idempotency_purge", "forwards"),
)


def restore_reference_data() -> None:
    from importlib import import_module

    from django.apps import apps

    restored = set()
    for model, module, fn in _REFERENCE_DATA:
        # A later migration's data for a model restored here is re-applied too.
        if model in restored or not apps.get_model(model).objects.exists():
            getattr(import_module(module), fn)(apps, None)
            restored.add(model)
    if not apps.get_model("django_celery_beat.PeriodicTask").objects.exists():
        for module, fn in _BEAT_SCHEDULES:
            getattr(import_module(module), fn)(apps, None)


@pytest.fixture(autouse=True)
def _reference_data(request):
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    ):
        yield
        return
    request.getfixturevalue(
        "db" if "transactional_db" not in request.fixturenames else "transactional_db"
    )
    restore_reference_data()
    yield


@pytest.fixture
def postgres(db):
    """Skip (with the reason) unless the tests run on PostgreSQL."""
    if not is_postgres():
        pytest.skip(
            "needs PostgreSQL: set DATABASE_URL (concurrency and SQL-specific behaviour)"
        )


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def dealer(db):
    return factories.DealerFactory()


@pytest.fixture
def member(db):
    return factories.MemberFactory()


@pytest.fixture
def other_member(db):
    return factories.MemberFactory()


@pytest.fixture
def staff_user(db):
    return factories.StaffUserFactory(is_superuser=True)


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def admin_client_(client, staff_user):
    client.force_login(staff_user)
    return client


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine} ({settings.DATABASES['default'].get('NAME')})"
