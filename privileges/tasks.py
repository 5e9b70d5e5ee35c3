"""Celery tasks of the privileges app: thin wrappers around actions, idempotent."""

from celery import shared_task

from . import actions


@shared_task(acks_late=True)
def privileges_event_reminders() -> int:
    """Daily: remind members of the events they attend tomorrow (once each)."""
    return actions.event_reminders_send()
