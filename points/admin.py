"""The operator console for points. Thin: forms parse, actions write.

The ledger is read-only here (and append-only in the database); every change
goes through an action: the adjust form, the bulk award, the refund action.
"""

import csv
import io
import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import actions
from .exceptions import PointsError
from .models import (
    Account,
    Campaign,
    DriftReport,
    EarningRule,
    LedgerEntry,
    PointsSettings,
    Purchase,
    PurchaseItem,
    windows_overlap,
)

RECENT_ENTRIES = 20


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "account",
        "kind",
        "points",
        "balance_after",
        "reason",
        "source_type",
        "source_id",
        "actor",
    )
    list_filter = ("kind", "source_type", "created_at")
    search_fields = ("=key", "account__member__user__phone", "reason", "=source_id")
    list_select_related = ("account__member__user", "actor")
    raw_id_fields = ("account", "reverses", "actor")
    show_full_result_count = False
    ordering = ("-created_at", "-id")


class AdjustForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points"),
        help_text=_("Positive to credit, negative to debit (never below zero)."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)
    token = forms.CharField(widget=forms.HiddenInput)

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise ValidationError(_("Enter a number of points other than 0."))
        return points

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("A reason is required."))
        return reason


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("member", "balance", "updated_at")
    search_fields = ("member__user__phone", "member__user__name", "=member__id")
    list_select_related = ("member__user",)
    readonly_fields = (
        "member",
        "balance",
        "created_at",
        "updated_at",
        "recent_entries",
    )
    fields = readonly_fields
    show_full_result_count = False
    actions = ["award_custom_event"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("recent entries"))
    def recent_entries(self, obj):
        entries = obj.entries.order_by("-created_at", "-id")[:RECENT_ENTRIES]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    e.created_at.strftime("%Y-%m-%d %H:%M"),
                    e.get_kind_display(),
                    f"{e.points:+d}",
                    e.balance_after,
                    e.reason,
                )
                for e in entries
            ),
        )
        link = (
            reverse("admin:points_ledgerentry_changelist")
            + f"?account__id__exact={obj.pk}"
        )
        adjust = reverse("admin:points_account_adjust", args=[obj.pk])
        return format_html(
            '<p><a class="button" href="{}">{}</a> <a href="{}">{}</a></p>'
            "<table><tbody>{}</tbody></table>",
            adjust,
            _("Adjust points"),
            link,
            _("All entries"),
            rows,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="points_account_adjust",
            ),
            path(
                "bulk-award/",
                self.admin_site.admin_view(self.bulk_award_view),
                name="points_account_bulk_award",
            ),
            *super().get_urls(),
        ]

    def adjust_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        account = get_object_or_404(
            Account.objects.select_related("member__user"), pk=pk
        )
        form = AdjustForm(request.POST or None, initial={"token": uuid.uuid4().hex})
        if request.method == "POST" and form.is_valid():
            try:
                actions.points_adjust(
                    member_id=account.member_id,
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                    actor_id=request.user.pk,
                    key=f"admin-adjust:{form.cleaned_data['token']}",
                )
            except PointsError as exc:
                form.add_error("points", exc.message)
            else:
                self.message_user(
                    request, _("The points were adjusted."), messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:points_account_change", args=[account.pk])
                )
        return TemplateResponse(
            request,
            "admin/points/form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Adjust points of %(member)s") % {"member": account.member},
                "form": form,
                "intro": _("Balance now: %(balance)s") % {"balance": account.balance},
            },
        )

    @admin.action(description=_("Award a custom event to the selected members"))
    def award_custom_event(self, request, queryset):
        form = BulkAwardForm(
            request.POST if "apply" in request.POST else None,
            initial={"batch": uuid.uuid4().hex},
            with_file=False,
        )
        if "apply" in request.POST and form.is_valid():
            result = actions.custom_event_bulk_award(
                event_code=form.cleaned_data["event_code"],
                batch=form.cleaned_data["batch"],
                actor_id=request.user.pk,
                member_ids=list(queryset.values_list("member_id", flat=True)),
            )
            return self._report(request, result)
        return render(
            request,
            "admin/points/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Award a custom event"),
                "form": form,
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "action": "award_custom_event",
                "select_across": request.POST.get("select_across", "0"),
            },
        )

    def bulk_award_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BulkAwardForm(
            request.POST or None,
            request.FILES or None,
            initial={"batch": uuid.uuid4().hex},
            with_file=True,
        )
        if request.method == "POST" and form.is_valid():
            result = actions.custom_event_bulk_award(
                event_code=form.cleaned_data["event_code"],
                batch=form.cleaned_data["batch"],
                actor_id=request.user.pk,
                phones=form.cleaned_data["phones"],
            )
            return self._report(request, result)
        return TemplateResponse(
            request,
            "admin/points/form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Award a custom event to a list of mobile numbers"),
                "form": form,
                "multipart": True,
                "intro": _(
                    "Upload a CSV file with one mobile number per line (the first "
                    "column is read; a header line is skipped)."
                ),
            },
        )

    def _report(self, request, result):
        return TemplateResponse(
            request,
            "admin/points/bulk_report.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Bulk award: result"),
                "result": result,
            },
        )


