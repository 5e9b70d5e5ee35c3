"""Event tickets bought in the rewards catalogue (积分商城) become event places.

Registered with ``points.rewards.registry.register_fulfiller("event_ticket", ...)``
in ``PrivilegesConfig.ready()``. Both callbacks run inside the rewards
transaction; a refusal rolls the whole redemption (or cancellation) back.
"""

from django.utils.translation import gettext as _

from points.rewards.exceptions import FulfilmentRefused

from . import actions
from .exceptions import PrivilegeError
from .models import EventSignup, MemberEvent


def _ref_key(redemption_id: int) -> str:
    return f"redemption:{redemption_id}"


def ticket_issue(
    *, redemption_id: int, member_id: int, item_code: str, quantity: int, params: dict
) -> None:
    """Sign the member up to the event named by ``params["event_id"]``."""
    event_id = params.get("event_id")
    if (
        not isinstance(event_id, int)
        or not MemberEvent.objects.filter(pk=event_id).exists()
    ):
        raise FulfilmentRefused(_("This ticket is for an event that does not exist."))
    if quantity != 1:
        raise FulfilmentRefused(_("A member can hold one ticket per event."))
    if EventSignup.objects.filter(
        event_id=event_id, member_id=member_id, status=EventSignup.Status.CONFIRMED
    ).exists():
        raise FulfilmentRefused(_("You already have a place at this event."))
    try:
        actions.event_signup(
            event_id=event_id,
            member_id=member_id,
            source=EventSignup.Source.TICKET,
            ref_key=_ref_key(redemption_id),
        )
    except PrivilegeError as exc:
        raise FulfilmentRefused(exc.message) from exc


def ticket_cancel(*, redemption_id: int) -> None:
    """Free the place a ticket paid for; refused once sign-up has closed."""
    signup = EventSignup.objects.filter(ref_key=_ref_key(redemption_id)).first()
    if signup is None:
        return
    try:
        actions.event_signup_cancel(signup_id=signup.pk)
    except PrivilegeError as exc:
        raise FulfilmentRefused(exc.message) from exc
