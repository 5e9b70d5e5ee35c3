"""Service reminders the beat schedule sends.

Both reminders go at most once per member per heating season: the
notification key names the season, and members already reminded are
excluded in SQL before sending. Members are sent to in batches of
``REMINDER_BATCH``; closed accounts are never reminded.
"""

import datetime as dt

from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member, Notification

from .. import conf
from ..models import Booking, ServiceType
from ._common import S
from .products import add_months


def season_of(day: dt.date) -> int:
    """The heating-season year a date belongs to (April to March)."""
    return day.year if day.month >= 4 else day.year - 1


REMINDER_BATCH = 500


def _send_reminders(member_ids, *, key_prefix: str, title, body, url: str) -> int:
    from members.actions import notification_send

    sent = 0
    for member_id in member_ids:
        if notification_send(
            member_id=member_id,
            title=title,
            body=body,
            url=url,
            category="services",
            key=f"{key_prefix}{member_id}",
        ):
            sent += 1
    return sent


def _not_yet_reminded(qs, key_prefix: str):
    return qs.exclude(
        Exists(
            Notification.objects.filter(
                member=OuterRef("pk"), key__startswith=key_prefix
            )
        )
    )


def annual_check_reminders_send(*, today: dt.date | None = None) -> int:
    """In the reminder month before the heating season, remind every member
    with a registered product or a past service who has no annual health
    check booked this season. Once per member per season (notification keys;
    members already reminded are skipped in SQL). Returns how many were sent."""
    today = today or timezone.localdate()
    if today.month != conf.get("SERVICES_ANNUAL_CHECK_REMINDER_MONTH"):
        return 0
    season = season_of(today)
    season_start = dt.date(season, 4, 1)
    key_prefix = f"services:annual-check:{season}:"
    booked_this_season = Booking.objects.filter(
        service_type__code=ServiceType.Code.ANNUAL_CHECK, slot__date__gte=season_start
    ).exclude(status=S.CANCELLED)
    members = _not_yet_reminded(
        Member.objects.filter(closed_at__isnull=True)
        .filter(Q(products__isnull=False) | Q(bookings__status=S.COMPLETED))
        .exclude(pk__in=booked_this_season.values("member_id")),
        key_prefix,
    )
    ids = list(members.values_list("pk", flat=True).distinct().order_by("pk"))
    sent = 0
    for i in range(0, len(ids), REMINDER_BATCH):
        sent += _send_reminders(
            ids[i : i + REMINDER_BATCH],
            key_prefix=key_prefix,
            title=_("Time for your annual radiator health check"),
            body=_(
                "Book a health check before the heating season starts: slots fill up "
                "quickly in autumn."
            ),
            url=reverse("services:booking_new") + "?service=annual_check",
        )
    return sent


def follow_up_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind members whose last completed service was eleven months ago
    (between 11 and 12 months, so a missed day catches up) and who have
    nothing booked since. Once per member per season."""
    today = today or timezone.localdate()
    months = conf.get("SERVICES_FOLLOW_UP_MONTHS")
    newest = add_months(today, -months)
    oldest = add_months(today, -(months + 1))
    key_prefix = f"services:follow-up:{season_of(today)}:"
    members = _not_yet_reminded(
        Member.objects.filter(closed_at__isnull=True)
        .annotate(
            last_service=Max(
                "bookings__slot__date", filter=Q(bookings__status=S.COMPLETED)
            )
        )
        .filter(last_service__gt=oldest, last_service__lte=newest)
        .exclude(
            pk__in=Booking.objects.filter(status__in=Booking.ACTIVE_STATUSES).values(
                "member_id"
            )
        ),
        key_prefix,
    )
    ids = list(members.values_list("pk", flat=True).order_by("pk"))
    sent = 0
    for i in range(0, len(ids), REMINDER_BATCH):
        sent += _send_reminders(
            ids[i : i + REMINDER_BATCH],
            key_prefix=key_prefix,
            title=_("It is almost a year since your last service"),
            body=_(
                "A yearly check keeps your radiators efficient. Book your next visit."
            ),
            url=reverse("services:booking_new"),
        )
    return sent
