"""Calls into the apps below services (tiers, points, privileges).

One place that knows the seams' names and arguments (docs/architecture.md),
so actions read as business rules; nothing here holds a rule of its own.
Tests replace these functions to set a member's tier or privileges.
"""

import logging
from decimal import Decimal

from points import actions as points_actions
from points.exceptions import UnknownEvent
from privileges import actions as privileges_actions
from privileges import selectors as privileges_selectors
from tiers import actions as tiers_actions
from tiers import selectors as tiers_selectors

from . import conf

logger = logging.getLogger(__name__)


def member_tier(member_id: int):
    return tiers_selectors.tier_for_member(member_id)


def member_tier_rank(member_id: int) -> int:
    tier = member_tier(member_id)
    return tier.rank if tier is not None else 0


def priority_booking_days(member_id: int) -> int:
    return int(privileges_selectors.priority_booking_days(member_id) or 0)


def emergency_response_hours(member_id: int) -> int:
    """The tier's response target, else the default of the setting."""
    hours = privileges_selectors.emergency_response_hours(member_id)
    return (
        int(hours) if hours else conf.get("SERVICES_EMERGENCY_DEFAULT_RESPONSE_HOURS")
    )


def warranty_extension_months(member_id: int) -> int:
    return int(privileges_selectors.warranty_extension_months(member_id) or 0)


def free_service_privilege_code(member_id: int, service_type_code: str) -> str | None:
    """The code of a free-service privilege with quota left, or None."""
    for ent in privileges_selectors.free_service_entitlements(
        member_id, service_type_code
    ):
        if ent.remaining is None or ent.remaining > 0:
            return ent.code
    return None


def privilege_use(*, member_id: int, privilege_code: str, key: str, ref_id: int):
    return privileges_actions.privilege_use(
        member_id=member_id,
        privilege_code=privilege_code,
        key=key,
        ref_type="services.booking",
        ref_id=ref_id,
    )


def privilege_kind_use(
    *, member_id: int, kind: str, key: str, ref_type: str, ref_id: int
) -> None:
    """Count a use of the member's privilege of ``kind`` where it took effect
    (nothing when the member holds none; never refuses the booking)."""
    privileges_actions.privilege_kind_use(
        member_id=member_id, kind=kind, key=key, ref_type=ref_type, ref_id=ref_id
    )


def privilege_use_return(*, key: str) -> None:
    privileges_actions.privilege_use_return(key=key)


def custom_event_record(*, member_id: int, event_code: str, key: str, source_id: int):
    """Points for a custom event; None when a cap or rule says no. A missing
    rule (an operator removed it) is logged, not an error for the member."""
    try:
        return points_actions.custom_event_record(
            member_id=member_id,
            event_code=event_code,
            key=key,
            source_type="services.booking",
            source_id=source_id,
        )
    except UnknownEvent:
        logger.warning("no earning rule for custom event %s", event_code)
        return None


def points_spend(*, member_id: int, points: int, reason: str, key: str, source_id: int):
    return points_actions.points_spend(
        member_id=member_id,
        points=points,
        reason=reason,
        key=key,
        source_type="services.booking",
        source_id=source_id,
    )


def points_refund(*, entry_id: int, reason: str, key: str) -> None:
    points_actions.points_reverse(entry_id=entry_id, reason=reason, key=key)


def purchase_release_pending(*, purchase_id: int) -> None:
    points_actions.purchase_release_pending(purchase_id=purchase_id)


def growth_record(
    *, member_id: int, key: str, occurred_at, source: str | None = None, raw_value=None
):
    """Growth for a completed service (or a review with photos)."""
    tiers_actions.growth_record(
        member_id=member_id,
        dimension=conf.get("SERVICES_GROWTH_DIMENSION"),
        raw_value=Decimal(raw_value or conf.get("SERVICES_GROWTH_VALUE")),
        source=source or conf.get("SERVICES_GROWTH_SOURCE"),
        key=key,
        occurred_at=occurred_at,
    )
