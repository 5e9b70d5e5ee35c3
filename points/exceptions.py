"""Errors a member, operator or dealer can cause with points.

Each carries a translated, person-readable ``message``; views, the admin and
the dealer API turn them into a form error, an admin message or a 4xx.
"""

from django.utils.translation import gettext_lazy as _


class PointsError(Exception):
    """Base of every points domain error."""

    default_message = _("This points operation cannot be completed.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))

    def __str__(self):
        return str(self.message)


class InsufficientPoints(PointsError):
    """The available balance is smaller than the points asked for."""

    def __init__(self, *, needed: int, available: int, message=None):
        self.needed = needed
        self.available = available
        super().__init__(
            message
            or _("Insufficient points: %(needed)s needed, %(available)s available.")
            % {"needed": needed, "available": max(available, 0)}
        )


class NothingToReverse(PointsError):
    default_message = _("This entry has nothing left to reverse.")


class NotReversible(PointsError):
    default_message = _("This kind of entry cannot be reversed.")


class UnknownEvent(PointsError):
    default_message = _("No earning rule exists for this event code.")


class RefundRefused(PointsError):
    default_message = _("This purchase cannot be refunded as asked.")


class PurchaseRejected(PointsError):
    """A purchase cannot be recorded; ``field`` names the input at fault.

    Receivers of ``points.signals.purchase_recorded`` raise it to refuse a
    purchase (the whole transaction rolls back).
    """

    def __init__(self, field: str, message=None):
        self.field = field
        super().__init__(message or _("This purchase cannot be recorded."))


class DuplicateOrder(PurchaseRejected):
    """The order number is already recorded for this dealer or channel."""

    def __init__(self, message=None):
        super().__init__(
            "order_no",
            message or _("This order number is already recorded."),
        )
