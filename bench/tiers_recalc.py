"""Benchmark: the nightly tier recalculation of 1,000,000 members on PostgreSQL.

Builds (once) a separate database ``radiator_bench_tiers`` with the project's
schema, N members with tier statuses and ~4 growth events each (bulk SQL with
generate_series, not the ORM), then, in the same run and from the same
starting state:

1. times ONE hand-written SQL statement producing the new tiers (window sums,
   dormancy decay of the members whose decay day is today, upgrades, term-end
   soft landing) as an ``UPDATE ... FROM``
   over the whole membership;
2. restores the starting state (the statuses as last night's run left them,
   and that run's record) and times the project's nightly recalculation
   (``tiers.actions.tiers_recalculate``: the code the beat task runs);
3. restores again and times the same with a full recount of every window
   (what the first run, or a run after the window setting changed, does);
4. checks all three produced the same tier, window growth and term end for
   every member, and prints the figures.

Usage (from the project root)::

    .venv/bin/python bench/tiers_recalc.py                 # 1,000,000 members
    .venv/bin/python bench/tiers_recalc.py --members 100000 --rebuild

Targets: nightly <= 60 s and <= 2 x the hand-written statement.
"""

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _common  # noqa: E402
from bench._common import filler  # noqa: E402

DB_NAME = "radiator_bench_tiers"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--members", type=int, default=1_000_000)
    p.add_argument("--rebuild", action="store_true", help="drop and rebuild the data")
    p.add_argument("--repeat", type=int, default=1, help="timed rounds of each")
    return p.parse_args()


def build(n: int) -> None:
    from django.db import connection, transaction

    from tiers.models import Tier

    with transaction.atomic(), connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_meta (members int)")
        c.execute("SELECT members FROM bench_meta")
        row = c.fetchone()
        if row and row[0] == n:
            print(f"data present: {n:,} members")
            return
        if row:
            sys.exit("database holds another size: rerun with --rebuild")
        print(f"building {n:,} members (one-off) ...", flush=True)
        t0 = time.perf_counter()
        c.execute("SELECT setseed(0.42)")
        cols, exprs = filler(
            "members_user",
            c,
            {
                "password": "'!'",
                "phone": "(13000000000 + g)::text",
                "name": "'bench ' || g",
                "is_active": "true",
                "date_joined": "now() - mod(g, 1500) * interval '1 day'",
            },
        )
        c.execute(
            f"INSERT INTO members_user (id, {cols}) "
            f"SELECT g, {exprs} FROM generate_series(1, %s) g",
            [n],
        )
        cols, exprs = filler(
            "members_member",
            c,
            {
                "user_id": "g",
                "referral_code": "'B' || g",
                "created_at": "now() - mod(g, 1500) * interval '1 day'",
            },
        )
        c.execute(
            f"INSERT INTO members_member (id, {cols}) "
            f"SELECT g, {exprs} FROM generate_series(1, %s) g",
            [n],
        )
        tiers = list(Tier.objects.order_by("rank"))
        ids = [t.pk for t in tiers]
        # Tier mix 70 / 18 / 9 / 3 %; each member's window growth somewhere
        # between 60 % of its tier's retention threshold and just below the
        # next tier, so most keep their tier and terms ending now decide.
        lows = [int(t.retention_growth * 0.6) for t in tiers]
        highs = [t.min_growth - 1 for t in tiers[1:]] + [tiers[-1].min_growth + 2000]
        c.execute(
            """
            CREATE TEMP TABLE plan AS
            SELECT g AS member_id,
                   CASE WHEN r < 0.70 THEN 0 WHEN r < 0.88 THEN 1
                        WHEN r < 0.97 THEN 2 ELSE 3 END AS idx,
                   random() AS r2, random() AS r3, random() AS r4,
                   1 + mod(g, 7) AS k
            FROM (SELECT g, random() AS r FROM generate_series(1, %s) g) x
            """,
            [n],
        )
        c.execute(
            f"""
            INSERT INTO tiers_tierstatus (member_id, tier_id, since, term_ends_on,
                window_growth, window_spend, last_activity_at, updated_at)
            SELECT p.member_id,
                   (ARRAY{ids})[p.idx + 1],
                   now() - interval '200 days',
                   CASE WHEN p.idx = 0 THEN NULL
                        ELSE CURRENT_DATE - 30 + (p.r4 * 365)::int END,
                   0, 0,
                   CASE WHEN p.r3 < 0.10 THEN now() - interval '200 days'
                        ELSE now() - (p.r3 * 100)::int * interval '1 day' END,
                   now()
            FROM plan p
            """
        )
        # k events per member in the last 11 months, adding up to the target;
        # half of them purchases with spend; plus one big event 13 months ago
        # for a third of the members (outside the window: must not count).
        c.execute(
            f"""
            INSERT INTO tiers_growthevent (member_id, dimension, source, raw_value,
                weighted_value, spend, note, occurred_at, created_at, key)
            SELECT p.member_id,
                   CASE WHEN mod(i, 2) = 0 THEN 'consumption' ELSE 'interaction' END,
                   CASE WHEN mod(i, 2) = 0 THEN 'purchase' ELSE 'activity' END,
                   v, v, CASE WHEN mod(i, 2) = 0 THEN v ELSE 0 END, '',
                   now() - (mod(p.member_id * 7 + i * 31, 330) + 1) * interval '1 day',
                   now(), 'bench:' || p.member_id || ':' || i
            FROM (
                SELECT p.*, (ARRAY{lows})[p.idx + 1] + p.r2 *
                       ((ARRAY{highs})[p.idx + 1] - (ARRAY{lows})[p.idx + 1]) AS target
                FROM plan p
            ) p
            CROSS JOIN LATERAL generate_series(1, p.k) i
            CROSS JOIN LATERAL (SELECT floor(p.target / p.k)::int AS v) v
            """
        )
        c.execute(
            """
            INSERT INTO tiers_growthevent (member_id, dimension, source, raw_value,
                weighted_value, spend, note, occurred_at, created_at, key)
            SELECT member_id, 'consumption', 'purchase', 5000, 5000, 5000, '',
                   now() - interval '395 days', now(), 'bench-old:' || member_id
            FROM plan WHERE mod(member_id, 3) = 0
            """
        )
        # Yesterday's window figures, as the previous night left them.
        c.execute(
            """
            UPDATE tiers_tierstatus s SET window_growth = w.g, window_spend = w.sp
            FROM (SELECT member_id, SUM(weighted_value) g, SUM(spend) sp
                  FROM tiers_growthevent
                  WHERE occurred_at >= %s
                  GROUP BY member_id) w
            WHERE w.member_id = s.member_id
            """,
            [_yesterdays_window_start()],
        )
        c.execute("CREATE TABLE bench_status_base AS SELECT * FROM tiers_tierstatus")
        c.execute("INSERT INTO bench_meta VALUES (%s)", [n])
        c.execute("ANALYZE")
        print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)


def _yesterdays_window_start():
    from tiers import conf

    return conf.window_start(conf.today() - dt.timedelta(days=1))


def restore() -> None:
    """Back to the starting state (untimed): the statuses as last night's run
    left them, and that run's record (the next run starts from it)."""
    from django.db import connection
    from django.utils import timezone

    from tiers import conf
    from tiers.models import TierRecalcRun

    with connection.cursor() as c:
        c.execute("DELETE FROM tiers_growthevent WHERE source = 'decay'")
        c.execute("DELETE FROM tiers_tierchange")
        c.execute("DELETE FROM tiers_tierrecalcrun")
        c.execute(
            "UPDATE tiers_tierstatus SET window_from = NULL "
            "WHERE window_from IS NOT NULL"
        )
        c.execute(
            """
            UPDATE tiers_tierstatus s
            SET tier_id = b.tier_id, since = b.since, term_ends_on = b.term_ends_on,
                window_growth = b.window_growth, window_spend = b.window_spend,
                warned_for_term = b.warned_for_term, updated_at = b.updated_at
            FROM bench_status_base b
            WHERE b.member_id = s.member_id AND (
                s.tier_id, s.term_ends_on, s.window_growth, s.window_spend
            ) IS DISTINCT FROM (
                b.tier_id, b.term_ends_on, b.window_growth, b.window_spend)
            """
        )
        c.execute("CHECKPOINT")
    yesterday = conf.today() - dt.timedelta(days=1)
    TierRecalcRun.objects.create(
        batch="bench:last-night",
        day=yesterday,
        window_mode=conf.window_mode(),
        window_start=_yesterdays_window_start(),
        started_at=timezone.now() - dt.timedelta(days=1),
        finished_at=timezone.now() - dt.timedelta(days=1),
    )


