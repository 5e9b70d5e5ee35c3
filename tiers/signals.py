"""Events the tiers app announces. Higher apps connect in AppConfig.ready().

``points_award_requested`` asks the points app (which tiers must not import) to
credit points, e.g. an upgrade gift or birthday points. Receivers must be
idempotent by ``key``. Sent inside the transaction of the causing event, so a
receiver's write commits or rolls back with it.

Arguments: member_id: int, points: int, reason: str, key: str, source: str
"""

from django.dispatch import Signal

points_award_requested = Signal()
# member_id, old_tier_code, new_tier_code, reason — sent after commit
tier_changed = Signal()
