"""Private helpers shared by the services actions: who acts, the booking
state machine and the booking row lock.

Each helper runs inside the caller's transaction and neither commits nor
sends anything:

- ``_actor(actor_id)`` turns an active user into an ``Actor`` (``None`` is
  the system: tasks and receivers, trusted as a dispatcher); raises
  NotAllowed for an unknown or inactive user.
- ``_check_transition(booking, action)`` raises InvalidTransition unless
  ``TRANSITIONS`` lets ``action`` start from the booking's status.
- ``_require_dispatcher(actor)`` raises NotAllowed for anyone but a
  dispatcher; ``_member_side_allowed(actor, booking)`` is true for the
  member, the booking's dealer's staff and dispatchers.
- ``_locked_booking(booking_id)`` re-fetches the booking with
  ``select_for_update`` (caller holds the transaction); raises NotAllowed
  when there is no such booking.
- ``_now_field(booking, field)`` stamps ``field`` with ``timezone.now()``
  (not saved) and returns that time.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from members.models import Member, User

from ..exceptions import InvalidTransition, NotAllowed
from ..models import Booking

S = Booking.Status


# The state machine: action -> statuses it may start from.
TRANSITIONS = {
    "confirm": {S.REQUESTED},
    "assign": {S.CONFIRMED, S.ASSIGNED},
    "start": {S.ASSIGNED},
    "complete": {S.ASSIGNED, S.IN_PROGRESS},
    "no_show": {S.CONFIRMED, S.ASSIGNED},
    "cancel": {S.REQUESTED, S.CONFIRMED, S.ASSIGNED},
    "reschedule": {S.REQUESTED, S.CONFIRMED, S.ASSIGNED},
}


@dataclass(frozen=True)
class Actor:
    """Who acts: None is the system (tasks, receivers), trusted."""

    user: User | None

    @property
    def is_system(self) -> bool:
        return self.user is None

    @property
    def is_dispatcher(self) -> bool:
        return self.user is None or (self.user.is_staff and self.user.dealer_id is None)


def _actor(actor_id: int | None) -> Actor:
    if actor_id is None:
        return Actor(None)
    user = User.objects.filter(pk=actor_id, is_active=True).first()
    if user is None:
        raise NotAllowed()
    return Actor(user)


def _check_transition(booking: Booking, action: str) -> None:
    if booking.status not in TRANSITIONS[action]:
        raise InvalidTransition(
            _("A booking that is %(status)s cannot be %(action)s.")
            % {"status": booking.get_status_display(), "action": _ACTION_NAMES[action]}
        )


_ACTION_NAMES = {
    "confirm": pgettext_lazy("booking action", "confirmed"),
    "assign": pgettext_lazy("booking action", "assigned"),
    "start": pgettext_lazy("booking action", "started"),
    "complete": pgettext_lazy("booking action", "completed"),
    "no_show": pgettext_lazy("booking action", "marked as no-show"),
    "cancel": pgettext_lazy("booking action", "cancelled"),
    "reschedule": pgettext_lazy("booking action", "rescheduled"),
}


def _require_dispatcher(actor: Actor) -> None:
    if not actor.is_dispatcher:
        raise NotAllowed(_("Only a dispatcher may do this."))


def _member_side_allowed(actor: Actor, booking: Booking) -> bool:
    """The member, the booking's dealer's staff, or a dispatcher."""
    if actor.is_dispatcher:
        return True
    user = actor.user
    if user.dealer_id is not None:
        return booking.dealer_id == user.dealer_id
    return Member.objects.filter(pk=booking.member_id, user_id=user.pk).exists()


def _locked_booking(booking_id: int) -> Booking:
    try:
        return Booking.objects.select_for_update().get(pk=booking_id)
    except Booking.DoesNotExist:
        raise NotAllowed(_("No such booking.")) from None


def _now_field(booking: Booking, field: str):
    now = timezone.now()
    setattr(booking, field, now)
    return now
