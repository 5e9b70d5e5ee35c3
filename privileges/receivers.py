"""Receivers of lower apps' events. Connected in PrivilegesConfig.ready()."""

import logging

from . import actions, selectors
from .exceptions import PrivilegeError
from .models import Privilege

log = logging.getLogger(__name__)


def count_birthday_gift(sender, *, member_id, key, source, **kwargs):
    """Tiers sends birthday wishes and points: count it as a use of the member's
    birthday privilege, so the usage report shows it. Runs inside the tiers
    transaction; never fails it (a member without the privilege is skipped).
    """
    if source != "birthday":
        return
    codes = [
        e.code
        for e in selectors.member_entitlements(member_id)
        if e.kind == Privilege.Kind.BIRTHDAY_GIFT
    ]
    if not codes:
        return
    try:
        actions.privilege_use(
            member_id=member_id,
            privilege_code=codes[0],
            key=f"privilege:{key}",
            ref_type="tiers.birthday",
        )
    except PrivilegeError as exc:  # e.g. a quota an operator set on it
        log.info("birthday privilege not counted for %s: %s", member_id, exc)


def on_member_closed(sender, *, member_id, **kwargs):
    """The account was closed: free its places at future events."""
    actions.member_event_signups_close(member_id=member_id)


def count_purchase_discount(
    sender, *, purchase_id, member_id, dealer_id=None, **kwargs
):
    """A dealer recorded a purchase for a member whose tier has a member
    discount: the dealer saw that discount through the API and applied it at
    the till, so the purchase counts as a use of the discount privilege.
    Runs inside the purchase transaction; never refuses the purchase.
    """
    if dealer_id is None:
        return
    actions.privilege_kind_use(
        member_id=member_id,
        kind=Privilege.Kind.DISCOUNT_PERCENT,
        key=f"purchase:{purchase_id}:discount",
        ref_type="points.purchase",
        ref_id=purchase_id,
    )
