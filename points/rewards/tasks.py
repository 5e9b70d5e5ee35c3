"""Celery tasks of the rewards catalogue: thin wrappers around actions, idempotent."""

from celery import shared_task

from . import actions


@shared_task(acks_late=True)
def rewards_voucher_expiry_reminders() -> int:
    """Daily: remind members of vouchers about to expire (once per batch)."""
    return actions.voucher_expiry_reminders_send()
