"""Portal pages of the members app. Thin: parse, call actions/selectors, render."""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import actions, selectors
from .clientip import client_ip
from .exceptions import CodeInvalid, MembersError, RateLimited
from .forms import (
    AddressForm,
    CloseAccountForm,
    LoginForm,
    PasswordResetForm,
    ProfileForm,
    RegisterForm,
    SendCodeForm,
)
from .models import Address, Notification, PhoneCode
from .portal import render_home_cards

BACKEND = "members.backends.PhoneOrUsernameBackend"


def _code_sent_message() -> str:
    # The same answer for registered and unknown numbers.
    return _(
        "If this number can receive it, a code is on its way. It is valid for "
        "%(minutes)d minutes."
    ) % {"minutes": actions.knob("MEMBERS_CODE_TTL_SECONDS") // 60}


def member_required(view):
    """Signed-in customers only; staff without a member profile go to /me/."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        member = selectors.member_for_user(request.user)
        if member is None or member.is_closed:
            messages.info(request, _("This page is for programme members."))
            return redirect("members:home")
        request.member = member
        return view(request, *args, **kwargs)

    return wrapper


def landing(request):
    return render(request, "members/landing.html")


# --- codes, registration, sign-in, password reset ----------------------------------


def _send_code(request, phone: str, purpose: str) -> tuple[int, str, int]:
    """Call the action; returns (status, message, retry_after)."""
    try:
        actions.phone_code_send(
            phone=phone, purpose=purpose, client_ip=client_ip(request)
        )
    except RateLimited as exc:
        return 429, exc.message, exc.retry_after
    return 200, _code_sent_message(), actions.knob("MEMBERS_CODE_RESEND_SECONDS")


@require_POST
def send_code(request):
    """JSON: send a one-time code (purpose ``register`` or ``reset``).

    200 {"ok": true, "message", "retry_after"}; 400 {"ok": false, "errors"};
    429 {"ok": false, "message", "retry_after"} with a Retry-After header.
    """
    form = SendCodeForm(request.POST)
    if not form.is_valid():
        errors = {f: [str(e) for e in errs] for f, errs in form.errors.items()}
        message = " ".join(m for errs in errors.values() for m in errs)
        return JsonResponse(
            {"ok": False, "message": message, "errors": errors}, status=400
        )
    status, message, retry = _send_code(
        request, form.cleaned_data["phone"], form.cleaned_data["purpose"]
    )
    response = JsonResponse(
        {"ok": status == 200, "message": message, "retry_after": retry},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(retry)
    return response


def _code_form_view(request, *, form_class, purpose, template, on_valid):
    """Shared by registration and password reset: a form with a code field.

    Without JavaScript the "send code" button posts the whole form with
    ``action=send_code``; with it, the button calls ``send_code`` instead.
    """
    status = 200
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form = form_class(initial={"phone": request.POST.get("phone", "")})
        try:
            phone = SendCodeForm.base_fields["phone"].clean(request.POST.get("phone"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            status, message, _retry = _send_code(request, phone, purpose)
            (messages.success if status == 200 else messages.error)(request, message)
    elif request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                return on_valid(form)
            except CodeInvalid as exc:
                form.add_error("code", exc.message)
            except MembersError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                form.add_error(None, exc)
        status = 400
    else:
        form = form_class()
    return render(
        request,
        template,
        {"form": form, "purpose": purpose},
        status=status,
    )


def register(request):
    if request.user.is_authenticated:
        return redirect("members:home")

    def on_valid(form):
        c = form.cleaned_data
        member = actions.member_register_with_code(
            phone=c["phone"],
            code=c["code"],
            name=c["name"],
            password=c["password1"],
            email=c.get("email") or "",
            referral_code=c.get("referral_code") or None,
            **form.profile(),
        )
        login(request, member.user, backend=BACKEND)
        messages.success(request, _("Welcome to the Radiator Club!"))
        return redirect("members:home")

    return _code_form_view(
        request,
        form_class=RegisterForm,
        purpose=PhoneCode.Purpose.REGISTER,
        template="members/register.html",
        on_valid=on_valid,
    )


def password_reset(request):
    def on_valid(form):
        c = form.cleaned_data
        actions.password_reset_with_code(
            phone=c["phone"], code=c["code"], password=c["password1"]
        )
        messages.success(request, _("Your password is set. Please sign in."))
        return redirect("members:login")

    return _code_form_view(
        request,
        form_class=PasswordResetForm,
        purpose=PhoneCode.Purpose.RESET,
        template="members/password_reset.html",
        on_valid=on_valid,
    )


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "members/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        locked = any(e.code == "locked" for e in form.non_field_errors().as_data())
        response.status_code = 429 if locked else 400
        return response


# --- member pages ------------------------------------------------------------------


@login_required
def member_home(request):
    member = selectors.member_for_user(request.user)
    return render(
        request,
        "members/home.html",
        {
            "member": member,
            "cards": render_home_cards(request) if member is not None else [],
        },
    )


@member_required
def profile(request):
    member = request.member
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            actions.member_profile_update(member_id=member.pk, **form.cleaned_data)
            messages.success(request, _("Your profile is saved."))
            return redirect("members:profile")
        status = 400
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(member))
        status = 200
    return render(
        request, "members/profile.html", {"form": form, "member": member}, status=status
    )


@member_required
def address_list(request):
    return render(
        request,
        "members/address_list.html",
        {"addresses": selectors.addresses_of(request.member.pk)},
    )


def _own_address(request, pk: int) -> Address:
    try:
        return selectors.address_of(request.member.pk, pk)
    except Address.DoesNotExist as exc:
        raise Http404 from exc


@member_required
def address_edit(request, pk: int | None = None):
    address = _own_address(request, pk) if pk is not None else None
    if request.method == "POST":
        form = AddressForm(request.POST, instance=address)
        if form.is_valid():
            fields = {f: form.cleaned_data[f] for f in form.Meta.fields}
            if address is None:
                actions.address_create(member_id=request.member.pk, **fields)
            else:
                actions.address_update(
                    member_id=request.member.pk, address_id=address.pk, **fields
                )
            messages.success(request, _("The address is saved."))
            return redirect("members:addresses")
        status = 400
    else:
        form = AddressForm(instance=address)
        status = 200
    return render(
        request,
        "members/address_form.html",
        {"form": form, "address": address},
        status=status,
    )


@require_POST
@member_required
def address_delete(request, pk: int):
    address = _own_address(request, pk)
    actions.address_delete(member_id=request.member.pk, address_id=address.pk)
    messages.success(request, _("The address is deleted."))
    return redirect("members:addresses")


@member_required
def notification_list(request):
    page = selectors.notifications_page(request.member.pk, request.GET.get("page", 1))
    return render(request, "members/notifications.html", {"page": page})


@require_POST
@member_required
def notification_read(request, pk: int):
    try:
        actions.notification_mark_read(member_id=request.member.pk, notification_id=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("members:notifications")


@require_POST
@member_required
def notification_read_all(request):
    actions.notification_mark_read(member_id=request.member.pk)
    return redirect("members:notifications")


@member_required
def export(request):
    data = selectors.member_export(request.member)
    data["exported_at"] = timezone.now().isoformat()
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"radiator-club-{request.member.referral_code}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@member_required
def close_account(request):
    if request.method == "POST":
        form = CloseAccountForm(request.POST, user=request.user)
        if form.is_valid():
            actions.member_close(member_id=request.member.pk)
            logout(request)
            messages.success(
                request,
                _("Your account is closed and your personal data has been erased."),
            )
            return redirect(reverse("members:landing"))
        status = 400
    else:
        form = CloseAccountForm(user=request.user)
        status = 200
    return render(request, "members/close_account.html", {"form": form}, status=status)
