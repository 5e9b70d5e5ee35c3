"""The ledger primitives: earn, spend, reverse, adjust.

Every public function opens its own transaction and locks the member's
account row first; the account lock is what serialises every writer of the
account's ledger and lots (expiry included), so lots are not locked again.
The ``_credit`` / ``_debit`` helpers assume the caller holds the account lock.
"""

import calendar
from datetime import datetime, time

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import (
    InsufficientPoints,
    NothingToReverse,
    NotReversible,
    PointsError,
)
from ..models import Account, LedgerEntry, Lot, LotUse, PointsSettings, Purchase

Kind = LedgerEntry.Kind


# --- accounts -------------------------------------------------------------


def first(queryset):
    """The first row of ``queryset`` or None, WITHOUT the ``ORDER BY pk`` that
    ``.first()`` adds (it can lead PostgreSQL to walk the primary key index
    instead of using the unique index of the filter)."""
    return next(iter(queryset[:1]), None)


def account_lock(member_id: int) -> Account:
    """Return the member's account locked FOR UPDATE, creating it on first use.

    Caller must be inside ``transaction.atomic()``.
    """
    account = first(Account.objects.select_for_update().filter(member_id=member_id))
    if account is None:
        Account.objects.get_or_create(member_id=member_id)
        account = Account.objects.select_for_update().get(member_id=member_id)
    return account


def accounts_lock(member_ids) -> dict[int, Account]:
    """Lock several members' accounts in primary-key order (no deadlocks).

    Returns {member_id: Account}. Caller must be inside ``transaction.atomic()``.
    """
    ids = sorted(set(member_ids))
    existing = set(
        Account.objects.filter(member_id__in=ids).values_list("member_id", flat=True)
    )
    for member_id in ids:
        if member_id not in existing:
            Account.objects.get_or_create(member_id=member_id)
    locked = (
        Account.objects.select_for_update().filter(member_id__in=ids).order_by("pk")
    )
    return {a.member_id: a for a in locked}


# --- expiry dates ---------------------------------------------------------


def _add_months(day, months: int):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def lot_expiry(earned_at: datetime, conf: PointsSettings | None = None) -> datetime:
    """When points earned at ``earned_at`` expire: the end of the last valid day.

    Rolling mode: ``expiry_months`` after earning; otherwise the end of the
    next calendar year. Days are local (Asia/Shanghai) days.
    """
    conf = conf or PointsSettings.current()
    local_day = timezone.localtime(earned_at).date()
    if conf.expiry_mode == PointsSettings.ExpiryMode.END_OF_NEXT_YEAR:
        last_day = local_day.replace(year=local_day.year + 1, month=12, day=31)
    else:
        last_day = _add_months(local_day, conf.expiry_months)
    return timezone.make_aware(datetime.combine(last_day, time.max))


# --- primitives (caller holds the account lock) ---------------------------


def _entry(account: Account, *, kind, points, reason, key, **extra) -> LedgerEntry:
    account.balance += points
    account.updated_at = extra.get("created_at") or timezone.now()
    account.save(update_fields=["balance", "updated_at"])
    return LedgerEntry.objects.create(
        account=account,
        kind=kind,
        points=points,
        balance_after=account.balance,
        reason=reason[:255],
        key=key,
        **extra,
    )


def _credit(
    account: Account,
    *,
    kind,
    points: int,
    reason: str,
    key: str,
    expires_at: datetime | None = None,
    now: datetime | None = None,
    **extra,
) -> LedgerEntry:
    """Credit ``points`` into a new lot; a debt is repaid first (lot gets the rest)."""
    now = now or timezone.now()
    repay = min(points, account.debt)
    entry = _entry(account, kind=kind, points=points, reason=reason, key=key, **extra)
    Lot.objects.create(
        account=account,
        entry=entry,
        amount=points,
        remaining=points - repay,
        earned_at=now,
        expires_at=expires_at or lot_expiry(now),
    )
    return entry


