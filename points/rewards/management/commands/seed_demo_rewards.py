"""Idempotent demo catalogue: a few items of every kind (积分商城).

Run by ``manage.py seed_demo`` (members) or alone. Items are matched by code,
so running it again changes nothing. If the first demo member has points, they
redeem one ¥50 voucher (by a fixed key) so the voucher page has something to
show.
"""

import contextlib
from decimal import Decimal

from django.core.management.base import BaseCommand

from members.models import Member
from points.selectors import balance_for_member
from tiers.models import Tier

from ...actions import redemption_place
from ...exceptions import RedemptionRefused
from ...models import RewardItem

K = RewardItem.Kind

ITEMS = [
    # code, kind, zh, en, price, stock, limit, min tier rank, extra
    (
        "cash-50",
        K.CASH_VOUCHER,
        "50 元代金券",
        "¥50 voucher",
        1000,
        None,
        5,
        None,
        {"voucher_value": Decimal("50.00"), "voucher_valid_days": 180},
        "在任一合作经销商购买散热器或配件时抵扣 50 元，不设最低消费。",
        "¥50 off radiators or parts at any partner dealer, no minimum spend.",
    ),
    (
        "cash-200",
        K.CASH_VOUCHER,
        "200 元代金券",
        "¥200 voucher",
        3600,
        100,
        2,
        1,
        {"voucher_value": Decimal("200.00"), "voucher_valid_days": 180},
        "银卡及以上会员专享，适合换新或加装时使用。",
        "For Silver members and above: ideal for a replacement or an extra room.",
    ),
    (
        "svc-annual-check",
        K.SERVICE_VOUCHER,
        "免费年度健康检查",
        "Free annual health check",
        1500,
        None,
        1,
        None,
        {"service_type_code": "annual_check", "voucher_valid_days": 365},
        "供暖季前由技师上门检查阀门、压力和温控，预约服务时选择此券即可。",
        "A technician checks valves, pressure and controls before the heating "
        "season. Choose this voucher when you book.",
    ),
    (
        "svc-pipe-cleaning",
        K.SERVICE_VOUCHER,
        "免费管道清洗",
        "Free pipe cleaning",
        2000,
        200,
        1,
        None,
        {"service_type_code": "pipe_cleaning", "voucher_valid_days": 365},
        "清除管道水垢与杂质，让散热器恢复应有的热度。",
        "Removes scale and sludge so your radiators heat up properly again.",
    ),
    (
        "svc-optimisation",
        K.SERVICE_VOUCHER,
        "系统优化服务",
        "System optimisation",
        2500,
        50,
        1,
        2,
        {"service_type_code": "system_optimisation", "voucher_valid_days": 365},
        "金卡及以上：水力平衡调试与温控策略优化，更暖也更省。",
        "Gold and above: hydraulic balancing and control tuning for a warmer, "
        "cheaper home.",
    ),
    (
        "gift-mug",
        K.PHYSICAL_GIFT,
        "品牌保温杯",
        "Branded thermal mug",
        800,
        30,
        2,
        None,
        {},
        "316 不锈钢内胆，保温 12 小时，快递寄送到家。",
        "Stainless steel, keeps drinks hot for 12 hours. Delivered to your door.",
    ),
    (
        "gift-thermostat",
        K.PHYSICAL_GIFT,
        "智能温控器",
        "Smart thermostat",
        6000,
        5,
        1,
        1,
        {"stock_alert_at": 5},
        "分房间定时控温，手机远程调节。数量有限，兑完即止。",
        "Room-by-room schedules, adjustable from your phone. While stocks last.",
    ),
    (
        "event-factory-tour",
        K.EVENT_TICKET,
        "工厂参观名额",
        "Factory tour seat",
        500,
        20,
        1,
        None,
        # Inactive until an operator sets the id of a real member event.
        {"event_id": 1, "is_active": False},
        "参观散热器生产线，了解焊接、喷涂与压力测试工艺。",
        "See the radiator production line: welding, coating and pressure tests.",
    ),
    (
        "tier-upgrade",
        K.TIER_UPGRADE,
        "会员等级升一级",
        "One tier up",
        8000,
        None,
        None,
        None,
        {},
        "立即升至下一等级，享受更多权益；钻石会员不可兑换。",
        "Move up one tier at once, with its privileges. Not for Diamond members.",
    ),
]


class Command(BaseCommand):
    help = "Create the demo rewards catalogue (idempotent)."

    def handle(self, *args, **options):
        tiers = {t.rank: t for t in Tier.objects.all()}
        created = 0
        for position, (
            code,
            kind,
            name_zh,
            name_en,
            price,
            stock,
            limit,
            tier_rank,
            extra,
            desc_zh,
            desc_en,
        ) in enumerate(ITEMS):
            _item, was_created = RewardItem.objects.get_or_create(
                code=code,
                defaults={
                    "kind": kind,
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "description_zh": desc_zh,
                    "description_en": desc_en,
                    "points_price": price,
                    "stock": stock,
                    "per_member_limit": limit,
                    "min_tier": tiers.get(tier_rank) if tier_rank is not None else None,
                    "sort_order": position * 10,
                    **extra,
                },
            )
            created += was_created
        self._first_voucher()
        self.stdout.write(
            f"Rewards: {created} new items, {len(ITEMS)} in the demo catalogue."
        )

    def _first_voucher(self):
        member = Member.objects.filter(user__phone="13800000001").only("pk").first()
        item = RewardItem.objects.filter(code="cash-50").first()
        if member is None or item is None:
            return
        if balance_for_member(member.pk) < item.points_price:
            return
        with contextlib.suppress(RedemptionRefused):
            redemption_place(
                member_id=member.pk,
                item_id=item.pk,
                quantity=1,
                key="demo:first-voucher",
            )
