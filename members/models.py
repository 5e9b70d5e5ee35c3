"""Members: the custom user, member profiles, dealers, addresses, codes, inbox."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .phone import mask_phone, normalize_phone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, *, username=None, phone=None, password=None, **extra):
        if not username and not phone:
            raise ValueError("A user needs a username (staff) or a phone (customer).")
        user = self.model(
            username=username or None,
            phone=normalize_phone(phone) if phone else None,
            **extra,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, username=None, password=None, *, phone=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(username=username, phone=phone, password=password, **extra)

    def create_superuser(self, username, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(username=username, password=password, **extra)


class Dealer(models.Model):
    """A shop or installer with its own staff users and API tokens."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("dealer")
        verbose_name_plural = _("dealers")
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(AbstractBaseUser, PermissionsMixin):
    """Customers sign in with their mobile number, staff with a username.

    ``phone`` is stored normalised (11 digits). A closed account keeps its row
    (ledgers point at it) but loses phone, username and name.
    """

    username = models.CharField(
        _("username"), max_length=150, unique=True, null=True, blank=True
    )
    phone = models.CharField(
        _("mobile number"), max_length=11, unique=True, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=60, blank=True)
    email = models.EmailField(_("email"), blank=True)
    dealer = models.ForeignKey(
        Dealer,
        verbose_name=_("dealer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_(
            "Set for a dealer's staff user: their API token acts for this dealer."
        ),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into the operator console."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(username__isnull=False)
                | Q(phone__isnull=False)
                | Q(is_active=False),
                name="user_has_login_or_is_closed",
            ),
        ]

    def __str__(self):
        return self.name or self.username or mask_phone(self.phone) or f"#{self.pk}"

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name


class Member(models.Model):
    """A customer's programme profile: one per customer user."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        DEALER = "dealer", _("Dealer")
        ADMIN = "admin", _("Operator console")

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="member"
    )
    referral_code = models.CharField(_("referral code"), max_length=12, unique=True)
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referees",
    )
    enrolled_by_dealer = models.ForeignKey(
        Dealer,
        verbose_name=_("enrolled by dealer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolled_members",
    )
    channel = models.CharField(
        _("enrolment channel"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.PORTAL,
    )
    claimed_at = models.DateTimeField(
        _("claimed at"),
        null=True,
        blank=True,
        help_text=_(
            "When the customer proved the phone. Empty for offline enrolments not yet claimed."
        ),
    )
    terms_accepted_at = models.DateTimeField(
        _("terms accepted at"), null=True, blank=True
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    household_size = models.PositiveSmallIntegerField(
        _("household size"), null=True, blank=True
    )
    home_area_m2 = models.DecimalField(
        _("home area (m²)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    city = models.CharField(_("city"), max_length=60, blank=True)
    district = models.CharField(_("district"), max_length=60, blank=True)
    notify_by_email = models.BooleanField(_("notify by email"), default=True)
    notify_by_sms = models.BooleanField(_("notify by SMS"), default=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, db_index=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=~Q(referred_by=models.F("id")),
                name="member_not_self_referred",
            ),
        ]
        indexes = [models.Index(fields=["birthday"], name="member_birthday_idx")]

    def __str__(self):
        return str(self.user)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class DealerCustomer(models.Model):
    """A dealer's access to a member: enrolled by it, or found by phone later."""

    dealer = models.ForeignKey(
        Dealer, on_delete=models.PROTECT, related_name="customers"
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="dealer_links"
    )
    enrolled = models.BooleanField(_("enrolled by this dealer"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("dealer customer")
        verbose_name_plural = _("dealer customers")
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "member"], name="dealer_customer_unique"
            ),
        ]

    def __str__(self):
        return f"{self.dealer} → {self.member}"


class Address(models.Model):
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="addresses",
    )
    label = models.CharField(
        _("label"), max_length=30, blank=True, help_text=_("e.g. Home")
    )
    recipient = models.CharField(_("recipient"), max_length=60)
    phone = models.CharField(_("contact number"), max_length=11)
    province = models.CharField(_("province"), max_length=30, blank=True)
    city = models.CharField(_("city"), max_length=60)
    district = models.CharField(_("district"), max_length=60, blank=True)
    detail = models.CharField(_("street address"), max_length=200)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(is_default=True),
                name="address_one_default_per_member",
            ),
        ]

    def __str__(self):
        return self.one_line()

    def one_line(self) -> str:
        return " ".join(
            p for p in (self.province, self.city, self.district, self.detail) if p
        )

    def snapshot(self) -> dict:
        """A frozen copy for bookings and shipments."""
        return {
            "recipient": self.recipient,
            "phone": self.phone,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "detail": self.detail,
        }


class PhoneCode(models.Model):
    """A one-time code sent to a phone. Only a hash of the code is stored."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Registration")
        RESET = "reset", _("Password reset")
        CLAIM = "claim", _("Account claim")
        LOGIN = "login", _("Sign-in")

    phone = models.CharField(_("mobile number"), max_length=11)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(_("code hash"), max_length=128)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        indexes = [
            models.Index(
                fields=["phone", "purpose", "-created_at"], name="phonecode_lookup_idx"
            ),
            models.Index(fields=["client_ip", "-created_at"], name="phonecode_ip_idx"),
        ]

    def __str__(self):
        return f"{mask_phone(self.phone)} {self.get_purpose_display()}"


class Notification(models.Model):
    """An inbox message. ``key`` makes a send idempotent (one per batch/event)."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    category = models.CharField(_("category"), max_length=30, default="general")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    key = models.CharField(
        _("idempotency key"), max_length=120, null=True, blank=True, unique=True
    )
    sms_text = models.CharField(
        _("SMS text"),
        max_length=300,
        blank=True,
        help_text=_("Empty when no SMS was asked for."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    sms_sent_at = models.DateTimeField(_("SMS sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["member", "-created_at"], name="notification_inbox_idx"
            )
        ]

    def __str__(self):
        return self.title


class SignInFailure(models.Model):
    """One failed sign-in, kept for the lockout window (per account and per IP).

    ``identifier`` is what was typed, normalised (a phone or a username), so
    unknown and known accounts lock alike and nothing reveals membership.
    """

    identifier = models.CharField(_("identifier"), max_length=150)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(
                fields=["identifier", "-created_at"], name="signinfailure_ident_idx"
            ),
            models.Index(
                fields=["client_ip", "-created_at"], name="signinfailure_ip_idx"
            ),
        ]

    def __str__(self):
        return f"{self.identifier} {self.created_at:%Y-%m-%d %H:%M}"
