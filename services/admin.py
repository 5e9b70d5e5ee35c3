"""The dispatcher's console. Every change of a booking goes through an action."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import Address

from . import actions, selectors
from .exceptions import ServiceError
from .models import (
    Booking,
    BookingPhoto,
    Region,
    RegisteredProduct,
    Review,
    ServiceType,
    Slot,
    SlotTemplate,
    Technician,
)


def _run(modeladmin, request, queryset, fn, done_message, **kwargs):
    """Call an action per booking; report successes and each refusal."""
    ok = 0
    for booking in queryset.order_by("pk"):
        try:
            fn(booking_id=booking.pk, actor_id=request.user.pk, **kwargs)
        except ServiceError as exc:
            modeladmin.message_user(request, f"#{booking.pk}: {exc}", messages.WARNING)
        else:
            ok += 1
    if ok:
        modeladmin.message_user(request, done_message % {"n": ok}, messages.SUCCESS)


# --------------------------------------------------------------------------
# Filters


class SlotDateFilter(admin.SimpleListFilter):
    title = _("appointment date")
    parameter_name = "day"

    def lookups(self, request, model_admin):
        return [
            ("today", _("Today")),
            ("tomorrow", _("Tomorrow")),
            ("week", _("Next 7 days")),
            ("past", _("Past")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value == "today":
            return queryset.filter(slot__date=today)
        if value == "tomorrow":
            return queryset.filter(slot__date=today + dt.timedelta(days=1))
        if value == "week":
            return queryset.filter(
                slot__date__gte=today, slot__date__lt=today + dt.timedelta(days=7)
            )
        if value == "past":
            return queryset.filter(slot__date__lt=today)
        return queryset


class NeedsActionFilter(admin.SimpleListFilter):
    title = _("needs action")
    parameter_name = "todo"

    def lookups(self, request, model_admin):
        return [
            ("confirm", _("To confirm")),
            ("assign", _("To assign")),
            ("emergency", _("Open emergencies")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "confirm":
            return queryset.filter(status=Booking.Status.REQUESTED)
        if value == "assign":
            return queryset.filter(status=Booking.Status.CONFIRMED)
        if value == "emergency":
            return queryset.filter(
                service_type__is_emergency=True, status__in=Booking.ACTIVE_STATUSES
            )
        return queryset


# --------------------------------------------------------------------------
# Bookings


class BookingAddForm(forms.ModelForm):
    """A booking taken by phone: goes through ``booking_create`` (source
    admin: the booking window does not apply, capacity does)."""

    recipient = forms.CharField(label=_("Recipient"), max_length=60, required=False)
    phone = forms.CharField(label=_("Contact number"), max_length=11, required=False)
    city = forms.CharField(label=_("City"), max_length=60, required=False)
    district = forms.CharField(label=_("District"), max_length=60, required=False)
    detail = forms.CharField(label=_("Street address"), max_length=200, required=False)

    class Meta:
        model = Booking
        fields = ["member", "service_type", "slot", "notes", "voucher_code"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.booking = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        member = data["member"]
        address = {
            k: data.get(k, "")
            for k in ("recipient", "phone", "city", "district", "detail")
        }
        address_id = None
        if not address["city"]:
            default = (
                Address.objects.filter(member=member)
                .order_by("-is_default", "-id")
                .first()
            )
            if default is None:
                raise forms.ValidationError(
                    gettext("The member has no address: please enter one.")
                )
            address, address_id = None, default.pk
        try:
            self.booking = actions.booking_create(
                member_id=member.pk,
                service_type_code=data["service_type"].code,
                slot_id=data["slot"].pk,
                address=address,
                address_id=address_id,
                source=Booking.Source.ADMIN,
                notes=data.get("notes", ""),
                actor_id=self.request.user.pk if self.request else None,
                voucher_code=data.get("voucher_code") or None,
            )
        except ServiceError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


class AssignForm(forms.Form):
    technician = forms.ModelChoiceField(
        label=_("Technician"),
        queryset=Technician.objects.filter(is_active=True).select_related("user"),
    )


class PhotoInline(admin.TabularInline):
    model = BookingPhoto
    extra = 0
    can_delete = False
    fields = ("preview", "kind", "size", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("photo"))
    def preview(self, obj):
        return format_html(
            '<a href="{}"><img src="{}" width="120"></a>',
            obj.image.url,
            obj.thumbnail.url,
        )


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "slot_date",
        "slot_period",
        "region",
        "service_type",
        "member",
        "status",
        "technician",
        "respond_by",
        "source",
        "price",
    )
    list_filter = (
        NeedsActionFilter,
        SlotDateFilter,
        "status",
        ("slot__region", admin.RelatedOnlyFieldListFilter),
        "service_type",
        ("technician", admin.RelatedOnlyFieldListFilter),
        "source",
    )
    list_select_related = (
        "slot__region",
        "service_type",
        "member__user",
        "technician__user",
    )
    search_fields = ("=id", "member__user__phone", "member__user__name", "voucher_code")
    date_hierarchy = "slot__date"
    ordering = ("-slot__date", "slot__period", "id")
    show_full_result_count = False
    list_per_page = 50
    raw_id_fields = ("member", "slot", "technician", "dealer", "created_by")
    inlines = [PhotoInline]
    actions = ["confirm", "assign", "start", "complete", "no_show", "cancel"]
    readonly_fields = (
        "member",
        "service_type",
        "slot",
        "units",
        "address",
        "status",
        "source",
        "dealer",
        "technician",
        "price",
        "points_price",
        "free_service",
        "privilege_use_key",
        "voucher_code",
        "purchase_id",
        "response_target_hours",
        "respond_by",
        "cancel_reason",
        "created_by",
        "created_at",
        "confirmed_at",
        "assigned_at",
        "started_at",
        "completed_at",
        "cancelled_at",
        "no_show_at",
        "rescheduled_at",
    )

    @admin.display(description=_("date"), ordering="slot__date")
    def slot_date(self, obj):
        return obj.slot.date

    @admin.display(description=_("period"), ordering="slot__period")
    def slot_period(self, obj):
        return obj.slot.get_period_display()

    @admin.display(description=_("region"), ordering="slot__region__name")
    def region(self, obj):
        return obj.slot.region.name

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "member",
                "service_type",
                "slot",
                "recipient",
                "phone",
                "city",
                "district",
                "detail",
                "notes",
                "voucher_code",
            ]
        return [*self.readonly_fields, "notes"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = BookingAddForm
            form = super().get_form(request, obj, **kwargs)

            class WithRequest(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, request=request, **kw)

            return WithRequest
        return super().get_form(request, obj, **kwargs)

    def save_form(self, request, form, change):
        if not change:
            return form.booking
        return super().save_form(request, form, change)

    def save_model(self, request, obj, form, change):
        if change:
            Booking.objects.filter(pk=obj.pk).update(notes=form.cleaned_data["notes"])

    def save_related(self, request, form, formsets, change):
        # The booking and everything it needs were written by booking_create.
        if change:
            super().save_related(request, form, formsets, change)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Confirm selected bookings"), permissions=["change"])
    def confirm(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            actions.booking_confirm,
            gettext("%(n)s confirmed."),
        )

    @admin.action(description=_("Start selected bookings"), permissions=["change"])
    def start(self, request, queryset):
        _run(self, request, queryset, actions.booking_start, gettext("%(n)s started."))

    @admin.action(description=_("Complete selected bookings"), permissions=["change"])
    def complete(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            actions.booking_complete,
            gettext("%(n)s completed."),
        )

    @admin.action(
        description=_("Mark selected bookings as no-show"), permissions=["change"]
    )
    def no_show(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            actions.booking_mark_no_show,
            gettext("%(n)s marked as no-show."),
        )

    @admin.action(description=_("Cancel selected bookings"), permissions=["change"])
    def cancel(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            actions.booking_cancel,
            gettext("%(n)s cancelled."),
            reason=gettext("Cancelled by the dispatcher"),
        )

    @admin.action(
        description=_("Assign a technician to selected bookings"),
        permissions=["change"],
    )
    def assign(self, request, queryset):
        form = AssignForm(request.POST if "technician" in request.POST else None)
        if form.is_bound and form.is_valid():
            _run(
                self,
                request,
                queryset,
                actions.booking_assign,
                gettext("%(n)s assigned."),
                technician_id=form.cleaned_data["technician"].pk,
            )
            return None
        return TemplateResponse(
            request,
            "admin/services/assign.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Assign a technician"),
                "form": form,
                "bookings": queryset.select_related("slot__region", "service_type"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


# --------------------------------------------------------------------------
# Slots, templates, regions, technicians, service types


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = (
        "date",
        "period",
        "region",
        "capacity",
        "booked",
        "free",
        "is_closed",
    )
    list_editable = ("capacity", "is_closed")
    list_filter = ("region", "period", "is_closed", ("date", admin.DateFieldListFilter))
    list_select_related = ("region",)
    date_hierarchy = "date"
    ordering = ("date", "period", "region__name")
    readonly_fields = ("booked",)
    show_full_result_count = False
    raw_id_fields = ("template",)
    change_list_template = "admin/services/slot/change_list.html"

    @admin.display(description=_("free"))
    def free(self, obj):
        return obj.free

    def get_urls(self):
        return [
            path(
                "day/",
                self.admin_site.admin_view(self.day_view),
                name="services_slot_day",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        if change and "capacity" in form.changed_data:
            try:
                actions.slot_capacity_set(slot_id=obj.pk, capacity=obj.capacity)
            except ServiceError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            Slot.objects.filter(pk=obj.pk).update(is_closed=obj.is_closed)
            return
        super().save_model(request, obj, form, change)

    def day_view(self, request):
        """Per region and slot of a day: capacity used, open and unassigned
        bookings, emergencies."""
        day = parse_date(request.GET.get("date", "") or "") or timezone.localdate()
        region_id = request.GET.get("region") or None
        rows = selectors.day_view(date=day, region_id=region_id)
        bookings = (
            Booking.objects.filter(slot__date=day)
            .exclude(status=Booking.Status.CANCELLED)
            .select_related(
                "slot__region", "service_type", "member__user", "technician__user"
            )
            .order_by("slot__region__name", "slot__period", "id")
        )
        if region_id:
            bookings = bookings.filter(slot__region_id=region_id)
        changelist = reverse("admin:services_booking_changelist")
        return TemplateResponse(
            request,
            "admin/services/day_view.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Day view"),
                "day": day,
                "prev": day - dt.timedelta(days=1),
                "next": day + dt.timedelta(days=1),
                "regions": Region.objects.filter(is_active=True),
                "region_id": int(region_id) if region_id else None,
                "rows": rows,
                "bookings": bookings,
                "changelist": changelist,
            },
        )


@admin.register(SlotTemplate)
class SlotTemplateAdmin(admin.ModelAdmin):
    list_display = ("region", "weekday", "period", "capacity", "is_active")
    list_editable = ("capacity", "is_active")
    list_filter = ("region", "weekday", "period", "is_active")
    list_select_related = ("region",)
    actions = ["generate"]

    @admin.action(
        description=_("Generate slots for the coming weeks"), permissions=["change"]
    )
    def generate(self, request, queryset):
        n = actions.slots_generate()
        self.message_user(
            request, gettext("%(n)s new slots.") % {"n": n}, messages.SUCCESS
        )


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "cities", "is_active")
    search_fields = ("name", "code", "cities")
    list_filter = ("is_active",)
    prepopulated_fields = {"code": ("name",)}


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ("user", "phone", "is_active")
    list_filter = ("is_active", "regions", "skills")
    search_fields = ("user__name", "user__username", "phone")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    filter_horizontal = ("regions", "skills")


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "duration_slots",
        "price",
        "points_price",
        "min_tier",
        "is_emergency",
        "is_maintenance",
        "is_active",
    )
    list_editable = ("price", "is_active")
    list_select_related = ("min_tier",)
    readonly_fields = ("code",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("booking", "member", "rating", "points_awarded", "created_at")
    list_filter = ("rating", ("created_at", admin.DateFieldListFilter))
    list_select_related = (
        "booking__service_type",
        "booking__slot__region",
        "member__user",
    )
    search_fields = ("=booking__id", "member__user__phone", "text")
    raw_id_fields = ("booking", "member")
    readonly_fields = (
        "booking",
        "member",
        "rating",
        "text",
        "points_awarded",
        "created_at",
    )
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(RegisteredProduct)
class RegisteredProductAdmin(admin.ModelAdmin):
    list_display = (
        "serial_number",
        "model",
        "member",
        "purchase_date",
        "installation_date",
        "warranty_ends_on",
        "source",
    )
    list_filter = ("source", ("warranty_ends_on", admin.DateFieldListFilter))
    list_select_related = ("member__user",)
    search_fields = ("=serial_number", "model", "member__user__phone")
    raw_id_fields = ("member", "dealer")
    readonly_fields = (
        "member",
        "serial_number",
        "purchase_date",
        "installation_date",
        "base_warranty_months",
        "extension_months",
        "warranty_ends_on",
        "purchase_id",
        "dealer",
        "source",
        "created_at",
    )
    show_full_result_count = False

    def has_add_permission(self, request):
        # Registered by members (portal), dealers (purchases) or purchases.
        return False

    def has_delete_permission(self, request, obj=None):
        return False
