import factory
from django.utils import timezone

from members.actions.codes import _code_hash
from members.models import (
    Address,
    Dealer,
    DealerCustomer,
    Member,
    Notification,
    PhoneCode,
    SignInFailure,
    User,
)

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


class DealerCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealerCustomer
        django_get_or_create = ("dealer", "member")

    dealer = factory.SubFactory(DealerFactory)
    member = factory.SubFactory(MemberFactory)


class PhoneCodeFactory(factory.django.DjangoModelFactory):
    """A code row; pass ``code="123456"`` to store the hash of a known code."""

    class Meta:
        model = PhoneCode

    class Params:
        code = "000000"

    phone = factory.Sequence(lambda n: f"137{n:08d}")
    purpose = PhoneCode.Purpose.REGISTER
    code_hash = factory.LazyAttribute(lambda o: _code_hash(o.phone, o.purpose, o.code))
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(
        lambda o: o.created_at + timezone.timedelta(minutes=10)
    )


class SignInFailureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignInFailure

    identifier = factory.Sequence(lambda n: f"137{n:08d}")
    client_ip = "127.0.0.1"
