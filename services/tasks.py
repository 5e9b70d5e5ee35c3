"""Periodic services jobs (registered in the beat schedule by migrations 0003 and 0005).

Each is idempotent: a rerun or a duplicate delivery changes nothing more.
"""

from celery import shared_task
from django.utils import translation

from . import actions


@shared_task(acks_late=True)
def generate_slots() -> int:
    return actions.slots_generate()


@shared_task(acks_late=True)
def send_annual_check_reminders() -> int:
    with translation.override("zh-hans"):
        return actions.annual_check_reminders_send()


@shared_task(acks_late=True)
def send_follow_up_reminders() -> int:
    with translation.override("zh-hans"):
        return actions.follow_up_reminders_send()


@shared_task(acks_late=True)
def purge_idempotency_records() -> int:
    """Delete dealer API idempotency keys past their keeping time (daily)."""
    from .api.idempotency import idempotency_records_purge

    return idempotency_records_purge()
