"""Sign-in lockout and password reset.

Failed sign-ins are counted per account identifier (a normalised phone or a
username) and per client IP; past the limits ``signin_check_allowed`` raises
AccountLocked for the lockout window. A good sign-in clears the account's
failures (not the IP's). ``password_reset_with_code`` sets a new password
after the phone is proved with a one-time code, claims an offline enrolment
and clears the account's failures; a wrong code counts as an attempt.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import AccountLocked, CodeInvalid
from ..models import Member, PhoneCode, SignInFailure, User
from ..phone import normalize_phone
from .codes import _code_consume, _count_failed_attempt
from .knobs import knob
from .registration import _claim


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
    """Count one failed sign-in against the identifier and the client IP."""
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
