"""The operator console for privileges: catalogue, grants matrix, uses, events, usage."""

import datetime
import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.selectors import member_by_phone
from tiers import selectors as tier_selectors

from . import actions, portal, selectors
from .exceptions import PrivilegeError
from .models import (
    EventSignup,
    MemberEvent,
    Privilege,
    PrivilegeUse,
    QuotaCounter,
    TierGrant,
)


class TierGrantInline(admin.TabularInline):
    model = TierGrant
    extra = 0
    fields = ("tier", "value", "quota", "period", "revoked")
    ordering = ("tier__rank",)


@admin.register(Privilege)
class PrivilegeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "category",
        "kind",
        "service_type_code",
        "is_active",
        "position",
    )
    list_display_links = ("code", "name_zh")
    list_editable = ("is_active", "position")
    list_filter = ("category", "kind", "is_active")
    search_fields = ("code", "name_zh", "name_en")
    inlines = [TierGrantInline]
    fieldsets = (
        (None, {"fields": ("code", "category", "kind", "service_type_code")}),
        (
            _("Text shown to members"),
            {
                "fields": (
                    ("name_zh", "name_en"),
                    ("description_zh", "description_en"),
                    ("how_to_use_zh", "how_to_use_en"),
                )
            },
        ),
        (None, {"fields": ("is_active", "position")}),
    )
    change_list_template = "admin/privileges/privilege/change_list.html"

    def get_urls(self):
        return [
            path(
                "matrix/",
                self.admin_site.admin_view(self.matrix_view),
                name="privileges_privilege_matrix",
            ),
            path(
                "usage/",
                self.admin_site.admin_view(self.usage_view),
                name="privileges_privilege_usage",
            ),
            *super().get_urls(),
        ]

    def matrix_view(self, request):
        """Privileges down, tiers across; each cell the effective grant."""
        tiers = tier_selectors.tiers_ordered()
        own = {
            (g.privilege_id, g.tier_id): g.pk
            for g in TierGrant.objects.only("pk", "privilege_id", "tier_id")
        }
        rows = []
        for privilege, cells in selectors.catalogue_rows(tiers):
            counted = any(c is not None and c.quota is not None for c in cells)
            row = []
            for tier, cell in zip(tiers, cells, strict=True):
                grant_pk = own.get((privilege.pk, tier.pk))
                row.append(
                    {
                        "text": portal.cell_text(cell, counted=counted),
                        "inherited": cell is not None and cell.granted_by != tier.code,
                        "url": reverse(
                            "admin:privileges_tiergrant_change", args=[grant_pk]
                        )
                        if grant_pk
                        else reverse("admin:privileges_tiergrant_add")
                        + f"?tier={tier.pk}&privilege={privilege.pk}",
                    }
                )
            rows.append((privilege, row))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Grants by tier"),
            "tiers": tiers,
            "rows": rows,
        }
        return TemplateResponse(request, "admin/privileges/matrix.html", context)

    def usage_view(self, request):
        """Uses / eligible members per privilege per tier for a calendar year."""
        this_year = timezone.localdate().year
        try:
            year = int(request.GET.get("year", this_year))
            since = timezone.make_aware(datetime.datetime(year, 1, 1))
            until = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
        except (TypeError, ValueError, OverflowError):
            year = this_year
            since = timezone.make_aware(datetime.datetime(year, 1, 1))
            until = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
        tiers, rows = selectors.usage_report(since=since, until=until)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Privilege usage rate"),
            "tiers": tiers,
            "rows": rows,
            "year": year,
            "years": range(this_year - 3, this_year + 1),
        }
        return render(request, "admin/privileges/usage.html", context)


@admin.register(TierGrant)
class TierGrantAdmin(admin.ModelAdmin):
    list_display = ("privilege", "tier", "value", "quota", "period", "revoked")
    list_editable = ("value", "quota", "period", "revoked")
    list_filter = ("tier", "period", "revoked", "privilege__category")
    list_select_related = ("privilege", "tier")
    search_fields = ("privilege__code", "privilege__name_zh", "privilege__name_en")
    autocomplete_fields = ("privilege",)
    ordering = ("privilege__position", "privilege__code", "tier__rank")


class TierAtUseFilter(admin.SimpleListFilter):
    """Tiers from the (small) tier table, not a DISTINCT over millions of uses."""

    title = _("tier at use")
    parameter_name = "tier_code"

    def lookups(self, request, model_admin):
        return [(t.code, t.name) for t in tier_selectors.tiers_ordered()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tier_code=self.value())
        return queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    """History: browse and search, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OfflineUseForm(forms.Form):
    """Record a use staff gave off-line (hotline call, trade-in, customisation...)."""

    phone = forms.CharField(label=_("Member's mobile number"), max_length=20)
    privilege = forms.ModelChoiceField(
        label=_("Privilege"), queryset=Privilege.objects.filter(is_active=True)
    )
    note = forms.CharField(
        label=_("What was given"),
        max_length=actions.OFFLINE_NOTE_MAX,
        help_text=_('A few words, e.g. "hotline call" or "trade-in 5%".'),
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_phone(self):
        member = member_by_phone(self.cleaned_data["phone"])
        if member is None or member.closed_at is not None:
            raise forms.ValidationError(_("No open member account has this number."))
        self.member = member
        return member.user.phone


@admin.register(PrivilegeUse)
class PrivilegeUseAdmin(ReadOnlyAdmin):
    change_list_template = "admin/privileges/privilegeuse/change_list.html"

    def get_urls(self):
        return [
            path(
                "record/",
                self.admin_site.admin_view(self.record_view),
                name="privileges_privilegeuse_record",
            ),
            *super().get_urls(),
        ]

    def has_record_permission(self, request) -> bool:
        return request.user.has_perm("privileges.add_privilegeuse")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {})}
        extra_context["can_record"] = self.has_record_permission(request)
        return super().changelist_view(request, extra_context)

    def record_view(self, request):
        """Staff record an off-line use with a note; a double submit records once."""
        if not self.has_record_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = OfflineUseForm(request.POST)
            if form.is_valid():
                privilege = form.cleaned_data["privilege"]
                try:
                    use = actions.privilege_offline_use(
                        member_id=form.member.pk,
                        privilege_code=privilege.code,
                        token=form.cleaned_data["token"],
                        note=form.cleaned_data["note"],
                        staff_user_id=request.user.pk,
                    )
                except PrivilegeError as exc:
                    form.add_error("privilege", str(exc))
                else:
                    self.message_user(
                        request,
                        _("Recorded: %(privilege)s for %(member)s.")
                        % {"privilege": privilege, "member": use.member},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:privileges_privilegeuse_changelist")
                    )
        else:
            form = OfflineUseForm(initial={"token": uuid.uuid4().hex})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Record an off-line privilege use"),
            "form": form,
        }
        return TemplateResponse(request, "admin/privileges/record_use.html", context)

    list_display = (
        "used_at",
        "member",
        "privilege",
        "tier_code",
        "period_key",
        "ref_type",
        "ref_id",
        "returned_at",
    )
    list_filter = (
        "privilege",
        "tier_code",
        ("returned_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("member__user", "privilege")
    search_fields = ("=key", "member__user__phone", "member__user__name", "=ref_id")
    date_hierarchy = "used_at"
    show_full_result_count = False
    raw_id_fields = ("member",)


@admin.register(QuotaCounter)
class QuotaCounterAdmin(ReadOnlyAdmin):
    list_display = ("member", "privilege", "period_key", "used")
    list_filter = ("privilege",)
    list_select_related = ("member__user", "privilege")
    search_fields = ("member__user__phone", "member__user__name", "=period_key")
    show_full_result_count = False
    raw_id_fields = ("member",)


class EventSignupInline(admin.TabularInline):
    model = EventSignup
    extra = 0
    fields = ("member", "status", "source", "created_at", "cancelled_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member__user")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MemberEvent)
class MemberEventAdmin(admin.ModelAdmin):
    list_display = (
        "title_zh",
        "kind",
        "starts_at",
        "city",
        "min_tier",
        "capacity",
        "seats_taken",
        "is_published",
    )
    list_filter = ("kind", "is_published", "min_tier", "city")
    list_select_related = ("min_tier",)
    search_fields = ("title_zh", "title_en", "place", "city")
    date_hierarchy = "starts_at"
    readonly_fields = ("seats_taken", "created_at")
    inlines = [EventSignupInline]
    actions = ["publish", "unpublish"]
    fieldsets = (
        (None, {"fields": ("kind", ("title_zh", "title_en"))}),
        (None, {"fields": (("description_zh", "description_en"),)}),
        (
            _("When and where"),
            {"fields": ("place", "city", ("starts_at", "ends_at"), "signup_closes_at")},
        ),
        (
            _("Places"),
            {"fields": (("capacity", "seats_taken"), "min_tier", "is_published")},
        ),
    )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            return
        try:
            actions.event_update(
                event_id=obj.pk,
                **{name: getattr(obj, name) for name in form.changed_data},
            )
        except PrivilegeError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description=_("Publish selected events"))
    def publish(self, request, queryset):
        done = queryset.update(is_published=True)
        self.message_user(
            request,
            ngettext("%d event published.", "%d events published.", done) % done,
        )

    @admin.action(description=_("Unpublish selected events"))
    def unpublish(self, request, queryset):
        done = queryset.update(is_published=False)
        self.message_user(
            request,
            ngettext("%d event unpublished.", "%d events unpublished.", done) % done,
        )


@admin.register(EventSignup)
class EventSignupAdmin(ReadOnlyAdmin):
    list_display = ("event", "member", "status", "source", "created_at", "cancelled_at")
    list_filter = ("status", "source", "event__kind")
    list_select_related = ("event", "member__user")
    search_fields = (
        "member__user__phone",
        "member__user__name",
        "event__title_zh",
        "=ref_key",
    )
    raw_id_fields = ("event", "member")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["cancel_signups"]

    @admin.action(
        description=_("Cancel selected sign-ups (frees the places)"),
        permissions=["cancel"],
    )
    def cancel_signups(self, request, queryset):
        done, failed = 0, []
        pks = queryset.exclude(status=EventSignup.Status.CANCELLED).values_list(
            "pk", flat=True
        )
        for pk in list(pks):
            try:
                actions.event_signup_cancel(signup_id=pk, by_staff=True)
                done += 1
            except PrivilegeError as exc:
                failed.append(str(exc.message))
        self.message_user(
            request,
            ngettext("%d sign-up cancelled.", "%d sign-ups cancelled.", done) % done,
        )
        for message in failed:
            self.message_user(request, message, messages.ERROR)

    def has_cancel_permission(self, request):
        return request.user.has_perm("privileges.change_memberevent")
