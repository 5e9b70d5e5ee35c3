"""Errors a member or an operator can cause in the tiers app."""

from django.utils.translation import gettext_lazy as _


class TiersError(Exception):
    default_message = _("The tier request could not be completed.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class AlreadyTopTier(TiersError):
    default_message = _("You already hold the highest tier.")


class InvalidGrowth(TiersError):
    default_message = _("This growth record is not valid.")


class ReasonRequired(TiersError):
    default_message = _("A reason is required for a manual tier change.")


class SameTier(TiersError):
    default_message = _("The member already holds this tier.")
