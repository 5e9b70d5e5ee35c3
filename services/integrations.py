"""Calls into the apps below services (tiers, points, rewards, privileges).

One place that knows the seams' names (docs/architecture.md), so actions read
as business rules. Nothing here holds a rule of its own.
"""

from decimal import Decimal
from importlib import import_module

from . import conf


def _seam(module: str, name: str):
    """The seam function, or None while the app below has not landed it yet."""
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


def member_tier(member_id: int):
    from tiers.selectors import tier_for_member

    return tier_for_member(member_id)


def member_tier_rank(member_id: int) -> int:
    tier = member_tier(member_id)
    return tier.rank if tier is not None else 0


def priority_booking_days(member_id: int) -> int:
    seam = _seam("privileges.selectors", "priority_booking_days")
    return int(seam(member_id) or 0) if seam else 0


def emergency_response_hours(member_id: int) -> int:
    seam = _seam("privileges.selectors", "emergency_response_hours")
    hours = seam(member_id) if seam else None
    return (
        int(hours) if hours else conf.get("SERVICES_EMERGENCY_DEFAULT_RESPONSE_HOURS")
    )


def warranty_extension_months(member_id: int) -> int:
    seam = _seam("privileges.selectors", "warranty_extension_months")
    return int(seam(member_id) or 0) if seam else 0


def free_service_privilege_code(member_id: int, service_type_code: str) -> str | None:
    """The code of a free-service privilege with quota left, or None."""
    seam = _seam("privileges.selectors", "free_service_entitlements")
    if seam is None:
        return None
    for ent in seam(member_id, service_type_code):
        if ent.remaining is None or ent.remaining > 0:
            return ent.code
    return None


def privilege_use(*, member_id: int, privilege_code: str, key: str, ref_id: int):
    seam = _seam("privileges.actions", "privilege_use")
    return seam(
        member_id=member_id,
        privilege_code=privilege_code,
        key=key,
        ref_type="services.booking",
        ref_id=ref_id,
    )


def privilege_use_return(*, key: str) -> None:
    seam = _seam("privileges.actions", "privilege_use_return")
    if seam is not None:
        seam(key=key)


def custom_event_record(*, member_id: int, event_code: str, key: str, source_id: int):
    seam = _seam("points.actions", "custom_event_record")
    if seam is None:
        return None
    return seam(
        member_id=member_id,
        event_code=event_code,
        key=key,
        source_type="services.booking",
        source_id=source_id,
    )


def purchase_release_pending(*, purchase_id: int) -> None:
    seam = _seam("points.actions", "purchase_release_pending")
    if seam is not None:
        seam(purchase_id=purchase_id)


def growth_record(*, member_id: int, key: str, occurred_at) -> None:
    seam = _seam("tiers.actions", "growth_record")
    if seam is None:
        return
    seam(
        member_id=member_id,
        dimension=conf.get("SERVICES_GROWTH_DIMENSION"),
        raw_value=Decimal(conf.get("SERVICES_GROWTH_VALUE")),
        source=conf.get("SERVICES_GROWTH_SOURCE"),
        key=key,
        occurred_at=occurred_at,
    )
