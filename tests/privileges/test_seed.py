import pytest
from django.core.management import call_command

from privileges.models import MemberEvent


@pytest.mark.django_db
def test_seed_demo_privileges_is_idempotent():
    call_command("seed_demo_privileges")
    call_command("seed_demo_privileges")
    assert MemberEvent.objects.filter(is_published=True).count() == 3
