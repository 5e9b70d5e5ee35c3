"""Expiry, expiry reminders and the nightly reconciliation.

Expiry is set-based, in batches of accounts: each batch locks its accounts
(primary-key order, the same lock every ledger writer takes), zeroes the due
lots, lowers the balances and writes one ``expire`` entry per account. A
second run, or one running at the same time, waits for the lock and then finds
no lot with anything remaining: expiry happens exactly once.
"""

import datetime as dt
import logging
from functools import partial

from django.core.mail import mail_admins
from django.db import connection, transaction
from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.actions import notification_send

from ..models import Account, DriftReport, LedgerEntry, Lot, PointsSettings

logger = logging.getLogger(__name__)

EXPIRE_BATCH = 5000

_EXPIRE_SQL = """
WITH due AS (
    UPDATE points_lot l SET remaining = 0
    FROM (
        SELECT id, remaining FROM points_lot
        WHERE account_id = ANY(%(ids)s) AND remaining > 0 AND expires_at <= %(cutoff)s
    ) d
    WHERE l.id = d.id
    RETURNING l.account_id, d.remaining
), sums AS (
    SELECT account_id, SUM(remaining)::integer AS s FROM due GROUP BY account_id
), acc AS (
    UPDATE points_account a SET balance = a.balance - sums.s, updated_at = %(now)s
    FROM sums WHERE a.id = sums.account_id
    RETURNING a.id, a.balance, sums.s
)
INSERT INTO points_ledgerentry
    (account_id, kind, points, balance_after, source_type, source_id, key, reason,
     created_at)
SELECT id, 'expire', -s, balance, 'expiry', NULL,
       'expire:' || id || ':' || %(stamp)s, %(reason)s, %(now)s
FROM acc
RETURNING -points
"""


def _due_accounts(cutoff, after: int, limit: int) -> list[int]:
    return list(
        Lot.objects.filter(
            remaining__gt=0, expires_at__lte=cutoff, account_id__gt=after
        )
        .order_by("account_id")
        .values_list("account_id", flat=True)
        .distinct()[:limit]
    )


def _expire_batch(ids: list[int], cutoff, now, stamp: str, reason: str) -> int:
    with transaction.atomic():
        list(
            Account.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    _EXPIRE_SQL,
                    {
                        "ids": ids,
                        "cutoff": cutoff,
                        "now": now,
                        "stamp": stamp,
                        "reason": reason,
                    },
                )
                return sum(row[0] for row in cursor.fetchall())
        due = Lot.objects.filter(
            account_id__in=ids, remaining__gt=0, expires_at__lte=cutoff
        )
        sums = dict(
            due.order_by()
            .values("account_id")
            .annotate(s=Sum("remaining"))
            .values_list("account_id", "s")
        )
        if not sums:
            return 0
        due.update(remaining=0)
        Account.objects.filter(pk__in=sums).update(
            balance=F("balance")
            - Case(
                *(When(pk=pk, then=Value(s)) for pk, s in sums.items()),
                output_field=IntegerField(),
            ),
            updated_at=now,
        )
        balances = dict(
            Account.objects.filter(pk__in=sums).values_list("pk", "balance")
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                account_id=pk,
                kind=LedgerEntry.Kind.EXPIRE,
                points=-s,
                balance_after=balances[pk],
                source_type="expiry",
                key=f"expire:{pk}:{stamp}",
                reason=reason,
                created_at=now,
            )
            for pk, s in sums.items()
        )
        return sum(sums.values())


def points_expire_due(
    *, now: dt.datetime | None = None, batch_size: int = EXPIRE_BATCH
) -> int:
    """Expire what remains of every lot whose expiry time has passed.

    Exactly once: safe to run again and to run twice at the same time (the
    account locks and ``remaining > 0`` decide who expires what). Returns the
    points expired by this run.
    """
    now = now or timezone.now()
    stamp = now.strftime("%Y%m%dT%H%M%S.%f")
    reason = _("Points expired")
    total, after = 0, 0
    while ids := _due_accounts(now, after, batch_size):
        total += _expire_batch(ids, now, now, stamp, reason)
        after = ids[-1]
    return total


def expiry_reminders_send(
    *, now: dt.datetime | None = None, days: int | None = None
) -> int:
    """Tell members about points expiring within ``days`` (default: the setting).

    One notification per member and expiry date ("batch"), keyed so that a
    rerun sends nothing twice. Returns the notifications sent.
    """
    now = now or timezone.now()
    days = days if days is not None else PointsSettings.current().reminder_days
    groups = (
        Lot.objects.filter(
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=now + dt.timedelta(days=days),
        )
        .order_by()
        .values("account__member_id", "expires_at")
        .annotate(points=Sum("remaining"))
        .order_by("account__member_id", "expires_at")
    )
    sent = 0
    url = reverse("points:mine")
    for group in groups.iterator(chunk_size=2000):
        member_id, expires_at = group["account__member_id"], group["expires_at"]
        day = timezone.localtime(expires_at).date()
        notification = notification_send(
            member_id=member_id,
            title=_("%(points)s points expire on %(date)s")
            % {
                "points": group["points"],
                "date": date_format(day, "SHORT_DATE_FORMAT"),
            },
            body=_(
                "Use them in the rewards catalogue or at checkout before they expire."
            ),
            url=url,
            category="points",
            key=f"points-expiry:{member_id}:{day.isoformat()}",
        )
        sent += notification is not None
    return sent


def _sum_of(model, field):
    return Coalesce(
        Subquery(
            model.objects.filter(account_id=OuterRef("pk"))
            .order_by()
            .values("account_id")
            .annotate(s=Sum(field))
            .values("s")
        ),
        0,
    )


def points_reconcile(*, batch_size: int = 10000) -> list[DriftReport]:
    """Compare every cached balance with its ledger and its lots; report drift.

    Never changes a balance: each difference becomes a DriftReport (the
    admin's list) and an email to the site admins. A drift already reported
    and not resolved is not reported again.
    """
    reports, after = [], 0
    while True:
        ids = list(
            Account.objects.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        after = ids[-1]
        drifted = (
            Account.objects.filter(pk__in=ids)
            .annotate(
                ledger_sum=_sum_of(LedgerEntry, "points"),
                lots_sum=_sum_of(Lot, "remaining"),
            )
            .filter(
                ~Q(balance=F("ledger_sum"))
                | (Q(balance__gte=0) & ~Q(balance=F("lots_sum")))
                | (Q(balance__lt=0) & ~Q(lots_sum=0))
            )
            .values("pk", "balance", "ledger_sum", "lots_sum")
        )
        for row in drifted:
            report, created = DriftReport.objects.get_or_create(
                account_id=row["pk"],
                balance=row["balance"],
                ledger_sum=row["ledger_sum"],
                lots_sum=row["lots_sum"],
                resolved=False,
            )
            if created:
                reports.append(report)
    if reports:
        logger.error("points reconciliation: %s accounts drifted", len(reports))
        transaction.on_commit(
            partial(
                mail_admins,
                "Points reconciliation found drift",
                "\n".join(str(r) for r in reports[:200]),
                fail_silently=True,
            )
        )
    return reports
