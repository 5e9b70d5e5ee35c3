"""Bookings (installations and services) through the services actions (API.md)."""

from django.db import transaction
from django.db.models import F as models_F
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from .. import actions as services_actions
from ..forms import MAX_ID
from ..models import Booking, BookingPhoto
from .base import DealerViewSet
from .catalogue import SlotSerializer
from .common import dealer_customer_or_404
from .customers import CustomerSerializer
from .idempotency import IDEMPOTENCY_PARAMETER, idempotent
from .schema import errors
from .selectors import customer_facts, customers_for_dealer


class AddressSerializer(serializers.Serializer):
    recipient = serializers.CharField(max_length=60, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    province = serializers.CharField(max_length=30, required=False, allow_blank=True)
    city = serializers.CharField(max_length=60)
    district = serializers.CharField(max_length=60, required=False, allow_blank=True)
    detail = serializers.CharField(max_length=200, help_text="Street address.")


class BookingInputSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    service_type = serializers.SlugField(max_length=30, help_text="Service type code.")
    slot_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    address = AddressSerializer()
    products = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        max_length=50,
        help_text="Serial numbers concerned; written into the booking notes.",
    )
    notes = serializers.CharField(max_length=900, required=False, allow_blank=True)


class BookingPatchSerializer(serializers.Serializer):
    slot_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    notes = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    address = AddressSerializer(required=False)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class BookingSerializer(serializers.ModelSerializer):
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    slot = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    address = AddressSerializer()

    class Meta:
        model = Booking
        fields = [
            "id",
            "status",
            "service_type",
            "slot",
            "customer",
            "address",
            "notes",
            "cancel_reason",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SlotSerializer)
    def get_slot(self, booking) -> dict:
        slot = booking.slot
        slot.remaining = slot.capacity - slot.booked
        return SlotSerializer(slot).data

    @extend_schema_field(CustomerSerializer)
    def get_customer(self, booking) -> dict:
        customer = self.context["customers"][booking.member_id]
        return CustomerSerializer(
            customer, context={"facts": self.context["facts"]}
        ).data


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = BookingPhoto
        fields = [
            "id",
            "kind",
            "image",
            "thumbnail",
            "width",
            "height",
            "size",
            "created_at",
        ]
        read_only_fields = fields


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG or WebP.")


class BookingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Booking.Status.choices)
    service_type = filters.CharFilter(field_name="service_type__code")
    date_from = filters.DateFilter(field_name="slot__date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="slot__date", lookup_expr="lte")
    customer_id = filters.NumberFilter(
        field_name="member_id", min_value=1, max_value=MAX_ID
    )

    class Meta:
        model = Booking
        fields = ["status", "service_type", "date_from", "date_to", "customer_id"]


def present_bookings(bookings, *, dealer_id: int, many: bool):
    """Serialize bookings with their customers, facts fetched in bulk."""
    rows = list(bookings) if many else [bookings]
    member_ids = {b.member_id for b in rows}
    customers = {
        m.pk: m for m in customers_for_dealer(dealer_id).filter(pk__in=member_ids)
    }
    context = {"customers": customers, "facts": customer_facts(list(customers))}
    return BookingSerializer(rows if many else rows[0], many=many, context=context).data


def _products_note(products: list[str], notes: str) -> str:
    if not products:
        return notes
    line = str(_("Products: %(serials)s")) % {"serials": ", ".join(products)}
    return f"{line}\n{notes}" if notes else line


@extend_schema_view(
    list=extend_schema(
        summary="List this dealer's bookings",
        responses={200: BookingSerializer(many=True), **errors(400)},
    ),
    retrieve=extend_schema(
        summary="One booking of this dealer",
        responses={200: BookingSerializer, **errors()},
    ),
)
class BookingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, DealerViewSet):
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    ordering_fields = ["created_at", "id", "date"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return Booking.objects.filter(dealer_id=self.dealer_id).select_related(
            "service_type", "slot__region"
        )

    def filter_queryset(self, queryset):
        ordering = self.request.query_params.get("ordering", "")
        if ordering.lstrip("-") == "date":
            queryset = queryset.alias(date=models_F("slot__date"))
        return super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            present_bookings(page, dealer_id=self.dealer_id, many=True)
        )

    def _one(self, booking_id: int, code=status.HTTP_200_OK) -> Response:
        booking = self.get_queryset().get(pk=booking_id)
        return Response(
            present_bookings(booking, dealer_id=self.dealer_id, many=False), status=code
        )

    def retrieve(self, request, *args, **kwargs):
        return self._one(self.get_object().pk)

    @extend_schema(
        summary="Book a service for a customer",
        description=(
            'A full slot is 409 {"slot_id": ["This slot is full."]}. A customer_id '
            "this dealer cannot see is 404."
        ),
        request=BookingInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: BookingSerializer, **errors(400, 409, 415)},
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        incoming = BookingInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        dealer_customer_or_404(dealer_id=self.dealer_id, member_id=data["customer_id"])
        booking = services_actions.booking_create(
            member_id=data["customer_id"],
            service_type_code=data["service_type"],
            slot_id=data["slot_id"],
            address=dict(data["address"]),
            source=Booking.Source.DEALER_API,
            dealer_id=self.dealer_id,
            notes=_products_note(data.get("products", []), data.get("notes", "")),
            actor_id=request.user.pk,
        )
        return self._one(booking.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change slot, notes or address while the booking is not finished",
        request=BookingPatchSerializer,
        responses={200: BookingSerializer, **errors(400, 409, 415)},
    )
    def partial_update(self, request, *args, **kwargs):
        booking = self.get_object()
        incoming = BookingPatchSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        with transaction.atomic():
            if "slot_id" in data:
                services_actions.booking_reschedule(
                    booking_id=booking.pk,
                    slot_id=data["slot_id"],
                    actor_id=request.user.pk,
                )
            if "notes" in data or "address" in data:
                services_actions.booking_details_update(
                    booking_id=booking.pk,
                    notes=data.get("notes"),
                    address=data.get("address"),
                    actor_id=request.user.pk,
                )
        return self._one(booking.pk)

    @extend_schema(
        summary="Cancel a booking",
        request=CancelSerializer,
        responses={200: BookingSerializer, **errors(400, 409, 415)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        booking = self.get_object()
        incoming = CancelSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services_actions.booking_cancel(
            booking_id=booking.pk,
            actor_id=request.user.pk,
            reason=incoming.validated_data["reason"],
        )
        return self._one(booking.pk)

    @extend_schema(
        summary="Add a photo (multipart field image)",
        description=(
            "Non-images, oversize files and decompression bombs are 400 with a "
            "message on image. The stored image is re-encoded."
        ),
        request={"multipart/form-data": PhotoUploadSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: PhotoSerializer, **errors(400, 409, 415)},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    @idempotent
    def photos(self, request, pk=None):
        booking = self.get_object()
        incoming = PhotoUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        photo = services_actions.booking_photo_add(
            booking_id=booking.pk,
            file=incoming.validated_data["image"],
            actor_id=request.user.pk,
        )
        return Response(
            PhotoSerializer(photo, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )
