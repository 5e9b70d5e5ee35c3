"""Portal forms of the members app: parse and validate; actions do the writes."""

from decimal import Decimal

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .clientip import client_ip
from .exceptions import AccountLocked
from .models import Address, PhoneCode, User
from .phone import normalize_phone


class PhoneField(forms.CharField):
    """A mainland mobile number, cleaned to its 11-digit form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.update(
            {"autocomplete": "tel", "inputmode": "tel", "placeholder": "13800138000"}
        )

    def clean(self, value):
        value = super().clean(value)
        return normalize_phone(value) if value else value


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Verification code"))
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("min_length", 6)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "class": "code-input",
            }
        )


class SendCodeForm(forms.Form):
    phone = PhoneField()
    purpose = forms.ChoiceField(
        choices=[
            (PhoneCode.Purpose.REGISTER, PhoneCode.Purpose.REGISTER.label),
            (PhoneCode.Purpose.RESET, PhoneCode.Purpose.RESET.label),
        ]
    )


class _NewPasswordMixin(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def _check_passwords(self, cleaned, user: User):
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(p1, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class RegisterForm(_NewPasswordMixin):
    phone = PhoneField()
    code = CodeField()
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    accept_terms = forms.BooleanField(
        label=_("I agree to the programme terms and the privacy policy"),
        error_messages={"required": _("Please accept the terms to register.")},
    )
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    birthday = forms.DateField(
        label=_("Birthday (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    household_size = forms.IntegerField(
        label=_("Household size (optional)"), required=False, min_value=1, max_value=20
    )
    home_area_m2 = forms.DecimalField(
        label=_("Home area in m² (optional)"),
        required=False,
        min_value=Decimal("1"),
        max_value=Decimal("99999"),
        decimal_places=2,
    )
    city = forms.CharField(label=_("City (optional)"), max_length=60, required=False)
    district = forms.CharField(
        label=_("District (optional)"), max_length=60, required=False
    )
    referral_code = forms.CharField(
        label=_("Referral code (optional)"), max_length=12, required=False
    )

    field_order = [
        "phone",
        "code",
        "name",
        "password1",
        "password2",
        "accept_terms",
        "email",
        "birthday",
        "household_size",
        "home_area_m2",
        "city",
        "district",
        "referral_code",
    ]

    def clean(self):
        cleaned = super().clean()
        user = User(
            phone=cleaned.get("phone"),
            name=cleaned.get("name", ""),
            email=cleaned.get("email", ""),
        )
        return self._check_passwords(cleaned, user)

    def profile(self) -> dict:
        c = self.cleaned_data
        return {
            f: c[f]
            for f in ("birthday", "household_size", "home_area_m2", "city", "district")
            if c.get(f) not in (None, "")
        }


class PasswordResetForm(_NewPasswordMixin):
    phone = PhoneField()
    code = CodeField()

    field_order = ["phone", "code", "password1", "password2"]

    def clean(self):
        cleaned = super().clean()
        return self._check_passwords(cleaned, User(phone=cleaned.get("phone")))


class LoginForm(forms.Form):
    """Sign-in by mobile number or username, with a lockout per account and IP.

    Every failure shows the same message, known account or not.
    """

    username = forms.CharField(
        label=_("Mobile number or username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _(
            "The mobile number or password is not correct. If a dealer signed you up, "
            "set your password with 'Forgot password' first."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self):
        from . import actions

        identifier = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not identifier or not password:
            return self.cleaned_data
        key = actions.signin_identifier(identifier)
        ip = client_ip(self.request) if self.request is not None else None
        try:
            actions.signin_check_allowed(identifier=key, client_ip=ip)
        except AccountLocked as exc:
            raise ValidationError(exc.message, code="locked") from exc
        user = authenticate(self.request, username=identifier, password=password)
        if user is None:
            actions.signin_failure_record(identifier=key, client_ip=ip)
            raise ValidationError(
                self.error_messages["invalid_login"], code="invalid_login"
            )
        actions.signin_success_record(identifier=key)
        self.user_cache = user
        return self.cleaned_data

    def get_user(self):
        return self.user_cache


class ProfileForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    email = forms.EmailField(label=_("Email"), required=False)
    birthday = forms.DateField(
        label=_("Birthday"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    household_size = forms.IntegerField(
        label=_("Household size"), required=False, min_value=1, max_value=20
    )
    home_area_m2 = forms.DecimalField(
        label=_("Home area (m²)"),
        required=False,
        min_value=Decimal("1"),
        max_value=Decimal("99999"),
        decimal_places=2,
    )
    city = forms.CharField(label=_("City"), max_length=60, required=False)
    district = forms.CharField(label=_("District"), max_length=60, required=False)
    notify_by_email = forms.BooleanField(label=_("Notify me by email"), required=False)
    notify_by_sms = forms.BooleanField(label=_("Notify me by SMS"), required=False)

    @classmethod
    def initial_for(cls, member) -> dict:
        return {
            "name": member.user.name,
            "email": member.user.email,
            **{
                f: getattr(member, f)
                for f in (
                    "birthday",
                    "household_size",
                    "home_area_m2",
                    "city",
                    "district",
                    "notify_by_email",
                    "notify_by_sms",
                )
            },
        }


class AddressForm(forms.ModelForm):
    phone = PhoneField(label=_("Contact number"))

    class Meta:
        model = Address
        fields = [
            "label",
            "recipient",
            "phone",
            "province",
            "city",
            "district",
            "detail",
            "is_default",
        ]


class CloseAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that my personal data will be erased and I can no longer sign in."
        ),
        error_messages={"required": _("Please confirm to close your account.")},
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not correct."))
        return password
