"""Tiers and growth value. (Foundation: the tier table; the tiers issue adds the rest.)"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Tier(models.Model):
    """A membership level. Reached by growth value OR by spend in the window."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=30)
    name_en = models.CharField(_("name (English)"), max_length=30)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("0 is the entry tier.")
    )
    min_growth = models.PositiveIntegerField(_("minimum growth value"), default=0)
    min_spend = models.DecimalField(
        _("minimum spend in window (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )
    multiplier = models.DecimalField(
        _("earning multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    retention_growth = models.PositiveIntegerField(
        _("retention growth value"),
        default=0,
        help_text=_(
            "Growth in the window needed to keep this tier when its term ends."
        ),
    )
    retention_spend = models.DecimalField(
        _("retention spend (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )
    upgrade_gift_points = models.PositiveIntegerField(
        _("upgrade gift points"), default=0
    )
    birthday_points = models.PositiveIntegerField(_("birthday points"), default=0)
    colour = models.CharField(_("colour"), max_length=7, default="#888888")

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(multiplier__gte=0) & Q(multiplier__lte=10),
                name="tier_multiplier_sane",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") else self.name_zh


class Dimension(models.TextChoices):
    CONSUMPTION = "consumption", _("Consumption")
    INTERACTION = "interaction", _("Interaction")
    SOCIAL = "social", _("Social")
    LOYALTY = "loyalty", _("Loyalty")


def _weight_field(verbose_name, default: str) -> models.DecimalField:
    """One growth-dimension weight: a percentage, never negative."""
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0"))],
    )


class GrowthWeights(models.Model):
    """The operator-editable weights of the four growth dimensions (one row).

    The four percentages must add up to exactly 100; the database refuses
    anything else. A new weight applies to events recorded from then on.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    consumption = _weight_field(_("consumption weight (%)"), "50")
    interaction = _weight_field(_("interaction weight (%)"), "25")
    social = _weight_field(_("social weight (%)"), "12.5")
    loyalty = _weight_field(_("loyalty weight (%)"), "12.5")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("growth weights")
        verbose_name_plural = _("growth weights")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="growthweights_single_row"),
            models.CheckConstraint(
                condition=Q(consumption__gte=0)
                & Q(interaction__gte=0)
                & Q(social__gte=0)
                & Q(loyalty__gte=0),
                name="growthweights_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    consumption=100
                    - models.F("interaction")
                    - models.F("social")
                    - models.F("loyalty")
                ),
                name="growthweights_sum_100",
            ),
        ]

    def __str__(self):
        return str(_("Growth weights"))

    def clean(self):
        from django.core.exceptions import ValidationError

        total = sum((getattr(self, d) or Decimal("0")) for d in Dimension.values)
        if total != Decimal("100"):
            raise ValidationError(
                _("The four weights must add up to 100%% (now %(total)s%%).")
                % {"total": total}
            )

    def weight(self, dimension: str) -> Decimal:
        return getattr(self, dimension)


class GrowthEvent(models.Model):
    """One growth-value movement of a member (append-only).

    ``weighted_value`` is the growth value that counts: the raw value times
    the dimension's weight when the event was recorded. ``spend`` is the
    money part of a purchase (negative for a refund) that counts towards the
    spend alternative of a tier.
    """

    class Source(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        PURCHASE_CATEGORY = "purchase_category", _("New product category")
        REFUND = "refund", _("Refund")
        SIGN_IN = "sign_in", _("Daily sign-in")
        ACTIVITY = "activity", _("Activity participation")
        SURVEY = "survey", _("Survey")
        REFERRAL = "referral", _("Referral")
        SHARE = "share", _("Share")
        REVIEW_PHOTO = "review_photo", _("Review with photos")
        TENURE = "tenure", _("Membership tenure")
        HIGH_TIER = "high_tier", _("Time at a high tier")
        DECAY = "decay", _("Dormancy decay")
        ADJUSTMENT = "adjustment", _("Operator adjustment")

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="growth_events",
    )
    dimension = models.CharField(
        _("dimension"), max_length=12, choices=Dimension.choices
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    raw_value = models.DecimalField(_("raw value"), max_digits=12, decimal_places=2)
    weighted_value = models.IntegerField(_("growth value"))
    spend = models.DecimalField(
        _("spend (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    note = models.CharField(_("note"), max_length=60, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    key = models.CharField(_("idempotency key"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("growth event")
        verbose_name_plural = _("growth events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["member", "occurred_at"], name="growthevent_member_time_idx"
            ),
            models.Index(fields=["occurred_at"], name="growthevent_time_idx"),
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.weighted_value:+d}"


class TierStatus(models.Model):
    """The tier a member holds now, and the window figures it was judged on.

    A member without a row holds the entry tier. ``term_ends_on`` is when the
    12-month term of the current tier ends (empty for the entry tier).
    """

    member = models.OneToOneField(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="tier_status",
    )
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="statuses"
    )
    since = models.DateTimeField(_("holds the tier since"), default=timezone.now)
    term_ends_on = models.DateField(_("term ends on"), null=True, blank=True)
    window_growth = models.IntegerField(_("growth value in window"), default=0)
    window_spend = models.DecimalField(
        _("spend in window (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )
    window_from = models.DateTimeField(
        _("window figures counted from"),
        null=True,
        blank=True,
        help_text=_(
            "Start of the window the growth and spend figures were computed for."
        ),
    )
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    warned_for_term = models.DateField(
        _("downgrade warning sent for term ending"), null=True, blank=True
    )
    birthday_year = models.PositiveSmallIntegerField(
        _("birthday points given for year"), null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("tier status")
        verbose_name_plural = _("tier statuses")
        indexes = [
            models.Index(fields=["term_ends_on"], name="tierstatus_term_idx"),
        ]

    def __str__(self):
        return f"{self.member_id}: {self.tier}"


class TierChange(models.Model):
    """History: every tier change of a member, with its reason (append-only)."""

    class Reason(models.TextChoices):
        UPGRADE = "upgrade", _("Growth or spend reached the tier")
        DOWNGRADE = "downgrade", _("Term ended without retention")
        PURCHASE = "purchase", _("Upgrade bought with points")
        MANUAL = "manual", _("Changed by an operator")

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="tier_changes",
    )
    from_tier = models.ForeignKey(
        Tier,
        verbose_name=_("from tier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_tier = models.ForeignKey(
        Tier, verbose_name=_("to tier"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    window_growth = models.IntegerField(_("growth value in window"), default=0)
    window_spend = models.DecimalField(
        _("spend in window (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )
    batch = models.CharField(
        _("batch"), max_length=40, blank=True, help_text=_("Nightly run, if any.")
    )
    key = models.CharField(
        _("idempotency key"), max_length=120, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["member", "-created_at"], name="tierchange_member_idx"
            ),
            models.Index(fields=["batch"], name="tierchange_batch_idx"),
        ]

    def __str__(self):
        return f"{self.member_id}: {self.from_tier} → {self.to_tier}"


class TierRecalcRun(models.Model):
    """One nightly recalculation: what it was computed for and what it did.

    The next run only takes out of the window the events that left it since
    this run's ``window_start`` (a full recount when there is no finished run
    or the window setting changed).
    """

    batch = models.CharField(_("batch"), max_length=40, unique=True)
    day = models.DateField(_("day"))
    window_mode = models.CharField(_("window"), max_length=10)
    window_start = models.DateTimeField(_("window start"))
    full = models.BooleanField(_("full recount"), default=False)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    decayed = models.PositiveIntegerField(_("decayed"), default=0)
    windows_updated = models.PositiveIntegerField(_("windows updated"), default=0)
    upgraded = models.PositiveIntegerField(_("upgraded"), default=0)
    downgraded = models.PositiveIntegerField(_("downgraded"), default=0)
    renewed = models.PositiveIntegerField(_("terms renewed"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        verbose_name = _("nightly recalculation")
        verbose_name_plural = _("nightly recalculations")
        ordering = ["-started_at"]

    def __str__(self):
        return self.batch
