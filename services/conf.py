"""Settings of the services app with their defaults (override in settings)."""

from decimal import Decimal

from django.conf import settings

DEFAULTS = {
    # Regular members book up to this many days ahead; tiers add priority days.
    "SERVICES_BOOKING_DAYS_AHEAD": 14,
    # The earliest bookable day, counted from today (1 = tomorrow).
    "SERVICES_BOOKING_LEAD_DAYS": 1,
    # Members may cancel or reschedule until this many hours before the slot.
    "SERVICES_CANCEL_CUTOFF_HOURS": 24,
    # Peak months reserve a share of every slot for the top tiers.
    "SERVICES_PEAK_MONTHS": (9, 10, 11),
    "SERVICES_PEAK_RESERVED_SHARE": Decimal("0.25"),
    "SERVICES_PEAK_TOP_TIER_MIN_RANK": 2,
    # Slot generation: how many weeks ahead the templates are rolled out.
    "SERVICES_SLOT_WEEKS_AHEAD": 6,
    # Month (1-12) of the annual health-check reminder before the heating season.
    "SERVICES_ANNUAL_CHECK_REMINDER_MONTH": 9,
    # Months after the last service when the follow-up reminder goes out.
    "SERVICES_FOLLOW_UP_MONTHS": 11,
    # Warranty before the tier's extension.
    "SERVICES_BASE_WARRANTY_MONTHS": 24,
    # Emergency response target when the member's tier grants none.
    "SERVICES_EMERGENCY_DEFAULT_RESPONSE_HOURS": 48,
    # Uploads.
    "SERVICES_UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    "SERVICES_UPLOAD_MAX_PIXELS": 40_000_000,
    "SERVICES_PHOTOS_PER_BOOKING": 12,
    "SERVICES_THUMBNAIL_SIZE": (320, 320),
    # Points custom-event codes (earning rules in points).
    "SERVICES_ON_TIME_EVENT_CODE": "on_time_maintenance",
    "SERVICES_REVIEW_PHOTO_EVENT_CODE": "review_photos",
    # Growth dimension and value (tiers) for a completed service.
    "SERVICES_GROWTH_DIMENSION": "interaction",
    "SERVICES_GROWTH_SOURCE": "activity",
    "SERVICES_GROWTH_VALUE": 40,
    "SERVICES_REVIEW_GROWTH_VALUE": 80,
    # When the slots of a period start (local hour), for the cut-off.
    "SERVICES_PERIOD_START_HOURS": {"morning": 9, "afternoon": 14},
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])
