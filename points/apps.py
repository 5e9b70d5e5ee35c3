from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("Points")

    def ready(self):
        from members import portal
        from members.signals import member_closed, member_registered
        from tiers.signals import points_award_requested

        from . import receivers
        from .selectors import home_card_context, member_export_section

        member_registered.connect(
            receivers.on_member_registered, dispatch_uid="points.registration_bonus"
        )
        points_award_requested.connect(
            receivers.on_points_award_requested, dispatch_uid="points.award_requested"
        )
        member_closed.connect(
            receivers.on_member_closed, dispatch_uid="points.member_closed"
        )
        portal.register_export_section(name="points", collect=member_export_section)
        portal.register_home_card(
            order=20, template="points/home_card.html", context=home_card_context
        )
        portal.register_nav_link(order=20, label=_("Points"), url_name="points:mine")
