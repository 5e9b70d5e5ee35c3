"""Service bookings: service types, regions, technicians, slots, bookings,
photos, reviews and registered products with their warranty."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ServiceType(models.Model):
    """What a member can book. Created by a data migration; editable in the admin."""

    class Code(models.TextChoices):
        INSTALLATION = "installation", _("Installation")
        ANNUAL_CHECK = "annual_check", _("Annual health check")
        PIPE_CLEANING = "pipe_cleaning", _("Pipe cleaning")
        SYSTEM_OPTIMISATION = "system_optimisation", _("System optimisation")
        EMERGENCY_REPAIR = "emergency_repair", _("Emergency repair")
        DESIGN_CONSULTATION = "design_consultation", _("Design consultation")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    duration_slots = models.PositiveSmallIntegerField(
        _("duration (slots)"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Capacity units of a slot a booking of this type uses."),
    )
    price = models.DecimalField(_("price (CNY)"), max_digits=12, decimal_places=2)
    points_price = models.PositiveIntegerField(
        _("points price"),
        null=True,
        blank=True,
        help_text=_("Empty when the service cannot be paid with points."),
    )
    min_tier = models.ForeignKey(
        "tiers.Tier",
        verbose_name=_("minimum tier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_emergency = models.BooleanField(_("emergency"), default=False)
    is_maintenance = models.BooleanField(
        _("maintenance"),
        default=False,
        help_text=_("Completing it counts as on-time maintenance."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="servicetype_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(duration_slots__gte=1), name="servicetype_duration_positive"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") else self.name_zh


class Region(models.Model):
    """A service area with its own slots and technicians."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    cities = models.CharField(
        _("cities"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated cities this region serves, e.g. 北京,廊坊."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def city_list(self) -> list[str]:
        return [
            c.strip() for c in self.cities.replace("，", ",").split(",") if c.strip()
        ]

    def serves_city(self, city: str) -> bool:
        cities = self.city_list
        if not cities:
            return True
        city = (city or "").strip().removesuffix("市")
        return any(city == c.removesuffix("市") for c in cities)


class Technician(models.Model):
    """A staff user who goes out to customers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="technician",
        limit_choices_to={"is_staff": True},
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    regions = models.ManyToManyField(
        Region, verbose_name=_("regions"), related_name="technicians", blank=True
    )
    skills = models.ManyToManyField(
        ServiceType, verbose_name=_("skills"), related_name="technicians", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")

    def __str__(self):
        return str(self.user)


class Period(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")


class SlotTemplate(models.Model):
    """A weekly pattern: region, weekday and period with a capacity."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        related_name="templates",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("slot template")
        verbose_name_plural = _("slot templates")
        ordering = ["region", "weekday", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "weekday", "period"], name="slottemplate_unique"
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.get_weekday_display()} {self.get_period_display()}"


class Slot(models.Model):
    """A half day in a region with a capacity. ``booked`` counts capacity units
    held by active bookings; the database refuses booked > capacity."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="slots"
    )
    date = models.DateField(_("date"))
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)
    is_closed = models.BooleanField(
        _("closed"), default=False, help_text=_("Closed slots take no new bookings.")
    )
    template = models.ForeignKey(
        SlotTemplate,
        verbose_name=_("template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="slots",
    )

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["date", "period", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "date", "period"], name="slot_unique_per_region"
            ),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="slot_not_overbooked"
            ),
        ]
        indexes = [models.Index(fields=["date", "region"], name="slot_date_region_idx")]

    def __str__(self):
        return f"{self.region} {self.date} {self.get_period_display()}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def starts_at(self):
        """When the slot begins, in the project's time zone."""
        import datetime as dt

        from . import conf

        hour = conf.get("SERVICES_PERIOD_START_HOURS")[self.period]
        naive = dt.datetime.combine(self.date, dt.time(hour))
        return timezone.make_aware(naive, timezone.get_default_timezone())


