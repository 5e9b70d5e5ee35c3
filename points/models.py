"""Points: accounts, the append-only ledger, lots, purchases, rules, campaigns.

Invariants (kept by ``points.actions``, the only writer, and checked nightly by
the reconciliation task):

- ``Account.balance`` == sum of the account's ledger ``points``;
- when the balance is not negative, it also equals the sum of ``remaining`` of
  the account's lots; when it is negative (a debt left by a reversal) every
  lot's ``remaining`` is 0;
- ledger rows are never updated or deleted (a database trigger refuses it on
  PostgreSQL).
"""

from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tiers.models import Dimension, GrowthEvent

MONEY = {"max_digits": 12, "decimal_places": 2}


class Account(models.Model):
    """A member's points account: a cached balance over the ledger."""

    member = models.OneToOneField(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="points_account",
    )
    balance = models.IntegerField(
        _("balance"),
        default=0,
        help_text=_("Cached sum of the ledger. Negative only after a reversal (debt)."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")

    def __str__(self):
        return f"{self.member} ({self.balance})"

    @property
    def available(self) -> int:
        return max(self.balance, 0)

    @property
    def debt(self) -> int:
        return max(-self.balance, 0)


class LedgerEntry(models.Model):
    """One immutable change of a balance. Corrections are new entries."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        EXPIRE = "expire", _("Expired")
        ADJUST = "adjust", _("Adjusted")
        REVERSE = "reverse", _("Reversed")

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="entries",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    source_type = models.CharField(
        _("source type"),
        max_length=40,
        blank=True,
        help_text=_("What caused it, e.g. purchase, redemption, custom_event."),
    )
    source_id = models.BigIntegerField(_("source id"), null=True, blank=True)
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
    )
    key = models.CharField(_("idempotency key"), max_length=150, unique=True)
    reason = models.CharField(_("reason"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(points=0), name="points_entry_not_zero"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="earn", points__gt=0)
                    | Q(kind__in=["redeem", "expire"], points__lt=0)
                    | Q(kind__in=["adjust", "reverse"])
                ),
                name="points_entry_sign_matches_kind",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "-created_at", "-id"], name="points_entry_acct_idx"
            ),
            models.Index(
                fields=["source_type", "source_id"], name="points_entry_src_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.points:+d}"


class Lot(models.Model):
    """Points earned together that expire together."""

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="lots",
    )
    entry = models.OneToOneField(
        LedgerEntry,
        verbose_name=_("ledger entry"),
        on_delete=models.PROTECT,
        related_name="lot",
    )
    amount = models.PositiveIntegerField(_("amount"))
    remaining = models.IntegerField(_("remaining"))
    earned_at = models.DateTimeField(_("earned at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=models.F("amount")),
                name="points_lot_remaining_in_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "expires_at", "id"],
                condition=Q(remaining__gt=0),
                name="points_lot_open_idx",
            ),
            models.Index(
                fields=["expires_at", "account"],
                condition=Q(remaining__gt=0),
                name="points_lot_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.remaining}/{self.amount} → {self.expires_at:%Y-%m-%d}"


class LotUse(models.Model):
    """How much of a lot a debit took, so that reversing the debit can put it back."""

    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="lot_uses"
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="uses")
    points = models.PositiveIntegerField(_("points"))
    restored = models.PositiveIntegerField(_("restored"), default=0)

    class Meta:
        verbose_name = _("lot use")
        verbose_name_plural = _("lot uses")
        constraints = [
            models.CheckConstraint(
                condition=Q(restored__lte=models.F("points")),
                name="points_lotuse_restored_le_points",
            ),
        ]

    def __str__(self):
        return f"{self.lot_id}: {self.points}"


class PointsSettings(models.Model):
    """Operator settings of the programme (a single row, pk=1)."""

    class ExpiryMode(models.TextChoices):
        ROLLING = "rolling", _("Rolling: a number of months after earning")
        END_OF_NEXT_YEAR = "end_of_next_year", _("End of the next calendar year")

    expiry_mode = models.CharField(
        _("expiry mode"),
        max_length=20,
        choices=ExpiryMode.choices,
        default=ExpiryMode.ROLLING,
    )
    expiry_months = models.PositiveSmallIntegerField(
        _("validity (months)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("remind members this many days before expiry"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    redeem_points_per_unit = models.PositiveIntegerField(
        _("points per checkout unit"),
        default=1000,
        validators=[MinValueValidator(1)],
        help_text=_("With the value below: 1,000 points pay ¥50."),
    )
    redeem_unit_value = models.DecimalField(
        _("value of one checkout unit (CNY)"),
        default=Decimal("50.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        **MONEY,
    )
    redeem_max_share = models.DecimalField(
        _("maximum share of an order paid with points"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("0.50 means points may pay at most half of the order."),
    )

    class Meta:
        verbose_name = _("points settings")
        verbose_name_plural = _("points settings")

    def __str__(self):
        return str(_("Points settings"))

    CACHE_KEY = "points:settings:v1"
    CACHE_SECONDS = 60

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)

    @classmethod
    def load(cls) -> "PointsSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @classmethod
    def current(cls) -> "PointsSettings":
        """The settings, cached for a minute (every earn needs the expiry rule)."""
        obj = cache.get(cls.CACHE_KEY)
        if obj is None:
            obj = cls.load()
            cache.set(cls.CACHE_KEY, obj, cls.CACHE_SECONDS)
        return obj


class EarningRule(models.Model):
    """An operator-editable rule that gives points for something a member did."""

    class Kind(models.TextChoices):
        PURCHASE_BASE = "purchase_base", _("Purchase: base rate per yuan")
        BIG_ORDER = "big_order", _("Purchase: big-order bonus")
        FIRST_PURCHASE = "first_purchase", _("Purchase: first-purchase bonus")
        REFERRAL = "referral", _("Referral reward (to the referrer)")
        REGISTRATION = "registration", _("Registration bonus")
        CUSTOM_EVENT = "custom_event", _("Custom event")
        BIRTHDAY = "birthday", _("Birthday bonus")

    PURCHASE_KINDS = (Kind.PURCHASE_BASE, Kind.BIG_ORDER, Kind.FIRST_PURCHASE)

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    event_code = models.SlugField(
        _("event code"),
        max_length=40,
        blank=True,
        help_text=_("For custom events: the code recorded by staff or other apps."),
    )
    points = models.PositiveIntegerField(
        _("points"), default=0, help_text=_("Fixed points (all kinds but base rate).")
    )
    rate = models.DecimalField(
        _("points per yuan"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Base rate only: points per yuan paid, before multipliers."),
    )
    min_amount = models.DecimalField(
        _("minimum order amount (CNY)"),
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Big-order bonus: the order must reach this amount."),
        **MONEY,
    )
    product_category = models.CharField(
        _("product category"),
        max_length=40,
        blank=True,
        help_text=_("Purchase rules: only items of this category count. Empty: all."),
    )
    pending_days = models.PositiveSmallIntegerField(
        _("pending days"),
        default=0,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "Purchase rules: hold the points as pending this many days before "
            "they can be spent."
        ),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are applied first.")
    )
    stop_further = models.BooleanField(
        _("stop further rules"),
        default=False,
        help_text=_("When this rule fires, rules with a later priority are skipped."),
    )
    growth_dimension = models.CharField(
        _("growth dimension"),
        max_length=12,
        blank=True,
        choices=Dimension.choices,
        help_text=_(
            "Custom events: also credit tier growth in this dimension when the "
            "rule fires (e.g. a survey is interaction, a share is social)."
        ),
    )
    growth_source = models.CharField(
        _("growth source"),
        max_length=20,
        blank=True,
        choices=GrowthEvent.Source.choices,
        help_text=_(
            "Custom events: how the growth is labelled in the member's history."
        ),
    )
    growth_value = models.PositiveIntegerField(
        _("growth value"),
        default=0,
        validators=[MaxValueValidator(10000)],
        help_text=_("Custom events: raw growth credited (weighted by the dimension)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    cap_per_day = models.PositiveIntegerField(
        _("times per member per day"), null=True, blank=True
    )
    cap_per_month = models.PositiveIntegerField(
        _("times per member per month"), null=True, blank=True
    )
    cap_lifetime = models.PositiveIntegerField(
        _("times per member ever"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="points_rule_window_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(kind="custom_event") | ~Q(event_code=""),
                name="points_rule_custom_event_has_code",
            ),
            models.CheckConstraint(
                condition=Q(growth_value=0)
                | (
                    Q(kind="custom_event")
                    & ~Q(growth_dimension="")
                    & ~Q(growth_source="")
                ),
                name="points_rule_growth_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "is_active"], name="points_rule_kind_idx")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.kind == self.Kind.CUSTOM_EVENT and not self.event_code:
            errors["event_code"] = _("A custom event rule needs an event code.")
        if self.kind == self.Kind.PURCHASE_BASE and self.rate <= 0:
            errors["rate"] = _("A base rate rule needs a rate above zero.")
        if self.kind != self.Kind.PURCHASE_BASE and not self.points:
            errors["points"] = _("This kind of rule needs a number of points.")
        if self.kind == self.Kind.BIG_ORDER and self.min_amount <= 0:
            errors["min_amount"] = _("A big-order bonus needs a minimum amount.")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            errors["valid_until"] = _("The end must come after the start.")
        if self.growth_value:
            if self.kind != self.Kind.CUSTOM_EVENT:
                errors["growth_value"] = _(
                    "Only custom events credit tier growth here."
                )
            elif not (self.growth_dimension and self.growth_source):
                errors["growth_value"] = _(
                    "Tier growth needs both a growth dimension and a growth source."
                )
        if errors:
            raise ValidationError(errors)
        if self.is_active:
            self._check_overlap()

    def _check_overlap(self):
        """Refuse two active rules that would fire for the same thing at once."""
        same = EarningRule.objects.filter(
            is_active=True, kind=self.kind, event_code=self.event_code
        ).exclude(pk=self.pk)
        if self.kind in (self.Kind.PURCHASE_BASE, self.Kind.BIG_ORDER):
            same = same.filter(product_category=self.product_category)
        if self.kind == self.Kind.BIG_ORDER:
            same = same.filter(min_amount=self.min_amount)
        for other in same:
            if windows_overlap(
                self.valid_from, self.valid_until, other.valid_from, other.valid_until
            ):
                raise ValidationError(
                    _(
                        "The active rule “%(other)s” already covers the same thing "
                        "in an overlapping period. End it first or set other dates."
                    )
                    % {"other": other.name}
                )

    def is_valid_at(self, when) -> bool:
        return (
            self.is_active
            and (self.valid_from is None or self.valid_from <= when)
            and (self.valid_until is None or when < self.valid_until)
        )


def windows_overlap(a_start, a_end, b_start, b_end) -> bool:
    """Whether two half-open windows (None = unbounded) share any instant."""
    starts_before_b_ends = b_end is None or a_start is None or a_start < b_end
    ends_after_b_starts = a_end is None or b_start is None or b_start < a_end
    return starts_before_b_ends and ends_after_b_starts


class Campaign(models.Model):
    """A time-limited multiplier on purchase base points (e.g. double points)."""

    MAX_MULTIPLIER = Decimal("5")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    multiplier = models.DecimalField(
        _("multiplier"),
        max_digits=4,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("1.01")),
            MaxValueValidator(MAX_MULTIPLIER),
        ],
        help_text=_("Between 1.01 and 5: 2 means double base points."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    product_category = models.CharField(
        _("product category"),
        max_length=40,
        blank=True,
        help_text=_("Only items of this category. Empty: every item."),
    )
    tiers = models.ManyToManyField(
        "tiers.Tier",
        verbose_name=_("member tiers"),
        blank=True,
        help_text=_(
            "Member segment: only members holding one of these tiers. Empty: all."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="points_campaign_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(multiplier__gt=1) & Q(multiplier__lte=5),
                name="points_campaign_multiplier_sane",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must come after the start.")})


class Purchase(models.Model):
    """A purchase reported by a dealer or a channel; it earns (and may spend) points."""

    class PendingState(models.TextChoices):
        NONE = "none", _("Not pending")
        PENDING = "pending", _("Pending")
        RELEASED = "released", _("Released")
        CANCELLED = "cancelled", _("Cancelled")

    class RefundState(models.TextChoices):
        NONE = "none", _("Not refunded")
        PARTIAL = "partial", _("Partly refunded")
        FULL = "full", _("Refunded")

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="purchases",
    )
    dealer = models.ForeignKey(
        "members.Dealer",
        verbose_name=_("dealer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchases",
    )
    channel = models.CharField(_("channel"), max_length=20, default="dealer")
    order_no = models.CharField(_("order number"), max_length=64)
    purchased_at = models.DateTimeField(_("purchased at"))
    amount = models.DecimalField(
        _("amount (CNY)"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    payment_method = models.CharField(_("payment method"), max_length=20, blank=True)
    points_redeemed = models.PositiveIntegerField(_("points paid"), default=0)
    redeemed_value = models.DecimalField(
        _("value paid with points (CNY)"), default=Decimal("0"), **MONEY
    )
    points_earned = models.PositiveIntegerField(_("points earned"), default=0)
    pending_state = models.CharField(
        _("pending state"),
        max_length=10,
        choices=PendingState.choices,
        default=PendingState.NONE,
    )
    pending_until = models.DateTimeField(_("pending until"), null=True, blank=True)
    pending_until_installation = models.BooleanField(
        _("pending until installation"), default=False
    )
    refund_state = models.CharField(
        _("refund state"),
        max_length=10,
        choices=RefundState.choices,
        default=RefundState.NONE,
    )
    refunded_amount = models.DecimalField(
        _("refunded amount (CNY)"), default=Decimal("0"), **MONEY
    )
    points_reversed = models.PositiveIntegerField(_("points reversed"), default=0)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-purchased_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "order_no"],
                condition=Q(dealer__isnull=False),
                name="points_purchase_order_per_dealer",
            ),
            models.UniqueConstraint(
                fields=["channel", "order_no"],
                condition=Q(dealer__isnull=True),
                name="points_purchase_order_per_channel",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount"))
                & Q(refunded_amount__gte=0),
                name="points_purchase_refund_le_amount",
            ),
            models.CheckConstraint(
                condition=Q(points_reversed__lte=models.F("points_earned")),
                name="points_purchase_reversed_le_earned",
            ),
        ]
        indexes = [
            models.Index(
                fields=["member", "-purchased_at"], name="points_purch_member_idx"
            ),
            models.Index(
                fields=["pending_until"],
                condition=Q(pending_state="pending"),
                name="points_purch_pending_idx",
            ),
        ]

    def __str__(self):
        return self.order_no

    @property
    def cash_amount(self) -> Decimal:
        return self.amount - self.redeemed_value

    @property
    def points_pending(self) -> int:
        if self.pending_state != self.PendingState.PENDING:
            return 0
        return self.points_earned - self.points_reversed


class PurchaseItem(models.Model):
    purchase = models.ForeignKey(
        Purchase,
        verbose_name=_("purchase"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    sku = models.CharField(_("SKU"), max_length=40)
    name = models.CharField(_("name"), max_length=120, blank=True)
    category = models.CharField(_("product category"), max_length=40, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(
        _("unit price (CNY)"),
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        **MONEY,
    )
    amount = models.DecimalField(
        _("line amount (CNY)"), validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    serial_numbers = models.JSONField(_("serial numbers"), default=list, blank=True)

    class Meta:
        verbose_name = _("purchase item")
        verbose_name_plural = _("purchase items")

    def __str__(self):
        return f"{self.sku} × {self.quantity}"


class RuleHit(models.Model):
    """One firing of an earning rule for a member: what caps count, what explains points."""

    rule = models.ForeignKey(
        EarningRule,
        verbose_name=_("rule"),
        on_delete=models.PROTECT,
        related_name="hits",
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="hits",
    )
    points = models.PositiveIntegerField(_("points"))
    purchase = models.ForeignKey(
        Purchase,
        verbose_name=_("purchase"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rule_hits",
    )
    entry = models.ForeignKey(
        LedgerEntry,
        verbose_name=_("ledger entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rule_hits",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("rule hit")
        verbose_name_plural = _("rule hits")
        indexes = [
            models.Index(
                fields=["account", "rule", "created_at"], name="points_hit_cap_idx"
            )
        ]

    def __str__(self):
        return f"{self.rule_id} → {self.points}"


class DriftReport(models.Model):
    """A difference the nightly reconciliation found. Operators investigate; nothing is fixed silently."""

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="drifts",
    )
    balance = models.IntegerField(_("cached balance"))
    ledger_sum = models.IntegerField(_("sum of ledger"))
    lots_sum = models.IntegerField(_("sum of open lots"))
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    resolved = models.BooleanField(_("resolved"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("balance drift")
        verbose_name_plural = _("balance drifts")
        ordering = ["-detected_at"]

    def __str__(self):
        return f"{self.account_id}: {self.balance} vs {self.ledger_sum}/{self.lots_sum}"
