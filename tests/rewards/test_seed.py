import pytest
from django.core.management import call_command

from points.rewards.models import RewardItem

pytestmark = pytest.mark.django_db


def test_seed_demo_rewards_is_idempotent_and_covers_every_kind():
    call_command("seed_demo_rewards", verbosity=0)
    first = set(RewardItem.objects.values_list("code", "points_price"))
    call_command("seed_demo_rewards", verbosity=0)
    assert set(RewardItem.objects.values_list("code", "points_price")) == first
    kinds = set(RewardItem.objects.values_list("kind", flat=True))
    assert kinds == set(RewardItem.Kind.values)
    for item in RewardItem.objects.all():
        item.full_clean()