def hand_written_sql(day: dt.date) -> tuple[str, dict]:
    """ONE statement, written the way a DBA would, giving the new tiers."""
    from tiers import conf
    from tiers.models import Tier

    t = list(Tier.objects.order_by("rank"))
    q = (
        "CASE "
        + " ".join(
            f"WHEN g >= {x.min_growth} OR (sp >= {x.min_spend} AND {x.min_spend} > 0) "
            f"THEN {x.rank}"
            for x in reversed(t[1:])
        )
        + f" ELSE {t[0].rank} END"
    )
    rank_of = (
        "CASE tier_id " + " ".join(f"WHEN {x.pk} THEN {x.rank}" for x in t) + " END"
    )
    id_of_rank = " ".join(f"WHEN {x.rank} THEN {x.pk}" for x in t)
    below = " ".join(f"WHEN {x.pk} THEN {t[i - 1].pk}" for i, x in enumerate(t) if i)
    kept = " OR ".join(
        f"(tier_id = {x.pk} AND (g >= {x.retention_growth} OR "
        f"({x.retention_spend} > 0 AND sp >= {x.retention_spend})))"
        for x in t
    )
    sql = f"""
    WITH w AS (
        SELECT s.member_id, s.tier_id, s.term_ends_on,
               COALESCE(SUM(e.weighted_value), 0)
               - CASE WHEN s.window_growth * %(pct)s / 100 > 0
                       AND COALESCE(s.last_activity_at, s.since) < %(dormant)s
                       AND mod(s.member_id, 28) + 1 = %(decay_day)s
                       AND NOT EXISTS (SELECT 1 FROM tiers_growthevent d
                                       WHERE d.key = 'decay:' || s.member_id || ':' || %(month)s)
                      THEN s.window_growth * %(pct)s / 100 ELSE 0 END AS g,
               COALESCE(SUM(e.spend), 0) AS sp
        FROM tiers_tierstatus s
        LEFT JOIN tiers_growthevent e
          ON e.member_id = s.member_id AND e.occurred_at >= %(start)s
        GROUP BY s.member_id
    ), d AS (
        SELECT w.*, {q} AS q, {rank_of} AS cur,
               CASE WHEN {kept} THEN 1 ELSE 0 END AS kept
        FROM w
    ), n AS (
        SELECT d.*,
               CASE WHEN q > cur THEN CASE q {id_of_rank} END
                    WHEN term_ends_on <= %(today)s AND tier_id <> {t[0].pk}
                         AND q < cur AND kept = 0 THEN CASE tier_id {below} END
                    ELSE tier_id END AS new_tier
        FROM d
    )
    UPDATE tiers_tierstatus s
    SET window_growth = n.g, window_spend = n.sp, tier_id = n.new_tier,
        term_ends_on = CASE
            WHEN n.new_tier = {t[0].pk} THEN NULL
            WHEN n.new_tier <> n.tier_id OR n.term_ends_on <= %(today)s
              THEN %(next_term)s
            ELSE n.term_ends_on END
    FROM n
    WHERE s.member_id = n.member_id
      AND (s.window_growth, s.window_spend, s.tier_id, s.term_ends_on)
          IS DISTINCT FROM (n.g, n.sp, n.new_tier, CASE
            WHEN n.new_tier = {t[0].pk} THEN NULL
            WHEN n.new_tier <> n.tier_id OR n.term_ends_on <= %(today)s
              THEN %(next_term)s
            ELSE n.term_ends_on END)
    """
    from django.utils import timezone

    params = {
        "pct": conf.decay_percent(),
        "dormant": timezone.now() - dt.timedelta(days=conf.dormancy_days()),
        "month": day.strftime("%Y-%m"),
        "decay_day": day.day,
        "start": conf.window_start(day),
        "today": day,
        "next_term": conf.term_end(day),
    }
    return sql, params


