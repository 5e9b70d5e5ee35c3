"""Every write of the privileges app.

Quotas hold under concurrency because a use locks the member's counter row for
that privilege and period (``QuotaCounter``, unique per member/privilege/period)
before it checks and increments it. Event places hold because a sign-up locks
the event row before it checks and increments ``seats_taken`` (and the database
refuses ``seats_taken > capacity``). Lock order, everywhere: event, then
sign-up, then privilege use, then quota counter.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from members.actions import notification_send
from members.models import Member
from tiers import selectors as tier_selectors
from tiers.actions import growth_record

from . import selectors
from .exceptions import (
    EventClosed,
    EventError,
    EventFull,
    EventNotEligible,
    NotEntitled,
    PrivilegeError,
    QuotaExhausted,
)
from .models import (
    EventSignup,
    MemberEvent,
    Privilege,
    PrivilegeUse,
    QuotaCounter,
    TierGrant,
)


def _renews_on(period: str, at=None) -> datetime.date | None:
    local = timezone.localtime(at or timezone.now()).date()
    if period == TierGrant.Period.YEAR:
        return datetime.date(local.year + 1, 1, 1)
    if period == TierGrant.Period.MONTH:
        return (local.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return None


def _quota_exhausted(entitlement: selectors.Entitlement) -> QuotaExhausted:
    renews = _renews_on(entitlement.period)
    if renews is None:
        return QuotaExhausted(
            _("You have already used “%(name)s” (%(quota)s in total).")
            % {"name": entitlement.name, "quota": entitlement.quota}
        )
    return QuotaExhausted(
        _(
            "You have used all %(quota)s of “%(name)s” for this period; "
            "it renews on %(date)s."
        )
        % {
            "name": entitlement.name,
            "quota": entitlement.quota,
            "date": formats.date_format(renews, "SHORT_DATE_FORMAT"),
        }
    )


def _check_open(member_id: int) -> None:
    if Member.objects.filter(pk=member_id, closed_at__isnull=False).exists():
        raise NotEntitled(_("This account is closed."))


def _existing_use(key: str, member_id: int, privilege_code: str | None):
    use = PrivilegeUse.objects.select_related("privilege").filter(key=key).first()
    if use is not None and (
        use.member_id != member_id
        or (privilege_code is not None and use.privilege.code != privilege_code)
    ):
        raise ValueError(f"privilege use key {key!r} belongs to another use")
    return use


def privilege_use(
    *,
    member_id: int,
    privilege_code: str,
    key: str,
    ref_type: str = "",
    ref_id: int | None = None,
) -> PrivilegeUse:
    """Record one use of a privilege, within the quota of the member's current tier.

    Idempotent per ``key``: a repeat returns the first use (also when it was
    returned since). Raises NotEntitled when the member's tier does not grant
    the privilege and QuotaExhausted when the period's quota is used up.
    Safe under concurrency: the per-period counter row is locked.
    """
    with transaction.atomic():
        if (done := _existing_use(key, member_id, privilege_code)) is not None:
            return done
        _check_open(member_id)
        entitlement = selectors.member_entitlement(member_id, privilege_code)
        if entitlement is None:
            name = (
                Privilege.objects.filter(code=privilege_code).first() or privilege_code
            )
            raise NotEntitled(
                _("Your membership tier does not include “%(name)s”.") % {"name": name}
            )
        pkey = selectors.period_key(entitlement.period)
        # Make sure the counter row exists (a no-op if it does), then lock it.
        QuotaCounter.objects.bulk_create(
            [
                QuotaCounter(
                    member_id=member_id,
                    privilege_id=entitlement.privilege_id,
                    period_key=pkey,
                )
            ],
            ignore_conflicts=True,
        )
        counter = QuotaCounter.objects.select_for_update().get(
            member_id=member_id, privilege_id=entitlement.privilege_id, period_key=pkey
        )
        # A concurrent call with the same key may have committed while we waited.
        if (done := _existing_use(key, member_id, privilege_code)) is not None:
            return done
        if entitlement.quota is not None and counter.used >= entitlement.quota:
            raise _quota_exhausted(entitlement)
        counter.used += 1
        counter.save(update_fields=["used"])
        return PrivilegeUse.objects.create(
            member_id=member_id,
            privilege_id=entitlement.privilege_id,
            tier_code=entitlement.tier_code,
            period_key=pkey,
            key=key,
            ref_type=ref_type,
            ref_id=ref_id,
        )


def privilege_use_return(*, key: str) -> None:
    """Give a use back (e.g. the booking it paid for was cancelled).

    The quota of the use's period is restored. Idempotent: an unknown or an
    already returned key changes nothing.
    """
    with transaction.atomic():
        use = PrivilegeUse.objects.select_for_update().filter(key=key).first()
        if use is None or use.returned_at is not None:
            return
        counter = (
            QuotaCounter.objects.select_for_update()
            .filter(
                member_id=use.member_id,
                privilege_id=use.privilege_id,
                period_key=use.period_key,
            )
            .first()
        )
        if counter is not None and counter.used > 0:
            counter.used -= 1
            counter.save(update_fields=["used"])
        use.returned_at = timezone.now()
        use.save(update_fields=["returned_at"])


def free_service_use(
    *,
    member_id: int,
    service_type_code: str,
    key: str,
    ref_type: str = "",
    ref_id: int | None = None,
) -> PrivilegeUse:
    """Use one free service of this service type, whichever privilege grants it.

    For callers that know the service type but not the privilege code
    (bookings). Same guarantees and exceptions as ``privilege_use``.
    """
    if (done := _existing_use(key, member_id, None)) is not None:
        return done
    entitlements = selectors.free_service_entitlements(member_id, service_type_code)
    if not entitlements:
        raise NotEntitled(
            _("Your membership tier includes no free service of this type.")
        )
    entitlements.sort(key=lambda e: (e.exhausted, e.remaining is None))
    last_error = None
    for entitlement in entitlements:
        try:
            return privilege_use(
                member_id=member_id,
                privilege_code=entitlement.code,
                key=key,
                ref_type=ref_type,
                ref_id=ref_id,
            )
        except QuotaExhausted as exc:
            last_error = exc
    raise last_error


# Events -------------------------------------------------------------------


def _event_access_code(member_id: int) -> str:
    codes = [
        e.code
        for e in selectors.member_entitlements(member_id)
        if e.kind == Privilege.Kind.EVENT_ACCESS
    ]
    if not codes:
        raise NotEntitled(_("Member events are not included in your membership tier."))
    return codes[0]


def event_signup(
    *,
    event_id: int,
    member_id: int,
    source: str = EventSignup.Source.PORTAL,
    ref_key: str | None = None,
) -> EventSignup:
    """Take a place at an event for a member; never more places than capacity.

    A portal sign-up uses the member's event-access privilege (quota counted);
    a ticket bought with points (``source="ticket"``) or an operator's sign-up
    does not. Idempotent: a member already signed up gets the same sign-up back,
    and a repeated ``ref_key`` returns its sign-up. Raises EventClosed,
    EventNotEligible, EventFull, NotEntitled or QuotaExhausted.
    """
    with transaction.atomic():
        if (
            ref_key
            and (done := EventSignup.objects.filter(ref_key=ref_key).first())
            is not None
        ):
            return done
        event = (
            MemberEvent.objects.select_for_update()
            .select_related("min_tier")
            .get(pk=event_id)
        )
        existing = EventSignup.objects.filter(
            event=event, member_id=member_id, status=EventSignup.Status.CONFIRMED
        ).first()
        if existing is not None:
            return existing
        if not event.is_published or timezone.now() >= event.closes_at:
            raise EventClosed()
        _check_open(member_id)
        tier = tier_selectors.tier_for_member(member_id)
        if tier is None or tier.rank < event.min_tier.rank:
            raise EventNotEligible(
                _("This event is open to %(tier)s members and above.")
                % {"tier": event.min_tier.name}
            )
        if event.seats_taken >= event.capacity:
            raise EventFull()
        signup = EventSignup.objects.create(
            event=event, member_id=member_id, source=source, ref_key=ref_key
        )
        if source == EventSignup.Source.PORTAL:
            privilege_use(
                member_id=member_id,
                privilege_code=_event_access_code(member_id),
                key=signup.use_key,
                ref_type="event_signup",
                ref_id=signup.pk,
            )
        event.seats_taken += 1
        event.save(update_fields=["seats_taken"])
        notification_send(
            member_id=member_id,
            title=_("You are signed up: %(event)s") % {"event": event.title},
            body=_("%(when)s, %(place)s. See you there!")
            % {
                "when": formats.date_format(
                    timezone.localtime(event.starts_at), "DATETIME_FORMAT"
                ),
                "place": event.place,
            },
            url="/me/events/",
            category="event",
            key=f"event-signup:{signup.pk}",
        )
    return signup


def event_signup_cancel(
    *, signup_id: int, member_id: int | None = None, by_staff: bool = False
) -> EventSignup:
    """Give a place back. Members may cancel until sign-up closes; staff any time.

    ``member_id`` (when given) must own the sign-up. The event-access use, if
    any, is returned. Idempotent: cancelling a cancelled sign-up changes nothing.
    """
    with transaction.atomic():
        event_pk = (
            EventSignup.objects.filter(pk=signup_id)
            .values_list("event_id", flat=True)
            .get()
        )
        event = MemberEvent.objects.select_for_update().get(pk=event_pk)
        signup = EventSignup.objects.select_for_update().get(pk=signup_id)
        if member_id is not None and signup.member_id != member_id:
            raise EventError(_("This sign-up is not yours."))
        if signup.status == EventSignup.Status.CANCELLED:
            return signup
        if not by_staff and timezone.now() >= event.closes_at:
            raise EventClosed(_("It is too late to cancel this sign-up."))
        signup.status = EventSignup.Status.CANCELLED
        signup.cancelled_at = timezone.now()
        signup.save(update_fields=["status", "cancelled_at"])
        event.seats_taken -= 1
        event.save(update_fields=["seats_taken"])
        privilege_use_return(key=signup.use_key)
    return signup


def member_event_signups_close(*, member_id: int) -> int:
    """The account was closed: cancel its places at events yet to start.

    Each place is given back through ``event_signup_cancel`` (as staff, so
    also after sign-up has closed), which frees the seat and returns the
    event-access use. Past events keep their sign-ups as history. Idempotent;
    returns how many sign-ups were cancelled.
    """
    signup_ids = list(
        EventSignup.objects.filter(
            member_id=member_id,
            status=EventSignup.Status.CONFIRMED,
            event__starts_at__gt=timezone.now(),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    cancelled = 0
    for signup_id in signup_ids:
        signup = event_signup_cancel(signup_id=signup_id, by_staff=True)
        cancelled += signup.cancelled_at is not None
    return cancelled


EVENT_FIELDS_LOCKED = frozenset({"seats_taken"})


def event_update(*, event_id: int, **fields) -> MemberEvent:
    """Change an event's details with its row locked, never ``seats_taken``.

    Raises EventError when the capacity would drop below the places taken.
    (The admin saves through here so that a sign-up made while an operator
    was editing is not overwritten.)
    """
    fields = {k: v for k, v in fields.items() if k not in EVENT_FIELDS_LOCKED}
    with transaction.atomic():
        event = MemberEvent.objects.select_for_update().get(pk=event_id)
        if "capacity" in fields and fields["capacity"] < event.seats_taken:
            raise EventError(
                _("%(taken)s places are already taken: capacity cannot be lower.")
                % {"taken": event.seats_taken}
            )
        for name, value in fields.items():
            setattr(event, name, value)
        if fields:
            event.save(update_fields=list(fields))
    return event


def event_reminders_send(*, day: datetime.date | None = None) -> int:
    """Remind every member with a confirmed place at an event starting on ``day``
    (local date; default tomorrow). Once per sign-up: the notification key names
    it, so a rerun or a retried task sends nothing twice. Returns how many
    sign-ups were reminded (or already had been).
    """
    day = day or timezone.localdate() + datetime.timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    signups = (
        EventSignup.objects.filter(
            status=EventSignup.Status.CONFIRMED,
            event__is_published=True,
            event__starts_at__gte=start,
            event__starts_at__lt=start + datetime.timedelta(days=1),
        )
        .select_related("event")
        .order_by("pk")
    )
    count = 0
    for signup in signups.iterator(chunk_size=500):
        event = signup.event
        notification_send(
            member_id=signup.member_id,
            title=_("Tomorrow: %(event)s") % {"event": event.title},
            body=_("%(when)s, %(place)s. If you cannot come, please cancel your place.")
            % {
                "when": formats.date_format(
                    timezone.localtime(event.starts_at), "DATETIME_FORMAT"
                ),
                "place": event.place,
            },
            url="/me/events/",
            category="event",
            key=f"event-reminder:{signup.pk}",
            sms=True,
        )
        count += 1
    return count


def event_participation_growth_record(*, since_days: int | None = None) -> int:
    """Credit tier growth (interaction: activity participation) to every member
    who kept a confirmed place at an event that has now taken place.

    Looks back ``since_days`` (default ``PRIVILEGES_EVENT_GROWTH_LOOKBACK_DAYS``,
    7) so a missed nightly run is caught up. Once per sign-up: the growth key
    names it, so reruns and retried tasks credit nothing twice. A place
    cancelled before the event earns nothing. Returns how many sign-ups were
    credited by this run.
    """
    raw = getattr(settings, "PRIVILEGES_EVENT_GROWTH", 30)
    lookback = (
        since_days
        if since_days is not None
        else getattr(settings, "PRIVILEGES_EVENT_GROWTH_LOOKBACK_DAYS", 7)
    )
    now = timezone.now()
    signups = (
        EventSignup.objects.filter(
            status=EventSignup.Status.CONFIRMED,
            event__starts_at__lt=now,
            event__starts_at__gte=now - datetime.timedelta(days=lookback),
            member__closed_at__isnull=True,
        )
        .select_related("event")
        .order_by("pk")
    )
    credited = 0
    for signup in signups.iterator(chunk_size=500):
        event = signup.event
        if event.ends_at is not None and event.ends_at > now:
            continue  # still running: credited once it is over
        done = growth_record(
            member_id=signup.member_id,
            dimension="interaction",
            raw_value=raw,
            source="activity",
            key=f"privileges:event-attended:{signup.pk}",
            occurred_at=event.ends_at or event.starts_at,
        )
        credited += done is not None
    return credited


def privilege_kind_use(
    *,
    member_id: int,
    kind: str,
    key: str,
    ref_type: str = "",
    ref_id: int | None = None,
) -> PrivilegeUse | None:
    """Count one use of the member's privilege of ``kind`` where it took effect
    (a discounted purchase, a booking only open thanks to priority days, an
    emergency target, an extended warranty), so the usage report sees it.

    Picks the held privilege of that kind with the largest parameter. Returns
    None, writing nothing, when the member holds none, or when a quota an
    operator set on it is used up (the benefit was given anyway: counting must
    never refuse the event it counts). Idempotent per ``key``.
    """
    held = [
        e
        for e in selectors.member_entitlements(member_id)
        if e.kind == kind and (e.parameter is None or e.parameter)
    ]
    if not held:
        return None
    best = max(held, key=lambda e: e.parameter or 0)
    try:  # privilege_use rolls back its own block (a savepoint) when it refuses
        return privilege_use(
            member_id=member_id,
            privilege_code=best.code,
            key=key,
            ref_type=ref_type,
            ref_id=ref_id,
        )
    except PrivilegeError:
        return None


OFFLINE_NOTE_MAX = 40 - len("staff:")  # PrivilegeUse.ref_type holds "staff:<note>"


def privilege_offline_use(
    *, member_id: int, privilege_code: str, token: str, note: str, staff_user_id: int
) -> PrivilegeUse:
    """Record a use staff gave off-line (hotline call, trade-in...).

    ``token`` is the one-off token of the operator's form: a double submit
    records once. ``note`` (a few words) is kept as the use's type, the staff
    user as its reference. Same checks as ``privilege_use``; a token already
    spent on another member or privilege (a form sent again after editing)
    raises PrivilegeError instead of recording anything.
    """
    key = f"staff:{token}"
    if (
        PrivilegeUse.objects.filter(key=key)
        .exclude(member_id=member_id, privilege__code=privilege_code)
        .exists()
    ):
        raise PrivilegeError(
            _("This form was already used for another record: open a new one.")
        )
    return privilege_use(
        member_id=member_id,
        privilege_code=privilege_code,
        key=key,
        ref_type=f"staff:{note[:OFFLINE_NOTE_MAX]}",
        ref_id=staff_user_id,
    )
