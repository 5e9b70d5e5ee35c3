"""Celery tasks of the privileges app: thin wrappers around actions, idempotent."""

from celery import shared_task

from . import actions


@shared_task(acks_late=True)
def privileges_event_reminders() -> int:
    """Daily: remind members of the events they attend tomorrow (once each)."""
    return actions.event_reminders_send()


@shared_task(acks_late=True)
def privileges_event_participation_growth() -> int:
    """Daily: tier growth for members who attended events (once per sign-up)."""
    return actions.event_participation_growth_record()
