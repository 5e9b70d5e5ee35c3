"""How privileges show up on other apps' pages: the /me/ card, the tier table.

Presentation only: everything is read through ``selectors``.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import selectors
from .models import Privilege, TierGrant


def parameter_text(e: selectors.Entitlement) -> str:
    """The parameter as a member reads it, e.g. "10% off" or "within 4 hours"."""
    if e.parameter is None:
        return ""
    value = e.parameter
    if e.kind == Privilege.Kind.PRIORITY_BOOKING:
        return ngettext("book %(n)s day earlier", "book %(n)s days earlier", value) % {
            "n": value
        }
    if e.kind == Privilege.Kind.EMERGENCY_RESPONSE:
        return ngettext(
            "response within %(n)s hour", "response within %(n)s hours", value
        ) % {"n": value}
    if e.unit == Privilege.Unit.PERCENT:
        return _("%(n)s%% off") % {"n": value}
    if e.unit == Privilege.Unit.MONTHS:
        return ngettext("+%(n)s month", "+%(n)s months", value) % {"n": value}
    return str(value)


def quota_text(e: selectors.Entitlement) -> str:
    """E.g. "1 per year"; empty for an unlimited privilege."""
    if e.quota is None:
        return ""
    if e.period == TierGrant.Period.MONTH:
        return ngettext("%(n)s per month", "%(n)s per month", e.quota) % {"n": e.quota}
    if e.period == TierGrant.Period.LIFETIME:
        return ngettext("%(n)s in total", "%(n)s in total", e.quota) % {"n": e.quota}
    return ngettext("%(n)s per year", "%(n)s per year", e.quota) % {"n": e.quota}


def remaining_text(e: selectors.Entitlement) -> str:
    if e.quota is None:
        return _("unlimited")
    return _("%(remaining)s of %(quota)s left") % {
        "remaining": e.remaining,
        "quota": e.quota,
    }


def cell_text(e: selectors.Entitlement | None, *, counted: bool = False) -> str:
    """One cell of a comparison. ``counted``: the privilege has a quota elsewhere,
    so an unlimited grant says "unlimited" rather than a tick."""
    if e is None:
        return "—"
    quota = quota_text(e) or (_("unlimited") if counted else "")
    parts = [p for p in (parameter_text(e), quota) if p]
    return " · ".join(parts) or "✓"


def home_card_context(request) -> dict:
    """Two queries or three: the member's tier, grants, counters."""
    member = getattr(request.user, "member", None)
    if member is None:
        return {}
    entitlements = selectors.member_entitlements(member.pk)
    with_quota = [e for e in entitlements if e.quota is not None]
    return {
        "count": len(entitlements),
        "discount": next(
            (
                e.parameter
                for e in entitlements
                if e.kind == Privilege.Kind.DISCOUNT_PERCENT and e.parameter
            ),
            None,
        ),
        "quotas": [(e, remaining_text(e)) for e in with_quota][:3],
    }


def comparison_rows(tiers) -> list[tuple[str, list[str]]]:
    """One row per privilege for the public tier comparison page (tiers app)."""
    rows = []
    for privilege, cells in selectors.catalogue_rows(list(tiers)):
        counted = any(c is not None and c.quota is not None for c in cells)
        rows.append(
            (privilege.name, [cell_text(cell, counted=counted) for cell in cells])
        )
    return rows
