"""Every write of the members app. Keyword-only, one transaction each."""

import logging
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from . import signals
from .exceptions import (
    AccountLocked,
    CodeInvalid,
    CodeRejected,
    PhoneTaken,
    RateLimited,
    ReferralRefused,
)
from .models import (
    Address,
    DealerCustomer,
    Member,
    Notification,
    PhoneCode,
    SignInFailure,
    User,
)
from .phone import normalize_phone
from .sms import send_sms

logger = logging.getLogger(__name__)

_REFERRAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I

# Programme knobs (documented in docs/configuration.md), read on every call so
# tests may override them with the ``settings`` fixture.
_DEFAULTS = {
    "MEMBERS_CODE_TTL_SECONDS": 600,
    "MEMBERS_CODE_MAX_ATTEMPTS": 5,
    "MEMBERS_CODE_RESEND_SECONDS": 60,
    "MEMBERS_CODE_PER_PHONE_PER_HOUR": 5,
    "MEMBERS_CODE_PER_IP_PER_HOUR": 20,
    "MEMBERS_LOCKOUT_FAILURES": 5,
    "MEMBERS_LOCKOUT_IP_FAILURES": 30,
    "MEMBERS_LOCKOUT_MINUTES": 15,
}


def knob(name: str) -> int:
    return int(getattr(settings, name, _DEFAULTS[name]))


# --- referral -----------------------------------------------------------------


def _new_referral_code() -> str:
    while True:
        code = "".join(secrets.choice(_REFERRAL_ALPHABET) for _ in range(8))
        if not Member.objects.filter(referral_code=code).exists():
            return code


def _resolve_referrer(referral_code: str | None, *, phone: str) -> Member | None:
    if not referral_code or not referral_code.strip():
        return None
    referrer = (
        Member.objects.select_related("user")
        .filter(referral_code=referral_code.strip().upper(), closed_at__isnull=True)
        .first()
    )
    if referrer is None:
        raise ReferralRefused(_("This referral code does not exist."))
    if referrer.user.phone == phone:
        raise ReferralRefused(_("You cannot use your own referral code."))
    return referrer


def member_referrer_check(*, member: Member, referrer: Member) -> None:
    """Refuse self-referral and loops (A refers B refers ... refers A)."""
    seen = set()
    node = referrer
    while node is not None:
        if node.pk == member.pk:
            raise ReferralRefused(_("This referral would create a referral loop."))
        if node.pk in seen:
            break
        seen.add(node.pk)
        node = node.referred_by
    return None


def member_referrer_set(*, member_id: int, referral_code: str) -> Member:
    """Record who referred a member who has none yet (operators, claims).

    Refuses self-referral and loops with ReferralRefused.
    """
    with transaction.atomic():
        member = (
            Member.objects.select_for_update().select_related("user").get(pk=member_id)
        )
        if member.referred_by_id is not None:
            raise ReferralRefused(_("This member already has a referrer."))
        referrer = _resolve_referrer(referral_code, phone=member.user.phone or "")
        member_referrer_check(member=member, referrer=referrer)
        member.referred_by = referrer
        member.save(update_fields=["referred_by", "updated_at"])
    return member


# --- registration and enrolment -------------------------------------------------


