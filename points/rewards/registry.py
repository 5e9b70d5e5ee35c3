"""Fulfilment registry: how higher apps grant rewards that points cannot import.

The rewards catalogue belongs to ``points``, which must never import
``privileges`` or ``services``. Kinds whose grant lives in a higher app are
fulfilled through callbacks those apps register here, from their
``AppConfig.ready()``::

    from points.rewards.registry import register_fulfiller

    class PrivilegesConfig(AppConfig):
        def ready(self):
            from . import rewards_fulfilment

            register_fulfiller(
                "event_ticket",
                fulfil=rewards_fulfilment.ticket_issue,
                cancel=rewards_fulfilment.ticket_cancel,
            )

Kinds (``points.rewards.models.RewardItem.Kind`` values):

- ``"event_ticket"``: registered by privileges. REQUIRED: without a fulfiller
  an event ticket cannot be redeemed (the member is told it is not available).
- ``"service_voucher"``: registered by services. OPTIONAL: the voucher itself
  is created by the catalogue; the callback may check the service type (and
  refuse) or record anything it needs.
- ``"physical_gift"``, ``"cash_voucher"``, ``"tier_upgrade"`` are fulfilled by
  the catalogue itself; registering for them is allowed but not needed.

Callback contract
-----------------

``fulfil(*, redemption_id: int, member_id: int, item_code: str, quantity: int,
params: dict) -> None``

    Called INSIDE the ``redemption_place`` transaction, after the points were
    debited, the stock decremented, the ``Redemption`` row (``redemption_id``)
    and its vouchers created, with the item and the member's points account
    locked. Do the grant in the same transaction (no ``atomic`` of your own
    needed; a nested one is fine). ``params`` is a plain dict of JSON values:

    - event ticket: ``{"event_id": int}`` (the privileges member event id,
      a plain integer the operator typed on the item);
    - service voucher: ``{"service_type_code": str, "voucher_codes": [str]}``
      (``annual_check`` / ``pipe_cleaning`` / ``system_optimisation``).

    To REFUSE (event full, event over, service type unknown...), raise
    ``points.rewards.exceptions.FulfilmentRefused(message)`` (or a subclass):
    the whole redemption rolls back and the member sees ``message``. Any other
    exception also rolls everything back but is treated as a bug (a 500).

``cancel(*, redemption_id: int) -> None``

    Called INSIDE the ``redemption_cancel`` transaction, before the points and
    stock are refunded, at most once per redemption (a second cancel is a
    no-op that never reaches the callback). Undo the grant (free the seat).
    Raise ``FulfilmentRefused(message)`` to forbid the cancellation (e.g. the
    event has started); nothing is refunded then.

Both callbacks run with the rows above locked: keep them short, lock only
your own rows, and send notifications with ``transaction.on_commit``.
"""

from collections.abc import Callable
from dataclasses import dataclass

# Kinds that cannot be redeemed without a registered fulfiller.
REQUIRED_KINDS = frozenset({"event_ticket"})


@dataclass(frozen=True)
class Fulfiller:
    kind: str
    fulfil: Callable[..., None]
    cancel: Callable[..., None]


_fulfillers: dict[str, Fulfiller] = {}


def register_fulfiller(
    kind: str, fulfil: Callable[..., None], cancel: Callable[..., None]
) -> None:
    """Register (or replace) the callbacks that grant and undo ``kind``.

    Idempotent: ``ready()`` may run more than once (tests, autoreload); the
    last registration wins.
    """
    if not callable(fulfil) or not callable(cancel):
        raise TypeError("fulfil and cancel must be callables")
    _fulfillers[kind] = Fulfiller(kind=kind, fulfil=fulfil, cancel=cancel)


def unregister_fulfiller(kind: str) -> None:
    """Remove the callbacks of ``kind`` (for tests)."""
    _fulfillers.pop(kind, None)


def fulfiller_for(kind: str) -> Fulfiller | None:
    """The registered callbacks of ``kind``, or None."""
    return _fulfillers.get(kind)
