from django.core.management import call_command

from services.models import Region, Slot, SlotTemplate, Technician


def test_seed_demo_services_is_idempotent(db):
    call_command("seed_demo_services")
    counts = (
        Region.objects.count(),
        SlotTemplate.objects.count(),
        Slot.objects.count(),
        Technician.objects.count(),
    )

    call_command("seed_demo_services")

    assert counts[0] == 3 and counts[2] > 0
    assert (
        Region.objects.count(),
        SlotTemplate.objects.count(),
        Slot.objects.count(),
        Technician.objects.count(),
    ) == counts
