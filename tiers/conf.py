"""The tiers programme's settings (business knobs that are not operator data).

Each is read with ``getattr(settings, NAME, default)``; docs/tiers.md lists them.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

ROLLING = "rolling"
CALENDAR = "calendar"

# Raw values of the sources with a fixed size (a caller may pass its own).
DEFAULT_RAW = {
    "order": Decimal("20"),  # per purchase, on top of the amount
    "purchase_category": Decimal("20"),  # per product category new in the window
    "sign_in": Decimal("20"),
    "activity": Decimal("40"),
    "survey": Decimal("40"),
    "referral": Decimal("160"),
    "share": Decimal("16"),
    "review_photo": Decimal("80"),
    "tenure": Decimal("40"),  # per month, for members of more than a year
    "high_tier": Decimal("80"),  # per month at gold or above
}


def window_mode() -> str:
    mode = getattr(settings, "TIERS_QUALIFICATION_WINDOW", ROLLING)
    return CALENDAR if mode == CALENDAR else ROLLING


def raw_value(name: str) -> Decimal:
    overrides = getattr(settings, "TIERS_GROWTH_RAW", {}) or {}
    return Decimal(str(overrides.get(name, DEFAULT_RAW[name])))


def warning_days() -> int:
    return int(getattr(settings, "TIERS_DOWNGRADE_WARNING_DAYS", 30))


def dormancy_days() -> int:
    return int(getattr(settings, "TIERS_DORMANCY_DAYS", 180))


# Monthly decay is spread over the month: member N decays on day N % 28 + 1.
DECAY_SPREAD_DAYS = 28


def decay_day(member_id: int) -> int:
    """The day of the month on which a dormant member's monthly decay falls."""
    return member_id % DECAY_SPREAD_DAYS + 1


def decay_percent() -> int:
    return int(getattr(settings, "TIERS_DECAY_PERCENT", 10))


def high_tier_min_rank() -> int:
    return int(getattr(settings, "TIERS_HIGH_TIER_MIN_RANK", 2))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def today() -> dt.date:
    return timezone.localdate()


def sign_in_key(member_id: int, day: dt.date | None = None) -> str:
    """Idempotency key of a member's daily sign-in (one per local calendar day)."""
    return f"sign-in:{member_id}:{(day or today()).isoformat()}"


def window_first_day(day: dt.date | None = None) -> dt.date:
    """The first day of the qualification window that ends on ``day`` (inclusive).

    Rolling: the 12 months ending on ``day`` (2026-11-22 -> from 2025-11-23).
    Calendar: 1 January of ``day``'s year.
    """
    day = day or today()
    if window_mode() == CALENDAR:
        return dt.date(day.year, 1, 1)
    return add_years(day, -1) + dt.timedelta(days=1)


def start_of_day(day: dt.date) -> dt.datetime:
    """Local midnight of ``day`` as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def window_start(day: dt.date | None = None) -> dt.datetime:
    return start_of_day(window_first_day(day))


def term_end(day: dt.date | None = None) -> dt.date:
    """When a 12-month term starting on ``day`` ends."""
    return add_years(day or today(), 1)