class BulkAwardForm(forms.Form):
    event_code = forms.ChoiceField(label=_("Custom event"))
    file = forms.FileField(label=_("CSV of mobile numbers"), required=False)
    batch = forms.CharField(widget=forms.HiddenInput)

    MAX_ROWS = 50000

    def __init__(self, *args, with_file: bool, **kwargs):
        super().__init__(*args, **kwargs)
        rules = EarningRule.objects.filter(kind=EarningRule.Kind.CUSTOM_EVENT).order_by(
            "event_code"
        )
        self.fields["event_code"].choices = [
            (r.event_code, f"{r.name} ({r.event_code})") for r in rules
        ]
        if with_file:
            self.fields["file"].required = True
        else:
            del self.fields["file"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file must be a UTF-8 CSV file.")) from None
        phones = []
        for row in csv.reader(io.StringIO(text)):
            if row and row[0].strip():
                phones.append(row[0].strip())
        if phones and not any(ch.isdigit() for ch in phones[0]):
            phones = phones[1:]  # a header line
        if not phones:
            raise ValidationError(_("The file holds no mobile numbers."))
        if len(phones) > self.MAX_ROWS:
            raise ValidationError(
                _("At most %(n)s numbers per file.") % {"n": self.MAX_ROWS}
            )
        self.cleaned_data["phones"] = phones
        return upload


@admin.register(EarningRule)
class EarningRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "kind",
        "event_code",
        "points",
        "rate",
        "priority",
        "stop_further",
        "is_active",
        "valid_from",
        "valid_until",
    )
    list_filter = ("kind", "is_active", "stop_further")
    search_fields = ("name", "code", "event_code")
    ordering = ("priority", "id")
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "event_code", "is_active")}),
        (
            _("Points"),
            {
                "fields": (
                    "points",
                    "rate",
                    "min_amount",
                    "product_category",
                    "pending_days",
                )
            },
        ),
        (
            _("Tier growth (custom events)"),
            {"fields": ("growth_dimension", "growth_source", "growth_value")},
        ),
        (_("Order"), {"fields": ("priority", "stop_further")}),
        (
            _("Validity and caps"),
            {
                "fields": (
                    "valid_from",
                    "valid_until",
                    "cap_per_day",
                    "cap_per_month",
                    "cap_lifetime",
                ),
            },
        ),
    )


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = (
            "code",
            "name",
            "multiplier",
            "starts_at",
            "ends_at",
            "product_category",
            "tiers",
            "is_active",
        )

    def clean(self):
        data = super().clean()
        if (
            not data.get("is_active")
            or not data.get("starts_at")
            or not data.get("ends_at")
        ):
            return data
        tiers = set(data.get("tiers") or [])
        others = (
            Campaign.objects.filter(
                is_active=True,
                product_category=data.get("product_category", ""),
                starts_at__lt=data["ends_at"],
                ends_at__gt=data["starts_at"],
            )
            .exclude(pk=self.instance.pk)
            .prefetch_related("tiers")
        )
        for other in others:
            other_tiers = set(other.tiers.all())
            if (
                not tiers or not other_tiers or tiers & other_tiers
            ) and windows_overlap(
                data["starts_at"], data["ends_at"], other.starts_at, other.ends_at
            ):
                raise ValidationError(
                    _(
                        "The active campaign “%(other)s” already covers the same "
                        "products and members in an overlapping period."
                    )
                    % {"other": other.name}
                )
        return data


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = (
        "name",
        "code",
        "multiplier",
        "product_category",
        "starts_at",
        "ends_at",
        "is_active",
    )
    list_filter = ("is_active", "product_category")
    search_fields = ("name", "code")
    filter_horizontal = ("tiers",)


