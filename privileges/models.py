"""Privileges: the catalogue, what each tier grants, uses and quotas, member events.

A privilege is granted by a tier and inherited by every higher tier unless a
higher tier overrides it (its own grant row with another parameter or quota) or
revokes it (a grant row with ``revoked=True``). Uses are counted per member, per
privilege and per period in ``QuotaCounter`` rows: the row lock is what makes a
quota hold under concurrency.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from members.models import Member
from tiers.models import Tier


def _is_english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


class Privilege(models.Model):
    """One benefit in the catalogue. Its parameter lives on the tier grants."""

    class Category(models.TextChoices):
        FUNCTIONAL = "functional", _("Functional")
        SERVICE = "service", _("Service")
        EXPERIENCE = "experience", _("Experience")

    class Kind(models.TextChoices):
        DISCOUNT_PERCENT = "discount_percent", _("Member discount (%)")
        FREE_DELIVERY = "free_delivery", _("Free delivery")
        WARRANTY_EXTENSION = "warranty_extension", _("Extended warranty (months)")
        TRADE_IN_DISCOUNT = "trade_in_discount", _("Trade-in discount (%)")
        MEMBER_PROMOTIONS = "member_promotions", _("Member promotions")
        BIRTHDAY_GIFT = "birthday_gift", _("Birthday wishes and gift")
        HOTLINE = "hotline", _("Member hotline")
        PRIORITY_BOOKING = "priority_booking", _("Priority booking (days earlier)")
        EMERGENCY_RESPONSE = "emergency_response", _("Emergency response (hours)")
        FREE_SERVICE = "free_service", _("Free service")
        MAINTENANCE_REMINDERS = "maintenance_reminders", _("Maintenance reminders")
        EVENT_ACCESS = "event_access", _("Member events")
        PRODUCT_PREVIEW = "product_preview", _("New-product preview")
        CUSTOMISATION = "customisation", _("Customisation")
        DESIGN_CONSULTATION = "design_consultation", _("Design consultation")

    class Unit(models.TextChoices):
        NONE = "", _("no parameter")
        PERCENT = "percent", _("percent")
        MONTHS = "months", _("months")
        DAYS = "days", _("days")
        HOURS = "hours", _("hours")

    # The typed parameter of each kind: its unit and whether a grant must set it.
    KIND_UNITS = {
        Kind.DISCOUNT_PERCENT: Unit.PERCENT,
        Kind.TRADE_IN_DISCOUNT: Unit.PERCENT,
        Kind.WARRANTY_EXTENSION: Unit.MONTHS,
        Kind.PRIORITY_BOOKING: Unit.DAYS,
        Kind.EMERGENCY_RESPONSE: Unit.HOURS,
    }
    # Kinds that name a service type: booking that service consumes the quota.
    SERVICE_KINDS = (Kind.FREE_SERVICE, Kind.DESIGN_CONSULTATION)

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    how_to_use_zh = models.CharField(
        _("how to use (Chinese)"), max_length=200, blank=True
    )
    how_to_use_en = models.CharField(
        _("how to use (English)"), max_length=200, blank=True
    )
    category = models.CharField(
        _("category"), max_length=12, choices=Category.choices, db_index=True
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    service_type_code = models.SlugField(
        _("service type code"),
        max_length=40,
        blank=True,
        help_text=_(
            "For free services and design consultations: the code of the service "
            "type whose booking uses this privilege, e.g. annual_check."
        ),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive privilege is granted to nobody."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("privilege")
        verbose_name_plural = _("privileges")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["free_service", "design_consultation"])
                | ~Q(service_type_code=""),
                name="privilege_service_kind_names_service_type",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if _is_english() else self.name_zh

    @property
    def description(self) -> str:
        return (self.description_en if _is_english() else self.description_zh) or ""

    @property
    def how_to_use(self) -> str:
        return (self.how_to_use_en if _is_english() else self.how_to_use_zh) or ""

    @property
    def unit(self) -> str:
        return self.KIND_UNITS.get(self.kind, self.Unit.NONE)

    def clean(self):
        if self.kind in self.SERVICE_KINDS and not self.service_type_code:
            raise ValidationError(
                {"service_type_code": _("This kind of privilege needs a service type.")}
            )


class TierGrant(models.Model):
    """What one tier grants of one privilege; higher tiers inherit it.

    A higher tier's own row overrides the inherited one; ``revoked`` withdraws
    the privilege from that tier and the tiers above it (until one grants it
    again). ``quota`` empty means unlimited.
    """

    class Period(models.TextChoices):
        YEAR = "year", _("per calendar year")
        MONTH = "month", _("per calendar month")
        LIFETIME = "lifetime", _("per membership")

    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="grants"
    )
    privilege = models.ForeignKey(
        Privilege,
        verbose_name=_("privilege"),
        on_delete=models.PROTECT,
        related_name="grants",
    )
    value = models.DecimalField(
        _("parameter"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Percent, months, days or hours, depending on the kind."),
    )
    quota = models.PositiveIntegerField(
        _("quota"),
        null=True,
        blank=True,
        help_text=_("Uses allowed per period. Empty: unlimited."),
    )
    period = models.CharField(
        _("period"), max_length=10, choices=Period.choices, default=Period.YEAR
    )
    revoked = models.BooleanField(
        _("revoked"),
        default=False,
        help_text=_("Withdraw the privilege from this tier (and above) instead."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("tier grant")
        verbose_name_plural = _("tier grants")
        ordering = ["tier__rank", "privilege__position", "privilege__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "privilege"], name="tiergrant_one_per_tier"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0),
                name="tiergrant_value_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.tier} · {self.privilege}"

    def clean(self):
        if self.revoked or not self.privilege_id:
            return
        unit = self.privilege.unit
        if unit and self.value is None:
            raise ValidationError({"value": _("This privilege needs a parameter.")})
        if not unit and self.value is not None:
            raise ValidationError(
                {"value": _("This privilege takes no parameter: leave it empty.")}
            )
        if unit == Privilege.Unit.PERCENT and self.value > Decimal("100"):
            raise ValidationError({"value": _("A percentage cannot exceed 100.")})
        if (
            unit in (Privilege.Unit.MONTHS, Privilege.Unit.DAYS, Privilege.Unit.HOURS)
            and self.value != self.value.to_integral_value()
        ):
            raise ValidationError({"value": _("Enter a whole number.")})


class QuotaCounter(models.Model):
    """Uses of one privilege by one member in one period: the row that is locked.

    ``used`` always equals the number of not-returned uses with the same
    member, privilege and period key.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE
    )
    privilege = models.ForeignKey(
        Privilege, verbose_name=_("privilege"), on_delete=models.CASCADE
    )
    period_key = models.CharField(_("period"), max_length=10)
    used = models.PositiveIntegerField(_("used"), default=0)

    class Meta:
        verbose_name = _("quota counter")
        verbose_name_plural = _("quota counters")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "privilege", "period_key"],
                name="quotacounter_one_per_period",
            ),
        ]

    def __str__(self):
        return f"{self.member_id} {self.privilege_id} {self.period_key}: {self.used}"


