"""Mainland China mobile numbers: normalisation, validation and masking."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_STRIP = re.compile(r"[\s\-()]")


def normalize_phone(raw: str | None) -> str:
    """Return the 11-digit form of a mainland mobile number.

    Accepts spaces, dashes, brackets and a +86 / 0086 / 86 prefix. Raises
    ValidationError with a person-readable message for anything else.
    """
    # NFKC turns full-width digits and plus signs (Chinese input methods) into ASCII.
    value = _STRIP.sub("", unicodedata.normalize("NFKC", str(raw or "")))
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    if len(value) == 13 and value.startswith("86"):
        value = value[2:]
    if not _MOBILE.match(value):
        raise ValidationError(
            _(
                "Enter a valid mainland China mobile number (11 digits starting with 1)."
            ),
            code="invalid_phone",
        )
    return value


def mask_phone(phone: str | None) -> str:
    """138****1234 for display to someone who does not own the number."""
    if not phone or len(phone) < 7:
        return phone or ""
    return f"{phone[:3]}****{phone[-4:]}"