def _consume(account: Account, entry: LedgerEntry, points: int, first_lot_id=None):
    """Take ``points`` from open lots, soonest expiry first; record what was taken.

    ``first_lot_id`` is drained before the others (reversal of an earn takes
    the points back from the lot they created). Returns the points taken
    (less than asked only when the lots hold less).
    """
    lots = list(
        Lot.objects.filter(account=account, remaining__gt=0)
        .only("id", "remaining", "expires_at")
        .order_by("expires_at", "id")
    )
    if first_lot_id is not None:
        lots.sort(key=lambda lot: lot.id != first_lot_id)
    taken, changed, uses = 0, [], []
    for lot in lots:
        if taken == points:
            break
        take = min(lot.remaining, points - taken)
        lot.remaining -= take
        taken += take
        changed.append(lot)
        uses.append(LotUse(entry=entry, lot=lot, points=take))
    Lot.objects.bulk_update(changed, ["remaining"])
    LotUse.objects.bulk_create(uses)
    return taken


def expire_due_lots(account: Account, *, now: datetime | None = None) -> int:
    """Expire this account's lots whose expiry time has passed (expire-on-touch).

    Caller holds the account lock. Writes one ``expire`` entry for what was
    left in those lots and zeroes them, exactly like the nightly job: the lock
    and ``remaining > 0`` make each lot expire once, by whichever comes first.
    Returns the points expired (0 when nothing was due: no query writes).
    """
    now = now or timezone.now()
    due = Lot.objects.filter(account=account, remaining__gt=0, expires_at__lte=now)
    total = due.aggregate(s=Sum("remaining"))["s"] or 0
    if not total:
        return 0
    due.update(remaining=0)
    _entry(
        account,
        kind=Kind.EXPIRE,
        points=-total,
        reason=_("Points expired"),
        key=f"expire:{account.pk}:touch:{now.strftime('%Y%m%dT%H%M%S.%f')}",
        source_type="expiry",
        created_at=now,
    )
    return total


def _debit(
    account: Account, *, kind, points: int, reason: str, key: str, **extra
) -> LedgerEntry:
    """Debit ``points`` (> 0) that the balance covers.

    Expired lots are expired first, so points past their expiry are never
    spent even before the nightly job has run. Raises InsufficientPoints
    before writing anything of the debit itself.
    """
    expire_due_lots(account)
    if account.balance < points:
        raise InsufficientPoints(needed=points, available=account.balance)
    entry = _entry(account, kind=kind, points=-points, reason=reason, key=key, **extra)
    _consume(account, entry, points)
    return entry


def _existing(key: str) -> LedgerEntry | None:
    return first(LedgerEntry.objects.filter(key=key))


# --- public actions -------------------------------------------------------


def points_earn(
    *,
    member_id: int,
    points: int,
    reason: str,
    key: str,
    source_type: str = "",
    source_id: int | None = None,
    expires_at: datetime | None = None,
) -> LedgerEntry:
    """Credit ``points`` (> 0) as a new lot. A debt is repaid first.

    Idempotent per ``key``: a repeat returns the first entry, changing nothing.

    The hot path in SQL: one ``UPDATE ... RETURNING`` both locks the account
    and moves the balance; the entry is inserted ``ON CONFLICT (key) DO
    NOTHING`` (after the account lock, so a concurrent twin has committed or
    rolled back by then) together with its lot. A key already used rolls the
    transaction back and returns the first entry.
    """
    if points <= 0:
        raise ValueError("points must be positive")
    now = timezone.now()
    expires_at = expires_at or lot_expiry(now)
    try:
        with transaction.atomic():
            entry = _earn_sql(
                member_id,
                points,
                reason[:255],
                key,
                source_type,
                source_id,
                now,
                expires_at,
            )
            if entry is None:
                raise _KeyTaken
            return entry
    except _KeyTaken:
        return _existing(key)


class _KeyTaken(Exception):
    """Internal: the idempotency key is used; roll back and return that entry."""


_UPDATE_SQL = (
    "UPDATE points_account SET balance = balance + %s, updated_at = %s "
    "WHERE member_id = %s RETURNING id, balance"
)
_INSERT_ENTRY_SQL = (
    "INSERT INTO points_ledgerentry (account_id, kind, points, balance_after, "
    "source_type, source_id, key, reason, created_at) "
    "VALUES (%s, 'earn', %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (key) DO NOTHING RETURNING id"
)
_INSERT_LOT_SQL = (
    "INSERT INTO points_lot (account_id, entry_id, amount, remaining, earned_at, "
    "expires_at) VALUES (%s, %s, %s, %s, %s, %s)"
)
# PostgreSQL: entry and lot in one round trip.
_EARN_PG_SQL = (
    "WITH e AS (INSERT INTO points_ledgerentry (account_id, kind, points, "
    "balance_after, source_type, source_id, key, reason, created_at) "
    "VALUES (%s, 'earn', %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (key) DO NOTHING RETURNING id) "
    "INSERT INTO points_lot (account_id, entry_id, amount, remaining, earned_at, "
    "expires_at) SELECT %s, e.id, %s, %s, %s, %s FROM e RETURNING entry_id"
)


