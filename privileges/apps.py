from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivilegesConfig(AppConfig):
    name = "privileges"
    verbose_name = _("Privileges")

    def ready(self):
        from members.portal import (
            register_export_section,
            register_home_card,
            register_nav_link,
        )
        from members.signals import member_closed
        from points.rewards.registry import register_fulfiller
        from points.signals import purchase_recorded
        from tiers.registry import register_comparison_rows
        from tiers.signals import points_award_requested

        from . import portal, receivers, rewards_fulfilment, selectors

        register_home_card(
            order=30,
            template="privileges/home_card.html",
            context=portal.home_card_context,
        )
        register_nav_link(order=30, label=_("Privileges"), url_name="privileges:mine")
        register_nav_link(order=31, label=_("Events"), url_name="privileges:events")
        register_comparison_rows(order=10, provider=portal.comparison_rows)
        register_export_section(
            name="privileges", collect=selectors.member_export_section
        )
        member_closed.connect(
            receivers.on_member_closed, dispatch_uid="privileges.member_closed"
        )
        points_award_requested.connect(
            receivers.count_birthday_gift, dispatch_uid="privileges.birthday_gift"
        )
        purchase_recorded.connect(
            receivers.count_purchase_discount,
            dispatch_uid="privileges.purchase_discount",
        )
        register_fulfiller(
            "event_ticket",
            fulfil=rewards_fulfilment.ticket_issue,
            cancel=rewards_fulfilment.ticket_cancel,
        )
