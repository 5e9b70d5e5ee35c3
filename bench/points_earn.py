"""Benchmark: points earn throughput and the expiry of 5,000,000 lots, on PostgreSQL.

Builds (once) a separate database ``radiator_bench_points`` with the project's
schema and N members, each with an account and L due lots (bulk SQL with
generate_series, not the ORM). Then, in one run:

1. Earn throughput with W concurrent worker processes for S seconds each:
   a. the action ``points.actions.points_earn`` (lock the account, check the
      idempotency key, write the ledger entry and the lot, update the balance);
   b. the raw floor: the same rows written by plain SQL over psycopg in one
      transaction each (lock the account row, insert the entry, insert the
      lot, update the balance).
2. Expiry of every due lot:
   a. ONE hand-written SQL statement (zero the lots, lower the balances, write
      one expire entry per account) timed inside a transaction that is then
      rolled back;
   b. the project's daily job (``points.actions.points_expire_due``, what the
      beat task runs): batches of accounts, each locked, set-based;
   then checks both give the same totals and restores the starting state.

Usage (from the project root)::

    .venv/bin/python bench/points_earn.py                       # 250,000 x 20 lots
    .venv/bin/python bench/points_earn.py --members 5000 --lots 20 --seconds 5

Targets: earn actions >= 1/3 of the raw floor; expiry <= 2 x the statement.
"""

import argparse
import multiprocessing as mp
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _common  # noqa: E402
from bench._common import filler  # noqa: E402

DB_NAME = "radiator_bench_points"
DSN = _common.dsn(DB_NAME)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--members", type=int, default=250_000)
    p.add_argument("--lots", type=int, default=20, help="due lots per member")
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--earn-members", type=int, default=5000, help="accounts earns hit")
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("--skip-earn", action="store_true")
    p.add_argument("--skip-expiry", action="store_true")
    return p.parse_args()


def build(n: int, lots: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_meta (members int, lots int)")
        c.execute("SELECT members, lots FROM bench_meta")
        row = c.fetchone()
        if row and tuple(row) == (n, lots):
            print(f"data present: {n:,} members x {lots} lots")
            return
        if row:
            sys.exit("database holds another size: rerun with --rebuild")
        print(f"building {n:,} members x {lots} lots (one-off) ...", flush=True)
        t0 = time.perf_counter()
        cols, exprs = filler(
            "members_user",
            c,
            {
                "password": "'!'",
                "phone": "(13000000000 + g)::text",
                "name": "'bench ' || g",
                "is_active": "true",
                "date_joined": "now()",
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
                "channel": "'portal'",
                "created_at": "now()",
                "updated_at": "now()",
            },
        )
        c.execute(
            f"INSERT INTO members_member (id, {cols}) "
            f"SELECT g, {exprs} FROM generate_series(1, %s) g",
            [n],
        )
        c.execute(
            "INSERT INTO points_account (id, member_id, balance, created_at, updated_at) "
            "SELECT g, g, %s * 100, now(), now() FROM generate_series(1, %s) g",
            [lots, n],
        )
        c.execute(
            """
            INSERT INTO points_ledgerentry
                (id, account_id, kind, points, balance_after, source_type, key, reason,
                 created_at)
            SELECT g, (g - 1) / %(lots)s + 1, 'earn', 100,
                   ((g - 1) %% %(lots)s + 1) * 100, 'bench', 'bench:' || g, 'bench',
                   now() - interval '800 days'
            FROM generate_series(1, %(total)s) g
            """,
            {"lots": lots, "total": n * lots},
        )
        c.execute(
            """
            INSERT INTO points_lot
                (id, account_id, entry_id, amount, remaining, earned_at, expires_at)
            SELECT g, (g - 1) / %(lots)s + 1, g, 100, 100, now() - interval '800 days',
                   now() - interval '1 day' - (g %% 1000) * interval '1 minute'
            FROM generate_series(1, %(total)s) g
            """,
            {"lots": lots, "total": n * lots},
        )
        for table in (
            "members_user",
            "members_member",
            "points_account",
            "points_ledgerentry",
            "points_lot",
        ):
            c.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        c.execute("INSERT INTO bench_meta VALUES (%s, %s)", [n, lots])
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
    print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)


# --- earn throughput ------------------------------------------------------


def _earn_worker_actions(worker: int, seconds: float, members: int, out, start) -> None:
    _common.setup_django(DB_NAME)
    from django.db import connection

    from points.actions import points_earn

    connection.ensure_connection()
    rng = random.Random(worker)
    start.wait()
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        points_earn(
            member_id=rng.randint(1, members),
            points=10,
            reason="bench earn",
            key=f"bench-a:{os.getpid()}:{time.time_ns()}:{done}",
            source_type="bench",
        )
        done += 1
    out.put(done)


RAW_EARN = [
    "SELECT id, balance FROM points_account WHERE member_id = %s FOR UPDATE",
    """INSERT INTO points_ledgerentry
        (account_id, kind, points, balance_after, source_type, key, reason, created_at)
       VALUES (%s, 'earn', 10, %s, 'bench', %s, 'bench earn', now()) RETURNING id""",
    """INSERT INTO points_lot (account_id, entry_id, amount, remaining, earned_at,
        expires_at) VALUES (%s, %s, 10, 10, now(), now() + interval '730 days')""",
    "UPDATE points_account SET balance = %s, updated_at = now() WHERE id = %s",
]


