"""Vouchers of the rewards catalogue: check and consume (API.md, "Vouchers").

Any dealer may check or consume a code a customer presents to it, so vouchers
are not scoped to the dealer; codes are 80 random bits, and the per-token
throttle keeps guessing pointless. Business rules live in
``points.rewards.actions.voucher_consume``; this module parses and presents.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from points.rewards.actions import voucher_consume
from points.rewards.exceptions import VoucherNotFound, VoucherUnavailable
from points.rewards.models import Voucher
from points.rewards.selectors import voucher_by_code

from .base import DealerViewSet
from .errors import Conflict
from .idempotency import IDEMPOTENCY_PARAMETER, idempotent
from .schema import errors

# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (VoucherKind/VoucherStatus).
KINDS = ["cash_voucher", "service_voucher"]
STATUSES = [*Voucher.Status.values, Voucher.EXPIRED]

CODE_PARAMETER = OpenApiParameter(
    name="code",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    description=(
        "The voucher code as printed or scanned; dashes and letter case do "
        "not matter (ABCD-EFGH-JKLM-NPQR = abcdefghjklmnpqr)."
    ),
)


class VoucherSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=KINDS,
        help_text="cash_voucher: money off an order; service_voucher: a free service.",
    )
    value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="CNY off the order (cash vouchers); null for service vouchers.",
    )
    status = serializers.SerializerMethodField(
        help_text=(
            "issued (valid), reserved (held by a service booking), used, "
            "void (its redemption was cancelled) or expired."
        )
    )
    service_type = serializers.CharField(
        source="service_type_code",
        allow_null=True,
        help_text="Service vouchers: the service type code; null for cash vouchers.",
    )

    class Meta:
        model = Voucher
        fields = ["code", "kind", "value", "status", "expires_at", "service_type"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=STATUSES))
    def get_status(self, voucher) -> str:
        return voucher.effective_status()

    def to_representation(self, voucher):
        data = super().to_representation(voucher)
        data["service_type"] = data["service_type"] or None
        return data


class ConsumeSerializer(serializers.Serializer):
    order_no = serializers.CharField(
        max_length=64, help_text="The dealer's order the voucher pays part of."
    )


class ConsumedSerializer(VoucherSerializer):
    used_at = serializers.DateTimeField()
    order_no = serializers.CharField()

    class Meta(VoucherSerializer.Meta):
        fields = [*VoucherSerializer.Meta.fields, "used_at", "order_no"]
        read_only_fields = fields


@extend_schema_view(
    retrieve=extend_schema(
        summary="Check a voucher a customer presents",
        parameters=[CODE_PARAMETER],
        responses={200: VoucherSerializer, **errors()},
    )
)
class VoucherViewSet(mixins.RetrieveModelMixin, DealerViewSet):
    serializer_class = VoucherSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return Voucher.objects.all()

    def get_object(self):
        voucher = voucher_by_code(self.kwargs["code"])
        if voucher is None:
            raise exceptions.NotFound(VoucherNotFound.default_message)
        return voucher

    @extend_schema(
        summary="Consume a cash voucher on an order (succeeds once)",
        description=(
            "200 the first time; 409 when the voucher is already used, expired, "
            "void, reserved for a booking, or a service voucher (those are used "
            "on service bookings); 404 for an unknown code. Two dealers "
            "consuming the same code at the same moment: one 200, one 409."
        ),
        parameters=[CODE_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=ConsumeSerializer,
        responses={200: ConsumedSerializer, **errors(400, 409, 415)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def consume(self, request, code=None):
        incoming = ConsumeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            voucher = voucher_consume(
                code=code,
                dealer_id=self.dealer_id,
                order_no=incoming.validated_data["order_no"],
            )
        except VoucherNotFound as exc:
            raise exceptions.NotFound(exc.message) from None
        except VoucherUnavailable as exc:
            raise Conflict(exc.message) from None
        return Response(ConsumedSerializer(voucher).data)


router = SimpleRouter()
router.register("vouchers", VoucherViewSet, basename="api-voucher")
urlpatterns = router.urls
