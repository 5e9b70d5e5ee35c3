"""Portal forms. Validation of business rules happens in actions; these parse."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import BookingPhoto

# The largest primary key a client may name (portal forms and the dealer API):
# a bigger number is a form error / 400, not a database overflow (SQLite
# refuses integers past 64 bits).
MAX_ID = 2**31 - 1


class AddressForm(forms.Form):
    recipient = forms.CharField(label=_("Recipient"), max_length=60)
    phone = forms.CharField(label=_("Contact number"), max_length=11)
    city = forms.CharField(label=_("City"), max_length=60)
    district = forms.CharField(label=_("District"), max_length=60, required=False)
    detail = forms.CharField(label=_("Street address"), max_length=200)


class BookingForm(forms.Form):
    slot_id = forms.IntegerField(
        min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    notes = forms.CharField(
        label=_("Notes for the technician"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    voucher_code = forms.CharField(
        label=_("Service voucher code"), max_length=40, required=False
    )
    pay_with_points = forms.BooleanField(label=_("Pay with points"), required=False)


class RescheduleForm(forms.Form):
    slot_id = forms.IntegerField(label=_("New slot"), min_value=1, max_value=MAX_ID)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class PhotoForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What does it show?"),
        choices=[
            (BookingPhoto.Kind.SITE, BookingPhoto.Kind.SITE.label),
            (BookingPhoto.Kind.FAULT, BookingPhoto.Kind.FAULT.label),
        ],
    )
    # A plain file field: Pillow checks happen in the action, with our messages.
    image = forms.FileField(
        label=_("Photo (JPEG, PNG or WebP, at most 10 MB)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp"}
        ),
    )


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Stars"),
        coerce=int,
        choices=[(i, "★" * i) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your review"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ProductForm(forms.Form):
    model = forms.CharField(label=_("Model"), max_length=80)
    serial_number = forms.CharField(label=_("Serial number"), max_length=60)
    purchase_date = forms.DateField(
        label=_("Purchase date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    installation_date = forms.DateField(
        label=_("Installation date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_purchase_date(self):
        value = self.cleaned_data["purchase_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The purchase date cannot be in the future."))
        return value
