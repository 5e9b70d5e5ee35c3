"""Service types and bookable slots (API.md "Slots and bookings")."""

from django.db.models import F, Q
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from ..models import Period, ServiceType, Slot
from .base import DealerViewSet
from .schema import errors


class ServiceTypeSerializer(serializers.ModelSerializer):
    name = serializers.CharField()
    min_tier = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Code of the lowest tier that may book it; null for everyone.",
    )

    class Meta:
        model = ServiceType
        fields = ["code", "name", "duration_slots", "min_tier"]


@extend_schema_view(
    list=extend_schema(
        summary="Active service types",
        responses={200: ServiceTypeSerializer(many=True), **errors(400)},
    )
)
class ServiceTypeViewSet(mixins.ListModelMixin, DealerViewSet):
    serializer_class = ServiceTypeSerializer
    filter_backends: list = []
    queryset = ServiceType.objects.filter(is_active=True).select_related("min_tier")


class SlotSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    remaining = serializers.IntegerField(
        help_text="Capacity units still free (a booking takes the service's duration_slots)."
    )

    class Meta:
        model = Slot
        fields = ["id", "region", "date", "period", "capacity", "remaining"]


class SlotFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="Region code.")
    service_type = filters.CharFilter(
        method="room_for_service",
        help_text="Service type code: only slots with room for its duration.",
    )
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Slot
        fields = ["region", "service_type", "date_from", "date_to"]

    def room_for_service(self, queryset, name, value):
        service = ServiceType.objects.filter(code=value, is_active=True).first()
        if service is None:
            return queryset.none()
        return queryset.filter(remaining__gte=service.duration_slots)


def bookable_slots():
    """Open slots of active regions that have not started and have room."""
    now = timezone.now()
    today = timezone.localdate()
    started = [p for p in Period.values if Slot(date=today, period=p).starts_at <= now]
    return (
        Slot.objects.filter(is_closed=False, region__is_active=True, date__gte=today)
        .exclude(Q(date=today) & Q(period__in=started))
        .annotate(remaining=F("capacity") - F("booked"))
        .filter(remaining__gt=0)
        .select_related("region")
    )


@extend_schema_view(
    list=extend_schema(
        summary="Bookable slots",
        responses={200: SlotSerializer(many=True), **errors(400)},
    )
)
class SlotViewSet(mixins.ListModelMixin, DealerViewSet):
    serializer_class = SlotSerializer
    filterset_class = SlotFilter
    ordering_fields = ["date", "id"]
    ordering = ["date", "-period", "id"]  # morning before afternoon

    def get_queryset(self):
        return bookable_slots()
