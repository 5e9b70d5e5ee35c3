"""Writes run by the beat schedule: nightly recalculation, birthday points,
downgrade warnings, monthly loyalty growth. Each is idempotent and safe to rerun.
"""

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.actions import notification_send
from members.models import Member

from .. import conf, recalc, selectors, signals
from ..models import Dimension, GrowthEvent, Tier, TierChange, TierStatus
from .growth import (
    _lock_status,
    _notify_change,
    weighted_value,
    weights_current,
)

ANNOUNCE_CHUNK = 1000


def tiers_recalculate(
    *, day: dt.date | None = None, announce=None
) -> recalc.RecalcResult:
    """The nightly recalculation of every member (set-based; see tiers.recalc).

    ``announce(batch)`` runs after commit when the run changed tiers (the task
    passes a function queueing ``tier_changes_announce``).
    """
    return recalc.recalculate(day=day, on_commit=announce)


def tier_changes_announce(*, batch: str, after_id: int = 0) -> int | None:
    """Notify members of the tier changes of a nightly run and send
    ``tier_changed`` for each, one chunk of history rows at a time.

    Returns the last history id handled when more remain (the task queues
    the next chunk), else None. Notifications are keyed by the change, so a
    repeat sends nothing twice.
    """
    rows = list(
        TierChange.objects.filter(batch=batch, pk__gt=after_id)
        .select_related("from_tier", "to_tier")
        .order_by("pk")[:ANNOUNCE_CHUNK]
    )
    terms = dict(
        TierStatus.objects.filter(
            member_id__in=[r.member_id for r in rows]
        ).values_list("member_id", "term_ends_on")
    )
    for change in rows:
        with transaction.atomic():
            _notify_change(
                change, change.from_tier, change.to_tier, terms.get(change.member_id)
            )
        signals.tier_changed.send(
            sender=TierChange,
            member_id=change.member_id,
            old_tier_code=change.from_tier.code if change.from_tier else None,
            new_tier_code=change.to_tier.code,
            reason=change.reason,
        )
    if len(rows) == ANNOUNCE_CHUNK:
        return rows[-1].pk
    return None


def _ensure_statuses(member_ids) -> None:
    entry = Tier.objects.order_by("rank").first()
    TierStatus.objects.bulk_create(
        [TierStatus(member_id=m, tier=entry) for m in member_ids],
        ignore_conflicts=True,
        batch_size=1000,
    )


def birthday_points_award(*, day: dt.date | None = None) -> int:
    """Ask points for birthday points of every member whose birthday is ``day``
    (29 February birthdays on 28 February in other years), once per member
    and year, the amount by tier. Returns how many members were credited.
    """
    day = day or conf.today()
    cond = Q(birthday__month=day.month, birthday__day=day.day)
    if day.month == 2 and day.day == 28:
        leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
        if not leap:
            cond |= Q(birthday__month=2, birthday__day=29)
    member_ids = list(
        Member.objects.filter(cond, closed_at__isnull=True)
        .exclude(tier_status__birthday_year=day.year)
        .values_list("pk", flat=True)
    )
    _ensure_statuses(member_ids)
    tiers = selectors.tiers_ordered()
    done = 0
    for member_id in member_ids:
        with transaction.atomic():
            status = _lock_status(member_id, tiers)
            if status.birthday_year == day.year:
                continue
            status.birthday_year = day.year
            status.save(update_fields=["birthday_year"])
            points = status.tier.birthday_points
            if points:
                signals.points_award_requested.send(
                    sender=TierStatus,
                    member_id=member_id,
                    points=points,
                    reason=_("Birthday points"),
                    key=f"birthday:{member_id}:{day.year}",
                    source="birthday",
                )
                notification_send(
                    member_id=member_id,
                    title=_("Happy birthday!"),
                    body=_("%(points)d birthday points are in your account.")
                    % {"points": points},
                    category="tier",
                    key=f"birthday:{member_id}:{day.year}",
                )
            done += 1
    return done


