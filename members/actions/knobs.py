"""Programme knobs of the members actions (codes, sign-in lockout).

Documented in docs/configuration.md. ``knob(name)`` reads the setting on
every call (falling back to the default here), so tests may override it
with the ``settings`` fixture.
"""

from django.conf import settings

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
    """The integer setting ``name``, or its default above when it is unset."""
    return int(getattr(settings, name, _DEFAULTS[name]))
