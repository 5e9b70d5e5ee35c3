"""Operator console for tiers: thin, every write goes through tiers.actions."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import actions
from .exceptions import TiersError
from .forms import ManualTierChangeForm
from .models import (
    GrowthEvent,
    GrowthWeights,
    Tier,
    TierChange,
    TierRecalcRun,
    TierStatus,
)

MANUAL_CHANGE_LIMIT = 1000


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "rank",
        "min_growth",
        "min_spend",
        "multiplier",
        "retention_growth",
        "retention_spend",
        "upgrade_gift_points",
        "birthday_points",
    )
    ordering = ("rank",)

    def has_delete_permission(self, request, obj=None):
        return False  # members and history point at tiers


@admin.register(GrowthWeights)
class GrowthWeightsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "consumption", "interaction", "social", "loyalty")

    def has_add_permission(self, request):
        return not GrowthWeights.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyMixin:
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TierStatus)
class TierStatusAdmin(admin.ModelAdmin):
    list_display = (
        "member",
        "tier",
        "since",
        "term_ends_on",
        "window_growth",
        "window_spend",
        "last_activity_at",
    )
    list_filter = ("tier", "term_ends_on")
    list_select_related = ("tier", "member__user")
    search_fields = ("member__user__phone", "member__user__name", "=member__id")
    raw_id_fields = ("member",)
    show_full_result_count = False
    actions = ["change_tier"]
    readonly_fields = [f.name for f in TierStatus._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Change tier (with a reason)"))
    def change_tier(self, request, queryset):
        if queryset.count() > MANUAL_CHANGE_LIMIT:
            self.message_user(
                request,
                gettext("Select at most %(n)d members for a manual change.")
                % {"n": MANUAL_CHANGE_LIMIT},
                messages.ERROR,
            )
            return None
        form = None
        if "apply" in request.POST:
            form = ManualTierChangeForm(request.POST)
            if form.is_valid():
                done = 0
                for member_id in queryset.values_list("member_id", flat=True):
                    try:
                        actions.tier_change_manual(
                            member_id=member_id,
                            tier_id=form.cleaned_data["tier"].pk,
                            reason=form.cleaned_data["reason"],
                            actor_id=request.user.pk,
                        )
                        done += 1
                    except TiersError as exc:
                        self.message_user(
                            request, f"#{member_id}: {exc.message}", messages.WARNING
                        )
                if done:
                    self.message_user(
                        request,
                        gettext("%(count)d member(s) moved to %(tier)s.")
                        % {"count": done, "tier": form.cleaned_data["tier"]},
                        messages.SUCCESS,
                    )
                return None
        form = form or ManualTierChangeForm()
        return TemplateResponse(
            request,
            "admin/tiers/tierstatus/change_tier.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Change tier"),
                "form": form,
                "queryset": queryset.select_related("member__user", "tier")[:100],
                "selected": list(queryset.values_list("pk", flat=True)),
                "count": queryset.count(),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "member",
        "from_tier",
        "to_tier",
        "reason",
        "note",
        "actor",
    )
    list_filter = ("reason", "to_tier", "created_at")
    list_select_related = ("member__user", "from_tier", "to_tier", "actor")
    search_fields = (
        "member__user__phone",
        "member__user__name",
        "=member__id",
        "batch",
    )
    raw_id_fields = ("member", "actor")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(GrowthEvent)
class GrowthEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "member",
        "dimension",
        "source",
        "raw_value",
        "weighted_value",
        "spend",
        "key",
    )
    list_filter = ("dimension", "source")
    list_select_related = ("member__user",)
    search_fields = ("=key", "member__user__phone", "=member__id")
    raw_id_fields = ("member",)
    show_full_result_count = False


@admin.register(TierRecalcRun)
class TierRecalcRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "batch",
        "day",
        "full",
        "upgraded",
        "downgraded",
        "renewed",
        "decayed",
        "windows_updated",
        "seconds",
        "finished_at",
    )
    list_filter = ("full", "window_mode")
    date_hierarchy = "day"
