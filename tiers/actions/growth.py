"""Every write of the tiers app. Keyword-only, one transaction each.

Lock order: a member's ``TierStatus`` row is the lock for everything about
that member's growth and tier (events, history, gifts), so concurrent events
of one member serialise on it and exactly one of them performs an upgrade.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.actions import notification_send

from .. import conf, selectors, signals
from ..exceptions import AlreadyTopTier, InvalidGrowth, ReasonRequired, SameTier
from ..models import Dimension, GrowthEvent, GrowthWeights, Tier, TierChange, TierStatus

Source = GrowthEvent.Source

# Sources that are not something the member did: they do not end dormancy.
SYSTEM_SOURCES = frozenset(
    {Source.DECAY, Source.TENURE, Source.HIGH_TIER, Source.ADJUSTMENT, Source.REFUND}
)
_ONE = Decimal("1")


def weights_current() -> GrowthWeights:
    return GrowthWeights.objects.filter(pk=1).first() or GrowthWeights()


def weighted_value(raw: Decimal, dimension: str, weights: GrowthWeights) -> int:
    """Growth value of ``raw`` in ``dimension``: raw x weight%, rounded half up."""
    value = Decimal(raw) * weights.weight(dimension) / Decimal("100")
    return int(value.quantize(_ONE, rounding=ROUND_HALF_UP))


def qualified_tier(tiers: list[Tier], growth: int, spend: Decimal) -> Tier:
    """The highest tier reached by growth OR by spend (a zero spend minimum
    above the entry tier means the tier has no spend alternative)."""
    best = tiers[0]
    for tier in tiers[1:]:
        by_spend = tier.min_spend > 0 and spend >= tier.min_spend
        if growth >= tier.min_growth or by_spend:
            best = tier
    return best


def retention_met(tier: Tier, growth: int, spend: Decimal) -> bool:
    by_spend = tier.retention_spend > 0 and spend >= tier.retention_spend
    return growth >= tier.retention_growth or by_spend


def _lock_status(member_id: int, tiers: list[Tier]) -> TierStatus:
    """Re-fetch the member's status row FOR UPDATE, creating it (entry tier)."""
    status = TierStatus.objects.select_for_update().filter(member_id=member_id).first()
    if status is None:
        TierStatus.objects.bulk_create(
            [TierStatus(member_id=member_id, tier=tiers[0], term_ends_on=None)],
            ignore_conflicts=True,
        )
        status = TierStatus.objects.select_for_update().get(member_id=member_id)
    status.tier = next(t for t in tiers if t.pk == status.tier_id)
    return status


def _refresh_window(status: TierStatus, day: dt.date) -> None:
    """Recompute the window sums of one member (caller holds the status lock)."""
    start = conf.window_start(day)
    totals = GrowthEvent.objects.filter(
        member_id=status.member_id, occurred_at__gte=start
    ).aggregate(growth=Sum("weighted_value"), spend=Sum("spend"))
    status.window_growth = totals["growth"] or 0
    status.window_spend = totals["spend"] or Decimal("0")
    status.window_from = start


def _notify_change(
    change: TierChange, old: Tier | None, new: Tier, term_ends_on: dt.date | None
) -> None:
    up = old is None or new.rank > old.rank
    if change.reason == TierChange.Reason.MANUAL:
        title = _("Your tier is now %(tier)s") % {"tier": new.name}
        body = _("Our service team changed your tier to %(tier)s.") % {"tier": new.name}
    elif up:
        title = _("Welcome to %(tier)s") % {"tier": new.name}
        body = _("You now hold the %(tier)s tier until %(date)s.") % {
            "tier": new.name,
            "date": term_ends_on.isoformat() if term_ends_on else "-",
        }
    else:
        title = _("Your tier is now %(tier)s") % {"tier": new.name}
        body = _(
            "Your previous tier's term ended without reaching its retention "
            "threshold, so you now hold %(tier)s."
        ) % {"tier": new.name}
    notification_send(
        member_id=change.member_id,
        title=title,
        body=body,
        url=reverse("tiers:me"),
        category="tier",
        key=f"tier-change:{change.pk}",
    )


