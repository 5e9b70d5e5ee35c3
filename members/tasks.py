"""Celery tasks of the members app: delivery of notifications by email and SMS."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification
from .sms import send_sms

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def notification_deliver(notification_id: int) -> None:
    """Send a notification's email and SMS, each at most once.

    Each channel is claimed by a conditional UPDATE before sending, so a retry
    or a duplicate delivery of this task sends nothing twice. A failed send
    releases its claim and is logged (the inbox message stays).
    """
    n = (
        Notification.objects.select_related("member__user")
        .filter(pk=notification_id)
        .first()
    )
    if n is None:  # deleted (account closed) before delivery
        return
    member, user = n.member, n.member.user
    if not user.is_active or member.is_closed:
        return
    now = timezone.now()
    claim = Notification.objects.filter(pk=n.pk)
    if (
        member.notify_by_email
        and user.email
        and claim.filter(emailed_at__isnull=True).update(emailed_at=now)
    ):
        body = n.body
        if n.url:
            body = f"{body}\n\n{n.url}".strip()
        try:
            send_mail(n.title, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:
            claim.update(emailed_at=None)
            logger.exception("email delivery failed for notification %s", n.pk)
    if (
        n.sms_text
        and member.notify_by_sms
        and user.phone
        and claim.filter(sms_sent_at__isnull=True).update(sms_sent_at=now)
    ):
        try:
            send_sms(user.phone, n.sms_text)
        except Exception:
            claim.update(sms_sent_at=None)
            logger.exception("SMS delivery failed for notification %s", n.pk)


@shared_task(acks_late=True)
def members_housekeeping() -> dict:
    """Daily: forget expired sign-in failures and old one-time codes. Idempotent."""
    from . import actions

    return {
        "signin_failures": actions.signin_failures_purge(),
        "phone_codes": actions.phone_codes_purge(),
    }
