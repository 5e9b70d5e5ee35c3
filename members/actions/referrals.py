"""Referral codes and who referred whom.

Every member gets a unique eight-character referral code. A referral is
refused (ReferralRefused) for an unknown or closed referrer, the member's
own code, or a loop (A refers B refers ... refers A); a member's referrer
is set once.
"""

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from ..exceptions import ReferralRefused
from ..models import Member

_REFERRAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


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
