import datetime as dt

import factory
from django.utils import timezone

from services.models import (
    Period,
    Region,
    RegisteredProduct,
    ServiceType,
    Slot,
    SlotTemplate,
    Technician,
)

from .members import StaffUserFactory


def service_type(code: str) -> ServiceType:
    """The service types come from the data migration."""
    return ServiceType.objects.get(code=code)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"北京片区 {n}")
    cities = "北京"


class SlotTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlotTemplate

    region = factory.SubFactory(RegionFactory)
    weekday = 0
    period = Period.MORNING
    capacity = 3


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    region = factory.SubFactory(RegionFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3))
    period = Period.MORNING
    capacity = 3


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician
        skip_postgeneration_save = True

    user = factory.SubFactory(StaffUserFactory)

    @factory.post_generation
    def regions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.regions.set(extracted)

    @factory.post_generation
    def skills(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.skills.set(
            extracted if extracted is not None else ServiceType.objects.all()
        )


class RegisteredProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegisteredProduct

    member = factory.SubFactory("tests.factories.members.MemberFactory")
    model = "钢制柱式散热器 GZ-600"
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    purchase_date = factory.LazyFunction(
        lambda: timezone.localdate() - dt.timedelta(days=30)
    )
    base_warranty_months = 24
    warranty_ends_on = factory.LazyAttribute(
        lambda o: o.purchase_date + dt.timedelta(days=730)
    )


ADDRESS = {
    "recipient": "张三",
    "phone": "13800000000",
    "province": "",
    "city": "北京",
    "district": "朝阳区",
    "detail": "建国路 1 号",
}
