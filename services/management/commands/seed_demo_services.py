"""Idempotent demo data for service bookings: regions, weekly templates, slots
for the coming weeks, technicians, and a few bookings of the demo members."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from members.models import Member, User
from services import actions
from services.exceptions import ServiceError
from services.models import Booking, Region, ServiceType, SlotTemplate, Technician

REGIONS = [
    # code, name, cities, morning capacity, afternoon capacity
    ("beijing", "北京", "北京,廊坊", 4, 3),
    ("shenyang", "沈阳", "沈阳,抚顺", 3, 2),
    ("haerbin", "哈尔滨", "哈尔滨", 3, 2),
]

TECHNICIANS = [
    # username, name, phone, region codes
    ("tech-wang", "王师傅", "13900000101", ["beijing"]),
    ("tech-li", "李师傅", "13900000102", ["beijing"]),
    ("tech-zhao", "赵师傅", "13900000103", ["shenyang"]),
    ("tech-sun", "孙师傅", "13900000104", ["haerbin", "shenyang"]),
]

DEMO_PASSWORD = "Radiator-Demo-2026"  # noqa: S105 (demo data, printed on purpose)


class Command(BaseCommand):
    help = "Create demo regions, slot templates, slots, technicians and bookings."

    def handle(self, *args, **options):
        with transaction.atomic():
            regions = self._regions()
            self._technicians(regions)
        created = actions.slots_generate()
        self.stdout.write(f"services: {created} new slots")
        self._bookings()
        self.stdout.write(
            self.style.SUCCESS(
                "services: demo regions, technicians (password "
                f"{DEMO_PASSWORD}) and bookings ready"
            )
        )

    def _regions(self) -> dict[str, Region]:
        regions = {}
        for code, name, cities, morning, afternoon in REGIONS:
            region, _ = Region.objects.get_or_create(
                code=code, defaults={"name": name, "cities": cities}
            )
            regions[code] = region
            for weekday in range(6):  # Monday to Saturday
                for period, capacity in (
                    ("morning", morning),
                    ("afternoon", afternoon),
                ):
                    SlotTemplate.objects.get_or_create(
                        region=region,
                        weekday=weekday,
                        period=period,
                        defaults={"capacity": capacity},
                    )
        return regions

    def _technicians(self, regions):
        skills = list(ServiceType.objects.all())
        for username, name, phone, codes in TECHNICIANS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username, password=DEMO_PASSWORD, name=name, is_staff=True
                )
            tech, created = Technician.objects.get_or_create(
                user=user, defaults={"phone": phone}
            )
            if created:
                tech.regions.set([regions[c] for c in codes])
                tech.skills.set(skills)

    def _bookings(self):
        member = (
            Member.objects.filter(user__phone="13800000001")
            .prefetch_related("addresses")
            .first()
        )
        if member is None or Booking.objects.filter(member=member).exists():
            return
        address = member.addresses.first()
        snapshot = (
            address.snapshot()
            if address
            else {
                "recipient": member.user.name,
                "phone": member.user.phone,
                "city": member.city or "北京",
                "district": member.district,
                "detail": "建国路 88 号 3 单元 501",
            }
        )
        region = Region.objects.filter(code="beijing").first()
        today = timezone.localdate()
        slot = (
            region.slots.filter(date__gt=today + dt.timedelta(days=2))
            .order_by("date", "period")
            .first()
            if region
            else None
        )
        if slot is None:
            return
        try:
            actions.booking_create(
                member_id=member.pk,
                service_type_code="annual_check",
                slot_id=slot.pk,
                address=snapshot,
                source=Booking.Source.PORTAL,
                notes="家里有老人，请提前电话联系。",
            )
            actions.product_register(
                member_id=member.pk,
                model="钢制柱式散热器 GZ-600",
                serial_number="DEMO-GZ600-0001",
                purchase_date=today - dt.timedelta(days=300),
                installation_date=today - dt.timedelta(days=290),
            )
        except ServiceError as exc:  # demo data must never stop the seed
            self.stderr.write(f"services: demo booking skipped: {exc}")