def _earn_sql(member_id, points, reason, key, source_type, source_id, now, expires_at):
    """Caller is inside ``transaction.atomic()``. None when ``key`` is taken."""
    ops = connection.ops
    at, until = (
        ops.adapt_datetimefield_value(now),
        ops.adapt_datetimefield_value(expires_at),
    )
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE_SQL, [points, at, member_id])
        row = cursor.fetchone()
        if row is None:  # first entry of this member: create the account
            Account.objects.get_or_create(member_id=member_id)
            cursor.execute(_UPDATE_SQL, [points, at, member_id])
            row = cursor.fetchone()
        account_id, balance = row
        remaining = points - min(points, max(points - balance, 0))
        entry_params = [
            account_id,
            points,
            balance,
            source_type,
            source_id,
            key,
            reason,
            at,
        ]
        lot_params = [account_id, points, remaining, at, until]
        if connection.vendor == "postgresql":
            cursor.execute(_EARN_PG_SQL, entry_params + lot_params)
            row = cursor.fetchone()
            if row is None:
                return None
            entry_id = row[0]
        else:
            cursor.execute(_INSERT_ENTRY_SQL, entry_params)
            row = cursor.fetchone()
            if row is None:
                return None
            entry_id = row[0]
            cursor.execute(
                _INSERT_LOT_SQL, [account_id, entry_id, points, remaining, at, until]
            )
    entry = LedgerEntry(
        id=entry_id,
        account_id=account_id,
        kind=Kind.EARN,
        points=points,
        balance_after=balance,
        source_type=source_type,
        source_id=source_id,
        key=key,
        reason=reason,
        created_at=now,
    )
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


def points_spend(
    *,
    member_id: int,
    points: int,
    reason: str,
    key: str,
    source_type: str = "",
    source_id: int | None = None,
) -> LedgerEntry:
    """Debit ``points`` (> 0), consuming lots that expire soonest first.

    Idempotent per ``key``. Raises InsufficientPoints when the balance is
    smaller (the balance never goes below zero by spending). Lots past their
    expiry are expired first in the same transaction; that expiry is kept
    even when the spend is then refused.
    """
    if points <= 0:
        raise ValueError("points must be positive")
    with transaction.atomic():
        account = account_lock(member_id)
        if (done := _existing(key)) is not None:
            return done
        try:
            return _debit(
                account,
                kind=Kind.REDEEM,
                points=points,
                reason=reason,
                key=key,
                source_type=source_type,
                source_id=source_id,
            )
        except InsufficientPoints as exc:  # commit the expiry, then refuse
            refused = exc
    raise refused


def points_adjust(
    *, member_id: int, points: int, reason: str, actor_id: int | None, key: str
) -> LedgerEntry:
    """A staff correction: credit (new lot) or debit (never below zero).

    ``reason`` is mandatory. Idempotent per ``key``.
    """
    if not points:
        raise PointsError(_("An adjustment needs a number of points other than 0."))
    if not (reason or "").strip():
        raise PointsError(_("An adjustment needs a reason."))
    with transaction.atomic():
        account = account_lock(member_id)
        if (done := _existing(key)) is not None:
            return done
        extra = {"actor_id": actor_id, "source_type": "adjustment"}
        if points > 0:
            return _credit(
                account,
                kind=Kind.ADJUST,
                points=points,
                reason=reason.strip(),
                key=key,
                **extra,
            )
        return _debit(
            account,
            kind=Kind.ADJUST,
            points=-points,
            reason=reason.strip(),
            key=key,
            **extra,
        )


