"""Every write of the members app. Keyword-only, one transaction each.

The actions live in submodules and are re-exported here, so callers write
``from members.actions import notification_send`` or
``from members import actions``:

- ``registration``: register, enrol by a dealer or an operator, register
  (or claim an offline enrolment) with a one-time code.
- ``referrals``: referral codes and referrers.
- ``codes``: one-time phone codes: send, consume, purge.
- ``signin``: sign-in lockout and password reset.
- ``profile``: the member's profile and addresses.
- ``notifications``: the inbox; ``notification_send`` is the one way every
  app tells a member something.
- ``closure``: closing an account.
- ``knobs``: the programme knobs (``knob(name)``).

A test that replaces an action another action calls patches the submodule
that calls it (e.g. ``members.actions.registration.member_register``), not
this package.
"""

from .closure import member_close
from .codes import phone_code_send, phone_codes_purge
from .knobs import knob
from .notifications import (
    notification_broadcast,
    notification_mark_read,
    notification_send,
)
from .profile import (
    ADDRESS_FIELDS,
    PROFILE_FIELDS,
    address_create,
    address_delete,
    address_update,
    member_profile_update,
)
from .referrals import member_referrer_check, member_referrer_set
from .registration import (
    member_enrol_by_dealer,
    member_enrol_by_operator,
    member_register,
    member_register_with_code,
)
from .signin import (
    password_reset_with_code,
    signin_check_allowed,
    signin_failure_record,
    signin_failures_purge,
    signin_identifier,
    signin_success_record,
)

__all__ = [
    "ADDRESS_FIELDS",
    "PROFILE_FIELDS",
    "address_create",
    "address_delete",
    "address_update",
    "knob",
    "member_close",
    "member_enrol_by_dealer",
    "member_enrol_by_operator",
    "member_profile_update",
    "member_referrer_check",
    "member_referrer_set",
    "member_register",
    "member_register_with_code",
    "notification_broadcast",
    "notification_mark_read",
    "notification_send",
    "password_reset_with_code",
    "phone_code_send",
    "phone_codes_purge",
    "signin_check_allowed",
    "signin_failure_record",
    "signin_failures_purge",
    "signin_identifier",
    "signin_success_record",
]
