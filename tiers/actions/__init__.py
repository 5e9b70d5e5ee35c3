"""Every write of the tiers app (keyword-only, one transaction each).

``growth``: growth events, purchases, upgrades, bought and manual changes.
``periodic``: what the beat schedule runs.
"""

from .growth import (  # noqa: F401
    SYSTEM_SOURCES,
    growth_record,
    purchase_growth_record,
    purchase_growth_reverse,
    qualified_tier,
    retention_met,
    sign_in_record,
    tier_change_manual,
    tier_upgrade_buy,
    weighted_value,
    weights_current,
)
from .periodic import (  # noqa: F401
    birthday_points_award,
    downgrade_warnings_send,
    loyalty_growth_award,
    tier_changes_announce,
    tiers_recalculate,
)
