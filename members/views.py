"""Portal pages of the members app. Thin: parse, call actions/selectors, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .portal import render_home_cards


def landing(request):
    return render(request, "members/landing.html")


@login_required
def member_home(request):
    return render(
        request,
        "members/home.html",
        {
            "member": getattr(request.user, "member", None),
            "cards": render_home_cards(request),
        },
    )
