"""Closing a member account.

Personal data is anonymised and the rows ledgers and bookings need are
kept; ``member_closed`` goes out after commit so the other apps settle
their side (points, vouchers, bookings, event sign-ups). Idempotent.
"""

from functools import partial

from django.db import transaction
from django.utils import timezone

from .. import signals
from ..models import Address, Member, Notification, PhoneCode, SignInFailure, User


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
