"""Who may call the dealer API: active staff users of an active dealer, by token."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import BasePermission


class DealerTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` of a dealer staff user.

    A token of a user without a dealer, of an inactive user or of an inactive
    dealer is refused with 401, exactly like an unknown token.
    """

    def authenticate_credentials(self, key):
        model = self.get_model()
        token = (
            model.objects.select_related("user__dealer")
            .filter(key=key, user__is_active=True)
            .first()
        )
        if (
            token is None
            or token.user.dealer_id is None
            or not token.user.dealer.is_active
        ):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return (token.user, token)


class IsDealerStaff(BasePermission):
    """The request carries a valid dealer token (see DealerTokenAuthentication)."""

    message = _("Authentication credentials were not provided.")

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and getattr(user, "dealer_id", None) is not None
        )


def request_dealer_id(request) -> int:
    """The dealer the caller acts for (the permission guarantees there is one)."""
    return request.user.dealer_id
