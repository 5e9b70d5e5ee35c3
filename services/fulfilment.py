"""Callbacks services registers in the rewards fulfilment registry."""

from django.utils.translation import gettext as _

from .models import ServiceType


def voucher_fulfil(*, redemption_id, member_id, item_code, quantity, params, **kwargs):
    """Refuse a service voucher for a service type that does not exist."""
    from points.rewards.exceptions import FulfilmentRefused

    code = (params or {}).get("service_type_code", "")
    if not ServiceType.objects.filter(code=code, is_active=True).exists():
        raise FulfilmentRefused(_("This service is not offered at the moment."))


def voucher_cancel(*, redemption_id, **kwargs):
    """Nothing to undo: a reserved voucher cannot be cancelled by rewards."""
    return None