def _apply_change(
    *,
    status: TierStatus,
    tiers: list[Tier],
    new_tier: Tier,
    reason: str,
    now: dt.datetime,
    note: str = "",
    actor_id: int | None = None,
    key: str | None = None,
    gift: bool = False,
) -> TierChange:
    """Move the member to ``new_tier``: history row, status, gift, notification.

    Caller holds the status lock and an open transaction. The gift is asked
    for inside the transaction (points credits it idempotently by key);
    ``tier_changed`` goes out after commit.
    """
    old = status.tier
    day = timezone.localdate(now)
    change = TierChange.objects.create(
        member_id=status.member_id,
        from_tier=old,
        to_tier=new_tier,
        reason=reason,
        note=note[:200],
        actor_id=actor_id,
        window_growth=status.window_growth,
        window_spend=status.window_spend,
        key=key,
        created_at=now,
    )
    status.tier = new_tier
    status.since = now
    status.term_ends_on = conf.term_end(day) if new_tier.pk != tiers[0].pk else None
    status.warned_for_term = None
    status.updated_at = now
    status.save()
    if gift and new_tier.upgrade_gift_points:
        signals.points_award_requested.send(
            sender=TierChange,
            member_id=status.member_id,
            points=new_tier.upgrade_gift_points,
            reason=_("Upgrade gift: %(tier)s") % {"tier": new_tier.name},
            key=f"tier-gift:{status.member_id}:{new_tier.code}:{status.term_ends_on}",
            source="tier_upgrade",
        )
    _notify_change(change, old, new_tier, status.term_ends_on)
    transaction.on_commit(
        partial(
            signals.tier_changed.send,
            sender=TierChange,
            member_id=status.member_id,
            old_tier_code=old.code if old else None,
            new_tier_code=new_tier.code,
            reason=reason,
        )
    )
    return change


def _settle(status: TierStatus, tiers: list[Tier], now: dt.datetime) -> None:
    """After new growth: refresh the window and upgrade at once if reached."""
    _refresh_window(status, timezone.localdate(now))
    target = qualified_tier(tiers, status.window_growth, status.window_spend)
    if target.rank > status.tier.rank:
        _apply_change(
            status=status,
            tiers=tiers,
            new_tier=target,
            reason=TierChange.Reason.UPGRADE,
            now=now,
            gift=True,
        )
    else:
        status.updated_at = now
        status.save(
            update_fields=[
                "window_growth",
                "window_spend",
                "window_from",
                "last_activity_at",
                "updated_at",
            ]
        )


def _new_event(
    *,
    status: TierStatus,
    weights: GrowthWeights,
    dimension: str,
    raw_value: Decimal,
    source: str,
    key: str,
    occurred_at: dt.datetime,
    spend: Decimal = Decimal("0"),
    note: str = "",
) -> GrowthEvent:
    event = GrowthEvent.objects.create(
        member_id=status.member_id,
        dimension=dimension,
        source=source,
        raw_value=raw_value,
        weighted_value=weighted_value(raw_value, dimension, weights),
        spend=spend,
        note=note[:60],
        occurred_at=occurred_at,
        key=key,
    )
    if source not in SYSTEM_SOURCES and (
        status.last_activity_at is None or occurred_at > status.last_activity_at
    ):
        status.last_activity_at = occurred_at
    return event


def growth_record(
    *,
    member_id: int,
    dimension: str,
    raw_value: Decimal | int,
    source: str,
    key: str,
    occurred_at: dt.datetime | None = None,
) -> GrowthEvent | None:
    """Record growth of a member and upgrade them at once if it crosses a tier.

    ``raw_value`` is weighted by the dimension's current weight. Idempotent by
    ``key``: a repeat returns None and changes nothing. Raises InvalidGrowth
    for an unknown dimension or source.
    """
    if dimension not in Dimension.values:
        raise InvalidGrowth(_("Unknown growth dimension: %s") % dimension)
    if source not in Source.values:
        raise InvalidGrowth(_("Unknown growth source: %s") % source)
    if not key:
        raise InvalidGrowth(_("A growth record needs an idempotency key."))
    now = timezone.now()
    tiers = selectors.tiers_ordered()
    with transaction.atomic():
        status = _lock_status(member_id, tiers)
        if GrowthEvent.objects.filter(key=key).exists():
            return None
        event = _new_event(
            status=status,
            weights=weights_current(),
            dimension=dimension,
            raw_value=Decimal(raw_value),
            source=source,
            key=key,
            occurred_at=occurred_at or now,
        )
        _settle(status, tiers, now)
    return event


