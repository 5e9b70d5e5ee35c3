import factory
from django.utils import timezone

from tests.factories.members import MemberFactory
from tiers.models import GrowthEvent, Tier, TierStatus


def tier(code: str) -> Tier:
    return Tier.objects.get(code=code)


class TierStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierStatus

    member = factory.SubFactory(MemberFactory)
    tier = factory.LazyFunction(lambda: Tier.objects.order_by("rank").first())
    since = factory.LazyFunction(timezone.now)


class GrowthEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrowthEvent

    member = factory.SubFactory(MemberFactory)
    dimension = "interaction"
    source = GrowthEvent.Source.ACTIVITY
    raw_value = 0
    weighted_value = 0
    occurred_at = factory.LazyFunction(timezone.now)
    key = factory.Sequence(lambda n: f"test-growth-{n}")
