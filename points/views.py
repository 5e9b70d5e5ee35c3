"""Portal pages of the points app. Thin: selectors in, template out."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from . import selectors


@login_required
def my_points(request):
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404
    page = Paginator(selectors.history_for_member(member.pk), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "points/mine.html",
        {
            "summary": selectors.summary_for_member(member.pk),
            "pending_purchases": selectors.pending_purchases_for_member(member.pk)[:10],
            "page": page,
        },
    )
