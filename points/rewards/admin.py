"""Operator console for the rewards catalogue: thin, every write through actions."""

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import selectors
from .actions import redemption_cancel, redemption_fulfil, reward_item_save
from .codes import ALPHABET, normalize_code
from .exceptions import RewardsError
from .models import Redemption, RewardItem, Voucher


class StockAlertFilter(admin.SimpleListFilter):
    title = _("stock")
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [
            ("low", _("At or below the alert level")),
            ("out", _("Sold out")),
            ("unlimited", _("Unlimited")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.low_stock()
        if self.value() == "out":
            return queryset.filter(stock=0)
        if self.value() == "unlimited":
            return queryset.filter(stock__isnull=True)
        return queryset


class RewardItemForm(forms.ModelForm):
    stock_change = forms.IntegerField(
        label=_("add to stock"),
        required=False,
        help_text=_(
            "Restock with a positive number, write off with a negative one. "
            "Applied to the stock as it is when you save."
        ),
    )
    unlimited = forms.BooleanField(
        label=_("unlimited stock"),
        required=False,
        help_text=_("Untick to start counting stock from “add to stock”."),
    )

    class Meta:
        model = RewardItem
        fields = [
            "code",
            "kind",
            "is_active",
            "sort_order",
            "name_zh",
            "name_en",
            "description_zh",
            "description_en",
            "image",
            "points_price",
            "stock",
            "stock_alert_at",
            "per_member_limit",
            "min_tier",
            "sale_starts_at",
            "sale_ends_at",
            "voucher_value",
            "voucher_valid_days",
            "service_type_code",
            "event_id",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["unlimited"].initial = self.instance.stock is None

    def clean(self):
        cleaned = super().clean()
        delta = cleaned.get("stock_change") or 0
        stock = self.instance.stock if self.instance.pk else None
        if stock is not None and not cleaned.get("unlimited") and stock + delta < 0:
            # The action checks again under the lock; this is the early, friendly check.
            self.add_error(
                "stock_change",
                _("Only %(stock)d in stock: cannot remove %(n)d.")
                % {"stock": stock, "n": -delta},
            )
        return cleaned


@admin.register(RewardItem)
class RewardItemAdmin(admin.ModelAdmin):
    form = RewardItemForm
    list_display = [
        "code",
        "name_zh",
        "kind",
        "points_price",
        "stock_badge",
        "per_member_limit",
        "min_tier",
        "sale_window",
        "is_active",
    ]
    list_filter = ["kind", "is_active", StockAlertFilter, "min_tier"]
    list_select_related = ["min_tier"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["sort_order", "id"]
    readonly_fields = ["created_at", "updated_at"]

    def get_fieldsets(self, request, obj=None):
        stock = (
            ["stock", "stock_alert_at"]
            if obj is None
            else [
                "current_stock",
                "stock_change",
                "unlimited",
                "stock_alert_at",
            ]
        )
        return [
            (None, {"fields": ["code", "kind", "is_active", "sort_order"]}),
            (
                _("Shown to members"),
                {
                    "fields": [
                        "name_zh",
                        "name_en",
                        "description_zh",
                        "description_en",
                        "image",
                    ]
                },
            ),
            (
                _("Price and limits"),
                {
                    "fields": [
                        "points_price",
                        *stock,
                        "per_member_limit",
                        "min_tier",
                        "sale_starts_at",
                        "sale_ends_at",
                    ]
                },
            ),
            (
                _("What the member gets"),
                {
                    "fields": [
                        "voucher_value",
                        "voucher_valid_days",
                        "service_type_code",
                        "event_id",
                    ]
                },
            ),
            (_("History"), {"fields": ["created_at", "updated_at"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = [*self.readonly_fields]
        if obj is not None:
            fields += ["current_stock", "code", "kind"]
        return fields

    @admin.display(description=_("stock"))
    def current_stock(self, obj):
        return _("unlimited") if obj.stock is None else obj.stock

    @admin.display(description=_("stock"), ordering="stock")
    def stock_badge(self, obj):
        if obj.stock is None:
            return "∞"
        if obj.stock_is_low:
            return format_html(
                '<strong style="color:#c0392b" title="{}">⚠ {}</strong>',
                _("At or below the alert level"),
                obj.stock,
            )
        return obj.stock

    @admin.display(description=_("on sale"))
    def sale_window(self, obj):
        start, end = obj.sale_starts_at, obj.sale_ends_at
        if not (start or end):
            return "—"
        start = f"{timezone.localtime(start):%Y-%m-%d}" if start else ""
        end = f"{timezone.localtime(end):%Y-%m-%d}" if end else ""
        return f"{start} → {end}"

    def save_model(self, request, obj, form, change):
        try:
            reward_item_save(
                item=obj,
                stock_delta=form.cleaned_data.get("stock_change") or 0,
                unlimited=form.cleaned_data.get("unlimited") if change else None,
            )
        except (ValueError, ValidationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))

    def changelist_view(self, request, extra_context=None):
        low = list(selectors.low_stock_items().values_list("name_zh", "stock")[:10])
        if low and request.method == "GET":
            messages.warning(
                request,
                _("Low stock: %(items)s")
                % {"items": ", ".join(f"{name} ({stock})" for name, stock in low)},
            )
        return super().changelist_view(request, extra_context)


class VoucherInline(admin.TabularInline):
    model = Voucher
    extra = 0
    can_delete = False
    fields = ["code", "kind", "value", "status", "expires_at", "used_at", "order_no"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "member",
        "item",
        "quantity",
        "points",
        "status",
        "fulfilled_at",
    ]
    list_filter = ["status", "kind", "created_at"]
    list_select_related = ["item", "member__user"]
    search_fields = ["=id", "member__user__phone", "member__user__name", "item__code"]
    raw_id_fields = ["member", "item", "handled_by"]
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-created_at", "-id"]
    inlines = [VoucherInline]
    actions = ["fulfil_selected", "cancel_selected", "export_csv"]
    fields = [
        "member",
        "item",
        "kind",
        "quantity",
        "unit_points",
        "points",
        "status",
        "shipping_address",
        "note",
        "created_at",
        "fulfilled_at",
        "cancelled_at",
        "cancel_reason",
        "handled_by",
        "spend_entry_id",
        "refund_entry_id",
        "key",
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f for f in self.fields if f != "note"]

    def has_add_permission(self, request):
        return False  # members redeem on the portal

    def has_delete_permission(self, request, obj=None):
        return False  # history

    def save_model(self, request, obj, form, change):
        # Only the fulfilment note is editable here.
        Redemption.objects.filter(pk=obj.pk).update(note=obj.note)

    @admin.action(
        permissions=["change"],
        description=_("Mark selected redemptions fulfilled (shipped)"),
    )
    def fulfil_selected(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda r: redemption_fulfil(redemption_id=r, actor_id=request.user.pk),
            _("%(count)d redemption marked fulfilled."),
            _("%(count)d redemptions marked fulfilled."),
        )

    @admin.action(
        permissions=["change"],
        description=_("Cancel selected redemptions and refund the points"),
    )
    def cancel_selected(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda r: redemption_cancel(
                redemption_id=r,
                reason=str(_("Cancelled by the operator.")),
                actor_id=request.user.pk,
            ),
            _("%(count)d redemption cancelled."),
            _("%(count)d redemptions cancelled."),
        )

    def _run(self, request, queryset, fn, singular, plural):
        done = 0
        for pk in queryset.order_by("pk").values_list("pk", flat=True)[:500]:
            try:
                fn(pk)
                done += 1
            except RewardsError as exc:
                messages.error(request, f"#{pk}: {exc.message}")
        if done:
            messages.success(
                request, ngettext(str(singular), str(plural), done) % {"count": done}
            )

    @admin.action(description=_("Export selected redemptions as CSV (fulfilment)"))
    def export_csv(self, request, queryset):
        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())
        rows = selectors.redemption_export_rows(queryset)
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in _with_bom(rows)),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="redemptions-{stamp}.csv"'
        )
        return response


def _with_bom(rows):
    """A UTF-8 BOM first, so spreadsheet software reads the Chinese correctly."""
    first = True
    for row in rows:
        if first:
            row = ["\ufeff" + str(row[0]), *row[1:]]
            first = False
        yield row


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = [
        "display_code",
        "kind",
        "value",
        "service_type_code",
        "member",
        "status",
        "expires_at",
        "used_at",
        "used_by_dealer",
        "order_no",
    ]
    list_filter = ["status", "kind", "service_type_code"]
    list_select_related = ["member__user", "used_by_dealer"]
    search_fields = ["=code", "=order_no", "=booking_ref", "member__user__phone"]
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-created_at", "-id"]
    readonly_fields = [
        "code",
        "redemption",
        "member",
        "kind",
        "value",
        "service_type_code",
        "status",
        "expires_at",
        "created_at",
        "reserved_at",
        "booking_ref",
        "used_at",
        "used_by_dealer",
        "order_no",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # vouchers change only through consume / booking actions

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        # A code as printed (ABCD-EFGH-...) or typed in lower case still matches.
        normalized = normalize_code(search_term)
        if len(normalized) == 16 and set(normalized) <= set(ALPHABET):
            search_term = normalized
        return super().get_search_results(request, queryset, search_term)
