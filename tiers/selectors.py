"""Reads of the tiers app: other apps, pages, API and admin share these."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Sum
from django.utils.translation import gettext as _

from . import conf, registry
from .models import Dimension, GrowthEvent, Tier, TierChange, TierStatus


def entry_tier() -> Tier:
    return Tier.objects.order_by("rank").first()


def tiers_ordered() -> list[Tier]:
    return list(Tier.objects.order_by("rank"))


def tier_for_member(member_id: int) -> Tier:
    """The tier the member holds now (the entry tier without a status row)."""
    status = (
        TierStatus.objects.select_related("tier").filter(member_id=member_id).first()
    )
    return status.tier if status is not None else entry_tier()


def tiers_for_members(member_ids) -> dict[int, Tier]:
    """Each member's current tier in at most two queries (lists, the API)."""
    ids = list(member_ids)
    held = {
        s.member_id: s.tier
        for s in TierStatus.objects.filter(member_id__in=ids).select_related("tier")
    }
    entry = entry_tier() if len(held) < len(ids) else None
    return {mid: held.get(mid, entry) for mid in ids}


def earning_multiplier(member_id: int) -> Decimal:
    """The points earning multiplier of the member's current tier."""
    tier = tier_for_member(member_id)
    return tier.multiplier if tier else Decimal("1")


def status_for_member(member_id: int) -> TierStatus | None:
    return TierStatus.objects.select_related("tier").filter(member_id=member_id).first()


@dataclass
class Gap:
    """What is still missing to reach (or keep) a tier: growth OR spend."""

    growth: int
    spend: Decimal | None  # None: the tier has no spend alternative

    @property
    def met(self) -> bool:
        return self.growth <= 0 or (self.spend is not None and self.spend <= 0)


@dataclass
class TierOverview:
    tier: Tier
    since: dt.datetime | None
    term_ends_on: dt.date | None
    window_first_day: dt.date
    window_growth: int
    window_spend: Decimal
    by_dimension: list[tuple[str, int]]
    next_tier: Tier | None
    next_gap: Gap | None
    retention_gap: Gap | None
    signed_in_today: bool
    history: list[TierChange] = field(default_factory=list)


def _gap(growth_needed: int, spend_needed: Decimal, growth: int, spend: Decimal) -> Gap:
    return Gap(
        growth=max(0, growth_needed - growth),
        spend=max(Decimal("0"), spend_needed - spend) if spend_needed > 0 else None,
    )


def member_growth_in_window(
    member_id: int, day: dt.date | None = None
) -> tuple[int, Decimal, dict[str, int]]:
    """Growth, spend and growth per dimension of the member's current window."""
    rows = (
        GrowthEvent.objects.filter(
            member_id=member_id, occurred_at__gte=conf.window_start(day)
        )
        .values("dimension")
        .annotate(growth=Sum("weighted_value"), spend=Sum("spend"))
        .order_by()
    )
    per = {r["dimension"]: r["growth"] or 0 for r in rows}
    spend = sum((r["spend"] or Decimal("0") for r in rows), Decimal("0"))
    return sum(per.values()), spend, per


def member_tier_overview(member_id: int) -> TierOverview:
    """Everything /me/tier/ shows: the tier, why, and exactly what is missing."""
    day = conf.today()
    tiers = tiers_ordered()
    status = TierStatus.objects.filter(member_id=member_id).first()
    tier = next((t for t in tiers if status and t.pk == status.tier_id), tiers[0])
    growth, spend, per = member_growth_in_window(member_id, day)
    higher = [t for t in tiers if t.rank > tier.rank]
    next_tier = higher[0] if higher else None
    retention = None
    if status and status.term_ends_on and tier.pk != tiers[0].pk:
        retention = _gap(tier.retention_growth, tier.retention_spend, growth, spend)
    history = list(
        TierChange.objects.filter(member_id=member_id)
        .select_related("from_tier", "to_tier")
        .order_by("-created_at", "-id")[:20]
    )
    signed = GrowthEvent.objects.filter(key=conf.sign_in_key(member_id, day)).exists()
    return TierOverview(
        tier=tier,
        since=status.since if status else None,
        term_ends_on=status.term_ends_on if status else None,
        window_first_day=conf.window_first_day(day),
        window_growth=growth,
        window_spend=spend,
        by_dimension=[(label, per.get(value, 0)) for value, label in Dimension.choices],
        next_tier=next_tier,
        next_gap=_gap(next_tier.min_growth, next_tier.min_spend, growth, spend)
        if next_tier
        else None,
        retention_gap=retention,
        signed_in_today=signed,
        history=history,
    )


@dataclass
class ComparisonTable:
    tiers: list[Tier]
    rows: list[tuple[str, list[str]]]


def _money(value: Decimal) -> str:
    return "¥" + intcomma(f"{value:,.0f}".replace(",", ""))


def tier_comparison_table() -> ComparisonTable:
    """The public comparison of tiers: built-in rows, then registered rows."""
    tiers = tiers_ordered()
    rows: list[tuple[str, list[str]]] = [
        (_("Growth value needed"), [intcomma(t.min_growth) for t in tiers]),
        (
            _("Or spend in the window"),
            [_money(t.min_spend) if t.min_spend > 0 else "—" for t in tiers],
        ),
        (_("Points earning multiplier"), [f"×{t.multiplier}" for t in tiers]),
        (
            _("Growth value to keep the tier"),
            [intcomma(t.retention_growth) if t.rank else "—" for t in tiers],
        ),
        (
            _("Or spend to keep the tier"),
            [
                _money(t.retention_spend) if t.retention_spend > 0 else "—"
                for t in tiers
            ],
        ),
        (_("Upgrade gift (points)"), [intcomma(t.upgrade_gift_points) for t in tiers]),
        (_("Birthday points"), [intcomma(t.birthday_points) for t in tiers]),
    ]
    for p in registry.providers:
        rows.extend(p.provider(tiers))
    return ComparisonTable(tiers=tiers, rows=rows)


def member_export_section(member) -> dict:
    """The tiers part of the member's data export (``/me/export/``): 3 queries."""
    status = (
        TierStatus.objects.select_related("tier").filter(member_id=member.pk).first()
    )
    growth, spend, per = member_growth_in_window(member.pk)
    changes = (
        TierChange.objects.filter(member_id=member.pk)
        .select_related("from_tier", "to_tier")
        .order_by("created_at", "id")
    )
    return {
        "current_tier": status.tier.code if status else None,
        "since": status.since.isoformat() if status else None,
        "term_ends_on": status.term_ends_on.isoformat()
        if status and status.term_ends_on
        else None,
        "window_from": conf.window_first_day().isoformat(),
        "growth_by_dimension": {value: per.get(value, 0) for value in Dimension.values},
        "window_growth": growth,
        "window_spend": str(spend),
        "history": [
            {
                "from": c.from_tier.code if c.from_tier_id else None,
                "to": c.to_tier.code,
                "reason": c.reason,
                "note": c.note,
                "at": c.created_at.isoformat(),
            }
            for c in changes
        ],
    }