class Booking(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        CONFIRMED = "confirmed", _("Confirmed")
        ASSIGNED = "assigned", _("Technician assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal")
        DEALER_API = "dealer_api", _("Dealer API")
        ADMIN = "admin", _("Operator console")

    ACTIVE_STATUSES = (
        Status.REQUESTED,
        Status.CONFIRMED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
    )
    # Statuses that hold slot capacity (and keep a technician busy in the slot).
    HOLDING_STATUSES = (*ACTIVE_STATUSES, Status.COMPLETED, Status.NO_SHOW)

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    service_type = models.ForeignKey(
        ServiceType,
        verbose_name=_("service type"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    slot = models.ForeignKey(
        Slot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="bookings"
    )
    units = models.PositiveSmallIntegerField(
        _("capacity units"),
        default=1,
        help_text=_("Units of the slot's capacity this booking holds."),
    )
    address = models.JSONField(_("address"), default=dict)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.REQUESTED,
        db_index=True,
    )
    source = models.CharField(
        _("source"), max_length=12, choices=Source.choices, default=Source.PORTAL
    )
    dealer = models.ForeignKey(
        "members.Dealer",
        verbose_name=_("dealer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_bookings",
    )
    technician = models.ForeignKey(
        Technician,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
    )
    price = models.DecimalField(_("price (CNY)"), max_digits=12, decimal_places=2)
    points_price = models.PositiveIntegerField(_("points price"), null=True, blank=True)
    free_service = models.BooleanField(_("free service privilege used"), default=False)
    privilege_use_key = models.CharField(
        _("privilege use key"), max_length=80, blank=True
    )
    voucher_code = models.CharField(_("voucher"), max_length=40, blank=True)
    paid_points = models.PositiveIntegerField(_("paid with points"), default=0)
    points_entry_id = models.PositiveBigIntegerField(
        _("points ledger entry"), null=True, blank=True
    )
    purchase_id = models.PositiveBigIntegerField(
        _("purchase"),
        null=True,
        blank=True,
        help_text=_("The purchase whose points wait for this installation."),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=1000)
    response_target_hours = models.PositiveSmallIntegerField(
        _("response target (hours)"), null=True, blank=True
    )
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("cancellation reason"), max_length=200, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("no-show at"), null=True, blank=True)
    rescheduled_at = models.DateTimeField(_("rescheduled at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A technician is never in two places in one slot.
            models.UniqueConstraint(
                fields=["slot", "technician"],
                condition=Q(technician__isnull=False) & ~Q(status="cancelled"),
                name="booking_technician_once_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="booking_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(units__gte=1), name="booking_units_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="booking_member_idx"),
            models.Index(fields=["slot", "status"], name="booking_slot_status_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.service_type} {self.slot}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def address_line(self) -> str:
        a = self.address or {}
        return " ".join(
            str(a.get(k))
            for k in ("province", "city", "district", "detail")
            if a.get(k)
        )


def _photo_path(instance, filename):
    return f"services/photos/{timezone.now():%Y/%m}/{filename}"


def _thumb_path(instance, filename):
    return f"services/thumbs/{timezone.now():%Y/%m}/{filename}"


class BookingPhoto(models.Model):
    """A re-encoded image: the uploaded bytes are never stored."""

    class Kind(models.TextChoices):
        SITE = "site", _("Installation site")
        FAULT = "fault", _("Fault")
        COMPLETION = "completion", _("Completed work")
        REVIEW = "review", _("Review")

    booking = models.ForeignKey(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.PROTECT,
        related_name="photos",
    )
    review = models.ForeignKey(
        "Review",
        verbose_name=_("review"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="photos",
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=Kind.choices, default=Kind.SITE
    )
    image = models.ImageField(_("image"), upload_to=_photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=_thumb_path)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("booking photo")
        verbose_name_plural = _("booking photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class Review(models.Model):
    booking = models.OneToOneField(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.PROTECT,
        related_name="review",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="service_reviews",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(_("text"), blank=True, max_length=2000)
    points_awarded = models.PositiveIntegerField(_("points awarded"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_5"
            ),
        ]

    def __str__(self):
        return f"{self.booking_id}: {self.rating}★"


class RegisteredProduct(models.Model):
    """A radiator (or boiler, valve set…) a member owns, by serial number."""

    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal")
        PURCHASE = "purchase", _("Purchase")
        ADMIN = "admin", _("Operator console")

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    model = models.CharField(_("model"), max_length=80)
    serial_number = models.CharField(_("serial number"), max_length=60, unique=True)
    purchase_date = models.DateField(_("purchase date"))
    installation_date = models.DateField(_("installation date"), null=True, blank=True)
    base_warranty_months = models.PositiveSmallIntegerField(_("base warranty (months)"))
    extension_months = models.PositiveSmallIntegerField(
        _("tier extension (months)"), default=0
    )
    warranty_ends_on = models.DateField(_("warranty ends on"))
    purchase_id = models.PositiveBigIntegerField(_("purchase"), null=True, blank=True)
    dealer = models.ForeignKey(
        "members.Dealer",
        verbose_name=_("dealer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.PORTAL
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        verbose_name = _("registered product")
        verbose_name_plural = _("registered products")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.model} {self.serial_number}"

    @property
    def under_warranty(self) -> bool:
        return timezone.localdate() <= self.warranty_ends_on


from .api.models import *  # noqa: E402, F403