def member_register(
    *,
    phone: str,
    name: str,
    password: str | None,
    channel: str = Member.Channel.PORTAL,
    dealer_id: int | None = None,
    referral_code: str | None = None,
    email: str = "",
    claimed: bool = True,
    **profile,
) -> Member:
    """Create a customer user and its member profile in one transaction.

    ``claimed`` is False for offline enrolments (dealer or operator): the
    customer claims the account later by proving the phone. Raises PhoneTaken
    if the number is registered, ReferralRefused for a bad referral code.
    Sends ``member_registered`` after commit.
    """
    phone = normalize_phone(phone)
    referrer = _resolve_referrer(referral_code, phone=phone)
    now = timezone.now()
    if User.objects.filter(phone=phone).exists():
        raise PhoneTaken(_("This mobile number is already registered."))
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                phone=phone, password=password, name=name, email=email
            )
            member = Member.objects.create(
                user=user,
                referral_code=_new_referral_code(),
                referred_by=referrer,
                channel=channel,
                enrolled_by_dealer_id=dealer_id,
                claimed_at=now if claimed else None,
                terms_accepted_at=now if claimed else None,
                **profile,
            )
            if dealer_id is not None:
                DealerCustomer.objects.create(
                    dealer_id=dealer_id, member=member, enrolled=True
                )
            transaction.on_commit(
                partial(
                    signals.member_registered.send,
                    sender=Member,
                    member_id=member.pk,
                    channel=channel,
                )
            )
    except IntegrityError as exc:
        if User.objects.filter(phone=phone).exists():
            raise PhoneTaken(_("This mobile number is already registered.")) from exc
        raise
    return member


def member_enrol_by_dealer(
    *,
    dealer_id: int,
    phone: str,
    name: str,
    city: str = "",
    district: str = "",
    address: str = "",
) -> tuple[Member, bool]:
    """Find or enrol a customer for a dealer; returns (member, created).

    An existing member gains a read link for the dealer (not an enrolment).
    The new account has no usable password until the customer claims it by
    proving the phone (registration or password reset with a code).
    """
    phone = normalize_phone(phone)
    existing = Member.objects.filter(user__phone=phone).select_related("user").first()
    if existing is None:
        try:
            with transaction.atomic():
                member = member_register(
                    phone=phone,
                    name=name,
                    password=None,
                    channel=Member.Channel.DEALER,
                    dealer_id=dealer_id,
                    claimed=False,
                    city=city,
                    district=district,
                )
                if address:
                    Address.objects.create(
                        member=member,
                        recipient=name,
                        phone=phone,
                        city=city or "-",
                        district=district,
                        detail=address,
                        is_default=True,
                    )
        except PhoneTaken:
            existing = Member.objects.select_related("user").get(user__phone=phone)
        else:
            return member, True
    try:
        with transaction.atomic():
            DealerCustomer.objects.get_or_create(dealer_id=dealer_id, member=existing)
    except IntegrityError:
        pass  # a concurrent request linked them first
    return existing, False


def member_enrol_by_operator(
    *,
    phone: str,
    name: str,
    city: str = "",
    district: str = "",
    dealer_id: int | None = None,
) -> Member:
    """Staff enrol a customer by phone in the console (channel "admin").

    Like a dealer enrolment the account is unclaimed (no password) until the
    customer proves the phone. Raises PhoneTaken if the number is registered.
    """
    return member_register(
        phone=phone,
        name=name,
        password=None,
        channel=Member.Channel.ADMIN,
        dealer_id=dealer_id,
        claimed=False,
        city=city,
        district=district,
    )


def _claim(member: Member, *, now) -> None:
    """Mark an offline enrolment as claimed. Caller holds the member lock."""
    member.claimed_at = now
    member.terms_accepted_at = member.terms_accepted_at or now
    member.save(update_fields=["claimed_at", "terms_accepted_at", "updated_at"])
    transaction.on_commit(
        partial(signals.member_claimed.send, sender=Member, member_id=member.pk)
    )


# --- one-time phone codes --------------------------------------------------------


