import datetime

import factory
from django.utils import timezone

from privileges.models import EventSignup, MemberEvent, Privilege, TierGrant
from tests.factories.members import MemberFactory
from tiers.models import Tier


def entry_tier() -> Tier:
    return Tier.objects.order_by("rank").first()


class PrivilegeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Privilege
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-privilege-{n}")
    name_zh = factory.Sequence(lambda n: f"测试特权 {n}")
    name_en = factory.Sequence(lambda n: f"Test privilege {n}")
    category = Privilege.Category.SERVICE
    kind = Privilege.Kind.HOTLINE
    position = 500


class TierGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierGrant

    tier = factory.LazyFunction(entry_tier)
    privilege = factory.SubFactory(PrivilegeFactory)
    quota = None
    period = TierGrant.Period.YEAR


class MemberEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberEvent

    kind = MemberEvent.Kind.SALON
    title_zh = factory.Sequence(lambda n: f"采暖知识沙龙 第{n}期")
    title_en = factory.Sequence(lambda n: f"Heating salon no. {n}")
    place = "北京市朝阳区建国路 88 号体验中心"
    city = "北京"
    starts_at = factory.LazyFunction(
        lambda: timezone.now() + datetime.timedelta(days=14)
    )
    capacity = 10
    min_tier = factory.LazyFunction(entry_tier)
    is_published = True


class EventSignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventSignup

    event = factory.SubFactory(MemberEventFactory)
    member = factory.SubFactory(MemberFactory)
