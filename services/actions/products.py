"""Registered products and their warranty.

``product_register`` registers a serial number once: idempotent for the same
member, SerialNumberTaken for another (row lock plus the unique constraint).
The warranty ends the base months plus the tier's extension after
installation, or after purchase while not yet installed;
``products_installed`` moves it when the installation is done.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import conf, integrations
from ..exceptions import ProductRejected, SerialNumberTaken
from ..models import RegisteredProduct


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the month's last day."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def warranty_end(*, start: dt.date, base_months: int, extension_months: int) -> dt.date:
    """The day the warranty ends: ``start`` moved by base plus extension months."""
    return add_months(start, base_months + extension_months)


def product_register(
    *,
    member_id: int,
    model: str,
    serial_number: str,
    purchase_date: dt.date,
    installation_date: dt.date | None = None,
    source: str = RegisteredProduct.Source.PORTAL,
    purchase_id: int | None = None,
    dealer_id: int | None = None,
) -> RegisteredProduct:
    """Register a product by serial number. Warranty ends base warranty +
    the tier's extension after installation (or purchase when not yet
    installed). Idempotent for the same member and serial; raises
    SerialNumberTaken when another member holds the serial."""
    serial = "".join((serial_number or "").split()).upper()
    model = (model or "").strip()[:80]
    if not serial or len(serial) > 60:
        raise ProductRejected(_("Please enter the serial number printed on the label."))
    if not model:
        raise ProductRejected(_("Please enter the model."), field="model")
    if purchase_date > timezone.localdate():
        raise ProductRejected(
            _("The purchase date cannot be in the future."), field="purchase_date"
        )
    if installation_date and installation_date < purchase_date:
        raise ProductRejected(
            _("The installation date cannot be before the purchase date."),
            field="installation_date",
        )
    base = conf.get("SERVICES_BASE_WARRANTY_MONTHS")
    extension = integrations.warranty_extension_months(member_id)
    with transaction.atomic():
        existing = (
            RegisteredProduct.objects.select_for_update()
            .filter(serial_number=serial)
            .first()
        )
        if existing is not None:
            if existing.member_id == member_id:
                return existing
            raise SerialNumberTaken()
        try:
            with transaction.atomic():
                product = RegisteredProduct.objects.create(
                    member_id=member_id,
                    model=model,
                    serial_number=serial,
                    purchase_date=purchase_date,
                    installation_date=installation_date,
                    base_warranty_months=base,
                    extension_months=extension,
                    warranty_ends_on=warranty_end(
                        start=installation_date or purchase_date,
                        base_months=base,
                        extension_months=extension,
                    ),
                    source=source,
                    purchase_id=purchase_id,
                    dealer_id=dealer_id,
                )
        except IntegrityError:
            raise SerialNumberTaken() from None
        if extension:
            # The warranty extension took effect: count it for the usage report.
            integrations.privilege_kind_use(
                member_id=member_id,
                kind="warranty_extension",
                key=f"product:{product.pk}:warranty",
                ref_type="services.product",
                ref_id=product.pk,
            )
        return product


def products_installed(*, purchase_id: int, installed_on: dt.date) -> int:
    """Set the installation date of a purchase's products and move their
    warranty end. Returns how many products changed."""
    changed = 0
    with transaction.atomic():
        for p in (
            RegisteredProduct.objects.select_for_update()
            .filter(purchase_id=purchase_id, installation_date__isnull=True)
            .order_by("pk")
        ):
            p.installation_date = installed_on
            p.warranty_ends_on = warranty_end(
                start=installed_on,
                base_months=p.base_warranty_months,
                extension_months=p.extension_months,
            )
            p.save(update_fields=["installation_date", "warranty_ends_on"])
            changed += 1
    return changed