def _code_hash(phone: str, purpose: str, code: str) -> str:
    return salted_hmac(
        "members.phonecode", f"{phone}:{purpose}:{code}", algorithm="sha256"
    ).hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def phone_code_send(*, phone: str, purpose: str, client_ip: str | None) -> None:
    """Send a one-time code for ``purpose`` to ``phone``, within the limits.

    Answers alike whether or not the number is registered: a registration
    code to a number that already has a claimed account sends a notice instead
    of a code, and a reset code to an unknown number sends nothing; both still
    count against the limits. Only a hash of the code is stored. Raises
    RateLimited (with ``retry_after`` seconds) past the per-phone resend gap,
    the per-phone hourly limit or the per-IP hourly limit.
    """
    phone = normalize_phone(phone)
    if purpose not in PhoneCode.Purpose.values:
        raise ValueError(f"unknown purpose {purpose!r}")
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    with transaction.atomic():
        recent = list(
            PhoneCode.objects.filter(phone=phone, created_at__gte=hour_ago)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
        )
        gap = knob("MEMBERS_CODE_RESEND_SECONDS")
        if recent and (now - recent[0]).total_seconds() < gap:
            wait = gap - int((now - recent[0]).total_seconds())
            raise RateLimited(
                _("Please wait %(seconds)d seconds before asking for another code.")
                % {"seconds": wait},
                retry_after=max(wait, 1),
            )
        if len(recent) >= knob("MEMBERS_CODE_PER_PHONE_PER_HOUR"):
            wait = 3600 - int((now - recent[-1]).total_seconds())
            raise RateLimited(
                _(
                    "Too many codes were sent to this number. Please try again in %(minutes)d minutes."
                )
                % {"minutes": max(wait // 60, 1)},
                retry_after=max(wait, 1),
            )
        if client_ip and PhoneCode.objects.filter(
            client_ip=client_ip, created_at__gte=hour_ago
        ).count() >= knob("MEMBERS_CODE_PER_IP_PER_HOUR"):
            raise RateLimited(
                _(
                    "Too many codes were requested from your network. Please try again later."
                ),
                retry_after=3600,
            )
        user = User.objects.filter(phone=phone, is_active=True).first()
        member = Member.objects.filter(user=user).first() if user else None
        code = _new_code()
        text: str | None
        minutes = knob("MEMBERS_CODE_TTL_SECONDS") // 60
        if purpose == PhoneCode.Purpose.REGISTER and member and member.claimed_at:
            text = _(
                "This number already has a Radiator Club account. To sign in, use "
                "'Forgot password' on the sign-in page."
            )
            code = secrets.token_hex(16)  # stored, never sent: cannot be used
        elif purpose != PhoneCode.Purpose.REGISTER and user is None:
            text = None  # unknown number: send nothing, answer the same
            code = secrets.token_hex(16)
        else:
            text = _(
                "Your Radiator Club code is %(code)s. It expires in %(minutes)d "
                "minutes. Never share it."
            ) % {"code": code, "minutes": minutes}
        PhoneCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_code_hash(phone, purpose, code),
            client_ip=client_ip,
            created_at=now,
            expires_at=now + timedelta(seconds=knob("MEMBERS_CODE_TTL_SECONDS")),
        )
        if text:
            transaction.on_commit(partial(send_sms, phone, text))


def _code_consume(*, phone: str, purpose: str, code: str) -> PhoneCode:
    """Lock the newest live code and mark it used if ``code`` matches.

    Caller holds a transaction. Raises CodeRejected (carrying the row id, so
    the caller can count the attempt after rolling back) or CodeInvalid.
    """
    now = timezone.now()
    row = (
        PhoneCode.objects.select_for_update()
        .filter(phone=phone, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    message = _("The code is wrong or has expired. Ask for a new code.")
    if row is None or row.expires_at <= now:
        raise CodeInvalid(message)
    if row.attempts >= knob("MEMBERS_CODE_MAX_ATTEMPTS"):
        raise CodeInvalid(
            _("Too many wrong attempts for this code. Ask for a new code.")
        )
    code = (code or "").strip()
    if not constant_time_compare(row.code_hash, _code_hash(phone, purpose, code)):
        raise CodeRejected(message, code_id=row.pk)
    row.used_at = now
    row.save(update_fields=["used_at"])
    return row


def _count_failed_attempt(exc: CodeInvalid) -> None:
    if isinstance(exc, CodeRejected) and exc.code_id:
        PhoneCode.objects.filter(pk=exc.code_id).update(attempts=F("attempts") + 1)


def member_register_with_code(
    *,
    phone: str,
    code: str,
    name: str,
    password: str,
    email: str = "",
    referral_code: str | None = None,
    **profile,
) -> Member:
    """Portal registration: prove the phone with a code, then register.

    If a dealer or operator enrolled this number and it was never claimed,
    the customer claims that account instead (same member, password set,
    profile filled in, ``member_claimed`` sent). The code is used only if
    everything succeeds. Raises CodeInvalid, PhoneTaken or ReferralRefused.
    """
    phone = normalize_phone(phone)
    try:
        with transaction.atomic():
            _code_consume(phone=phone, purpose=PhoneCode.Purpose.REGISTER, code=code)
            existing = (
                Member.objects.select_for_update()
                .select_related("user")
                .filter(user__phone=phone)
                .first()
            )
            if existing is None:
                return member_register(
                    phone=phone,
                    name=name,
                    password=password,
                    channel=Member.Channel.PORTAL,
                    referral_code=referral_code,
                    email=email,
                    **profile,
                )
            if existing.claimed_at is not None or existing.is_closed:
                raise PhoneTaken(
                    _(
                        "This mobile number is already registered. Use 'Forgot password' to sign in."
                    )
                )
            user = User.objects.select_for_update().get(pk=existing.user_id)
            user.name = name
            user.email = email or user.email
            user.set_password(password)
            user.save(update_fields=["name", "email", "password"])
            if referral_code and existing.referred_by_id is None:
                referrer = _resolve_referrer(referral_code, phone=phone)
                member_referrer_check(member=existing, referrer=referrer)
                existing.referred_by = referrer
                existing.save(update_fields=["referred_by"])
            for field, value in profile.items():
                if value not in (None, ""):
                    setattr(existing, field, value)
            existing.save()
            _claim(existing, now=timezone.now())
            return existing
    except CodeInvalid as exc:
        _count_failed_attempt(exc)
        raise


def password_reset_with_code(*, phone: str, code: str, password: str) -> User:
    """Set a new password after proving the phone; claims an offline enrolment.

    Raises CodeInvalid for a wrong, expired, used or unknown code (also for
    numbers that are not registered: no code was ever sent to them).
    """
    phone = normalize_phone(phone)
    try:
        with transaction.atomic():
            _code_consume(phone=phone, purpose=PhoneCode.Purpose.RESET, code=code)
            user = (
                User.objects.select_for_update()
                .filter(phone=phone, is_active=True)
                .first()
            )
            if user is None:  # closed between sending and using the code
                raise CodeInvalid(
                    _("The code is wrong or has expired. Ask for a new code.")
                )
            user.set_password(password)
            user.save(update_fields=["password"])
            member = Member.objects.select_for_update().filter(user_id=user.pk).first()
            if member is not None and member.claimed_at is None:
                _claim(member, now=timezone.now())
            SignInFailure.objects.filter(identifier=phone).delete()
    except CodeInvalid as exc:
        _count_failed_attempt(exc)
        raise
    return user


# --- sign-in lockout -------------------------------------------------------------


def signin_identifier(raw: str) -> str:
    """The key a failed sign-in is counted under: a normalised phone or username."""
    from django.core.exceptions import ValidationError

    raw = (raw or "").strip()
    try:
        return normalize_phone(raw)
    except ValidationError:
        return raw.lower()[:150]


def signin_check_allowed(*, identifier: str, client_ip: str | None) -> None:
    """Raise AccountLocked if the account or the client IP is locked out."""
    window = timedelta(minutes=knob("MEMBERS_LOCKOUT_MINUTES"))
    since = timezone.now() - window
    recent = SignInFailure.objects.filter(created_at__gte=since)
    locked = (
        recent.filter(identifier=identifier).count() >= knob("MEMBERS_LOCKOUT_FAILURES")
    ) or (
        client_ip is not None
        and recent.filter(client_ip=client_ip).count()
        >= knob("MEMBERS_LOCKOUT_IP_FAILURES")
    )
    if locked:
        minutes = knob("MEMBERS_LOCKOUT_MINUTES")
        raise AccountLocked(
            _(
                "Too many failed sign-in attempts. Please try again in %(minutes)d minutes or reset your password."
            )
            % {"minutes": minutes},
            retry_after=minutes * 60,
        )


def signin_failure_record(*, identifier: str, client_ip: str | None) -> None:
    SignInFailure.objects.create(identifier=identifier, client_ip=client_ip)


def signin_success_record(*, identifier: str) -> None:
    """A good sign-in clears the account's failures (not the IP's)."""
    SignInFailure.objects.filter(identifier=identifier).delete()


def signin_failures_purge(*, older_than_minutes: int | None = None) -> int:
    """Delete failures older than the lockout window; returns how many."""
    minutes = older_than_minutes or knob("MEMBERS_LOCKOUT_MINUTES")
    cutoff = timezone.now() - timedelta(minutes=minutes)
    deleted, _details = SignInFailure.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def phone_codes_purge(*, older_than_days: int = 7) -> int:
    """Delete one-time codes older than ``older_than_days``; returns how many.

    Codes are kept a week after sending so operators can look into abuse.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _details = PhoneCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- profile and addresses -------------------------------------------------------

PROFILE_FIELDS = (
    "birthday",
    "household_size",
    "home_area_m2",
    "city",
    "district",
    "notify_by_email",
    "notify_by_sms",
)


def member_profile_update(
    *, member_id: int, name: str, email: str = "", **profile
) -> Member:
    """Change the name, email and profile fields a member may edit."""
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member_id)
        user = User.objects.select_for_update().get(pk=member.user_id)
        user.name = name
        user.email = email
        user.save(update_fields=["name", "email"])
        for field, value in profile.items():
            setattr(member, field, value)
        member.save(update_fields=[*profile, "updated_at"])
    return member


ADDRESS_FIELDS = (
    "label",
    "recipient",
    "phone",
    "province",
    "city",
    "district",
    "detail",
    "is_default",
)


def _address_set_default(member_id: int, address: Address) -> None:
    """Caller holds a transaction: make ``address`` the one default."""
    Address.objects.filter(member_id=member_id, is_default=True).exclude(
        pk=address.pk
    ).update(is_default=False)


def address_create(*, member_id: int, **fields) -> Address:
    """Add an address; the first one (or one marked default) becomes default."""
    fields = {k: v for k, v in fields.items() if k in ADDRESS_FIELDS}
    fields["phone"] = normalize_phone(fields.get("phone"))
    with transaction.atomic():
        Member.objects.select_for_update().only("pk").get(pk=member_id)
        has_default = Address.objects.filter(
            member_id=member_id, is_default=True
        ).exists()
        make_default = bool(fields.pop("is_default", False)) or not has_default
        if make_default:
            Address.objects.filter(member_id=member_id, is_default=True).update(
                is_default=False
            )
        return Address.objects.create(
            member_id=member_id, is_default=make_default, **fields
        )


def address_update(*, member_id: int, address_id: int, **fields) -> Address:
    """Change a member's own address. Raises Address.DoesNotExist for others'."""
    fields = {k: v for k, v in fields.items() if k in ADDRESS_FIELDS}
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"])
    with transaction.atomic():
        Member.objects.select_for_update().only("pk").get(pk=member_id)
        address = Address.objects.get(pk=address_id, member_id=member_id)
        make_default = fields.pop("is_default", None)
        for field, value in fields.items():
            setattr(address, field, value)
        if make_default:
            _address_set_default(member_id, address)
            address.is_default = True
        address.save()
    return address


def address_delete(*, member_id: int, address_id: int) -> None:
    """Delete a member's own address; another one becomes default if needed."""
    with transaction.atomic():
        Member.objects.select_for_update().only("pk").get(pk=member_id)
        address = Address.objects.get(pk=address_id, member_id=member_id)
        was_default = address.is_default
        address.delete()
        if was_default:
            successor = (
                Address.objects.filter(member_id=member_id)
                .order_by("-created_at", "-id")
                .first()
            )
            if successor is not None:
                successor.is_default = True
                successor.save(update_fields=["is_default"])


# --- notifications ---------------------------------------------------------------


def notification_send(
    *,
    member_id: int,
    title: str,
    body: str = "",
    url: str = "",
    category: str = "general",
    key: str | None = None,
    sms: bool | str = False,
) -> Notification | None:
    """The one way every app tells a member something.

    Writes an inbox message and, after commit, a Celery task sends email (if
    the member has an address and wants email) and SMS (only when ``sms`` is
    truthy: a string is the SMS text; True sends title and body) by the
    member's preferences. Idempotent by ``key``: a repeat returns None and
    sends nothing. Closed accounts receive nothing. Safe to call inside the
    caller's transaction: nothing leaves before it commits.
    """
    from .tasks import notification_deliver

    if Member.objects.filter(pk=member_id, closed_at__isnull=False).exists():
        return None
    if key and Notification.objects.filter(key=key).exists():
        return None
    if sms:
        sms_text = sms if isinstance(sms, str) else f"{title} {body}".strip()
    else:
        sms_text = ""
    try:
        with transaction.atomic():
            n = Notification.objects.create(
                member_id=member_id,
                title=str(title)[:120],
                body=str(body),
                url=url,
                category=category,
                key=key,
                sms_text=str(sms_text)[:300],
            )
    except IntegrityError:
        if key and Notification.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(partial(notification_deliver.delay, n.pk))
    return n


def notification_mark_read(
    *, member_id: int, notification_id: int | None = None
) -> int:
    """Mark one (or, with no id, every) unread inbox message read; returns count.

    Raises Notification.DoesNotExist when the id is not the member's own.
    """
    qs = Notification.objects.filter(member_id=member_id, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(
            pk=notification_id, member_id=member_id
        ).exists():
            raise Notification.DoesNotExist
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def notification_broadcast(
    *,
    member_ids: list[int],
    title: str,
    body: str = "",
    url: str = "",
    sms: bool = False,
    key_prefix: str | None = None,
) -> int:
    """Send the same notification to several members (operator action).

    With ``key_prefix`` a repeat sends nothing twice. Returns how many were
    written.
    """
    sent = 0
    for member_id in sorted(set(member_ids)):
        n = notification_send(
            member_id=member_id,
            title=title,
            body=body,
            url=url,
            category="operator",
            key=f"{key_prefix}:{member_id}" if key_prefix else None,
            sms=sms,
        )
        sent += n is not None
    return sent


# --- closure ---------------------------------------------------------------------


def member_close(*, member_id: int) -> Member:
    """Close an account: anonymise personal data, keep the rows ledgers need.

    The user row stays (ledgers and bookings point at it) but loses phone,
    username, name and email, cannot sign in, and has an unusable password;
    the profile loses birthday, household and home data; addresses, inbox and
    codes are deleted. Idempotent. Sends ``member_closed`` after commit.
    """
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member_id)
        user = User.objects.select_for_update().get(pk=member.user_id)
        if member.is_closed:
            return member
        phone = user.phone
        user.phone = None
        user.username = None
        user.name = ""
        user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        member.birthday = None
        member.household_size = None
        member.home_area_m2 = None
        member.city = ""
        member.district = ""
        member.notify_by_email = False
        member.notify_by_sms = False
        member.closed_at = timezone.now()
        member.save()
        Address.objects.filter(member=member).delete()
        Notification.objects.filter(member=member).delete()
        if phone:
            PhoneCode.objects.filter(phone=phone).delete()
            SignInFailure.objects.filter(identifier=phone).delete()
        transaction.on_commit(
            partial(signals.member_closed.send, sender=Member, member_id=member.pk)
        )
    return member
