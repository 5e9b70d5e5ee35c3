"""Periodic points jobs (registered in the beat schedule by migration 0004).

Each is idempotent: a rerun or a duplicate delivery changes nothing more.
"""

from celery import shared_task
from django.utils import translation

from . import actions


@shared_task(acks_late=True)
def expire_due_points() -> int:
    with translation.override("zh-hans"):
        return actions.points_expire_due()


@shared_task(acks_late=True)
def send_expiry_reminders() -> int:
    with translation.override("zh-hans"):
        return actions.expiry_reminders_send()


@shared_task(acks_late=True)
def reconcile_balances() -> int:
    return len(actions.points_reconcile())


@shared_task(acks_late=True)
def release_pending_points() -> int:
    with translation.override("zh-hans"):
        return actions.release_due_pending()
