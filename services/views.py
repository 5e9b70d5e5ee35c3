"""Portal pages of the services app. Thin: parse, call actions/selectors, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.models import Address

from . import actions, integrations, selectors
from .exceptions import ServiceError
from .forms import (
    AddressForm,
    BookingForm,
    CancelForm,
    PhotoForm,
    ProductForm,
    RescheduleForm,
    ReviewForm,
)
from .models import Booking
from .uploads import upload_capped, upload_too_large_message

REVIEW_PHOTOS = 3


def home_card_context(request) -> dict:
    member = getattr(request.user, "member", None)
    if member is None:
        return {}
    return {"next_booking": selectors.next_booking(member.pk)}


def _member(request):
    member = getattr(request.user, "member", None)
    if member is None or member.is_closed:
        raise Http404
    return member


def _booking(request, pk: int) -> Booking:
    """The member's own booking, else 404 (never another member's)."""
    booking = selectors.booking_for_member(_member(request).pk, pk)
    if booking is None:
        raise Http404
    return booking


@login_required
def booking_list(request):
    member = _member(request)
    page = Paginator(selectors.member_bookings(member.pk), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "services/booking_list.html", {"page": page})


@login_required
def booking_new(request):
    """Service type → address → a free slot in the member's window."""
    member = _member(request)
    rank = integrations.member_tier_rank(member.pk)
    services = selectors.service_types_for_member(member.pk, tier_rank=rank)
    service = next((s for s in services if s.code == request.GET.get("service")), None)
    addresses = list(Address.objects.filter(member=member))
    ctx = {"services": services, "service": service, "addresses": addresses}
    if service is None:
        return render(request, "services/booking_new.html", ctx)

    address_obj, address_form = None, None
    if request.GET.get("address"):
        address_obj = next(
            (a for a in addresses if str(a.pk) == request.GET["address"]), None
        )
    elif request.GET.get("city"):
        address_form = AddressForm(request.GET)
        if not address_form.is_valid():
            address_obj = None
    if address_form is None:
        address_form = AddressForm()
    ctx.update(address_form=address_form, address=address_obj)
    snapshot = None
    if address_obj is not None:
        snapshot = address_obj.snapshot()
    elif address_form.is_bound and address_form.is_valid():
        snapshot = {**address_form.cleaned_data, "province": ""}
    if snapshot is None:
        return render(request, "services/booking_new.html", ctx)

    region = selectors.region_for_city(snapshot["city"])
    days = integrations.priority_booking_days(member.pk)

    def open_slots():
        if region is None:
            return []
        return selectors.available_slots(
            member_id=member.pk,
            service_type=service,
            region_id=region.pk,
            tier_rank=rank,
            priority_days=days,
        )

    slots = open_slots()
    first, last = actions.booking_window(member.pk, priority_days=days)
    form = BookingForm(request.POST or None)
    ctx.update(
        snapshot=snapshot, region=region, slots=slots, form=form, first=first, last=last
    )
    if request.method == "POST" and form.is_valid():
        try:
            booking = actions.booking_create(
                member_id=member.pk,
                service_type_code=service.code,
                slot_id=form.cleaned_data["slot_id"],
                address=snapshot,
                source=Booking.Source.PORTAL,
                notes=form.cleaned_data["notes"],
                actor_id=request.user.pk,
                voucher_code=form.cleaned_data["voucher_code"] or None,
                pay_with_points=form.cleaned_data["pay_with_points"],
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
            ctx["slots"] = open_slots()
        else:
            messages.success(request, _("Your booking request has been received."))
            return redirect("services:booking_detail", booking.pk)
    return render(
        request, "services/booking_new.html", ctx, status=400 if form.errors else 200
    )


def _detail_context(request, booking: Booking, **extra) -> dict:
    can_change = selectors.member_can_change(booking)
    reschedule_slots = []
    if can_change:
        reschedule_slots = [
            s
            for s in selectors.available_slots(
                member_id=booking.member_id,
                service_type=booking.service_type,
                region_id=booking.slot.region_id,
            )
            if s.pk != booking.slot_id
        ]
    review = _review_or_none(booking)
    ctx = {
        "booking": booking,
        "photos": list(booking.photos.all()),
        "can_change": can_change,
        "reschedule_slots": reschedule_slots,
        "review": review,
        "can_review": booking.status == Booking.Status.COMPLETED and review is None,
        "can_add_photo": booking.status != Booking.Status.CANCELLED,
        "photo_form": PhotoForm(),
        "review_form": ReviewForm(),
        "cancel_form": CancelForm(),
        "review_photos": REVIEW_PHOTOS,
    }
    ctx.update(extra)
    return ctx


def _review_or_none(booking):
    try:
        return booking.review
    except Booking.review.RelatedObjectDoesNotExist:
        return None


@login_required
def booking_detail(request, pk: int):
    booking = _booking(request, pk)
    return render(
        request, "services/booking_detail.html", _detail_context(request, booking)
    )


def _detail_with_error(request, booking, status=400, **extra):
    ctx = _detail_context(request, booking, **extra)
    return render(request, "services/booking_detail.html", ctx, status=status)


@login_required
@require_POST
def booking_cancel(request, pk: int):
    booking = _booking(request, pk)
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        actions.booking_cancel(
            booking_id=booking.pk,
            actor_id=request.user.pk,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your booking has been cancelled."))
    return redirect("services:booking_detail", booking.pk)


@login_required
@require_POST
def booking_reschedule(request, pk: int):
    booking = _booking(request, pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a new slot."))
        return redirect("services:booking_detail", booking.pk)
    try:
        actions.booking_reschedule(
            booking_id=booking.pk,
            slot_id=form.cleaned_data["slot_id"],
            actor_id=request.user.pk,
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your booking has been moved."))
    return redirect("services:booking_detail", booking.pk)


def _too_large(request, pk: int):
    booking = _booking(request, pk)
    return _detail_with_error(
        request, booking, status=413, upload_error=upload_too_large_message()
    )


@login_required
@upload_capped(files=1, on_too_large=_too_large)
@require_POST
def booking_photo_add(request, pk: int):
    booking = _booking(request, pk)
    if request.upload_too_large:
        return _too_large(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_with_error(request, booking, photo_form=form)
    try:
        actions.booking_photo_add(
            booking_id=booking.pk,
            file=form.cleaned_data["image"],
            kind=form.cleaned_data["kind"],
            actor_id=request.user.pk,
        )
    except ServiceError as exc:
        form.add_error("image", str(exc))
        return _detail_with_error(request, booking, photo_form=form)
    messages.success(request, _("Thank you, the photo has been added."))
    return redirect("services:booking_detail", booking.pk)


@login_required
@upload_capped(files=REVIEW_PHOTOS, on_too_large=_too_large)
@require_POST
def booking_review(request, pk: int):
    booking = _booking(request, pk)
    if request.upload_too_large:
        return _too_large(request, pk)
    form = ReviewForm(request.POST)
    photos = request.FILES.getlist("photos")
    if len(photos) > REVIEW_PHOTOS:
        form.add_error(
            None, _("At most %(n)s photos per review.") % {"n": REVIEW_PHOTOS}
        )
    if not form.is_valid():
        return _detail_with_error(request, booking, review_form=form)
    try:
        review = actions.review_create(
            booking_id=booking.pk,
            member_id=booking.member_id,
            rating=form.cleaned_data["rating"],
            text=form.cleaned_data["text"],
            photos=photos,
        )
    except ServiceError as exc:
        form.add_error(None, str(exc))
        return _detail_with_error(request, booking, review_form=form)
    if review.points_awarded:
        messages.success(
            request,
            _("Thank you for your review: %(points)s points are on their way.")
            % {"points": review.points_awarded},
        )
    else:
        messages.success(request, _("Thank you for your review."))
    return redirect("services:booking_detail", booking.pk)


@login_required
def product_list(request):
    member = _member(request)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.product_register(member_id=member.pk, **form.cleaned_data)
        except ServiceError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc))
        else:
            messages.success(request, _("Your product is registered."))
            return redirect("services:product_list")
    return render(
        request,
        "services/product_list.html",
        {"products": list(selectors.member_products(member.pk)), "form": form},
        status=400 if form.errors else 200,
    )
