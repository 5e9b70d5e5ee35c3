"""One-time phone codes (registration, password reset).

Only a salted hash of a code is stored. ``phone_code_send`` answers alike
whether or not a number is registered and keeps to the resend gap and the
per-phone and per-IP hourly limits (RateLimited). ``_code_consume`` locks
the newest live code and marks it used only when it matches (caller holds
the transaction); ``_count_failed_attempt`` counts a wrong code after the
caller rolled back, so a code is locked after too many wrong attempts.
``phone_codes_purge`` deletes codes older than a week.
"""

import secrets
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from ..exceptions import CodeInvalid, CodeRejected, RateLimited
from ..models import Member, PhoneCode, User
from ..phone import normalize_phone
from ..sms import send_sms
from .knobs import knob


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


def phone_codes_purge(*, older_than_days: int = 7) -> int:
    """Delete one-time codes older than ``older_than_days``; returns how many.

    Codes are kept a week after sending so operators can look into abuse.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _details = PhoneCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted
