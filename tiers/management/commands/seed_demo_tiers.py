"""Demo growth for the demo members (idempotent: every event has a fixed key)."""

from django.core.management.base import BaseCommand

from members.models import Member
from tiers import actions

# phone: [(dimension, source, raw value), ...]
DEMO_GROWTH = {
    "13800000001": [("interaction", "activity", 400), ("social", "referral", 320)],
    "13800000002": [("consumption", "adjustment", 1100)],
    "13800000003": [("consumption", "adjustment", 3200), ("social", "share", 160)],
    "13800000005": [("consumption", "adjustment", 6200)],
    "13800000006": [("interaction", "survey", 80)],
}


class Command(BaseCommand):
    help = "Give the demo members growth value so each tier has someone in it."

    def handle(self, *args, **options):
        members = dict(
            Member.objects.filter(user__phone__in=DEMO_GROWTH).values_list(
                "user__phone", "pk"
            )
        )
        added = 0
        for phone, events in DEMO_GROWTH.items():
            member_id = members.get(phone)
            if member_id is None:
                continue
            for n, (dimension, source, raw) in enumerate(events):
                event = actions.growth_record(
                    member_id=member_id,
                    dimension=dimension,
                    raw_value=raw,
                    source=source,
                    key=f"demo-tiers:{phone}:{n}",
                )
                added += event is not None
        self.stdout.write(f"tiers: {added} demo growth events added.")
