"""Factories and helpers of the rewards catalogue."""

import uuid
from decimal import Decimal

import factory

from points.actions import points_earn
from points.rewards.models import Redemption, RewardItem

ADDRESS = {
    "recipient": "张三",
    "phone": "13800000000",
    "province": "北京",
    "city": "北京",
    "district": "朝阳区",
    "detail": "建国路 1 号",
}


class RewardItemFactory(factory.django.DjangoModelFactory):
    """A cash voucher on sale (1,000 points → ¥50) with stock 100."""

    class Meta:
        model = RewardItem

    code = factory.Sequence(lambda n: f"reward-{n}")
    kind = RewardItem.Kind.CASH_VOUCHER
    name_zh = factory.Sequence(lambda n: f"¥50 代金券 {n}")
    name_en = factory.Sequence(lambda n: f"¥50 voucher {n}")
    description_zh = "在任一经销商处抵扣 50 元。"
    description_en = "¥50 off at any dealer."
    points_price = 1000
    stock = 100
    voucher_value = Decimal("50.00")

    class Params:
        gift = factory.Trait(kind=RewardItem.Kind.PHYSICAL_GIFT, voucher_value=None)
        service = factory.Trait(
            kind=RewardItem.Kind.SERVICE_VOUCHER,
            voucher_value=None,
            service_type_code="pipe_cleaning",
        )
        ticket = factory.Trait(
            kind=RewardItem.Kind.EVENT_TICKET, voucher_value=None, event_id=7
        )
        upgrade = factory.Trait(
            kind=RewardItem.Kind.TIER_UPGRADE, voucher_value=None, stock=None
        )


def give_points(member, points: int) -> None:
    points_earn(
        member_id=member.pk,
        points=points,
        reason="test credit",
        key=f"test-credit:{uuid.uuid4()}",
    )


def redeem(member, item, quantity: int = 1, **kwargs) -> Redemption:
    from points.rewards.actions import redemption_place

    if item.kind == RewardItem.Kind.PHYSICAL_GIFT:
        kwargs.setdefault("shipping_address", ADDRESS)
    return redemption_place(
        member_id=member.pk,
        item_id=item.pk,
        quantity=quantity,
        key=kwargs.pop("key", None) or str(uuid.uuid4()),
        **kwargs,
    )
