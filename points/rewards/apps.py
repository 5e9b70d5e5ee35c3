from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "points.rewards"
    label = "rewards"
    verbose_name = _("Rewards catalogue")

    def ready(self):
        from members.portal import (
            register_export_section,
            register_home_card,
            register_nav_link,
        )
        from members.signals import member_closed

        from . import receivers, selectors
        from .portal import home_card_context

        register_home_card(
            order=50, template="rewards/home_card.html", context=home_card_context
        )
        register_nav_link(order=50, label=_("Rewards"), url_name="rewards:catalogue")
        register_export_section(name="rewards", collect=selectors.member_export_section)
        member_closed.connect(
            receivers.on_member_closed, dispatch_uid="rewards.member_closed"
        )
