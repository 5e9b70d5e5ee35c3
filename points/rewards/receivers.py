"""Receivers of the rewards catalogue (connected in ``RewardsConfig.ready()``)."""

from . import actions


def on_member_closed(sender, *, member_id: int, **kwargs) -> None:
    """Void the member's unused vouchers and cancel unshipped gifts."""
    actions.member_rewards_close(member_id=member_id)
