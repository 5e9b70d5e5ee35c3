"""Errors a member, dealer or operator can cause. Messages are translated."""

from django.utils.translation import gettext_lazy as _


class PrivilegeError(Exception):
    """Base class: ``message`` is safe to show to the user."""

    default_message = _("This privilege cannot be used.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NotEntitled(PrivilegeError):
    default_message = _("Your membership tier does not include this privilege.")


class QuotaExhausted(PrivilegeError):
    default_message = _("You have used up this privilege for the current period.")


class EventError(PrivilegeError):
    default_message = _("This event sign-up is not possible.")


class EventFull(EventError):
    default_message = _("Sorry, this event is fully booked.")


class EventClosed(EventError):
    default_message = _("Sign-up for this event is closed.")


class EventNotEligible(EventError):
    default_message = _("This event is open to a higher membership tier.")
