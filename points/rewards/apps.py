from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "points.rewards"
    label = "rewards"
    verbose_name = _("Rewards catalogue")

    def ready(self):
        from members.portal import register_home_card, register_nav_link

        from .portal import home_card_context

        register_home_card(
            order=50, template="rewards/home_card.html", context=home_card_context
        )
        register_nav_link(order=50, label=_("Rewards"), url_name="rewards:catalogue")
