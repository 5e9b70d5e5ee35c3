"""Portal pages of the tiers app. Thin: parse, call actions/selectors, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import actions, selectors


def _member(request):
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404(_("Only members have a tier."))
    return member


@login_required
def my_tier(request):
    member = _member(request)
    overview = selectors.member_tier_overview(member.pk)
    return render(request, "tiers/me.html", {"o": overview})


@login_required
@require_POST
def sign_in(request):
    member = _member(request)
    event = actions.sign_in_record(member_id=member.pk)
    if event is None:
        messages.info(request, _("You have already signed in today."))
    else:
        messages.success(
            request,
            _("Signed in: +%(value)d growth value.") % {"value": event.weighted_value},
        )
    return redirect("tiers:me")


def tier_comparison(request):
    return render(
        request, "tiers/compare.html", {"table": selectors.tier_comparison_table()}
    )