def purchase_growth_record(
    *,
    member_id: int,
    amount: Decimal,
    categories: list[str],
    key: str,
    occurred_at: dt.datetime | None,
) -> None:
    """Consumption growth for a purchase: the amount, the order itself, and
    each product category new in the window; the amount also counts as spend.

    Idempotent by ``key``. May upgrade the member in the same transaction.
    """
    amount = Decimal(amount)
    if amount < 0:
        raise InvalidGrowth(_("A purchase amount cannot be negative."))
    now = timezone.now()
    when = occurred_at or now
    tiers = selectors.tiers_ordered()
    with transaction.atomic():
        status = _lock_status(member_id, tiers)
        if GrowthEvent.objects.filter(key=key).exists():
            return None
        weights = weights_current()
        _new_event(
            status=status,
            weights=weights,
            dimension=Dimension.CONSUMPTION,
            raw_value=amount + conf.raw_value("order"),
            source=Source.PURCHASE,
            key=key,
            occurred_at=when,
            spend=amount,
        )
        seen = set(
            GrowthEvent.objects.filter(
                member_id=member_id,
                source=Source.PURCHASE_CATEGORY,
                occurred_at__gte=conf.window_start(timezone.localdate(now)),
            ).values_list("note", flat=True)
        )
        new = []
        for raw in categories or []:
            name = (raw or "").strip()[:60]
            if name and name not in seen and name not in new:
                new.append(name)
        for n, name in enumerate(new, start=1):
            _new_event(
                status=status,
                weights=weights,
                dimension=Dimension.CONSUMPTION,
                raw_value=conf.raw_value("purchase_category"),
                source=Source.PURCHASE_CATEGORY,
                key=f"{key}:category:{n}",
                occurred_at=when,
                note=name,
            )
        _settle(status, tiers, now)
    return None


def purchase_growth_reverse(*, member_id: int, amount: Decimal, key: str) -> None:
    """Take back the consumption growth and spend of a refunded amount.

    Idempotent by ``key``. Never downgrades by itself: tiers only drop when a
    term ends (the nightly recalculation judges the window then).
    """
    amount = Decimal(amount)
    if amount <= 0:
        raise InvalidGrowth(_("A refund amount must be positive."))
    now = timezone.now()
    tiers = selectors.tiers_ordered()
    with transaction.atomic():
        status = _lock_status(member_id, tiers)
        if GrowthEvent.objects.filter(key=key).exists():
            return None
        _new_event(
            status=status,
            weights=weights_current(),
            dimension=Dimension.CONSUMPTION,
            raw_value=-amount,
            source=Source.REFUND,
            key=key,
            occurred_at=now,
            spend=-amount,
        )
        _settle(status, tiers, now)
    return None


def sign_in_record(*, member_id: int) -> GrowthEvent | None:
    """The daily sign-in: interaction growth once per local calendar day.

    Returns None when the member already signed in today.
    """
    return growth_record(
        member_id=member_id,
        dimension=Dimension.INTERACTION,
        raw_value=conf.raw_value("sign_in"),
        source=Source.SIGN_IN,
        key=conf.sign_in_key(member_id),
    )


def tier_upgrade_buy(*, member_id: int, key: str) -> TierChange:
    """One step up, paid with points by the caller (the rewards catalogue).

    Idempotent by ``key``: a repeat returns the first change. Raises
    AlreadyTopTier for a member at the highest tier. The new tier gets a
    fresh 12-month term; no upgrade gift (the member bought the tier).
    """
    now = timezone.now()
    tiers = selectors.tiers_ordered()
    with transaction.atomic():
        status = _lock_status(member_id, tiers)
        if (done := TierChange.objects.filter(key=key).first()) is not None:
            return done
        higher = [t for t in tiers if t.rank > status.tier.rank]
        if not higher:
            raise AlreadyTopTier()
        _refresh_window(status, timezone.localdate(now))
        return _apply_change(
            status=status,
            tiers=tiers,
            new_tier=higher[0],
            reason=TierChange.Reason.PURCHASE,
            now=now,
            key=key,
        )


def tier_change_manual(
    *, member_id: int, tier_id: int, reason: str, actor_id: int | None
) -> TierChange:
    """An operator sets a member's tier, with a mandatory reason.

    Raises ReasonRequired without a reason, SameTier if nothing would change.
    The new tier gets a fresh 12-month term; no gift.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    now = timezone.now()
    tiers = selectors.tiers_ordered()
    new_tier = next((t for t in tiers if t.pk == tier_id), None)
    if new_tier is None:
        raise SameTier(_("This tier does not exist."))
    with transaction.atomic():
        status = _lock_status(member_id, tiers)
        if status.tier.pk == new_tier.pk:
            raise SameTier()
        _refresh_window(status, timezone.localdate(now))
        return _apply_change(
            status=status,
            tiers=tiers,
            new_tier=new_tier,
            reason=TierChange.Reason.MANUAL,
            now=now,
            note=reason,
            actor_id=actor_id,
        )
