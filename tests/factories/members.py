import factory
from django.utils import timezone

from members.models import Address, Dealer, Member, Notification, User

PASSWORD = "Warm-Radiator-2026"


class DealerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dealer
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"暖居经销商 {n}")
    code = factory.Sequence(lambda n: f"dealer-{n}")
    city = "北京"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"139{n:08d}")
    name = factory.Sequence(lambda n: f"会员{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    phone = None
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True


class DealerStaffFactory(UserFactory):
    phone = None
    username = factory.Sequence(lambda n: f"dealer-staff{n}")
    dealer = factory.SubFactory(DealerFactory)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    referral_code = factory.Sequence(lambda n: f"R{n:07d}")
    claimed_at = factory.LazyFunction(timezone.now)
    terms_accepted_at = factory.LazyFunction(timezone.now)
    city = "北京"


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    member = factory.SubFactory(MemberFactory)
    recipient = "张三"
    phone = "13800000000"
    city = "北京"
    district = "朝阳区"
    detail = factory.Sequence(lambda n: f"建国路 {n} 号")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    member = factory.SubFactory(MemberFactory)
    title = factory.Sequence(lambda n: f"通知 {n}")
    body = "正文"
