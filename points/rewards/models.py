"""The rewards catalogue (积分商城): items, redemptions and vouchers.

Invariants the database holds: a positive points price, stock never below
zero, one redemption per idempotency key, one voucher per code, kind-specific
fields present for their kind, and every used voucher records when it was used.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from members.models import Dealer, Member
from tiers.models import Tier

from .validators import validate_item_image


def _english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


class ServiceTypeCode(models.TextChoices):
    """Service types a service voucher may be for (codes of services' types)."""

    ANNUAL_CHECK = "annual_check", _("Annual health check")
    PIPE_CLEANING = "pipe_cleaning", _("Pipe cleaning")
    SYSTEM_OPTIMISATION = "system_optimisation", _("System optimisation")


class RewardItemQuerySet(models.QuerySet):
    def on_sale(self, now=None):
        now = now or timezone.now()
        return self.filter(
            Q(is_active=True)
            & (Q(sale_starts_at__isnull=True) | Q(sale_starts_at__lte=now))
            & (Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=now))
        )

    def low_stock(self):
        """Items with a limited stock at or below their alert level."""
        return self.filter(stock__isnull=False, stock__lte=models.F("stock_alert_at"))


class RewardItem(models.Model):
    """Something a member can buy with points."""

    class Kind(models.TextChoices):
        PHYSICAL_GIFT = "physical_gift", _("Physical gift")
        CASH_VOUCHER = "cash_voucher", _("Cash voucher")
        SERVICE_VOUCHER = "service_voucher", _("Service voucher")
        EVENT_TICKET = "event_ticket", _("Event ticket")
        TIER_UPGRADE = "tier_upgrade", _("Tier upgrade")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    image = models.ImageField(
        _("image"),
        upload_to="rewards/items/",
        blank=True,
        validators=[validate_item_image],
        help_text=_("JPEG, PNG or WebP, at most 5 MB and 4096×4096 pixels."),
    )
    points_price = models.PositiveIntegerField(_("points price"))
    stock = models.PositiveIntegerField(
        _("stock"),
        null=True,
        blank=True,
        help_text=_("Units left. Leave empty for unlimited stock."),
    )
    stock_alert_at = models.PositiveIntegerField(
        _("stock alert at"),
        default=10,
        help_text=_("The console flags the item when stock falls to this level."),
    )
    per_member_limit = models.PositiveIntegerField(
        _("limit per member"),
        null=True,
        blank=True,
        help_text=_(
            "Units one member may hold (cancelled redemptions do not count). "
            "Leave empty for no limit."
        ),
    )
    min_tier = models.ForeignKey(
        Tier,
        verbose_name=_("minimum tier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sale_starts_at = models.DateTimeField(_("on sale from"), null=True, blank=True)
    sale_ends_at = models.DateTimeField(_("on sale until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    voucher_value = models.DecimalField(
        _("voucher value (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Cash vouchers: what the voucher is worth at a dealer."),
    )
    voucher_valid_days = models.PositiveIntegerField(
        _("voucher valid for (days)"), default=90
    )
    service_type_code = models.CharField(
        _("service type"),
        max_length=30,
        choices=ServiceTypeCode.choices,
        blank=True,
        help_text=_("Service vouchers: the service the voucher pays for."),
    )
    event_id = models.PositiveIntegerField(
        _("member event id"),
        null=True,
        blank=True,
        help_text=_("Event tickets: the id of the member event (privileges)."),
    )
    sort_order = models.IntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RewardItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("reward item")
        verbose_name_plural = _("reward items")
        ordering = ["sort_order", "points_price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points_price__gt=0), name="reward_item_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0),
                name="reward_item_stock_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(per_member_limit__isnull=True) | Q(per_member_limit__gt=0),
                name="reward_item_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(sale_starts_at__isnull=True)
                | Q(sale_ends_at__isnull=True)
                | Q(sale_ends_at__gt=models.F("sale_starts_at")),
                name="reward_item_window_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(kind="cash_voucher")
                | Q(voucher_value__isnull=False, voucher_value__gt=0),
                name="reward_item_cash_voucher_has_value",
            ),
            models.CheckConstraint(
                condition=~Q(kind="service_voucher") | ~Q(service_type_code=""),
                name="reward_item_service_voucher_has_type",
            ),
            models.CheckConstraint(
                condition=~Q(kind="event_ticket") | Q(event_id__isnull=False),
                name="reward_item_event_ticket_has_event",
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "kind"], name="reward_item_listing_idx")
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_zh

    @property
    def description(self) -> str:
        return self.description_en if _english() else self.description_zh

    @property
    def issues_vouchers(self) -> bool:
        return self.kind in (self.Kind.CASH_VOUCHER, self.Kind.SERVICE_VOUCHER)

    @property
    def is_unlimited(self) -> bool:
        return self.stock is None

    @property
    def stock_is_low(self) -> bool:
        return self.stock is not None and self.stock <= self.stock_alert_at

    def is_on_sale(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.is_active
            and (self.sale_starts_at is None or self.sale_starts_at <= now)
            and (self.sale_ends_at is None or self.sale_ends_at > now)
        )

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.kind == self.Kind.CASH_VOUCHER and not (
            self.voucher_value and self.voucher_value > 0
        ):
            errors["voucher_value"] = _("A cash voucher needs a value in CNY.")
        if self.kind == self.Kind.SERVICE_VOUCHER and not self.service_type_code:
            errors["service_type_code"] = _("A service voucher needs a service type.")
        if self.kind == self.Kind.EVENT_TICKET and not self.event_id:
            errors["event_id"] = _("An event ticket needs the member event id.")
        if (
            self.sale_starts_at
            and self.sale_ends_at
            and self.sale_ends_at <= self.sale_starts_at
        ):
            errors["sale_ends_at"] = _("The sale must end after it starts.")
        if errors:
            raise ValidationError(errors)


class Redemption(models.Model):
    """A member's order of an item: placed, then fulfilled or cancelled.

    ``spend_entry_id`` and ``refund_entry_id`` are the points ledger entries
    of the debit and of the refund (a cancelled redemption has both).
    """

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    item = models.ForeignKey(
        RewardItem,
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=RewardItem.Kind.choices, editable=False
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_points = models.PositiveIntegerField(_("points per unit"))
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLACED
    )
    key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    spend_entry_id = models.BigIntegerField(
        _("points debit entry"), null=True, blank=True
    )
    refund_entry_id = models.BigIntegerField(
        _("points refund entry"), null=True, blank=True
    )
    note = models.CharField(
        _("fulfilment note"),
        max_length=200,
        blank=True,
        help_text=_("e.g. the courier and tracking number."),
    )
    cancel_reason = models.CharField(
        _("cancellation reason"), max_length=200, blank=True
    )
    created_at = models.DateTimeField(_("placed at"), default=timezone.now)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="redemption_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(points=models.F("unit_points") * models.F("quantity")),
                name="redemption_points_is_price_times_quantity",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="redemption_cancelled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="fulfilled") | Q(fulfilled_at__isnull=False),
                name="redemption_fulfilled_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["member", "item", "status"], name="redemption_limit_idx"
            ),
            models.Index(
                fields=["member", "-created_at"], name="redemption_member_idx"
            ),
            models.Index(fields=["status", "-created_at"], name="redemption_queue_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.item} × {self.quantity}"


class VoucherQuerySet(models.QuerySet):
    def usable(self, now=None):
        return self.filter(
            status=Voucher.Status.ISSUED, expires_at__gt=now or timezone.now()
        )


class Voucher(models.Model):
    """A code a dealer verifies and consumes, or a member applies to a booking.

    Stored statuses are issued → used, issued ⇄ reserved (a service voucher on
    a booking) → used, or void (its redemption was cancelled). "Expired" is
    not stored: an issued voucher past ``expires_at`` is expired.
    """

    class Status(models.TextChoices):
        ISSUED = "issued", _("Valid")
        RESERVED = "reserved", _("Reserved for a booking")
        USED = "used", _("Used")
        VOID = "void", _("Void")

    EXPIRED = "expired"  # the derived status shown to people and the API

    code = models.CharField(_("code"), max_length=32, unique=True)
    redemption = models.ForeignKey(
        Redemption,
        verbose_name=_("redemption"),
        on_delete=models.PROTECT,
        related_name="vouchers",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="vouchers",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RewardItem.Kind.choices)
    value = models.DecimalField(
        _("value (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    service_type_code = models.CharField(
        _("service type"), max_length=30, choices=ServiceTypeCode.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    expires_at = models.DateTimeField(_("expires at"))
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    reserved_at = models.DateTimeField(_("reserved at"), null=True, blank=True)
    booking_ref = models.CharField(_("booking"), max_length=64, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by_dealer = models.ForeignKey(
        Dealer,
        verbose_name=_("used at dealer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    order_no = models.CharField(_("order number"), max_length=64, blank=True)

    objects = VoucherQuerySet.as_manager()

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="used") | Q(used_at__isnull=False),
                name="voucher_used_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="reserved") | ~Q(booking_ref=""),
                name="voucher_reserved_has_booking",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="voucher_member_idx"),
            models.Index(fields=["status", "expires_at"], name="voucher_expiry_idx"),
        ]

    def __str__(self):
        return self.display_code

    @property
    def display_code(self) -> str:
        """The code in groups of four, as printed and shown (ABCD-EFGH-...)."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    def effective_status(self, now=None) -> str:
        """``status``, or ``"expired"`` for an issued voucher past its expiry.

        A voucher reserved for a booking stays honoured for that booking even
        if the booking's date is after the expiry.
        """
        if self.status == self.Status.ISSUED and self.expires_at <= (
            now or timezone.now()
        ):
            return self.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        status = self.effective_status()
        if status == self.EXPIRED:
            return str(_("Expired"))
        return str(self.Status(status).label)
