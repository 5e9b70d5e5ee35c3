"""Reads shared by the portal, the dealer API, services, the tier pages and admin.

``member_entitlements`` is the one answer to "what does this member get, with
which parameter, and how much quota is left". The small selectors below it
(discount, booking window, emergency target, warranty, free services) all read
through it, so a rule changes in one place.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from tiers import selectors as tier_selectors
from tiers.models import Tier

from .models import (
    EventSignup,
    MemberEvent,
    Privilege,
    PrivilegeUse,
    QuotaCounter,
    TierGrant,
)

UNLIMITED = sys.maxsize  # what free_service_remaining answers for an unlimited quota


@dataclass(frozen=True)
class Entitlement:
    """One privilege as a member (or a tier) holds it."""

    privilege_id: int
    code: str
    kind: str
    category: str
    name: str
    description: str
    how_to_use: str
    service_type_code: str
    parameter: Decimal | int | None
    unit: str
    quota: int | None  # None: unlimited
    period: str
    used: int
    remaining: int | None  # None: unlimited
    granted_by: str  # code of the tier whose grant applies (own or inherited)
    tier_code: str  # the tier this answer is for (the member's current tier)
    position: int = 100

    @property
    def is_limited(self) -> bool:
        return self.quota is not None

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


def period_key(period: str, at=None) -> str:
    """The key of the quota period containing ``at`` (local time, Asia/Shanghai)."""
    local = timezone.localtime(at or timezone.now())
    if period == TierGrant.Period.MONTH:
        return f"{local.year}-{local.month:02d}"
    if period == TierGrant.Period.LIFETIME:
        return "life"
    return f"{local.year}"


def _typed(privilege: Privilege, value: Decimal | None) -> Decimal | int | None:
    unit = privilege.unit
    if value is None or not unit:
        return None
    if unit == Privilege.Unit.PERCENT:
        return Decimal(int(value)) if value == value.to_integral_value() else value
    return int(value)


def _grants_by_tier(tiers: list[Tier]) -> dict[int, dict[int, TierGrant]]:
    """Effective (inherited, overridden, revoked) grants per tier id, one query."""
    grants = (
        TierGrant.objects.filter(
            tier__rank__lte=max((t.rank for t in tiers), default=-1),
            privilege__is_active=True,
        )
        .select_related("privilege", "tier")
        .order_by("tier__rank", "privilege__position", "privilege__code")
    )
    grants = list(grants)
    result = {}
    for tier in tiers:
        effective: dict[int, TierGrant] = {}
        for grant in grants:  # ordered by rank: a higher tier's row wins
            if grant.tier.rank <= tier.rank:
                effective[grant.privilege_id] = grant
        result[tier.id] = {
            pid: g
            for pid, g in sorted(
                effective.items(),
                key=lambda item: (item[1].privilege.position, item[1].privilege.code),
            )
            if not g.revoked
        }
    return result


def _entitlement(grant: TierGrant, tier: Tier, used: int = 0) -> Entitlement:
    privilege = grant.privilege
    remaining = None if grant.quota is None else max(grant.quota - used, 0)
    return Entitlement(
        privilege_id=privilege.id,
        code=privilege.code,
        kind=privilege.kind,
        category=privilege.category,
        name=privilege.name,
        description=privilege.description,
        how_to_use=privilege.how_to_use,
        service_type_code=privilege.service_type_code,
        parameter=_typed(privilege, grant.value),
        unit=privilege.unit,
        quota=grant.quota,
        period=grant.period,
        used=used,
        remaining=remaining,
        granted_by=grant.tier.code,
        tier_code=tier.code,
        position=privilege.position,
    )


def tier_entitlements(tier: Tier) -> list[Entitlement]:
    """What a tier grants (with inheritance), quotas unused."""
    if tier is None:
        return []
    grants = _grants_by_tier([tier])[tier.id]
    return [_entitlement(g, tier) for g in grants.values()]


def entitlements_by_tier(tiers: list[Tier]) -> dict[int, dict[str, Entitlement]]:
    """For each tier id, what it grants by privilege code (one query)."""
    by_tier = _grants_by_tier(list(tiers))
    return {
        t.id: {g.privilege.code: _entitlement(g, t) for g in by_tier[t.id].values()}
        for t in tiers
    }


def catalogue_rows(
    tiers: list[Tier],
) -> list[tuple[Privilege, list[Entitlement | None]]]:
    """The grants matrix: each granted privilege with one cell per tier (one query)."""
    by_tier = _grants_by_tier(list(tiers))
    privileges: dict[int, Privilege] = {}
    for grants in by_tier.values():
        for grant in grants.values():
            privileges.setdefault(grant.privilege_id, grant.privilege)
    rows = []
    for p in sorted(privileges.values(), key=lambda p: (p.position, p.code)):
        cells = []
        for t in tiers:
            grant = by_tier[t.id].get(p.id)
            cells.append(_entitlement(grant, t) if grant is not None else None)
        rows.append((p, cells))
    return rows


def tiers_with_entitlements() -> list[tuple[Tier, list[Entitlement]]]:
    """Every tier, lowest first, with what it grants. Two queries."""
    tiers = tier_selectors.tiers_ordered()
    by_tier = _grants_by_tier(tiers)
    return [(t, [_entitlement(g, t) for g in by_tier[t.id].values()]) for t in tiers]


def member_entitlements(
    member_id: int, *, at=None, tier: Tier | None = None
) -> list[Entitlement]:
    """What the member gets now: privilege, parameter, quota, used and remaining.

    Follows the member's *current* tier: after a downgrade only the new tier's
    grants count, and uses already made in the period still count against the
    (possibly smaller) quota. ``tier``: the member's current tier, when the
    caller has already read it (saves the query).
    """
    tier = tier or tier_selectors.tier_for_member(member_id)
    if tier is None:
        return []
    grants = _grants_by_tier([tier])[tier.id]
    limited = {pid: g for pid, g in grants.items() if g.quota is not None}
    used: dict[int, int] = {}
    if limited:
        keys = {period_key(g.period, at) for g in limited.values()}
        rows = QuotaCounter.objects.filter(
            member_id=member_id, privilege_id__in=limited, period_key__in=keys
        ).values_list("privilege_id", "period_key", "used")
        for pid, key, count in rows:
            if key == period_key(limited[pid].period, at):
                used[pid] = count
    return [_entitlement(g, tier, used.get(pid, 0)) for pid, g in grants.items()]


def member_entitlement(member_id: int, privilege_code: str) -> Entitlement | None:
    return next(
        (e for e in member_entitlements(member_id) if e.code == privilege_code), None
    )


def _best_parameter(member_id: int, kind: str):
    values = [
        e.parameter
        for e in member_entitlements(member_id)
        if e.kind == kind and e.parameter is not None
    ]
    return max(values) if values else None


def discount_percent(member_id: int) -> Decimal:
    """The member discount in percent (0 when none), e.g. Decimal('10')."""
    value = _best_parameter(member_id, Privilege.Kind.DISCOUNT_PERCENT)
    return Decimal(value) if value is not None else Decimal("0")


def discount_percents(member_ids: list[int]) -> dict[int, Decimal]:
    """``discount_percent`` of many members at once (three queries, any count).

    For lists such as the dealer API's customers page.
    """
    from tiers.models import TierStatus

    ids = list(dict.fromkeys(member_ids))
    tiers = tier_selectors.tiers_ordered()
    if not tiers:
        return dict.fromkeys(ids, Decimal("0"))
    entry = min(tiers, key=lambda t: t.rank)
    held = dict(
        TierStatus.objects.filter(member_id__in=ids).values_list("member_id", "tier_id")
    )
    per_tier = {}
    for tier_id, grants in _grants_by_tier(tiers).items():
        values = [
            g.value
            for g in grants.values()
            if g.privilege.kind == Privilege.Kind.DISCOUNT_PERCENT
            and g.value is not None
        ]
        per_tier[tier_id] = _typed_percent(max(values)) if values else Decimal("0")
    return {mid: per_tier.get(held.get(mid, entry.id), Decimal("0")) for mid in ids}


def _typed_percent(value: Decimal) -> Decimal:
    return Decimal(int(value)) if value == value.to_integral_value() else value


def trade_in_discount_percent(member_id: int) -> Decimal:
    value = _best_parameter(member_id, Privilege.Kind.TRADE_IN_DISCOUNT)
    return Decimal(value) if value is not None else Decimal("0")


def priority_booking_days(member_id: int) -> int:
    """Extra days ahead the member may book beyond the regular window (0: none)."""
    return _best_parameter(member_id, Privilege.Kind.PRIORITY_BOOKING) or 0


def emergency_response_hours(member_id: int) -> int | None:
    """The emergency response target in hours, the shortest granted; None: no target."""
    values = [
        e.parameter
        for e in member_entitlements(member_id)
        if e.kind == Privilege.Kind.EMERGENCY_RESPONSE and e.parameter is not None
    ]
    return min(values) if values else None


def warranty_extension_months(member_id: int) -> int:
    """Months added to the base warranty of a product the member registers."""
    return _best_parameter(member_id, Privilege.Kind.WARRANTY_EXTENSION) or 0


def has_privilege(member_id: int, kind: str) -> bool:
    return any(e.kind == kind for e in member_entitlements(member_id))


def free_service_entitlements(
    member_id: int, service_type_code: str
) -> list[Entitlement]:
    return [
        e
        for e in member_entitlements(member_id)
        if e.kind in Privilege.SERVICE_KINDS
        and e.service_type_code == service_type_code
    ]


def free_service_remaining(member_id: int, service_type_code: str) -> int:
    """Free services of this type left in the current period (0: pay as usual).

    An unlimited grant answers ``UNLIMITED`` (sys.maxsize).
    """
    total = 0
    for e in free_service_entitlements(member_id, service_type_code):
        if e.remaining is None:
            return UNLIMITED
        total += e.remaining
    return total


def next_tier(tier: Tier | None) -> Tier | None:
    if tier is None:
        return None
    return Tier.objects.filter(rank__gt=tier.rank).order_by("rank").first()


def next_tier_additions(
    current: list[Entitlement], upcoming: list[Entitlement]
) -> list[tuple[Entitlement, Entitlement | None]]:
    """What the next tier adds or improves: (next tier's entitlement, current one)."""
    have = {e.code: e for e in current}
    changes = []
    for e in upcoming:
        mine = have.get(e.code)
        if mine is None or _better(e, mine):
            changes.append((e, mine))
    return changes


def _better(new: Entitlement, old: Entitlement) -> bool:
    if new.parameter != old.parameter and new.parameter is not None:
        if new.kind == Privilege.Kind.EMERGENCY_RESPONSE:
            return old.parameter is None or new.parameter < old.parameter
        return old.parameter is None or new.parameter > old.parameter
    if new.quota != old.quota:
        return new.quota is None or (old.quota is not None and new.quota > old.quota)
    return False


# Events -------------------------------------------------------------------


def upcoming_events(*, at=None):
    """Published events not yet started, soonest first (min tier joined)."""
    now = at or timezone.now()
    return (
        MemberEvent.objects.filter(is_published=True, starts_at__gt=now)
        .select_related("min_tier")
        .order_by("starts_at", "id")
    )


def member_signups(member_id: int):
    return (
        EventSignup.objects.filter(member_id=member_id)
        .select_related("event")
        .order_by("-created_at", "-id")
    )


def event_confirmed_count(event_id: int) -> int:
    return EventSignup.objects.filter(
        event_id=event_id, status=EventSignup.Status.CONFIRMED
    ).count()


def events_with_counts():
    """Events annotated with the confirmed sign-up count (for admin checks)."""
    return MemberEvent.objects.annotate(
        confirmed=Count(
            "signups", filter=Q(signups__status=EventSignup.Status.CONFIRMED)
        )
    )


# Reports ------------------------------------------------------------------


@dataclass(frozen=True)
class UsageRow:
    privilege: Privilege
    cells: list[UsageCell]


@dataclass(frozen=True)
class UsageCell:
    tier: Tier
    granted: bool
    eligible: int  # members holding the tier now
    uses: int  # uses (not returned) in the period by members at this tier
    users: int  # distinct members behind those uses

    @property
    def rate(self) -> Decimal | None:
        """Uses per eligible member, in percent."""
        if not self.granted or not self.eligible:
            return None
        return (Decimal(self.uses) * 100 / self.eligible).quantize(Decimal("0.1"))

    @property
    def adoption(self) -> Decimal | None:
        """Share of eligible members who used it at least once, in percent."""
        if not self.granted or not self.eligible:
            return None
        return (Decimal(self.users) * 100 / self.eligible).quantize(Decimal("0.1"))


def members_per_tier(tiers: list[Tier]) -> dict[int, int]:
    """Open member accounts per current tier (no status row: the entry tier). Two queries."""
    from members.models import Member
    from tiers.models import TierStatus

    counts = dict(
        TierStatus.objects.filter(member__closed_at__isnull=True)
        .values("tier_id")
        .annotate(n=Count("pk"))
        .values_list("tier_id", "n")
        .order_by()
    )
    total = Member.objects.filter(closed_at__isnull=True).count()
    if tiers:
        entry = min(tiers, key=lambda t: t.rank)
        counts[entry.id] = counts.get(entry.id, 0) + total - sum(counts.values())
    return counts


def usage_report(*, since, until) -> tuple[list[Tier], list[UsageRow]]:
    """Uses / eligible members per privilege per tier, set-based (four queries).

    Uses are attributed to the tier the member held when using; eligibility is
    the tier's current membership. Returned uses do not count.
    """
    tiers = tier_selectors.tiers_ordered()
    eligible = members_per_tier(tiers)
    uses = {
        (r["privilege_id"], r["tier_code"]): (r["uses"], r["users"])
        for r in PrivilegeUse.objects.filter(
            used_at__gte=since, used_at__lt=until, returned_at__isnull=True
        )
        .values("privilege_id", "tier_code")
        .annotate(uses=Count("id"), users=Count("member_id", distinct=True))
        .order_by()
    }
    rows = []
    for privilege, cells in catalogue_rows(tiers):
        rows.append(
            UsageRow(
                privilege=privilege,
                cells=[
                    UsageCell(
                        tier=t,
                        granted=cell is not None,
                        eligible=eligible.get(t.id, 0),
                        uses=uses.get((privilege.id, t.code), (0, 0))[0],
                        users=uses.get((privilege.id, t.code), (0, 0))[1],
                    )
                    for t, cell in zip(tiers, cells, strict=True)
                ],
            )
        )
    return tiers, rows


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def member_export_section(member) -> dict:
    """The privileges part of the member's data export (``/me/export/``): 2 queries."""
    uses = (
        PrivilegeUse.objects.filter(member_id=member.pk)
        .select_related("privilege")
        .order_by("used_at", "pk")
    )
    signups = (
        EventSignup.objects.filter(member_id=member.pk)
        .select_related("event")
        .order_by("created_at", "pk")
    )
    return {
        "privilege_uses": [
            {
                "privilege": u.privilege.code,
                "name": u.privilege.name_zh,
                "tier_at_use": u.tier_code,
                "period": u.period_key,
                "used_for": u.ref_type,
                "used_at": _iso(u.used_at),
                "returned_at": _iso(u.returned_at),
            }
            for u in uses
        ],
        "event_signups": [
            {
                "event": s.event.title_zh,
                "place": s.event.place,
                "starts_at": _iso(s.event.starts_at),
                "status": s.status,
                "source": s.source,
                "signed_up_at": _iso(s.created_at),
                "cancelled_at": _iso(s.cancelled_at),
            }
            for s in signups
        ],
    }
