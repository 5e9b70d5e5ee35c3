"""Portal forms of the rewards catalogue. Validation of input only: the rules
(limits, stock, tier, points) are checked by ``redemption_place``."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import MAX_QUANTITY
from .models import RewardItem


class RedeemForm(forms.Form):
    """Quantity (and a delivery address for gifts) for one item."""

    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    recipient = forms.CharField(label=_("Recipient"), max_length=60, required=False)
    phone = forms.RegexField(
        label=_("Contact number"),
        regex=r"^1\d{10}$",
        max_length=11,
        required=False,
        error_messages={"invalid": _("Enter an 11-digit mobile number.")},
    )
    province = forms.CharField(label=_("Province"), max_length=30, required=False)
    city = forms.CharField(label=_("City"), max_length=60, required=False)
    district = forms.CharField(label=_("District"), max_length=60, required=False)
    detail = forms.CharField(label=_("Street address"), max_length=200, required=False)

    ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail")
    REQUIRED_ADDRESS_FIELDS = ("recipient", "phone", "city", "detail")

    def __init__(self, *args, item: RewardItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        if item.kind == RewardItem.Kind.TIER_UPGRADE:
            self.fields["quantity"].max_value = 1
            self.fields["quantity"].widget = forms.HiddenInput()
        if not self.needs_address:
            for name in self.ADDRESS_FIELDS:
                del self.fields[name]

    @property
    def needs_address(self) -> bool:
        return self.item.kind == RewardItem.Kind.PHYSICAL_GIFT

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if self.item.kind == RewardItem.Kind.TIER_UPGRADE and quantity != 1:
            raise forms.ValidationError(_("A tier upgrade is redeemed one at a time."))
        return quantity

    def clean_key(self):
        key = self.cleaned_data.get("key") or ""
        if key:
            try:
                return str(uuid.UUID(key))
            except ValueError:
                raise forms.ValidationError(_("Please try again.")) from None
        return ""

    def clean(self):
        cleaned = super().clean()
        if self.needs_address:
            for name in self.REQUIRED_ADDRESS_FIELDS:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        return cleaned

    def address(self) -> dict:
        if not self.needs_address:
            return {}
        return {name: self.cleaned_data.get(name, "") for name in self.ADDRESS_FIELDS}

    def total_points(self) -> int:
        return self.item.points_price * self.cleaned_data["quantity"]


class CatalogueFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *RewardItem.Kind.choices],
        required=False,
    )
    affordable = forms.BooleanField(label=_("I can afford"), required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
