"""Every write of the members app. Keyword-only, one transaction each."""

import logging
import secrets
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import signals
from .exceptions import PhoneTaken, ReferralRefused
from .models import Address, DealerCustomer, Member, Notification, User
from .phone import normalize_phone
from .sms import send_sms

logger = logging.getLogger(__name__)

_REFERRAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def _new_referral_code() -> str:
    while True:
        code = "".join(secrets.choice(_REFERRAL_ALPHABET) for _ in range(8))
        if not Member.objects.filter(referral_code=code).exists():
            return code


def _resolve_referrer(referral_code: str | None, *, phone: str) -> Member | None:
    if not referral_code:
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
    """
    phone = normalize_phone(phone)
    existing = Member.objects.filter(user__phone=phone).select_related("user").first()
    if existing is None:
        try:
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
        except PhoneTaken:
            existing = Member.objects.select_related("user").get(user__phone=phone)
        else:
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
            return member, True
    DealerCustomer.objects.get_or_create(dealer_id=dealer_id, member=existing)
    return existing, False


def _deliver(notification_id: int, sms_text: str | None) -> None:
    n = Notification.objects.select_related("member__user").get(pk=notification_id)
    member, user = n.member, n.member.user
    if member.notify_by_email and user.email:
        try:
            send_mail(n.title, n.body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:
            logger.exception("email delivery failed for notification %s", n.pk)
    if member.notify_by_sms and user.phone and sms_text is not None:
        try:
            send_sms(user.phone, sms_text or f"{n.title} {n.body}".strip())
        except Exception:
            logger.exception("SMS delivery failed for notification %s", n.pk)


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

    Writes an inbox message and, after commit, sends email (if the member has
    an address and wants email) and SMS (only when ``sms`` is truthy: a string
    is the SMS text; True sends title and body) by the member's preferences.
    Idempotent by ``key``: a repeat returns None and sends nothing. Closed
    accounts receive nothing.
    """
    if Member.objects.filter(pk=member_id, closed_at__isnull=False).exists():
        return None
    try:
        with transaction.atomic():
            n = Notification.objects.create(
                member_id=member_id,
                title=title,
                body=body,
                url=url,
                category=category,
                key=key,
            )
    except IntegrityError:
        if key and Notification.objects.filter(key=key).exists():
            return None
        raise
    sms_text = (sms if isinstance(sms, str) else "") if sms else None
    transaction.on_commit(partial(_deliver, n.pk, sms_text))
    return n
