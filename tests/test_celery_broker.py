"""Celery with a real broker: tasks go out only after commit and a worker runs them.

Runs when CELERY_TEST_BROKER_URL names a reachable broker (``.ci/run`` sets it to the
local Redis); otherwise skipped with the reason.
"""

import os
import threading
from functools import partial

import pytest
from django.db import transaction

from config.celery import app

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")
received: dict[str, threading.Event] = {}


@app.task(name="tests.mark_received", acks_late=True)
def mark_received(token: str) -> str:
    received.setdefault(token, threading.Event()).set()
    return token


def _broker_reachable(url: str) -> bool:
    try:
        with app.connection_for_write(url) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def _reset_pool():
    """Drop pooled broker connections so the next publish uses the current broker_url."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def real_worker():
    if not BROKER:
        pytest.skip("CELERY_TEST_BROKER_URL is not set: no real broker to test against")
    if not _broker_reachable(BROKER):
        pytest.skip(f"broker {BROKER} is not reachable")
    from celery.contrib.testing.worker import start_worker

    keys = ("broker_url", "task_always_eager", "result_backend", "task_default_queue")
    saved = {k: app.conf[k] for k in keys}
    # A queue of this process's own, so parallel test processes never take each other's tasks.
    queue = f"tests-{os.getpid()}"
    app.conf.update(
        broker_url=BROKER,
        task_always_eager=False,
        result_backend=None,
        task_default_queue=queue,
    )
    _reset_pool()
    try:
        with start_worker(
            app,
            perform_ping_check=False,
            pool="solo",
            shutdown_timeout=10,
            queues=[queue],
        ):
            yield
    finally:
        app.conf.update(saved)
        _reset_pool()


@pytest.mark.django_db(transaction=True)
def test_task_queued_on_commit_is_run_by_a_worker(real_worker):
    token = "committed"
    received[token] = threading.Event()
    with transaction.atomic():
        transaction.on_commit(partial(mark_received.delay, token))
        assert not received[token].is_set()
    assert received[token].wait(timeout=20), "the worker never ran the task"


@pytest.mark.django_db(transaction=True)
def test_task_of_a_rolled_back_transaction_is_never_sent(real_worker):
    token = "rolled-back"
    received[token] = threading.Event()
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(partial(mark_received.delay, token))
        raise RuntimeError("rollback")
    mark_received.delay("sentinel")
    received.setdefault("sentinel", threading.Event())
    assert received["sentinel"].wait(timeout=20)
    assert not received[token].is_set()
