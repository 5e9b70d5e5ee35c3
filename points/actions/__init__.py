"""Every write of the points app. Keyword-only, one transaction each.

The seams other apps call (see docs/architecture.md) are re-exported here.
"""

from .expiry import expiry_reminders_send, points_expire_due, points_reconcile
from .ledger import (
    account_lock,
    accounts_lock,
    expire_due_lots,
    lot_expiry,
    points_account_close,
    points_adjust,
    points_earn,
    points_reverse,
    points_spend,
    reversible_points,
)
from .purchases import (
    PurchasePreview,
    purchase_preview,
    purchase_record,
    purchase_refund,
    purchase_release_pending,
    redemption_value,
    release_due_pending,
)
from .rules import (
    BulkAwardResult,
    custom_event_bulk_award,
    custom_event_record,
    points_award_requested_receive,
    registration_bonus_award,
)

__all__ = [
    "BulkAwardResult",
    "PurchasePreview",
    "account_lock",
    "accounts_lock",
    "custom_event_bulk_award",
    "custom_event_record",
    "expire_due_lots",
    "expiry_reminders_send",
    "lot_expiry",
    "points_account_close",
    "points_adjust",
    "points_award_requested_receive",
    "points_earn",
    "points_expire_due",
    "points_reconcile",
    "points_reverse",
    "points_spend",
    "purchase_preview",
    "purchase_record",
    "purchase_refund",
    "purchase_release_pending",
    "redemption_value",
    "registration_bonus_award",
    "release_due_pending",
    "reversible_points",
]
