"""The rewards card on the member home (registered in RewardsConfig.ready)."""

from . import selectors


def home_card_context(request) -> dict:
    member = getattr(request.user, "member", None)
    if member is None:
        return {}
    return selectors.home_card_counts(member.pk)
