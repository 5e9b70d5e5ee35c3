"""Errors a member, dealer or dispatcher can cause. ``str(exc)`` is the message
to show; ``field`` names the input it is about (for forms and the API)."""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """Base of every services domain error."""

    default_message = _("This request cannot be completed.")
    field = None

    def __init__(self, message=None, *, field=None):
        self.message = message if message is not None else self.default_message
        if field is not None:
            self.field = field
        super().__init__(str(self.message))

    def __str__(self):
        return str(self.message)


class SlotFull(ServiceError):
    default_message = _("This slot is full.")
    field = "slot_id"


class SlotUnavailable(ServiceError):
    default_message = _("This slot is not open for booking.")
    field = "slot_id"


class OutsideBookingWindow(ServiceError):
    default_message = _("This date is outside your booking window.")
    field = "slot_id"


class OutsideServiceArea(ServiceError):
    default_message = _("We do not serve this address from the chosen region.")
    field = "address"


class ServiceNotAvailable(ServiceError):
    default_message = _("This service is not available to you.")
    field = "service_type_code"


class InvalidAddress(ServiceError):
    default_message = _("Please choose one of your addresses.")
    field = "address"


class NotesTooLong(ServiceError):
    default_message = _("Notes can be at most 1,000 characters.")
    field = "notes"


class InvalidTransition(ServiceError):
    default_message = _("This booking cannot be changed that way now.")
    field = "status"


class CutOffPassed(ServiceError):
    default_message = _("It is too late to change this booking online; please call us.")
    field = "status"


class NotAllowed(ServiceError):
    default_message = _("You may not do this.")


class TechnicianUnavailable(ServiceError):
    default_message = _("This technician is already busy in this slot.")
    field = "technician_id"


class VoucherRejected(ServiceError):
    default_message = _("This voucher cannot be used for this service.")
    field = "voucher_code"


class PointsPaymentRejected(ServiceError):
    default_message = _("This service cannot be paid with points.")
    field = "pay_with_points"


class ImageRejected(ServiceError):
    default_message = _("This file is not an image we can accept.")
    field = "image"


class TooManyPhotos(ServiceError):
    default_message = _("This booking already has the maximum number of photos.")
    field = "image"


class ReviewRejected(ServiceError):
    default_message = _("This booking cannot be reviewed.")
    field = "rating"


class SerialNumberTaken(ServiceError):
    default_message = _("This serial number is already registered.")
    field = "serial_number"


class ProductRejected(ServiceError):
    default_message = _("This product cannot be registered.")
    field = "serial_number"
