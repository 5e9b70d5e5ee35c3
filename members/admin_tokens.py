"""Admin for dealer API tokens: dealer managers create, rotate and revoke them.

Self-registering (``members/admin.py`` imports this module). Replaces DRF's
own token admin. Superusers see every token; a dealer manager (a staff user
with a dealer) sees and manages only the tokens of their dealer's staff.
Every change goes through ``members.api_tokens``.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .api_tokens import (
    NotDealerStaff,
    api_token_create,
    api_token_revoke,
    api_token_rotate,
)
from .models import User


def _is_dealer_manager(user) -> bool:
    return bool(user.is_active and user.is_staff and user.dealer_id)


def _staff_choices(request):
    users = User.objects.filter(dealer__isnull=False, is_active=True).select_related(
        "dealer"
    )
    if not request.user.is_superuser:
        users = users.filter(dealer_id=request.user.dealer_id)
    return users.order_by("dealer__name", "username")


class TokenCreateForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        label=_("dealer staff user"), queryset=User.objects.none()
    )

    class Meta:
        model = TokenProxy
        fields = ["user"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if TokenProxy.objects.filter(user=user).exists():
            raise forms.ValidationError(
                _("This user already has a token: rotate it from the list instead.")
            )
        return user


@admin.display(description=_("key"))
def _key_hint(token) -> str:
    return f"{token.key[:6]}…"


class DealerTokenAdmin(TokenAdmin):
    """DRF's token admin (rows and URLs by user id, as DRF maps them), scoped
    to the manager's dealer, with rotate and revoke actions."""

    form = TokenCreateForm
    fields = ["user"]
    search_help_text = None
    list_display = ["user", "dealer", _key_hint, "created"]
    list_select_related = ["user__dealer"]
    list_filter = ["user__dealer"]
    search_fields = ["user__username", "user__name", "user__dealer__name"]
    ordering = ["-created"]
    actions = ["rotate_tokens", "revoke_tokens"]
    show_full_result_count = False

    @admin.display(description=_("dealer"), ordering="user__dealer__name")
    def dealer(self, token):
        return token.user.dealer

    def changelist_view(self, request, extra_context=None):
        # Rows are identified by user id (DRF's mapping); actions filter by the
        # real primary key, the token key: translate the selection.
        if request.method == "POST" and "_selected_action" in request.POST:
            post = request.POST.copy()
            user_ids = [v for v in post.getlist("_selected_action") if v.isdigit()]
            keys = self.get_queryset(request).filter(user_id__in=user_ids)
            post.setlist("_selected_action", list(keys.values_list("key", flat=True)))
            request.POST = post
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("user__dealer")
        if request.user.is_superuser:
            return qs
        return qs.filter(user__dealer_id=request.user.dealer_id)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.base_fields["user"].queryset = _staff_choices(request)
        return form

    def get_list_filter(self, request):
        return self.list_filter if request.user.is_superuser else []

    def _may(self, request, perm: str) -> bool:
        user = request.user
        return (
            user.is_superuser
            or _is_dealer_manager(user)
            or user.has_perm(f"authtoken.{perm}_tokenproxy")
        )

    def has_module_permission(self, request):
        return self._may(request, "view")

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view")

    def has_add_permission(self, request):
        return self._may(request, "add")

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "delete")

    def has_change_permission(self, request, obj=None):
        return False  # a token is never edited: rotate or revoke it

    def save_model(self, request, obj, form, change):
        try:
            token = api_token_create(user_id=form.cleaned_data["user"].pk)
        except NotDealerStaff as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.key, obj.created = token.key, token.created
        self.message_user(
            request,
            _("Token for %(user)s: %(key)s. Copy it now into the dealer's system.")
            % {"user": token.user, "key": token.key},
            messages.WARNING,
        )

    def delete_model(self, request, obj):
        api_token_revoke(user_id=obj.user_id)

    def delete_queryset(self, request, queryset):
        for user_id in queryset.values_list("user_id", flat=True):
            api_token_revoke(user_id=user_id)

    @admin.action(description=_("Rotate selected tokens (the old keys stop working)"))
    def rotate_tokens(self, request, queryset):
        rotated = []
        for user_id in queryset.order_by("user_id").values_list("user_id", flat=True):
            try:
                rotated.append(api_token_rotate(user_id=user_id))
            except NotDealerStaff as exc:
                self.message_user(request, exc.message, messages.ERROR)
        for token in rotated:
            self.message_user(
                request,
                _("New token for %(user)s: %(key)s")
                % {"user": token.user, "key": token.key},
                messages.WARNING,
            )

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_tokens(self, request, queryset):
        count = sum(
            api_token_revoke(user_id=user_id)
            for user_id in queryset.values_list("user_id", flat=True)
        )
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
admin.site.register(TokenProxy, DealerTokenAdmin)
