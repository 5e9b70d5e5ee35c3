"""Errors a member, operator or dealer can cause in the rewards catalogue.

Each carries a message meant for a person; views, the admin and the API turn
them into a form error, an admin message or a 4xx response.
"""

from django.utils.translation import gettext_lazy as _


class RewardsError(Exception):
    """Base of every rewards domain error."""

    default_message = _("This request cannot be completed.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))

    def __str__(self):
        return str(self.message)


class RedemptionRefused(RewardsError):
    """A redemption cannot be placed (limits, stock, window, tier, points)."""

    default_message = _("This reward cannot be redeemed.")


class OutOfStock(RedemptionRefused):
    default_message = _("Sorry, this reward is out of stock.")


class LimitReached(RedemptionRefused):
    default_message = _("You have reached the limit for this reward.")


class NotOnSale(RedemptionRefused):
    default_message = _("This reward is not on sale right now.")


class TierTooLow(RedemptionRefused):
    default_message = _("Your tier is too low for this reward.")


class NotEnoughPoints(RedemptionRefused):
    default_message = _("You do not have enough points for this reward.")


class FulfilmentRefused(RedemptionRefused):
    """Raised by a registered fulfiller to refuse a redemption or a cancellation.

    Higher apps (privileges, services) raise this, or a subclass, from the
    callbacks they register in ``points.rewards.registry``; the message is
    shown to the member or operator as it is.
    """

    default_message = _("This reward cannot be granted right now.")


class NotCancellable(RewardsError):
    default_message = _("This redemption can no longer be cancelled.")


class NotFulfillable(RewardsError):
    default_message = _("Only a placed redemption can be marked fulfilled.")


class VoucherError(RewardsError):
    """A voucher cannot be used as asked."""

    default_message = _("This voucher cannot be used.")


class VoucherNotFound(VoucherError):
    default_message = _("No voucher has this code.")


class VoucherUnavailable(VoucherError):
    """Used, expired, reserved for a booking or void: a 409 at the API."""

    default_message = _("This voucher has already been used or is no longer valid.")


class VoucherExpired(VoucherUnavailable):
    default_message = _("This voucher has expired.")


class VoucherAlreadyUsed(VoucherUnavailable):
    default_message = _("This voucher has already been used.")


class VoucherMismatch(VoucherError):
    """The voucher does not fit the use (wrong member, wrong kind, wrong service)."""

    default_message = _("This voucher cannot be used for this.")
