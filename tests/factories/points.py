import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from points.models import Campaign, EarningRule

from .members import MemberFactory  # noqa: F401


class EarningRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EarningRule

    code = factory.Sequence(lambda n: f"rule-{n}")
    name = factory.Sequence(lambda n: f"规则 {n}")
    kind = EarningRule.Kind.CUSTOM_EVENT
    event_code = factory.Sequence(lambda n: f"event-{n}")
    points = 100
    priority = 100


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    code = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.Sequence(lambda n: f"活动 {n}")
    multiplier = Decimal("2")
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
