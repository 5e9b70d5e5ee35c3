from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Tier


class ManualTierChangeForm(forms.Form):
    """The admin action's form: the new tier and the mandatory reason."""

    tier = forms.ModelChoiceField(
        label=_("New tier"), queryset=Tier.objects.order_by("rank")
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Recorded in the member's tier history."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason
