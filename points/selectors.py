"""Reads of the points app: pages, the dealer API and the admin share these."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Min, Sum
from django.utils import timezone

from .models import Account, LedgerEntry, Lot, Purchase


@dataclass
class PointsSummary:
    balance: int
    debt: int
    pending: int
    next_expiry_points: int
    next_expiry_at: dt.datetime | None

    @property
    def available(self) -> int:
        return max(self.balance, 0)


def balance_for_member(member_id: int) -> int:
    """The member's cached balance (0 before the first entry)."""
    rows = Account.objects.filter(member_id=member_id).values_list("balance", flat=True)
    return next(iter(rows[:1]), 0)


def pending_for_member(member_id: int) -> int:
    return (
        Purchase.objects.filter(
            member_id=member_id, pending_state=Purchase.PendingState.PENDING
        ).aggregate(s=Sum(F("points_earned") - F("points_reversed")))["s"]
        or 0
    )


def next_expiry(account_id: int | None, *, now=None) -> tuple[int, dt.datetime | None]:
    """(points, when) of the soonest expiry still ahead; (0, None) when none."""
    if account_id is None:
        return 0, None
    now = now or timezone.now()
    lots = Lot.objects.filter(
        account_id=account_id, remaining__gt=0, expires_at__gt=now
    )
    first = lots.aggregate(at=Min("expires_at"))["at"]
    if first is None:
        return 0, None
    points = lots.filter(expires_at=first).aggregate(s=Sum("remaining"))["s"] or 0
    return points, first


def _account(member_id: int) -> Account | None:
    """The member's account (id and balance only); None before the first entry."""
    return next(
        iter(Account.objects.filter(member_id=member_id).only("id", "balance")[:1]),
        None,
    )


def summary_for_member(member_id: int) -> PointsSummary:
    account = _account(member_id)
    balance = account.balance if account else 0
    points, at = next_expiry(account.pk if account else None)
    return PointsSummary(
        balance=balance,
        debt=max(-balance, 0),
        pending=pending_for_member(member_id),
        next_expiry_points=points,
        next_expiry_at=at,
    )


def history_for_member(member_id: int):
    """The member's ledger, newest first."""
    return (
        LedgerEntry.objects.filter(account__member_id=member_id)
        .only("kind", "points", "balance_after", "reason", "created_at")
        .order_by("-created_at", "-id")
    )


def pending_purchases_for_member(member_id: int):
    return Purchase.objects.filter(
        member_id=member_id, pending_state=Purchase.PendingState.PENDING
    ).order_by("pending_until", "id")


def home_card_context(request) -> dict:
    member = getattr(request.user, "member", None)
    if member is None:
        return {}
    return {"points": summary_for_member(member.pk)}


def member_export_section(member) -> dict:
    """The points part of the member's data export (``/me/export/``): 4 queries."""
    account = _account(member.pk)
    balance = account.balance if account else 0
    lots = Lot.objects.filter(account=account).order_by("earned_at", "id")
    entries = LedgerEntry.objects.filter(account=account).order_by("created_at", "id")
    return {
        "balance": balance,
        "debt": max(-balance, 0),
        "pending": pending_for_member(member.pk),
        "lots": [
            {
                "amount": amount,
                "remaining": remaining,
                "earned_at": earned_at.isoformat(),
                "expires_at": expires_at.isoformat(),
            }
            for amount, remaining, earned_at, expires_at in (
                lots.values_list("amount", "remaining", "earned_at", "expires_at")
                if account
                else []
            )
        ],
        "ledger": [
            {
                "kind": kind,
                "points": points,
                "balance_after": balance_after,
                "reason": reason,
                "source": f"{source_type} {source_id}".strip()
                if source_id
                else source_type,
                "at": created_at.isoformat(),
            }
            for kind, points, balance_after, reason, source_type, source_id, created_at in (
                entries.values_list(
                    "kind",
                    "points",
                    "balance_after",
                    "reason",
                    "source_type",
                    "source_id",
                    "created_at",
                )
                if account
                else []
            )
        ],
    }
