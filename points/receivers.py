"""Signal receivers, connected in PointsConfig.ready(). Thin: they call actions."""

from . import actions


def on_member_registered(sender, *, member_id, channel=None, **kwargs):
    actions.registration_bonus_award(member_id=member_id)


def on_points_award_requested(
    sender, *, member_id, points, reason, key, source="", **kwargs
):
    actions.points_award_requested_receive(
        member_id=member_id, points=points, reason=reason, key=key, source=source
    )


def on_member_closed(sender, *, member_id, **kwargs):
    actions.points_account_close(member_id=member_id)
