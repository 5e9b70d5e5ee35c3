"""Portal pages of the rewards catalogue. Thin: parse, call actions/selectors, render."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tiers.selectors import tier_for_member

from . import selectors
from .actions import redemption_cancel, redemption_place
from .exceptions import RedemptionRefused, RewardsError
from .forms import CancelForm, CatalogueFilterForm, RedeemForm
from .models import RewardItem, Voucher
from .qr import voucher_qr_svg

PAGE_SIZE = 20


def _member(request):
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404(_("Only members can use the rewards catalogue."))
    return member


@login_required
def catalogue(request):
    member = _member(request)
    filters = CatalogueFilterForm(request.GET or None)
    kind, affordable = "", False
    if filters.is_valid():
        kind = filters.cleaned_data["kind"]
        affordable = filters.cleaned_data["affordable"]
    entries, balance, tier = selectors.catalogue_for_member(
        member_id=member.pk, kind=kind or None, affordable_only=affordable
    )
    return render(
        request,
        "rewards/catalogue.html",
        {
            "entries": entries,
            "balance": balance,
            "tier": tier,
            "filters": filters,
            "kinds": RewardItem.Kind.choices,
            "kind": kind,
            "affordable": affordable,
        },
    )


@login_required
def item_detail(request, pk: int):
    """Item page: choose a quantity, review, then confirm (three steps, two POSTs)."""
    member = _member(request)
    item = selectors.item_on_sale(pk)
    if item is None:
        raise Http404(_("This reward is not on sale."))
    balance = selectors.points_available(member.pk)
    entry = selectors.entry_for(item, balance=balance, tier=tier_for_member(member.pk))
    step = request.POST.get("step") if request.method == "POST" else None
    if step in ("review", "place"):
        form = RedeemForm(request.POST, item=item)
        if form.is_valid():
            if step == "review":
                return _render_item(
                    request,
                    entry,
                    balance,
                    form,
                    confirm=True,
                    key=str(uuid.uuid4()),
                )
            try:
                redemption = redemption_place(
                    member_id=member.pk,
                    item_id=item.pk,
                    quantity=form.cleaned_data["quantity"],
                    key=form.cleaned_data["key"] or str(uuid.uuid4()),
                    shipping_address=form.address(),
                )
            except RedemptionRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Redeemed: %(item)s × %(quantity)d for %(points)d points.")
                    % {
                        "item": item.name,
                        "quantity": redemption.quantity,
                        "points": redemption.points,
                    },
                )
                if item.issues_vouchers:
                    return redirect("rewards:my_vouchers")
                return redirect("rewards:my_redemptions")
    elif step == "edit":
        form = RedeemForm(item=item, initial=request.POST.dict())
    else:
        form = RedeemForm(item=item, initial=_address_initial(member))
    return _render_item(request, entry, balance, form)


def _render_item(request, entry, balance, form, *, confirm=False, key=""):
    item = entry.item
    held = None
    if item.per_member_limit:
        held = selectors.member_item_quantity(
            member_id=request.user.member.pk, item_id=item.pk
        )
    context = {
        "entry": entry,
        "item": item,
        "balance": balance,
        "form": form,
        "confirm": confirm,
        "key": key,
        "held": held,
    }
    if confirm:
        total = form.total_points()
        context.update(
            total=total, balance_after=balance - total, address=form.address()
        )
    return render(request, "rewards/item.html", context)


def _address_initial(member) -> dict:
    address = member.addresses.order_by("-is_default", "-created_at").first()
    if address is None:
        return {
            "quantity": 1,
            "recipient": member.user.name,
            "phone": member.user.phone,
        }
    return {"quantity": 1, **address.snapshot()}


@login_required
def my_redemptions(request):
    member = _member(request)
    page = Paginator(selectors.member_redemptions(member.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(r, selectors.member_can_cancel(r)) for r in page.object_list]
    return render(
        request,
        "rewards/my_redemptions.html",
        {"page": page, "rows": rows, "cancel_form": CancelForm()},
    )


@login_required
@require_POST
def redemption_cancel_view(request, pk: int):
    member = _member(request)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        redemption = redemption_cancel(
            redemption_id=pk, member_id=member.pk, reason=reason
        )
    except RewardsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Cancelled. %(points)d points were returned to your account.")
            % {"points": redemption.points},
        )
    return redirect("rewards:my_redemptions")


@login_required
def my_vouchers(request):
    member = _member(request)
    show = request.GET.get("show", "valid")
    vouchers = selectors.member_vouchers(member.pk, usable_only=show != "all")
    page = Paginator(vouchers, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for voucher in page.object_list:
        status = voucher.effective_status()
        qr = None
        if status in (Voucher.Status.ISSUED, Voucher.Status.RESERVED):
            qr = voucher_qr_svg(voucher.code, title=voucher.display_code)
        rows.append((voucher, status, qr))
    return render(
        request,
        "rewards/my_vouchers.html",
        {"page": page, "rows": rows, "show": show},
    )
