"""Helpers for concurrency tests: real threads, real PostgreSQL transactions.

Use with ``@pytest.mark.django_db(transaction=True)`` and the ``postgres``
fixture (which skips on SQLite with the reason).
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def run_concurrently(
    fn: Callable[[int], object], n: int, *, workers: int | None = None
) -> list:
    """Run ``fn(i)`` for i in range(n) on ``workers`` threads, all released at once.

    Returns one item per call: its return value, or the exception it raised.
    Each thread closes its own database connection when done.
    """
    workers = workers or n
    barrier = threading.Barrier(min(workers, n))

    def call(i: int):
        try:
            if i < workers:
                barrier.wait(timeout=30)
            return fn(i)
        except Exception as exc:  # collected for the test to inspect
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(call, range(n)))
