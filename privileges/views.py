"""Portal pages of the privileges app. Thin: parse, call actions/selectors, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tiers import selectors as tier_selectors

from . import actions, portal, selectors
from .exceptions import PrivilegeError
from .models import EventSignup, MemberEvent, Privilege, PrivilegeUse


def _member(request):
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404(_("Only members have privileges."))
    return member


def _rows(entitlements):
    return [
        {
            "e": e,
            "parameter": portal.parameter_text(e),
            "quota": portal.quota_text(e),
            "remaining": portal.remaining_text(e) if e.quota is not None else "",
        }
        for e in entitlements
    ]


@login_required
def my_privileges(request):
    member = _member(request)
    tiers = tier_selectors.tiers_ordered()
    tier = tier_selectors.tier_for_member(member.pk)
    entitlements = selectors.member_entitlements(member.pk, tier=tier)
    higher = [t for t in tiers if t.rank > tier.rank]
    next_tier = higher[0] if higher else None
    additions = []
    if next_tier is not None:
        upcoming = list(
            selectors.entitlements_by_tier([next_tier])[next_tier.id].values()
        )
        for new, old in selectors.next_tier_additions(entitlements, upcoming):
            counted = new.quota is not None or (
                old is not None and old.quota is not None
            )
            additions.append(
                {
                    "e": new,
                    "new": portal.cell_text(new, counted=counted),
                    "old": portal.cell_text(old, counted=counted) if old else "",
                }
            )
    groups = [
        (label, _rows([e for e in entitlements if e.category == value]))
        for value, label in Privilege.Category.choices
    ]
    uses = (
        PrivilegeUse.objects.filter(member=member)
        .select_related("privilege")
        .order_by("-used_at", "-id")[:10]
    )
    return render(
        request,
        "privileges/mine.html",
        {
            "tier": tier,
            "groups": [(label, rows) for label, rows in groups if rows],
            "next_tier": next_tier,
            "additions": additions,
            "uses": uses,
        },
    )


@login_required
def my_events(request):
    member = _member(request)
    tier = tier_selectors.tier_for_member(member.pk)
    mine = {
        s.event_id: s
        for s in EventSignup.objects.filter(
            member=member, status=EventSignup.Status.CONFIRMED
        )
    }
    events = list(selectors.upcoming_events()[:50])
    now = timezone.now()
    rows = [
        {
            "event": event,
            "signup": mine.get(event.pk),
            "eligible": tier.rank >= event.min_tier.rank,
            "open": now < event.closes_at,
        }
        for event in events
    ]
    access = next(
        (
            e
            for e in selectors.member_entitlements(member.pk, tier=tier)
            if e.kind == Privilege.Kind.EVENT_ACCESS
        ),
        None,
    )
    history = selectors.member_signups(member.pk)[:20]
    return render(
        request,
        "privileges/events.html",
        {
            "rows": rows,
            "access": access,
            "access_remaining": portal.remaining_text(access) if access else "",
            "history": history,
        },
    )


@login_required
@require_POST
def event_signup(request, event_id: int):
    member = _member(request)
    event = get_object_or_404(MemberEvent, pk=event_id, is_published=True)
    try:
        actions.event_signup(event_id=event.pk, member_id=member.pk)
    except PrivilegeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("You are signed up for %(event)s.") % {"event": event.title}
        )
    return redirect("privileges:events")


@login_required
@require_POST
def event_cancel(request, signup_id: int):
    member = _member(request)
    signup = get_object_or_404(EventSignup, pk=signup_id, member=member)
    try:
        actions.event_signup_cancel(signup_id=signup.pk, member_id=member.pk)
    except PrivilegeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("privileges:events")
