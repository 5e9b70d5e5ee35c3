"""Customers: find-or-create by phone, list and detail (API.md "Customers")."""

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from members.actions import member_enrol_by_dealer
from members.models import Member
from members.phone import mask_phone, normalize_phone

from .base import DealerViewSet
from .idempotency import IDEMPOTENCY_PARAMETER, idempotent
from .schema import errors
from .selectors import customer_facts, customer_of_dealer, customers_for_dealer


class PhoneFormField(forms.CharField):
    """A form field accepting any usual spelling of a mainland mobile number."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return normalize_phone(value)


class PhoneFilter(filters.CharFilter):
    field_class = PhoneFormField


class CustomerFilter(filters.FilterSet):
    phone = PhoneFilter(
        field_name="user__phone",
        help_text="The customer's mobile number (any usual spelling, e.g. +86 138-…).",
    )

    class Meta:
        model = Member
        fields = ["phone"]


class TierSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CustomerSerializer(serializers.Serializer):
    """A customer as the dealer sees it; ``context["facts"]`` holds the
    tier, balance and discount fetched in bulk for the page."""

    id = serializers.IntegerField(read_only=True)
    phone = serializers.SerializerMethodField(
        help_text="Masked (138****1234) unless this dealer enrolled the customer."
    )
    name = serializers.CharField(source="user.name")
    tier = serializers.SerializerMethodField()
    points_balance = serializers.SerializerMethodField()
    discount_percent = serializers.SerializerMethodField()
    enrolled_by_this_dealer = serializers.BooleanField()

    def _facts(self, member):
        return self.context["facts"][member.pk]

    def get_phone(self, member) -> str:
        phone = member.user.phone or ""
        return phone if member.enrolled_by_this_dealer else mask_phone(phone)

    @extend_schema_field(TierSerializer)
    def get_tier(self, member) -> dict:
        facts = self._facts(member)
        return {"code": facts.tier_code, "name": facts.tier_name}

    def get_points_balance(self, member) -> int:
        return self._facts(member).points_balance

    @extend_schema_field(
        {"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$"}
    )
    def get_discount_percent(self, member) -> str:
        return f"{self._facts(member).discount_percent:.2f}"


class CustomerCreateSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=60)
    city = serializers.CharField(max_length=60, required=False, allow_blank=True)
    district = serializers.CharField(max_length=60, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate_phone(self, value):
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("Enter the customer's name."))
        return value


def present_customers(members, *, many: bool):
    """Serialize one member or a page of them with their facts in bulk."""
    rows = list(members) if many else [members]
    facts = customer_facts([m.pk for m in rows])
    serializer = CustomerSerializer(
        rows if many else rows[0], many=many, context={"facts": facts}
    )
    return serializer.data


@extend_schema_view(
    list=extend_schema(
        summary="List this dealer's customers",
        responses={200: CustomerSerializer(many=True), **errors(400)},
    ),
    retrieve=extend_schema(
        summary="One customer of this dealer",
        responses={200: CustomerSerializer, **errors()},
    ),
    create=extend_schema(
        summary="Find or enrol a customer by phone",
        description=(
            "201 with a new member enrolled by this dealer, or 200 with the "
            "existing member: the dealer then gets read access to that customer."
        ),
        request=CustomerCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: CustomerSerializer,
            200: CustomerSerializer,
            **errors(400, 409, 415),
        },
    ),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, DealerViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return customers_for_dealer(self.dealer_id)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(present_customers(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        return Response(present_customers(self.get_object(), many=False))

    @idempotent
    def create(self, request, *args, **kwargs):
        incoming = CustomerCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        member, created = member_enrol_by_dealer(
            dealer_id=self.dealer_id, **incoming.validated_data
        )
        member = customer_of_dealer(dealer_id=self.dealer_id, member_id=member.pk)
        return Response(
            present_customers(member, many=False),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
