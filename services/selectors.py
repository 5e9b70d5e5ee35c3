"""Reads shared by the portal pages, the dealer API and the admin."""

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from . import conf, integrations
from .actions import booking_window, units_open_to
from .models import Booking, Region, RegisteredProduct, ServiceType, Slot


def service_types_for_member(
    member_id: int, *, tier_rank: int | None = None
) -> list[ServiceType]:
    """Active service types the member's tier may book."""
    rank = integrations.member_tier_rank(member_id) if tier_rank is None else tier_rank
    return [
        s
        for s in ServiceType.objects.filter(is_active=True).select_related("min_tier")
        if s.min_tier_id is None or s.min_tier.rank <= rank
    ]


def region_for_city(city: str) -> Region | None:
    """The active region serving ``city``, else the only region without a city
    list, else None."""
    regions = list(Region.objects.filter(is_active=True))
    for r in regions:
        if r.city_list and r.serves_city(city):
            return r
    catch_all = [r for r in regions if not r.city_list]
    return catch_all[0] if len(catch_all) == 1 else None


def available_slots(
    *,
    member_id: int,
    service_type: ServiceType,
    region_id: int,
    today=None,
    tier_rank: int | None = None,
    priority_days: int | None = None,
) -> list[Slot]:
    """Open slots of the region inside the member's window with room for the
    service, taking the peak reserve for non-top tiers into account. Pass
    ``tier_rank`` / ``priority_days`` when already known (saves queries)."""
    first, last = booking_window(member_id, today=today, priority_days=priority_days)
    rank = integrations.member_tier_rank(member_id) if tier_rank is None else tier_rank
    now = timezone.now()
    slots = Slot.objects.filter(
        region_id=region_id, date__gte=first, date__lte=last, is_closed=False
    ).order_by("date", "period")
    return [
        s
        for s in slots
        if units_open_to(s, rank) >= service_type.duration_slots and s.starts_at > now
    ]


def member_bookings(member_id: int) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(member_id=member_id)
        .select_related("service_type", "slot__region", "technician__user")
        .order_by("-slot__date", "-id")
    )


def booking_for_member(member_id: int, booking_id: int) -> Booking | None:
    return (
        Booking.objects.filter(pk=booking_id, member_id=member_id)
        .select_related("service_type", "slot__region", "technician__user", "review")
        .first()
    )


def member_can_change(booking: Booking, now=None) -> bool:
    """Whether the member may still cancel or reschedule online."""
    if booking.status not in (
        Booking.Status.REQUESTED,
        Booking.Status.CONFIRMED,
        Booking.Status.ASSIGNED,
    ):
        return False
    cutoff = booking.slot.starts_at - dt.timedelta(
        hours=conf.get("SERVICES_CANCEL_CUTOFF_HOURS")
    )
    return (now or timezone.now()) < cutoff


def next_booking(member_id: int) -> Booking | None:
    return (
        Booking.objects.filter(
            member_id=member_id,
            status__in=Booking.ACTIVE_STATUSES,
            slot__date__gte=timezone.localdate(),
        )
        .select_related("service_type", "slot")
        .order_by("slot__date", "slot__period")
        .first()
    )


def member_products(member_id: int) -> QuerySet[RegisteredProduct]:
    return RegisteredProduct.objects.filter(member_id=member_id).order_by(
        "-purchase_date", "-id"
    )


def day_view(*, date: dt.date, region_id: int | None = None) -> list[dict]:
    """Per slot of the day: capacity, units booked, bookings by status, and
    bookings without a technician. One query."""
    slots = Slot.objects.filter(date=date).select_related("region")
    if region_id:
        slots = slots.filter(region_id=region_id)
    active = Q(bookings__status__in=Booking.ACTIVE_STATUSES)
    slots = slots.annotate(
        n_active=Count("bookings", filter=active),
        n_unassigned=Count(
            "bookings",
            filter=Q(
                bookings__status__in=[
                    Booking.Status.REQUESTED,
                    Booking.Status.CONFIRMED,
                ]
            ),
        ),
        n_emergency=Count(
            "bookings", filter=active & Q(bookings__service_type__is_emergency=True)
        ),
        units_completed=Sum(
            "bookings__units", filter=Q(bookings__status=Booking.Status.COMPLETED)
        ),
    ).order_by("region__name", "period")
    return [
        {
            "slot": s,
            "used_percent": round(100 * s.booked / s.capacity) if s.capacity else 0,
            "active": s.n_active,
            "unassigned": s.n_unassigned,
            "emergency": s.n_emergency,
            "completed_units": s.units_completed or 0,
        }
        for s in slots
    ]


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def member_export_section(member) -> dict:
    """The services part of the member's data export (``/me/export/``): 3 queries."""
    from .models import Review

    bookings = (
        Booking.objects.filter(member_id=member.pk)
        .select_related("service_type", "slot")
        .order_by("created_at", "pk")
    )
    reviews = Review.objects.filter(member_id=member.pk).order_by("created_at", "pk")
    products = RegisteredProduct.objects.filter(member_id=member.pk).order_by(
        "created_at", "pk"
    )
    return {
        "bookings": [
            {
                "id": b.pk,
                "service": b.service_type.code,
                "service_name": b.service_type.name_zh,
                "date": _iso(b.slot.date),
                "period": b.slot.period,
                "address": b.address,
                "status": b.status,
                "source": b.source,
                "price": str(b.price),
                "paid_points": b.paid_points,
                "free_service": b.free_service,
                "voucher": b.voucher_code or None,
                "notes": b.notes,
                "requested_at": _iso(b.created_at),
                "confirmed_at": _iso(b.confirmed_at),
                "started_at": _iso(b.started_at),
                "completed_at": _iso(b.completed_at),
                "cancelled_at": _iso(b.cancelled_at),
                "cancel_reason": b.cancel_reason,
                "no_show_at": _iso(b.no_show_at),
            }
            for b in bookings
        ],
        "reviews": [
            {
                "booking_id": r.booking_id,
                "rating": r.rating,
                "text": r.text,
                "points_awarded": r.points_awarded,
                "created_at": _iso(r.created_at),
            }
            for r in reviews
        ],
        "products": [
            {
                "model": p.model,
                "serial_number": p.serial_number,
                "purchase_date": _iso(p.purchase_date),
                "installation_date": _iso(p.installation_date),
                "warranty_ends_on": _iso(p.warranty_ends_on),
                "source": p.source,
                "registered_at": _iso(p.created_at),
            }
            for p in products
        ],
    }
