"""Celery tasks of the tiers app: thin wrappers around actions, idempotent."""

from celery import shared_task

from . import actions


@shared_task(acks_late=True)
def tiers_nightly_recalculate() -> dict:
    result = actions.tiers_recalculate(announce=tier_changes_announce.delay)
    return {
        "batch": result.batch,
        "upgraded": result.upgraded,
        "downgraded": result.downgraded,
        "renewed": result.renewed,
        "decayed": result.decayed,
        "seconds": round(result.seconds, 1),
    }


@shared_task(acks_late=True)
def tier_changes_announce(batch: str, after_id: int = 0) -> None:
    last = actions.tier_changes_announce(batch=batch, after_id=after_id)
    if last is not None:
        tier_changes_announce.delay(batch, last)


@shared_task(acks_late=True)
def tiers_birthday_points() -> int:
    return actions.birthday_points_award()


@shared_task(acks_late=True)
def tiers_downgrade_warnings() -> int:
    return actions.downgrade_warnings_send()


@shared_task(acks_late=True)
def tiers_loyalty_growth() -> int:
    return actions.loyalty_growth_award()
