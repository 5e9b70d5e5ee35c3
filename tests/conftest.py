"""Fixtures shared by every app's tests. App-specific ones live in tests/<app>/conftest.py."""

import shutil

import pytest
from django.conf import settings

from members import sms
from tests import factories
from tests.concurrency import is_postgres
from tests.factories.members import PASSWORD


@pytest.fixture(autouse=True)
def _isolation(settings, tmp_path):
    """Every test gets its own media folder, an empty SMS outbox and a clean cache."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    sms.outbox.clear()
    cache.clear()
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


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
