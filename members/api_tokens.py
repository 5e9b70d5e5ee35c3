"""API tokens of dealer staff users (DRF authtoken): create, rotate, revoke.

A token acts for the user's dealer in the dealer API (``/api/v1/``). Only a
staff user of a dealer may hold one; each user has at most one token, so a
rotation replaces the key and the old key stops working at once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from .exceptions import MembersError
from .models import User


class NotDealerStaff(MembersError):
    """The user is not an active staff user of a dealer."""


def _dealer_staff(user_id: int) -> User:
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None or user.dealer_id is None or not user.is_active:
        raise NotDealerStaff(
            _("Only an active staff user of a dealer can hold an API token.")
        )
    return user


def api_token_create(*, user_id: int) -> Token:
    """The user's token, created if there is none (idempotent).

    Raises NotDealerStaff for a user without a dealer or an inactive user.
    """
    with transaction.atomic():
        user = _dealer_staff(user_id)
        token, _created = Token.objects.get_or_create(user=user)
    return token


def api_token_rotate(*, user_id: int) -> Token:
    """Replace the user's token by a new key; the old key stops working."""
    with transaction.atomic():
        user = _dealer_staff(user_id)
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
    return token


def api_token_revoke(*, user_id: int) -> bool:
    """Delete the user's token; True if there was one. Works for any user,
    so a token of someone who left a dealer can always be revoked."""
    with transaction.atomic():
        deleted, _counts = Token.objects.filter(user_id=user_id).delete()
    return deleted > 0


def dealer_with_staff_create(
    *,
    name: str,
    username: str,
    code: str = "",
    city: str = "",
    password: str | None = None,
) -> Token:
    """Create a dealer, a staff user of it and the user's API token.

    ``code`` defaults to a slug of the username. Raises NotDealerStaff when
    the username or the code is taken (nothing is created then).
    """
    from django.utils.text import slugify

    from .models import Dealer

    code = slugify(code or username)[:40] or "dealer"
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise NotDealerStaff(_("The username %(u)s is taken.") % {"u": username})
        if Dealer.objects.filter(code=code).exists():
            raise NotDealerStaff(_("The dealer code %(c)s is taken.") % {"c": code})
        dealer = Dealer.objects.create(name=name, code=code, city=city)
        user = User.objects.create_user(
            username=username, password=password, name=name, dealer=dealer
        )
        token = Token.objects.create(user=user)
    return token