def snapshot(table: str) -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS {table}")
        c.execute(
            f"CREATE TABLE {table} AS SELECT member_id, tier_id, window_growth, "
            "term_ends_on FROM tiers_tierstatus"
        )


def main() -> None:
    args = parse_args()
    _common.ensure_database(DB_NAME, args.rebuild)
    _common.setup_django(DB_NAME, migrate=True)
    from django.db import connection, transaction

    from tiers import actions, conf, recalc

    build(args.members)
    day = conf.today()
    hand_times, nightly_times, full_times, steps, full_steps = [], [], [], {}, {}
    for _ in range(args.repeat):
        restore()
        sql, params = hand_written_sql(day)
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as c:
            c.execute("SET LOCAL work_mem = '256MB'")
            c.execute(sql, params)
            hand_rows = c.rowcount
        hand_times.append(time.perf_counter() - t0)
        snapshot("bench_hand_status")

        restore()
        t0 = time.perf_counter()
        result = actions.tiers_recalculate(day=day)
        nightly_times.append(time.perf_counter() - t0)
        steps = result.steps
        snapshot("bench_nightly_status")

        restore()
        t0 = time.perf_counter()
        full = recalc.recalculate(day=day, full=True)
        full_times.append(time.perf_counter() - t0)
        full_steps = full.steps
        snapshot("bench_full_status")

    with connection.cursor() as c:
        c.execute(
            """
            SELECT count(*) FROM bench_hand_status h
            JOIN bench_nightly_status n USING (member_id)
            WHERE (h.tier_id, h.window_growth, h.term_ends_on)
                  IS DISTINCT FROM (n.tier_id, n.window_growth, n.term_ends_on)
            """
        )
        differ = c.fetchone()[0]
        c.execute(
            """
            SELECT count(*) FROM bench_hand_status h
            JOIN bench_full_status n USING (member_id)
            WHERE (h.tier_id, h.window_growth, h.term_ends_on)
                  IS DISTINCT FROM (n.tier_id, n.window_growth, n.term_ends_on)
            """
        )
        differ_full = c.fetchone()[0]
        c.execute(
            "SELECT t.code, count(*) FROM bench_nightly_status n "
            "JOIN tiers_tier t ON t.id = n.tier_id GROUP BY t.code, t.rank ORDER BY t.rank"
        )
        mix = c.fetchall()
        c.execute("SELECT count(*) FROM tiers_growthevent")
        events = c.fetchone()[0]
    hand, nightly = min(hand_times), min(nightly_times)
    print(f"members: {args.members:,}  growth events: {events:,}")
    print(f"tiers after the run: {', '.join(f'{c} {n:,}' for c, n in mix)}")
    print(
        f"nightly run: upgraded {result.upgraded:,}, downgraded {result.downgraded:,}, "
        f"renewed {result.renewed:,}, decayed {result.decayed:,}, "
        f"windows rewritten {result.windows_updated:,}; hand statement rows {hand_rows:,}"
    )

    def rounds(times):
        return ", ".join(f"{t:.1f}" for t in times)

    full_best = min(full_times)
    print("nightly steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
    print(
        "full recount steps (s): "
        + ", ".join(f"{k} {v:.1f}" for k, v in full_steps.items())
    )
    print(f"hand-written statement: {hand:.1f} s   (rounds: {rounds(hand_times)})")
    print(f"nightly recalculation: {nightly:.1f} s   (rounds: {rounds(nightly_times)})")
    print(
        f"nightly with a full recount: {full_best:.1f} s   "
        f"(rounds: {rounds(full_times)})"
    )
    print(f"ratio nightly / hand-written: {nightly / hand:.2f}")
    print(f"ratio full recount / hand-written: {full_best / hand:.2f}")
    print(f"members whose result differs: nightly {differ}, full recount {differ_full}")
    ok = differ == 0 and differ_full == 0 and nightly <= 60 and nightly <= 2 * hand
    print("TARGETS MET" if ok else "TARGETS MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
