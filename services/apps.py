from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Service bookings")

    def ready(self):
        from members.portal import (
            register_export_section,
            register_home_card,
            register_nav_link,
        )
        from members.signals import member_closed

        from . import receivers, selectors, signals, views

        signals.booking_completed.connect(
            receivers.on_booking_completed, dispatch_uid="services.booking_completed"
        )
        member_closed.connect(
            receivers.on_member_closed, dispatch_uid="services.member_closed"
        )
        register_export_section(
            name="services", collect=selectors.member_export_section
        )
        try:
            from points.signals import purchase_recorded
        except ImportError:  # points has not declared it yet
            purchase_recorded = None
        if purchase_recorded is not None:
            purchase_recorded.connect(
                receivers.on_purchase_recorded,
                dispatch_uid="services.purchase_recorded",
            )
        try:
            from points.rewards.registry import register_fulfiller
        except ImportError:
            register_fulfiller = None
        if register_fulfiller is not None:
            from . import fulfilment

            register_fulfiller(
                "service_voucher",
                fulfil=fulfilment.voucher_fulfil,
                cancel=fulfilment.voucher_cancel,
            )
        register_home_card(
            order=40,
            template="services/home_card.html",
            context=views.home_card_context,
        )
        register_nav_link(
            order=40, label=_("Services"), url_name="services:booking_list"
        )
