"""Small pieces several resources share."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from .selectors import customer_of_dealer


def dealer_customer_or_404(*, dealer_id: int, member_id: int):
    """The dealer's customer; another dealer's (or no) customer is 404."""
    member = customer_of_dealer(dealer_id=dealer_id, member_id=member_id)
    if member is None:
        raise exceptions.NotFound(_("No such customer."))
    return member
