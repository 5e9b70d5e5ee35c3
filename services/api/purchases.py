"""Purchases: record (earn, pay with points), preview, refund, list (API.md)."""

from decimal import Decimal

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from points.actions import purchase_preview, purchase_record, purchase_refund
from points.models import Purchase, PurchaseItem
from points.selectors import balance_for_member

from ..forms import MAX_ID
from .base import DealerViewSet
from .common import dealer_customer_or_404
from .idempotency import IDEMPOTENCY_PARAMETER, idempotent
from .schema import errors

MONEY = {"max_digits": 12, "decimal_places": 2}


class ItemSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    category = serializers.CharField(max_length=40, required=False, allow_blank=True)
    quantity = serializers.IntegerField(min_value=1, max_value=100000)
    unit_price = serializers.DecimalField(min_value=Decimal("0"), **MONEY)
    serial_numbers = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        max_length=1000,
        help_text="Become registered products of the customer.",
    )


class PurchaseInputSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    order_no = serializers.CharField(max_length=64)
    purchased_at = serializers.DateTimeField(
        help_text="ISO 8601 with offset, e.g. 2026-11-20T15:30:00+08:00."
    )
    amount = serializers.DecimalField(min_value=Decimal("0.01"), **MONEY)
    items = ItemSerializer(many=True, allow_empty=False, max_length=500)
    points_to_redeem = serializers.IntegerField(
        min_value=0,
        max_value=2_000_000_000,
        required=False,
        default=0,
        help_text="Points paying part of the order, at the operator's rate and cap.",
    )

    def action_kwargs(self, dealer_id: int) -> dict:
        data = self.validated_data
        return {
            "member_id": data["customer_id"],
            "order_no": data["order_no"],
            "purchased_at": data["purchased_at"],
            "amount": data["amount"],
            "items": [dict(item) for item in data["items"]],
            "points_to_redeem": data["points_to_redeem"],
            "dealer_id": dealer_id,
            "channel": "dealer",
        }


class PurchaseItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurchaseItem
        fields = ["sku", "name", "category", "quantity", "unit_price", "serial_numbers"]


class PurchaseSerializer(serializers.ModelSerializer):
    customer_id = serializers.IntegerField(source="member_id")
    cash_value_of_redeemed = serializers.DecimalField(source="redeemed_value", **MONEY)
    points_pending = serializers.IntegerField()
    items = PurchaseItemSerializer(many=True)

    class Meta:
        model = Purchase
        fields = [
            "id",
            "order_no",
            "customer_id",
            "purchased_at",
            "amount",
            "points_earned",
            "points_redeemed",
            "cash_value_of_redeemed",
            "points_pending",
            "pending_until",
            "refunded_amount",
            "refund_state",
            "points_reversed",
            "created_at",
            "items",
        ]
        read_only_fields = fields


class PurchaseCreatedSerializer(PurchaseSerializer):
    balance_after = serializers.SerializerMethodField(
        help_text="The customer's points balance right after this purchase."
    )

    class Meta(PurchaseSerializer.Meta):
        fields = [*PurchaseSerializer.Meta.fields, "balance_after"]
        read_only_fields = fields

    def get_balance_after(self, purchase) -> int:
        return self.context["balance_after"]


class RuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.IntegerField()


class PreviewSerializer(serializers.Serializer):
    points_earned = serializers.IntegerField()
    rules = RuleSerializer(many=True)
    pending_until = serializers.DateTimeField(allow_null=True)
    points_redeemed = serializers.IntegerField()
    cash_value_of_redeemed = serializers.DecimalField(**MONEY)


class RefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        min_value=Decimal("0.01"),
        required=False,
        help_text="Omit for a full refund of what is left.",
        **MONEY,
    )
    reason = serializers.CharField(max_length=200)


class PurchaseFilter(filters.FilterSet):
    customer_id = filters.NumberFilter(
        field_name="member_id", min_value=1, max_value=MAX_ID
    )
    date_from = filters.DateFilter(field_name="purchased_at", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="purchased_at", lookup_expr="date__lte")

    class Meta:
        model = Purchase
        fields = ["customer_id", "date_from", "date_to"]


@extend_schema_view(
    list=extend_schema(
        summary="List this dealer's purchases",
        responses={200: PurchaseSerializer(many=True), **errors(400)},
    ),
    retrieve=extend_schema(
        summary="One purchase of this dealer",
        responses={200: PurchaseSerializer, **errors()},
    ),
)
class PurchaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, DealerViewSet):
    serializer_class = PurchaseSerializer
    filterset_class = PurchaseFilter
    ordering_fields = ["purchased_at", "amount", "id"]
    ordering = ["-purchased_at", "-id"]

    def get_queryset(self):
        return Purchase.objects.filter(dealer_id=self.dealer_id).prefetch_related(
            Prefetch("items", queryset=PurchaseItem.objects.order_by("id"))
        )

    def _incoming(self, request) -> dict:
        incoming = PurchaseInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        dealer_customer_or_404(
            dealer_id=self.dealer_id, member_id=incoming.validated_data["customer_id"]
        )
        return incoming.action_kwargs(self.dealer_id)

    @extend_schema(
        summary="Record a purchase (earn points, optionally pay with points)",
        description=(
            "order_no is unique per dealer: a repeat is 409 (or the first "
            "response when the Idempotency-Key matches). Serial numbers become "
            "registered products of the customer. A customer_id this dealer "
            "cannot see is 404."
        ),
        request=PurchaseInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: PurchaseCreatedSerializer, **errors(400, 409, 415)},
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        kwargs = self._incoming(request)
        purchase = purchase_record(**kwargs)
        purchase = self.get_queryset().get(pk=purchase.pk)
        context = {"balance_after": balance_for_member(purchase.member_id)}
        return Response(
            PurchaseCreatedSerializer(purchase, context=context).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="What a purchase would earn, creating nothing",
        request=PurchaseInputSerializer,
        responses={200: PreviewSerializer, **errors(400, 409, 415)},
    )
    @action(detail=False, methods=["post"])
    def preview(self, request):
        result = purchase_preview(**self._incoming(request))
        return Response(PreviewSerializer(result).data)

    @extend_schema(
        summary="Refund a purchase fully or partly, reversing its points pro rata",
        request=RefundSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: PurchaseSerializer, **errors(400, 409, 415)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def refund(self, request, pk=None):
        purchase = self.get_object()
        incoming = RefundSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        purchase_refund(
            purchase_id=purchase.pk,
            amount=incoming.validated_data.get("amount"),
            reason=incoming.validated_data["reason"],
            actor_id=request.user.pk,
        )
        return Response(
            PurchaseSerializer(self.get_queryset().get(pk=purchase.pk)).data
        )
