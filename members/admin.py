"""The operator console for members: search by phone and name, built for scale."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from . import actions
from .exceptions import MembersError
from .models import (
    Address,
    Dealer,
    DealerCustomer,
    Member,
    Notification,
    PhoneCode,
    SignInFailure,
    User,
)
from .phone import mask_phone, normalize_phone

admin.site.site_header = _("Radiator Club operator console")
admin.site.site_title = _("Radiator Club operator console")
admin.site.index_title = _("Programme operations")


class PhoneSearchMixin:
    """Search a typed mobile number in its normalised form too (+86 138-...)."""

    phone_lookup = "phone"

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        try:
            phone = normalize_phone(search_term)
        except ValidationError:
            return queryset, may_have_duplicates
        exact = self.model._default_manager.filter(**{self.phone_lookup: phone})
        return queryset | exact, may_have_duplicates


class StaffUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class StaffUserCreationForm(forms.ModelForm):
    """Create a staff or dealer-staff user: username and password."""

    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    class Meta:
        model = User
        fields = ("username", "name", "email", "dealer", "is_staff")

    def clean_username(self):
        username = self.cleaned_data.get("username")
        if not username:
            raise ValidationError(_("Staff users sign in with a username."))
        return username

    def clean_password1(self):
        from django.contrib.auth import password_validation

        password = self.cleaned_data["password1"]
        password_validation.validate_password(password)
        return password

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(PhoneSearchMixin, DjangoUserAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    list_display = (
        "id",
        "username",
        "phone",
        "name",
        "dealer",
        "is_staff",
        "is_active",
        "date_joined",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "phone", "name", "email")
    ordering = ("-id",)
    list_select_related = ("dealer",)
    autocomplete_fields = ("dealer",)
    show_full_result_count = False
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("groups", "user_permissions")
    fieldsets = (
        (None, {"fields": ("username", "phone", "password")}),
        (_("Personal info"), {"fields": ("name", "email", "dealer")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    # Only superusers hand out rights: anyone else with "change user" would
    # otherwise be able to make themselves (or a friend) superuser.
    PRIVILEGED_FIELDS = ("is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, *self.PRIVILEGED_FIELDS)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "password1",
                    "name",
                    "email",
                    "dealer",
                    "is_staff",
                ),
            },
        ),
    )


class NotifyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea, required=False)
    url = forms.CharField(label=_("Link (optional)"), max_length=200, required=False)
    sms = forms.BooleanField(label=_("Also send as SMS"), required=False)


class EnrolForm(forms.Form):
    """Enrol a customer by phone from the console; they claim the account later."""

    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    city = forms.CharField(label=_("City"), max_length=60, required=False)
    district = forms.CharField(label=_("District"), max_length=60, required=False)
    dealer = forms.ModelChoiceField(
        label=_("Enrolled for dealer (optional)"),
        queryset=Dealer.objects.filter(is_active=True),
        required=False,
    )

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("label", "recipient", "phone", "city", "district", "detail", "is_default")
    show_change_link = True


@admin.register(Member)
class MemberAdmin(PhoneSearchMixin, admin.ModelAdmin):
    phone_lookup = "user__phone"
    list_display = (
        "id",
        "display_name",
        "phone",
        "referral_code",
        "channel",
        "enrolled_by_dealer",
        "city",
        "claimed",
        "created_at",
        "closed_at",
    )
    list_filter = (
        "channel",
        ("claimed_at", admin.EmptyFieldListFilter),
        ("closed_at", admin.EmptyFieldListFilter),
        "created_at",
        "enrolled_by_dealer",
    )
    search_fields = ("user__phone", "user__name", "referral_code", "=id")
    list_select_related = ("user", "enrolled_by_dealer")
    autocomplete_fields = ("user", "referred_by", "enrolled_by_dealer")
    readonly_fields = ("referral_code", "claimed_at", "closed_at", "created_at")
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [AddressInline]
    actions = ["notify_selected"]
    ordering = ("-id",)

    @admin.display(description=_("name"), ordering="user__name")
    def display_name(self, obj):
        return obj.user.name

    @admin.display(description=_("mobile number"), ordering="user__phone")
    def phone(self, obj):
        return obj.user.phone

    @admin.display(description=_("claimed"), boolean=True)
    def claimed(self, obj):
        return obj.claimed_at is not None

    @admin.action(description=_("Send a notification to the selected members"))
    def notify_selected(self, request, queryset):
        if "apply" in request.POST:
            form = NotifyForm(request.POST)
            if form.is_valid():
                ids = list(queryset.values_list("pk", flat=True))
                sent = actions.notification_broadcast(
                    member_ids=ids, **form.cleaned_data
                )
                self.message_user(
                    request,
                    ngettext(
                        "Sent to %(count)d member.",
                        "Sent to %(count)d members.",
                        sent,
                    )
                    % {"count": sent},
                    messages.SUCCESS,
                )
                return None
        else:
            form = NotifyForm()
        return render(
            request,
            "admin/members/notify_members.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Send a notification"),
                "form": form,
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "count": queryset.count(),
                "opts": self.model._meta,
                "action": "notify_selected",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def add_view(self, request, form_url="", extra_context=None):
        """Adding a member enrols a customer by phone (``member_enrol_by_operator``)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = EnrolForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            c = form.cleaned_data
            try:
                member = actions.member_enrol_by_operator(
                    phone=c["phone"],
                    name=c["name"],
                    city=c["city"],
                    district=c["district"],
                    dealer_id=c["dealer"].pk if c["dealer"] else None,
                )
            except MembersError as exc:
                form.add_error("phone", exc.message)
            else:
                self.message_user(
                    request,
                    _(
                        "Enrolled. The customer sets a password by registering or with "
                        "'Forgot password' on the portal, using this number."
                    ),
                    messages.SUCCESS,
                )
                return redirect("admin:members_member_change", member.pk)
        return render(
            request,
            "admin/members/enrol_member.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Enrol a customer"),
                "form": form,
                "opts": self.model._meta,
            },
        )

    def delete_model(self, request, obj):
        """Deleting a member closes the account instead: ledgers keep their rows."""
        self._close(request, [obj.pk])

    def delete_queryset(self, request, queryset):
        self._close(request, list(queryset.values_list("pk", flat=True)))

    def _close(self, request, ids):
        for member_id in sorted(ids):
            try:
                actions.member_close(member_id=member_id)
            except MembersError as exc:
                self.message_user(request, exc.message, messages.ERROR)


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "member",
        "recipient",
        "phone",
        "city",
        "district",
        "is_default",
    )
    list_filter = ("is_default", "province", "city")
    search_fields = ("member__user__phone", "member__user__name", "recipient", "phone")
    list_select_related = ("member__user",)
    autocomplete_fields = ("member",)
    show_full_result_count = False


class DealerStaffInline(admin.TabularInline):
    model = User
    fk_name = "dealer"
    extra = 0
    fields = ("username", "name", "email", "is_active")
    readonly_fields = ("username",)
    show_change_link = True
    can_delete = False
    verbose_name = _("staff user")
    verbose_name_plural = _("staff users (create them under Users)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dealer)
class DealerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "city", "contact_phone", "is_active", "created_at")
    list_filter = ("is_active", "city")
    search_fields = ("name", "code", "contact_phone")
    inlines = [DealerStaffInline]


@admin.register(DealerCustomer)
class DealerCustomerAdmin(admin.ModelAdmin):
    list_display = ("dealer", "member", "enrolled", "created_at")
    list_filter = ("enrolled", "dealer")
    search_fields = ("member__user__phone", "member__user__name", "dealer__name")
    list_select_related = ("dealer", "member__user")
    autocomplete_fields = ("dealer", "member")
    show_full_result_count = False


class ReadOnlyAdmin(admin.ModelAdmin):
    """History: nobody adds or edits rows by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PhoneCode)
class PhoneCodeAdmin(ReadOnlyAdmin):
    list_display = (
        "masked_phone",
        "purpose",
        "client_ip",
        "attempts",
        "created_at",
        "expires_at",
        "used_at",
    )
    list_filter = ("purpose", "created_at")
    search_fields = ("=phone", "=client_ip")
    exclude = ("code_hash",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("mobile number"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(SignInFailure)
class SignInFailureAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "client_ip", "created_at")
    search_fields = ("=identifier", "=client_ip")
    list_filter = ("created_at",)
    show_full_result_count = False
    actions = ["unlock"]

    @admin.action(description=_("Unlock: forget these failed sign-ins"))
    def unlock(self, request, queryset):
        count, _details = queryset.delete()
        self.message_user(
            request,
            ngettext(
                "%(count)d failed sign-in forgotten.",
                "%(count)d failed sign-ins forgotten.",
                count,
            )
            % {"count": count},
        )


class NotificationForm(forms.ModelForm):
    class Meta:
        model = Notification
        fields = ("member", "category", "title", "body", "url", "sms_text")

    def clean_member(self):
        member = self.cleaned_data["member"]
        if member.is_closed:
            raise ValidationError(_("This account is closed."))
        return member


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    form = NotificationForm
    list_display = (
        "title",
        "member",
        "category",
        "created_at",
        "read_at",
        "emailed_at",
        "sms_sent_at",
    )
    list_filter = ("category", ("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("title", "member__user__phone", "member__user__name", "=key")
    list_select_related = ("member__user",)
    autocomplete_fields = ("member",)
    readonly_fields = ("key", "created_at", "read_at", "emailed_at", "sms_sent_at")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """A notification added here is delivered like any other."""
        if change:
            return super().save_model(request, obj, form, change)
        sent = actions.notification_send(
            member_id=obj.member_id,
            title=obj.title,
            body=obj.body,
            url=obj.url,
            category=obj.category or "operator",
            sms=bool(obj.sms_text) and obj.sms_text,
        )
        if sent is not None:
            obj.pk = sent.pk


from . import admin_tokens  # noqa: E402,F401