class PurchaseItemInline(admin.TabularInline):
    model = PurchaseItem
    extra = 0
    can_delete = False
    readonly_fields = (
        "sku",
        "name",
        "category",
        "quantity",
        "unit_price",
        "amount",
        "serial_numbers",
    )
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


class RefundForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)
    amount = forms.DecimalField(
        label=_("Amount to refund (CNY)"),
        required=False,
        min_value=0.01,
        decimal_places=2,
        help_text=_("Leave empty to refund what is left of each selected purchase."),
    )


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = (
        "order_no",
        "member",
        "dealer",
        "amount",
        "points_earned",
        "points_redeemed",
        "pending_state",
        "refund_state",
        "purchased_at",
    )
    list_filter = ("pending_state", "refund_state", "channel", "purchased_at")
    search_fields = ("=order_no", "member__user__phone", "dealer__name")
    list_select_related = ("member__user", "dealer")
    raw_id_fields = ("member", "dealer")
    inlines = [PurchaseItemInline]
    show_full_result_count = False
    actions = ["refund", "release_pending"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Refund the selected purchases"))
    def refund(self, request, queryset):
        form = RefundForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for purchase in queryset.order_by("pk"):
                try:
                    actions.purchase_refund(
                        purchase_id=purchase.pk,
                        amount=form.cleaned_data["amount"],
                        reason=form.cleaned_data["reason"],
                        actor_id=request.user.pk,
                    )
                    done += 1
                except PointsError as exc:
                    self.message_user(
                        request, f"{purchase.order_no}: {exc.message}", messages.ERROR
                    )
            if done:
                self.message_user(
                    request,
                    ngettext(
                        "%(n)d purchase refunded.", "%(n)d purchases refunded.", done
                    )
                    % {"n": done},
                    messages.SUCCESS,
                )
            return None
        return render(
            request,
            "admin/points/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Refund purchases"),
                "form": form,
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "action": "refund",
                "select_across": request.POST.get("select_across", "0"),
            },
        )

    @admin.action(description=_("Release pending points (installation completed)"))
    def release_pending(self, request, queryset):
        ids = list(
            queryset.filter(pending_state=Purchase.PendingState.PENDING).values_list(
                "pk", flat=True
            )
        )
        for pk in ids:
            actions.purchase_release_pending(purchase_id=pk)
        self.message_user(
            request,
            ngettext("%(n)d purchase released.", "%(n)d purchases released.", len(ids))
            % {"n": len(ids)},
            messages.SUCCESS,
        )


@admin.register(PointsSettings)
class PointsSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "expiry_mode",
        "expiry_months",
        "reminder_days",
        "redeem_points_per_unit",
        "redeem_unit_value",
        "redeem_max_share",
    )

    def has_add_permission(self, request):
        return not PointsSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DriftReport)
class DriftReportAdmin(admin.ModelAdmin):
    list_display = (
        "detected_at",
        "account",
        "balance",
        "ledger_sum",
        "lots_sum",
        "resolved",
    )
    list_filter = ("resolved", "detected_at")
    search_fields = ("account__member__user__phone", "=account__id")
    list_select_related = ("account__member__user",)
    readonly_fields = ("account", "balance", "ledger_sum", "lots_sum", "detected_at")
    actions = ["mark_resolved"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Mark as investigated and resolved"))
    def mark_resolved(self, request, queryset):
        queryset.update(resolved=True)
