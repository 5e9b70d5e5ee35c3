"""Registration and enrolment of customers.

``member_register`` creates the user and the member in one transaction and
sends ``member_registered`` after commit; PhoneTaken when the number is
registered, also under a concurrent registration. Dealers and operators
enrol customers offline: the account stays unclaimed (no usable password)
until the customer proves the phone with a one-time code
(``member_register_with_code`` here, or a password reset), which sends
``member_claimed`` after commit. A code is used only if the registration
succeeds; a wrong code still counts as an attempt.
"""

from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..exceptions import CodeInvalid, PhoneTaken
from ..models import Address, DealerCustomer, Member, PhoneCode, User
from ..phone import normalize_phone
from .codes import _code_consume, _count_failed_attempt
from .referrals import _new_referral_code, _resolve_referrer, member_referrer_check


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
