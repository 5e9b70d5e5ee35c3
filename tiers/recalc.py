"""The nightly recalculation: set-based SQL over the whole membership.

Per batch of member ids (bounded, so row locks are short), in one transaction:

1. dormancy decay: one negative loyalty event per dormant member and month,
   on the member's own day of the month (spread over 28 nights so no night
   carries all of it) (``INSERT ... SELECT ... ON CONFLICT (key) DO NOTHING``);
2. window sums (``UPDATE ... FROM`` an aggregate). Normally incremental: the
   status rows are exact as of the previous run's window start (or of their
   own ``window_from`` when an event refreshed them since), so only the
   events that left the window since then are taken out, and the decay just
   added is put in. A full recount of every member's window instead when
   there is no previous run, the window setting changed, or ``full=True``;
3. tier decisions into the history table (``INSERT ... SELECT``) over every
   status row: upgrades a member reached without an event (monthly loyalty
   growth, lowered thresholds), and at term end a one-level drop when neither
   qualification nor retention is met;
4. the statuses follow their history rows (``UPDATE ... FROM``), kept tiers
   whose term ended start a new 12-month term.

No Python loop over members: the loops are over batches and, for the rare
upgrade found at night, over that batch's upgrades to ask for their gifts.
The same SQL runs on PostgreSQL and SQLite (>= 3.39); on PostgreSQL the
aggregate gets more working memory. Safe to rerun: a second run the same day
finds nothing left to change (decay keys name the month, terms were renewed,
no event leaves the window twice).
"""

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf, signals
from .models import GrowthEvent, Tier, TierChange, TierRecalcRun, TierStatus

BATCH_SIZE = 100_000

S = TierStatus._meta.db_table
E = GrowthEvent._meta.db_table
C = TierChange._meta.db_table


@dataclass
class RecalcResult:
    batch: str
    day: dt.date
    full: bool = False
    decayed: int = 0
    windows_updated: int = 0
    upgraded: int = 0
    downgraded: int = 0
    renewed: int = 0
    seconds: float = 0.0
    steps: dict = field(default_factory=dict)


def _num(value) -> str:
    """A numeric literal for SQL from a model's int/Decimal field (never text)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(int(value))


def tier_sql(tiers: list[Tier], alias: str = "s") -> dict[str, str]:
    """SQL expressions deciding tiers, built from the tier table.

    ``q``: rank qualified by growth or spend; ``cur``: rank held; ``kept``: 1
    when the held tier's retention threshold is met; ``rank_to_id`` /
    ``one_below``: CASE tails mapping a rank to its tier id and a tier id to
    the id of the tier one level below.
    """
    g, sp, tid = f"{alias}.window_growth", f"{alias}.window_spend", f"{alias}.tier_id"
    q_parts = []
    for t in reversed(tiers[1:]):
        cond = f"{g} >= {_num(t.min_growth)}"
        if t.min_spend > 0:
            cond += f" OR {sp} >= {_num(t.min_spend)}"
        q_parts.append(f"WHEN {cond} THEN {_num(t.rank)}")
    q = f"CASE {' '.join(q_parts)} ELSE {_num(tiers[0].rank)} END"
    cur = (
        f"CASE {tid} "
        + " ".join(f"WHEN {t.pk} THEN {_num(t.rank)}" for t in tiers)
        + " END"
    )
    kept_parts = []
    for t in tiers:
        cond = f"{g} >= {_num(t.retention_growth)}"
        if t.retention_spend > 0:
            cond += f" OR {sp} >= {_num(t.retention_spend)}"
        kept_parts.append(f"({tid} = {t.pk} AND ({cond}))")
    kept = f"CASE WHEN {' OR '.join(kept_parts)} THEN 1 ELSE 0 END"
    rank_to_id = " ".join(f"WHEN {_num(t.rank)} THEN {t.pk}" for t in tiers)
    one_below = " ".join(
        f"WHEN {t.pk} THEN {tiers[i - 1].pk}" for i, t in enumerate(tiers) if i > 0
    )
    return {
        "q": q,
        "cur": cur,
        "kept": kept,
        "rank_to_id": rank_to_id,
        "one_below": one_below,
    }


def _params(
    day: dt.date, now: dt.datetime, batch: str, prev_start: dt.datetime | None
) -> dict:
    ops = connection.ops
    dormant_before = now - dt.timedelta(days=conf.dormancy_days())
    return {
        "now": ops.adapt_datetimefield_value(now),
        "start": ops.adapt_datetimefield_value(conf.window_start(day)),
        "prev_start": ops.adapt_datetimefield_value(prev_start),
        "today": ops.adapt_datefield_value(day),
        "next_term": ops.adapt_datefield_value(conf.term_end(day)),
        "dormant_before": ops.adapt_datetimefield_value(dormant_before),
        "pct": conf.decay_percent(),
        "month": day.strftime("%Y-%m"),
        "decay_day": day.day,
        "batch": batch,
    }


def _statements(tiers: list[Tier], *, full: bool) -> list[tuple[str, str]]:
    x = tier_sql(tiers, "x")
    entry = tiers[0].pk
    decay = f"""
        INSERT INTO {E} (member_id, dimension, source, raw_value, weighted_value,
                         spend, note, occurred_at, created_at, key)
        SELECT s.member_id, 'loyalty', 'decay',
               -(s.window_growth * %(pct)s / 100), -(s.window_growth * %(pct)s / 100),
               0, '', %(now)s, %(now)s,
               'decay:' || CAST(s.member_id AS TEXT) || ':' || %(month)s
        FROM {S} s
        WHERE s.member_id BETWEEN %(lo)s AND %(hi)s
          AND s.window_growth * %(pct)s / 100 > 0
          AND COALESCE(s.last_activity_at, s.since) < %(dormant_before)s
          AND s.member_id %% {conf.DECAY_SPREAD_DAYS} + 1 = %(decay_day)s
        ON CONFLICT (key) DO NOTHING
    """  # noqa: S608 (table names from _meta, values as params)
    full_windows = f"""
        UPDATE {S} AS s
        SET window_growth = w.g, window_spend = w.sp, window_from = %(start)s,
            updated_at = %(now)s
        FROM (
            SELECT s2.member_id,
                   COALESCE(SUM(e.weighted_value), 0) AS g,
                   COALESCE(SUM(e.spend), 0) AS sp
            FROM {S} s2
            LEFT JOIN {E} e
              ON e.member_id = s2.member_id AND e.occurred_at >= %(start)s
             AND e.member_id BETWEEN %(lo)s AND %(hi)s
            WHERE s2.member_id BETWEEN %(lo)s AND %(hi)s
            GROUP BY s2.member_id
        ) w
        WHERE s.member_id = w.member_id
          AND s.member_id BETWEEN %(lo)s AND %(hi)s
          AND (s.window_growth <> w.g OR s.window_spend <> w.sp)
    """  # noqa: S608
    # Events that left the window since the row was last exact. The
    # window_from check in the outer WHERE is re-evaluated on the newest row
    # version (PostgreSQL), so a row an event refreshed meanwhile is skipped.
    leaving = f"""
        UPDATE {S} AS s
        SET window_growth = s.window_growth - w.g,
            window_spend = s.window_spend - w.sp,
            window_from = %(start)s, updated_at = %(now)s
        FROM (
            SELECT e.member_id, s2.window_from AS wf,
                   SUM(e.weighted_value) AS g, SUM(e.spend) AS sp
            FROM {E} e
            JOIN {S} s2 ON s2.member_id = e.member_id
            WHERE e.occurred_at >= %(prev_start)s AND e.occurred_at < %(start)s
              AND (s2.window_from IS NULL OR e.occurred_at >= s2.window_from)
              AND e.member_id BETWEEN %(lo)s AND %(hi)s
            GROUP BY e.member_id, s2.window_from
        ) w
        WHERE s.member_id = w.member_id
          AND s.member_id BETWEEN %(lo)s AND %(hi)s
          AND s.window_from IS NOT DISTINCT FROM w.wf
    """  # noqa: S608
    decayed = f"""
        UPDATE {S} AS s
        SET window_growth = s.window_growth + w.g, updated_at = %(now)s
        FROM (
            SELECT e.member_id, SUM(e.weighted_value) AS g
            FROM {E} e
            WHERE e.occurred_at = %(now)s AND e.source = 'decay'
              AND e.member_id BETWEEN %(lo)s AND %(hi)s
            GROUP BY e.member_id
        ) w
        WHERE s.member_id = w.member_id AND s.member_id BETWEEN %(lo)s AND %(hi)s
    """  # noqa: S608
    decide = f"""
        INSERT INTO {C} (member_id, from_tier_id, to_tier_id, reason, note,
                         window_growth, window_spend, batch, created_at)
        SELECT d.member_id, d.tier_id, d.new_tier_id,
               CASE WHEN d.q > d.cur THEN 'upgrade' ELSE 'downgrade' END,
               '', d.window_growth, d.window_spend, %(batch)s, %(now)s
        FROM (
            SELECT y.*,
                   CASE
                     WHEN y.q > y.cur THEN CASE y.q {x["rank_to_id"]} END
                     WHEN y.term_ends_on <= %(today)s AND y.tier_id <> {entry}
                          AND y.q < y.cur AND y.kept = 0
                       THEN CASE y.tier_id {x["one_below"]} END
                     ELSE y.tier_id
                   END AS new_tier_id
            FROM (
                SELECT x.member_id, x.tier_id, x.term_ends_on, x.window_growth,
                       x.window_spend, {x["q"]} AS q, {x["cur"]} AS cur,
                       {x["kept"]} AS kept
                FROM {S} x
                WHERE x.member_id BETWEEN %(lo)s AND %(hi)s
            ) y
        ) d
        WHERE d.new_tier_id <> d.tier_id
    """  # noqa: S608 (table names from _meta, values as params)
    follow = f"""
        UPDATE {S} AS s
        SET tier_id = c.to_tier_id, since = %(now)s,
            term_ends_on = CASE WHEN c.to_tier_id = {entry} THEN NULL
                                ELSE %(next_term)s END,
            warned_for_term = NULL, updated_at = %(now)s
        FROM {C} c
        WHERE c.batch = %(batch)s AND c.member_id = s.member_id
          AND c.member_id BETWEEN %(lo)s AND %(hi)s
          AND s.member_id BETWEEN %(lo)s AND %(hi)s
    """  # noqa: S608 (table names from _meta, values as params)
    renew = f"""
        UPDATE {S}
        SET term_ends_on = %(next_term)s, warned_for_term = NULL, updated_at = %(now)s
        WHERE member_id BETWEEN %(lo)s AND %(hi)s
          AND term_ends_on <= %(today)s AND tier_id <> {entry}
    """  # noqa: S608 (table names from _meta, values as params)
    if full:
        windows = [("windows", full_windows)]
    else:
        windows = [("windows", leaving), ("decay_applied", decayed)]
    return [
        ("decay", decay),
        *windows,
        ("decide", decide),
        ("follow", follow),
        ("renew", renew),
    ]


def _ask_for_gifts(batch: str, lo: int, hi: int) -> None:
    """Gifts of the upgrades found at night (rare): inside the transaction."""
    rows = (
        TierChange.objects.filter(
            batch=batch,
            reason=TierChange.Reason.UPGRADE,
            member_id__gte=lo,
            member_id__lte=hi,
        )
        .select_related("to_tier")
        .only("member_id", "to_tier")
    )
    terms = dict(
        TierStatus.objects.filter(
            member_id__in=[r.member_id for r in rows]
        ).values_list("member_id", "term_ends_on")
    )
    for change in rows:
        tier = change.to_tier
        if not tier.upgrade_gift_points:
            continue
        term = terms.get(change.member_id)
        signals.points_award_requested.send(
            sender=TierChange,
            member_id=change.member_id,
            points=tier.upgrade_gift_points,
            reason=_("Upgrade gift: %(tier)s") % {"tier": tier.name},
            key=f"tier-gift:{change.member_id}:{tier.code}:{term}",
            source="tier_upgrade",
        )


def recalculate(
    *,
    day: dt.date | None = None,
    batch_size: int = BATCH_SIZE,
    on_commit=None,
    full: bool = False,
) -> RecalcResult:
    """Run the nightly recalculation for the whole membership (see module doc).

    ``full`` forces a recount of every member's window (it happens by itself
    on the first run and after the window setting changed). ``on_commit(batch)``
    is called after the last batch commits when tiers changed (the task
    queues the notifications of that run's changes).
    """
    started = time.perf_counter()
    now = timezone.now()
    day = day or timezone.localdate(now)
    batch = f"nightly:{day.isoformat()}:{secrets.token_hex(4)}"
    result = RecalcResult(batch=batch, day=day)
    tiers = list(Tier.objects.order_by("rank"))
    if not tiers:
        return result
    mode, start = conf.window_mode(), conf.window_start(day)
    prev = (
        TierRecalcRun.objects.filter(finished_at__isnull=False)
        .order_by("-started_at", "-id")
        .first()
    )
    full = full or prev is None or prev.window_mode != mode or prev.window_start > start
    result.full = full
    run = TierRecalcRun.objects.create(
        batch=batch, day=day, window_mode=mode, window_start=start, full=full
    )
    statements = _statements(tiers, full=full)
    params = _params(day, now, batch, None if full else prev.window_start)
    bounds = TierStatus.objects.aggregate(lo=Min("member_id"), hi=Max("member_id"))
    lo, top = bounds["lo"] or 0, bounds["hi"] if bounds["lo"] is not None else -1
    while lo <= top:
        hi = lo + batch_size - 1
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL work_mem = '256MB'")
            for name, sql in statements:
                t0 = time.perf_counter()
                cursor.execute(sql, {**params, "lo": lo, "hi": hi})
                result.steps[name] = result.steps.get(name, 0.0) + (
                    time.perf_counter() - t0
                )
                count = max(cursor.rowcount, 0)
                if name == "decay":
                    result.decayed += count
                elif name == "windows":
                    result.windows_updated += count
                elif name == "renew":
                    result.renewed += count
            _ask_for_gifts(batch, lo, hi)
        lo = hi + 1
    result.upgraded = TierChange.objects.filter(
        batch=batch, reason=TierChange.Reason.UPGRADE
    ).count()
    result.downgraded = TierChange.objects.filter(
        batch=batch, reason=TierChange.Reason.DOWNGRADE
    ).count()
    result.seconds = time.perf_counter() - started
    TierRecalcRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        decayed=result.decayed,
        windows_updated=result.windows_updated,
        upgraded=result.upgraded,
        downgraded=result.downgraded,
        renewed=result.renewed,
        seconds=result.seconds,
    )
    if on_commit is not None and (result.upgraded or result.downgraded):
        transaction.on_commit(lambda: on_commit(batch))
    return result