def _earn_worker_raw(worker: int, seconds: float, members: int, out, start) -> None:
    import psycopg

    rng = random.Random(worker)
    with psycopg.connect(DSN) as conn:
        start.wait()
        done, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            with conn.transaction():
                account_id, balance = conn.execute(
                    RAW_EARN[0], [rng.randint(1, members)]
                ).fetchone()
                balance += 10
                key = f"bench-r:{os.getpid()}:{time.time_ns()}:{done}"
                (entry_id,) = conn.execute(
                    RAW_EARN[1], [account_id, balance, key]
                ).fetchone()
                conn.execute(RAW_EARN[2], [account_id, entry_id])
                conn.execute(RAW_EARN[3], [balance, account_id])
            done += 1
    out.put(done)


def run_earn(workers: int, seconds: float, members: int) -> dict:
    ctx = mp.get_context("spawn")
    results = {}
    for name, target in (("raw", _earn_worker_raw), ("actions", _earn_worker_actions)):
        out, start = ctx.Queue(), ctx.Barrier(workers)
        procs = [
            ctx.Process(target=target, args=(w, seconds, members, out, start))
            for w in range(workers)
        ]
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        counts = [out.get() for _ in procs]
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - t0
        # each worker times only its loop: all start together after set-up
        results[name] = sum(counts) / seconds
        print(
            f"earn {name:8s}: {sum(counts):,} transactions, "
            f"{results[name]:,.0f} tx/s ({workers} workers, wall {elapsed:.1f} s)",
            flush=True,
        )
    ratio = results["actions"] / results["raw"]
    print(f"earn actions / raw floor = {ratio:.2f} (target >= 0.33)", flush=True)
    return results


# --- expiry ---------------------------------------------------------------

RAW_EXPIRE = """
WITH due AS (
    UPDATE points_lot l SET remaining = 0
    FROM (SELECT id, remaining FROM points_lot
          WHERE remaining > 0 AND expires_at <= %(cutoff)s) d
    WHERE l.id = d.id
    RETURNING l.account_id, d.remaining
), sums AS (
    SELECT account_id, SUM(remaining)::integer AS s FROM due GROUP BY account_id
), acc AS (
    UPDATE points_account a SET balance = a.balance - sums.s, updated_at = %(cutoff)s
    FROM sums WHERE a.id = sums.account_id
    RETURNING a.id, a.balance, sums.s
)
INSERT INTO points_ledgerentry
    (account_id, kind, points, balance_after, source_type, key, reason, created_at)
SELECT id, 'expire', -s, balance, 'expiry', 'raw-expire:' || id, 'Points expired',
       %(cutoff)s
FROM acc
"""


def restore_expiry(c) -> None:
    """Undo an expiry run (bench database only: lifts the append-only trigger)."""
    c.execute(
        "ALTER TABLE points_ledgerentry DISABLE TRIGGER points_ledger_append_only"
    )
    c.execute("DELETE FROM points_ledgerentry WHERE kind = 'expire'")
    c.execute("ALTER TABLE points_ledgerentry ENABLE TRIGGER points_ledger_append_only")
    c.execute("UPDATE points_lot SET remaining = amount WHERE remaining <> amount")
    c.execute(
        """
        UPDATE points_account a SET balance = s.total
        FROM (SELECT account_id, SUM(points) AS total FROM points_ledgerentry
              GROUP BY account_id) s
        WHERE a.id = s.account_id AND a.balance <> s.total
        """
    )
    c.execute("VACUUM ANALYZE points_lot")
    c.execute("VACUUM ANALYZE points_account")
    c.execute("VACUUM ANALYZE points_ledgerentry")


def run_expiry() -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from points.actions import points_expire_due

    cutoff = timezone.now()
    with connection.cursor() as c:
        c.execute(
            "SELECT count(*), coalesce(sum(remaining), 0) FROM points_lot "
            "WHERE remaining > 0 AND expires_at <= %s",
            [cutoff],
        )
        due_lots, due_points = c.fetchone()
    print(f"due lots: {due_lots:,} ({due_points:,} points)", flush=True)

    with transaction.atomic(), connection.cursor() as c:
        t0 = time.perf_counter()
        c.execute(RAW_EXPIRE, {"cutoff": cutoff})
        raw = time.perf_counter() - t0
        raw_entries = c.rowcount
        transaction.set_rollback(True)
    print(f"expiry raw statement: {raw:.1f} s ({raw_entries:,} entries)", flush=True)

    t0 = time.perf_counter()
    expired = points_expire_due(now=cutoff)
    act = time.perf_counter() - t0
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM points_ledgerentry WHERE kind = 'expire'")
        (entries,) = c.fetchone()
        c.execute(
            "SELECT count(*) FROM points_lot WHERE remaining > 0 AND expires_at <= %s",
            [cutoff],
        )
        (left,) = c.fetchone()
    assert expired == due_points, (expired, due_points)
    assert entries == raw_entries and left == 0, (entries, raw_entries, left)
    print(
        f"expiry action (points_expire_due): {act:.1f} s ({entries:,} entries); "
        f"ratio {act / raw:.2f} (target <= 2)",
        flush=True,
    )
    with connection.cursor() as c:
        restore_expiry(c)
    return {"raw": raw, "action": act}


def main():
    args = parse_args()
    _common.ensure_database(DB_NAME, args.rebuild)
    _common.setup_django(DB_NAME, migrate=True)
    build(args.members, args.lots)
    if not args.skip_earn:
        run_earn(args.workers, args.seconds, min(args.earn_members, args.members))
    if not args.skip_expiry:
        run_expiry()


if __name__ == "__main__":
    main()
