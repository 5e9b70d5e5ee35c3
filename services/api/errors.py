"""Turn every app's domain exceptions into 4xx responses in DRF's error shape.

Validation errors are ``{"field": ["message", ...]}``; errors about the
request as a whole use ``non_field_errors`` (400) or ``detail`` (401, 404,
409, 429). A user can never cause a 500: any exception declared in an app's
``exceptions`` module is at least a 400 with its message.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
OUR_APPS = ("members", "tiers", "points", "privileges", "services")


class Conflict(exceptions.APIException):
    """409: the request is well formed but clashes with the current state."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This request conflicts with the current state.")
    default_code = "conflict"


@dataclass(frozen=True)
class DomainError:
    """How one domain exception class is answered: status and field name."""

    path: str
    status: int = status.HTTP_400_BAD_REQUEST
    field: str | None = None  # None: the exception's own ``field`` or non_field_errors


# Exceptions other apps declare, by dotted path (resolved lazily: an app that
# does not declare one yet is simply skipped). Anything else from an app's
# ``exceptions`` module falls back to a 400 with its message.
DOMAIN_ERRORS: tuple[DomainError, ...] = (
    DomainError("members.exceptions.PhoneTaken", 409, "phone"),
    DomainError("points.exceptions.InsufficientPoints", 400, "points_to_redeem"),
    DomainError("points.exceptions.DuplicateOrder", 409, "order_no"),
    DomainError("points.exceptions.OrderNoTaken", 409, "order_no"),
    DomainError("points.exceptions.RefundRefused", 400, "amount"),
    DomainError("points.exceptions.NothingToReverse", 409, None),
    DomainError("services.exceptions.SlotFull", 409, "slot_id"),
    DomainError("services.exceptions.ServiceNotAvailable", 400, "service_type"),
    DomainError("services.exceptions.SerialNumberTaken", 400, "items"),
    DomainError("services.exceptions.ProductRejected", 400, "items"),
    DomainError("services.exceptions.InvalidTransition", 409, None),
    DomainError("services.exceptions.CutOffPassed", 409, None),
    DomainError("services.exceptions.NotAllowed", 409, None),
    DomainError("privileges.exceptions.NotEntitled", 400, "service_type"),
    DomainError("privileges.exceptions.QuotaExhausted", 400, "service_type"),
)


def _resolved() -> list[tuple[type, DomainError]]:
    found = []
    for entry in DOMAIN_ERRORS:
        try:
            found.append((import_string(entry.path), entry))
        except ImportError:
            continue
    return found


def message_of(exc: Exception) -> str:
    """The person-readable message an app's exception carries."""
    for attr in ("message", "detail"):
        value = getattr(exc, attr, None)
        if value:
            return str(value)
    return str(exc) or str(_("This request cannot be completed."))


def _is_domain_exception(exc: Exception) -> bool:
    module = type(exc).__module__ or ""
    parts = module.split(".")
    return parts[0] in OUR_APPS and parts[-1] == "exceptions"


def domain_error_response(exc: Exception) -> Response | None:
    """The response for a domain exception of any app, or None if it is not one."""
    for cls, entry in _resolved():
        if isinstance(exc, cls):
            field = entry.field
            if field is None and entry.status != status.HTTP_409_CONFLICT:
                field = getattr(exc, "field", None)
            if entry.status == status.HTTP_409_CONFLICT and field is None:
                return Response({"detail": message_of(exc)}, status=entry.status)
            return Response(
                {field or NON_FIELD: [message_of(exc)]}, status=entry.status
            )
    if _is_domain_exception(exc):
        field = getattr(exc, "field", None) or NON_FIELD
        return Response({field: [message_of(exc)]}, status=status.HTTP_400_BAD_REQUEST)
    return None


def _django_validation_error(exc: DjangoValidationError) -> Response:
    if hasattr(exc, "error_dict"):
        data = {
            (NON_FIELD if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in exc.message_dict.items()
        }
    else:
        data = {NON_FIELD: [str(m) for m in exc.messages]}
    return Response(data, status=status.HTTP_400_BAD_REQUEST)


def api_exception_handler(exc, context):
    """DRF's handler, plus Django validation errors and every app's domain errors."""
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, DjangoValidationError):
        response = _django_validation_error(exc)
    elif isinstance(exc, ObjectDoesNotExist):
        response = Response(
            {"detail": str(exceptions.NotFound.default_detail)},
            status=status.HTTP_404_NOT_FOUND,
        )
    else:
        response = domain_error_response(exc)
    if response is not None:
        set_rollback()
    return response