def _restore(account: Account, original: LedgerEntry, points: int) -> int:
    """Put ``points`` back into the lots ``original`` took them from.

    Latest-expiring lots first. Returns the points restored. Points restored
    into a lot already past its expiry expire at the next expiry run.
    """
    uses = list(
        LotUse.objects.filter(entry=original)
        .select_related("lot")
        .order_by("-lot__expires_at", "-lot_id")
    )
    restored, changed_uses, changed_lots = 0, [], []
    for use in uses:
        if restored == points:
            break
        give = min(use.points - use.restored, points - restored)
        if give <= 0:
            continue
        use.restored += give
        use.lot.remaining += give
        restored += give
        changed_uses.append(use)
        changed_lots.append(use.lot)
    LotUse.objects.bulk_update(changed_uses, ["restored"])
    Lot.objects.bulk_update(changed_lots, ["remaining"])
    return restored


def reversible_points(entry: LedgerEntry) -> int:
    """How many points of ``entry`` are not reversed yet."""
    done = entry.reversals.aggregate(s=Sum("points"))["s"] or 0
    return abs(entry.points) - abs(done)


def points_reverse(
    *, entry_id: int, reason: str, key: str, points: int | None = None, actor_id=None
) -> LedgerEntry:
    """Undo an earn, redeem or adjust entry, fully (``points=None``) or partly.

    Reversing a credit takes the points back from its lot first, then from
    other lots; what the lots cannot cover becomes a debt (the only way a
    balance goes below zero). Reversing a debit gives the points back to the
    lots they came from, repaying any debt first. Idempotent per ``key``.
    """
    account_id = (
        LedgerEntry.objects.filter(pk=entry_id)
        .values_list("account__member_id", flat=True)
        .first()
    )
    if account_id is None:
        raise NothingToReverse()
    with transaction.atomic():
        account = account_lock(account_id)
        if (done := _existing(key)) is not None:
            return done
        original = LedgerEntry.objects.get(pk=entry_id)
        if original.kind in (Kind.EXPIRE, Kind.REVERSE):
            raise NotReversible()
        left = reversible_points(original)
        amount = left if points is None else points
        if amount <= 0 or amount > left:
            raise NothingToReverse()
        extra = {
            "reverses": original,
            "actor_id": actor_id,
            "source_type": original.source_type,
            "source_id": original.source_id,
        }
        if original.points > 0:
            entry = _entry(
                account,
                kind=Kind.REVERSE,
                points=-amount,
                reason=reason,
                key=key,
                **extra,
            )
            lot_id = Lot.objects.filter(entry=original).values_list("id", flat=True)
            _consume(
                account,
                entry,
                min(amount, max(account.balance + amount, 0)),
                first_lot_id=first(lot_id),
            )
            return entry
        repay = min(amount, account.debt)
        entry = _entry(
            account, kind=Kind.REVERSE, points=amount, reason=reason, key=key, **extra
        )
        rest = amount - repay
        if rest:
            restored = _restore(account, original, rest)
            if restored < rest:  # nothing recorded to restore into: a fresh lot
                now = timezone.now()
                Lot.objects.create(
                    account=account,
                    entry=entry,
                    amount=rest - restored,
                    remaining=rest - restored,
                    earned_at=now,
                    expires_at=lot_expiry(now),
                )
        return entry


def points_account_close(*, member_id: int) -> LedgerEntry | None:
    """A closed member's account: forfeit the positive balance, cancel pending.

    One ``expire`` entry (reason "Account closed", key ``closed:<member_id>``)
    takes what is left in the lots; pending purchase points are cancelled
    without an entry. A debt stays as it is (nothing is forfeited and nothing
    is forgiven). Idempotent: a second call changes nothing and returns the
    first entry (None when there was nothing to forfeit).
    """

    key = f"closed:{member_id}"
    with transaction.atomic():
        account = account_lock(member_id)
        Purchase.objects.filter(
            member_id=member_id, pending_state=Purchase.PendingState.PENDING
        ).update(pending_state=Purchase.PendingState.CANCELLED)
        if (done := _existing(key)) is not None:
            return done
        if account.balance <= 0:
            return None
        lots = Lot.objects.filter(account=account, remaining__gt=0)
        lots.update(remaining=0)
        return _entry(
            account,
            kind=Kind.EXPIRE,
            points=-account.balance,
            reason=_("Account closed"),
            key=key,
            source_type="closure",
        )
