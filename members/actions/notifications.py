"""The notification inbox: the one way every app tells a member something.

``notification_send`` writes the inbox message and hands email and SMS to a
Celery task after commit; it is idempotent by ``key`` and sends nothing to
closed accounts. ``notification_broadcast`` sends one message to several
members through it; ``notification_mark_read`` touches the member's own
messages only.
"""

from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Member, Notification


def notification_send(
    *,
    member_id: int,
    title: str,
    body: str = "",
    url: str = "",
    category: str = "general",
    key: str | None = None,
    sms: bool | str = False,
) -> Notification | None:
    """The one way every app tells a member something.

    Writes an inbox message and, after commit, a Celery task sends email (if
    the member has an address and wants email) and SMS (only when ``sms`` is
    truthy: a string is the SMS text; True sends title and body) by the
    member's preferences. Idempotent by ``key``: a repeat returns None and
    sends nothing. Closed accounts receive nothing. Safe to call inside the
    caller's transaction: nothing leaves before it commits.
    """
    from ..tasks import notification_deliver

    if Member.objects.filter(pk=member_id, closed_at__isnull=False).exists():
        return None
    if key and Notification.objects.filter(key=key).exists():
        return None
    if sms:
        sms_text = sms if isinstance(sms, str) else f"{title} {body}".strip()
    else:
        sms_text = ""
    try:
        with transaction.atomic():
            n = Notification.objects.create(
                member_id=member_id,
                title=str(title)[:120],
                body=str(body),
                url=url,
                category=category,
                key=key,
                sms_text=str(sms_text)[:300],
            )
    except IntegrityError:
        if key and Notification.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(partial(notification_deliver.delay, n.pk))
    return n


def notification_mark_read(
    *, member_id: int, notification_id: int | None = None
) -> int:
    """Mark one (or, with no id, every) unread inbox message read; returns count.

    Raises Notification.DoesNotExist when the id is not the member's own.
    """
    qs = Notification.objects.filter(member_id=member_id, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(
            pk=notification_id, member_id=member_id
        ).exists():
            raise Notification.DoesNotExist
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def notification_broadcast(
    *,
    member_ids: list[int],
    title: str,
    body: str = "",
    url: str = "",
    sms: bool = False,
    key_prefix: str | None = None,
) -> int:
    """Send the same notification to several members (operator action).

    With ``key_prefix`` a repeat sends nothing twice. Returns how many were
    written.
    """
    sent = 0
    for member_id in sorted(set(member_ids)):
        n = notification_send(
            member_id=member_id,
            title=title,
            body=body,
            url=url,
            category="operator",
            key=f"{key_prefix}:{member_id}" if key_prefix else None,
            sms=sms,
        )
        sent += n is not None
    return sent
