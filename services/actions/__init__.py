"""Every write of the services app. Keyword-only, one transaction each.

Capacity: a booking holds ``units`` of its slot. Every action that takes or
gives back capacity locks the slot row (``select_for_update``) first, then
moves ``Slot.booked`` with an ``F()`` update; the ``slot_not_overbooked``
check constraint refuses ``booked > capacity`` even if a code path forgot the
lock. Several slots (reschedule) are locked in primary-key order.

Technicians: ``booking_assign`` locks the slot, checks, and the partial unique
constraint ``booking_technician_once_per_slot`` is the final word.

The actions live in submodules and are re-exported here, so callers write
``from services import actions`` / ``actions.booking_create(...)``:

- ``bookings``: create, cancel, reschedule, change details; cancel the
  bookings of a closed account.
- ``dispatch``: confirm, assign, start, complete, no-show.
- ``media``: photos attached to bookings.
- ``reviews``: review invitations and reviews.
- ``products``: registered products and warranty.
- ``slots``: the booking window, capacity, slot generation.
- ``reminders``: the annual-check and follow-up reminders.
- ``_common`` (actor, state machine, booking lock) and ``_benefits`` (free
  service, voucher, points payment): private helpers.

A test that replaces an action another action calls patches the submodule
that calls it (e.g. ``services.actions.bookings.booking_cancel``), not this
package.
"""

from ._common import TRANSITIONS, Actor
from .bookings import (
    CLOSURE_REASON,
    booking_cancel,
    booking_create,
    booking_details_update,
    booking_reschedule,
    member_bookings_close,
)
from .dispatch import (
    booking_assign,
    booking_complete,
    booking_confirm,
    booking_mark_no_show,
    booking_start,
)
from .media import booking_photo_add
from .products import add_months, product_register, products_installed, warranty_end
from .reminders import (
    REMINDER_BATCH,
    annual_check_reminders_send,
    follow_up_reminders_send,
    season_of,
)
from .reviews import review_create, review_invite
from .slots import (
    booking_window,
    reserved_units,
    slot_capacity_set,
    slots_generate,
    units_open_to,
)

__all__ = [
    "CLOSURE_REASON",
    "REMINDER_BATCH",
    "TRANSITIONS",
    "Actor",
    "add_months",
    "annual_check_reminders_send",
    "booking_assign",
    "booking_cancel",
    "booking_complete",
    "booking_confirm",
    "booking_create",
    "booking_details_update",
    "booking_mark_no_show",
    "booking_photo_add",
    "booking_reschedule",
    "booking_start",
    "booking_window",
    "follow_up_reminders_send",
    "member_bookings_close",
    "product_register",
    "products_installed",
    "reserved_units",
    "review_create",
    "review_invite",
    "season_of",
    "slot_capacity_set",
    "slots_generate",
    "units_open_to",
    "warranty_end",
]
