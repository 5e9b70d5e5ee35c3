from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def home_card_context(request) -> dict:
    """The tier card on /me/: one query."""
    from .models import Tier, TierStatus

    member = getattr(request.user, "member", None)
    if member is None:
        return {}
    status = TierStatus.objects.select_related("tier").filter(member=member).first()
    if status is not None:
        return {"tier": status.tier, "growth": status.window_growth}
    return {"tier": Tier.objects.order_by("rank").first(), "growth": 0}


class TiersConfig(AppConfig):
    name = "tiers"
    verbose_name = _("Tiers and growth")

    def ready(self):
        from members.portal import (
            register_export_section,
            register_home_card,
            register_nav_link,
        )
        from members.signals import member_registered

        from . import receivers, selectors

        member_registered.connect(
            receivers.on_member_registered, dispatch_uid="tiers.referral_growth"
        )

        register_home_card(
            order=10, template="tiers/card.html", context=home_card_context
        )
        register_nav_link(order=10, label=_("My tier"), url_name="tiers:me")
        register_export_section(name="tiers", collect=selectors.member_export_section)