def downgrade_warnings_send(*, day: dt.date | None = None) -> int:
    """Warn, once per term, members whose term ends within the warning period
    and who would drop: exactly how much growth or spend keeps their tier.

    The figures count only growth that will still be in the window on the
    term's last day. Returns how many members were warned.
    """
    day = day or conf.today()
    tiers = selectors.tiers_ordered()
    candidates = list(
        TierStatus.objects.filter(
            term_ends_on__gte=day,
            term_ends_on__lte=day + dt.timedelta(days=conf.warning_days()),
        )
        .exclude(tier_id=tiers[0].pk)
        .exclude(warned_for_term=F("term_ends_on"))
        .values_list("member_id", "tier_id", "term_ends_on")
    )
    by_id = {t.pk: t for t in tiers}
    warned = 0
    for member_id, tier_id, term_ends_on in candidates:
        tier = by_id[tier_id]
        # what will still count in the window ending on the term's last day
        growth, spend, _per = selectors.member_growth_in_window(member_id, term_ends_on)
        growth_gap = max(0, tier.retention_growth - growth)
        spend_gap = (
            max(Decimal("0"), tier.retention_spend - spend)
            if tier.retention_spend > 0
            else None
        )
        if growth_gap == 0 or spend_gap == 0:
            continue  # retention met: nothing to warn about
        lower = tiers[tiers.index(tier) - 1]
        body = _(
            "Your %(tier)s term ends on %(date)s. To keep %(tier)s, earn "
            "%(growth)d more growth value"
        ) % {"tier": tier.name, "date": term_ends_on.isoformat(), "growth": growth_gap}
        if spend_gap is not None:
            body += _(" or spend ¥%(spend)s more") % {"spend": f"{spend_gap:.2f}"}
        body += _("; otherwise you will hold %(lower)s.") % {"lower": lower.name}
        with transaction.atomic():
            notification_send(
                member_id=member_id,
                title=_("Keep your %(tier)s tier") % {"tier": tier.name},
                body=body,
                url=reverse("tiers:me"),
                category="tier",
                key=f"tier-warning:{member_id}:{term_ends_on.isoformat()}",
                sms=True,
            )
            TierStatus.objects.filter(
                member_id=member_id, term_ends_on=term_ends_on
            ).update(warned_for_term=term_ends_on)
        warned += 1
    return warned


def loyalty_growth_award(*, day: dt.date | None = None) -> int:
    """Monthly loyalty growth, set-based: tenure for members of more than a
    year, and time held at a high tier. One event per member, source and
    month (keys name the month), so a rerun adds nothing. Upgrades these
    cause are applied by the nightly recalculation. Returns events added.
    """
    day = day or conf.today()
    now = timezone.now()
    weights = weights_current()
    month = day.strftime("%Y-%m")
    ops = connection.ops
    e, s = GrowthEvent._meta.db_table, TierStatus._meta.db_table
    m, t = Member._meta.db_table, Tier._meta.db_table
    joined_before = conf.start_of_day(conf.add_years(day, -1))
    tenure_ids = Member.objects.filter(
        closed_at__isnull=True, created_at__lte=joined_before
    ).values_list("pk", flat=True)
    _ensure_statuses(tenure_ids.exclude(tier_status__isnull=False))
    added = 0
    tenure_raw = conf.raw_value("tenure")
    high_raw = conf.raw_value("high_tier")
    common = {
        "now": ops.adapt_datetimefield_value(now),
        "month": month,
        "dim": Dimension.LOYALTY.value,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {e} (member_id, dimension, source, raw_value,
                             weighted_value, spend, note, occurred_at, created_at, key)
            SELECT mm.id, %(dim)s, 'tenure', %(raw)s, %(w)s, 0, '', %(now)s, %(now)s,
                   'tenure:' || CAST(mm.id AS TEXT) || ':' || %(month)s
            FROM {m} mm
            WHERE mm.closed_at IS NULL AND mm.created_at <= %(joined)s
            ON CONFLICT (key) DO NOTHING
            """,  # noqa: S608 (table names from _meta, values as params)
            {
                **common,
                "raw": ops.adapt_decimalfield_value(tenure_raw, 12, 2),
                "w": weighted_value(tenure_raw, Dimension.LOYALTY, weights),
                "joined": ops.adapt_datetimefield_value(joined_before),
            },
        )
        added += max(cursor.rowcount, 0)
        cursor.execute(
            f"""
            INSERT INTO {e} (member_id, dimension, source, raw_value,
                             weighted_value, spend, note, occurred_at, created_at, key)
            SELECT ss.member_id, %(dim)s, 'high_tier', %(raw)s, %(w)s, 0, '',
                   %(now)s, %(now)s,
                   'high-tier:' || CAST(ss.member_id AS TEXT) || ':' || %(month)s
            FROM {s} ss JOIN {t} tt ON tt.id = ss.tier_id
            WHERE tt.rank >= %(min_rank)s
            ON CONFLICT (key) DO NOTHING
            """,  # noqa: S608 (table names from _meta, values as params)
            {
                **common,
                "raw": ops.adapt_decimalfield_value(high_raw, 12, 2),
                "w": weighted_value(high_raw, Dimension.LOYALTY, weights),
                "min_rank": conf.high_tier_min_rank(),
            },
        )
        added += max(cursor.rowcount, 0)
        # Keep the status figures exact (the nightly run only corrects for
        # events leaving the window); upgrades these cause happen tonight.
        cursor.execute(
            f"""
            UPDATE {s} AS ss
            SET window_growth = ss.window_growth + w.g, updated_at = %(now)s
            FROM (
                SELECT member_id, SUM(weighted_value) AS g FROM {e}
                WHERE occurred_at = %(now)s AND source IN ('tenure', 'high_tier')
                GROUP BY member_id
            ) w
            WHERE ss.member_id = w.member_id
            """,  # noqa: S608
            common,
        )
    return added
