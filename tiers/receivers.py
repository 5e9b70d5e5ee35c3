"""Receivers of lower apps' signals (members). Thin: they call tiers.actions."""

from members.models import Member

from . import actions, conf
from .models import Dimension, GrowthEvent


def on_member_registered(sender, *, member_id: int, channel: str, **kwargs) -> None:
    """Social growth for the referrer of a newly registered member (once)."""
    referrer_id = (
        Member.objects.filter(pk=member_id)
        .values_list("referred_by_id", flat=True)
        .first()
    )
    if referrer_id is None:
        return
    actions.growth_record(
        member_id=referrer_id,
        dimension=Dimension.SOCIAL,
        raw_value=conf.raw_value("referral"),
        source=GrowthEvent.Source.REFERRAL,
        key=f"referral:{member_id}",
    )
