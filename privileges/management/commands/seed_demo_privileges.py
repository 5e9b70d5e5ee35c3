"""Demo member events and a few privilege uses (idempotent: fixed titles and keys)."""

import contextlib
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from members.models import Member
from privileges import actions
from privileges.exceptions import PrivilegeError
from privileges.models import MemberEvent
from tiers.models import Tier

# kind, title zh, title en, place, city, days ahead, hour, capacity, min tier code
DEMO_EVENTS = [
    (
        "salon",
        "冬季采暖知识沙龙:暖气片节能小窍门",
        "Winter heating salon: saving energy with radiators",
        "北京市朝阳区建国路 88 号体验中心",
        "北京",
        10,
        14,
        30,
        "regular",
    ),
    (
        "factory_tour",
        "走进工厂:暖气片生产线参观",
        "Factory tour: the radiator production line",
        "天津市武清区开发区工厂",
        "天津",
        21,
        9,
        20,
        "silver",
    ),
    (
        "launch",
        "新品发布会:智能温控暖气片",
        "Launch: the smart-thermostat radiator",
        "上海市徐汇区滨江展厅",
        "上海",
        35,
        15,
        12,
        "diamond",
    ),
]

# phone of a demo member -> privilege code used once this year
DEMO_USES = {
    "13800000002": "member_hotline",
    "13800000003": "free_annual_check",
}


class Command(BaseCommand):
    help = "Create demo member events and a few privilege uses."

    def handle(self, *args, **options):
        tiers = {t.code: t for t in Tier.objects.all()}
        today = timezone.localtime().replace(minute=0, second=0, microsecond=0)
        created = 0
        events = []
        for kind, zh, en, place, city, days, hour, capacity, tier in DEMO_EVENTS:
            starts = (today + datetime.timedelta(days=days)).replace(hour=hour)
            event, new = MemberEvent.objects.get_or_create(
                title_zh=zh,
                defaults={
                    "kind": kind,
                    "title_en": en,
                    "place": place,
                    "city": city,
                    "starts_at": starts,
                    "ends_at": starts + datetime.timedelta(hours=2),
                    "capacity": capacity,
                    "min_tier": tiers.get(tier)
                    or min(tiers.values(), key=lambda t: t.rank),
                    "is_published": True,
                },
            )
            created += new
            events.append(event)
        members = dict(
            Member.objects.filter(user__phone__in=DEMO_USES).values_list(
                "user__phone", "pk"
            )
        )
        used = 0
        for phone, code in DEMO_USES.items():
            if phone not in members:
                continue
            try:
                actions.privilege_use(
                    member_id=members[phone],
                    privilege_code=code,
                    key=f"demo:{phone}:{code}",
                )
                used += 1
            except PrivilegeError:
                pass  # the demo member's tier does not grant it
        if events and (first := members.get("13800000002")):
            with contextlib.suppress(PrivilegeError):
                actions.event_signup(event_id=events[0].pk, member_id=first)
        self.stdout.write(
            f"privileges: {created} demo events created, {used} demo uses recorded."
        )