class PrivilegeUse(models.Model):
    """One use of a privilege: the history operators report on. Never deleted."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="privilege_uses",
    )
    privilege = models.ForeignKey(
        Privilege,
        verbose_name=_("privilege"),
        on_delete=models.PROTECT,
        related_name="uses",
    )
    tier_code = models.SlugField(
        _("tier at use"), max_length=20, help_text=_("The member's tier when used.")
    )
    period_key = models.CharField(_("period"), max_length=10)
    key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    ref_type = models.CharField(_("used for (type)"), max_length=40, blank=True)
    ref_id = models.BigIntegerField(_("used for (id)"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), default=timezone.now)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("privilege use")
        verbose_name_plural = _("privilege uses")
        ordering = ["-used_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-used_at"], name="privilegeuse_member_idx"),
            models.Index(
                fields=["privilege", "tier_code", "used_at"],
                name="privilegeuse_report_idx",
            ),
        ]

    def __str__(self):
        return f"{self.privilege} · {self.member_id} · {self.period_key}"

    @property
    def is_returned(self) -> bool:
        return self.returned_at is not None


class MemberEvent(models.Model):
    """A factory tour, launch event or heating salon with limited places."""

    class Kind(models.TextChoices):
        FACTORY_TOUR = "factory_tour", _("Factory tour")
        LAUNCH = "launch", _("Product launch")
        SALON = "salon", _("Heating salon")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    place = models.CharField(_("place"), max_length=200)
    city = models.CharField(_("city"), max_length=60, blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    signup_closes_at = models.DateTimeField(
        _("sign-up closes at"),
        null=True,
        blank=True,
        help_text=_("Empty: sign-up and cancellation close when the event starts."),
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    seats_taken = models.PositiveIntegerField(_("places taken"), default=0)
    min_tier = models.ForeignKey(
        Tier,
        verbose_name=_("lowest eligible tier"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("member event")
        verbose_name_plural = _("member events")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")),
                name="memberevent_never_over_capacity",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return (self.title_en if _is_english() else "") or self.title_zh

    @property
    def description(self) -> str:
        return (self.description_en if _is_english() else self.description_zh) or ""

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def closes_at(self):
        return self.signup_closes_at or self.starts_at

    def clean(self):
        if self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError(
                {"ends_at": _("The event cannot end before it starts.")}
            )
        if self.signup_closes_at and self.signup_closes_at > self.starts_at:
            raise ValidationError(
                {"signup_closes_at": _("Sign-up must close before the event starts.")}
            )
        if self.pk and self.capacity < self.seats_taken:
            raise ValidationError(
                {
                    "capacity": _(
                        "%(taken)s places are already taken: capacity cannot be lower."
                    )
                    % {"taken": self.seats_taken}
                }
            )


class EventSignup(models.Model):
    """A member's place at an event. A member holds at most one confirmed place."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal")
        TICKET = "ticket", _("Event ticket (points reward)")
        ADMIN = "admin", _("Operator console")

    event = models.ForeignKey(
        MemberEvent,
        verbose_name=_("event"),
        on_delete=models.PROTECT,
        related_name="signups",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="event_signups",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.PORTAL
    )
    ref_key = models.CharField(
        _("reference"),
        max_length=120,
        null=True,
        blank=True,
        unique=True,
        help_text=_("e.g. the reward redemption that paid for the ticket."),
    )
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event sign-up")
        verbose_name_plural = _("event sign-ups")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"],
                condition=Q(status="confirmed"),
                name="eventsignup_one_confirmed_per_member",
            ),
        ]
        indexes = [
            models.Index(
                fields=["member", "-created_at"], name="eventsignup_member_idx"
            )
        ]

    def __str__(self):
        return f"{self.event} · {self.member}"

    @property
    def use_key(self) -> str:
        """The privilege-use key of this sign-up's event-access use."""
        return f"event-signup:{self.pk}"
