"""Reads of the rewards catalogue shared by the portal, the API and the admin."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from tiers.models import Tier
from tiers.selectors import tier_for_member

from .codes import normalize_code
from .models import Redemption, RewardItem, Voucher


@dataclass(frozen=True)
class CatalogueEntry:
    """An item as one member sees it."""

    item: RewardItem
    locked: bool  # the member's tier is below the item's minimum tier
    affordable: bool  # the member's spendable points cover one unit
    sold_out: bool

    @property
    def redeemable(self) -> bool:
        return not (self.locked or self.sold_out) and self.affordable


def points_available(member_id: int) -> int:
    """Spendable points of the member (0 without an account or with a debt)."""
    from points.selectors import balance_for_member

    return max(balance_for_member(member_id), 0)


def items_on_sale(*, kind: str | None = None):
    queryset = RewardItem.objects.on_sale().select_related("min_tier")
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset


def catalogue_for_member(
    *, member_id: int, kind: str | None = None, affordable_only: bool = False
) -> tuple[list[CatalogueEntry], int, Tier | None]:
    """Items on sale for a member, with the member's balance and tier.

    A fixed number of queries whatever the number of items.
    """
    balance = points_available(member_id)
    tier = tier_for_member(member_id)
    entries = [
        entry_for(item, balance=balance, tier=tier) for item in items_on_sale(kind=kind)
    ]
    if affordable_only:
        entries = [e for e in entries if e.affordable and not e.locked]
    return entries, balance, tier


def entry_for(item: RewardItem, *, balance: int, tier: Tier | None) -> CatalogueEntry:
    locked = item.min_tier_id is not None and (
        tier is None or tier.rank < item.min_tier.rank
    )
    return CatalogueEntry(
        item=item,
        locked=locked,
        affordable=balance >= item.points_price,
        sold_out=item.stock is not None and item.stock <= 0,
    )


def item_on_sale(item_id: int) -> RewardItem | None:
    return items_on_sale().filter(pk=item_id).first()


def member_item_quantity(*, member_id: int, item_id: int) -> int:
    """Units of the item the member holds (placed or fulfilled, not cancelled)."""
    total = (
        Redemption.objects.filter(member_id=member_id, item_id=item_id)
        .exclude(status=Redemption.Status.CANCELLED)
        .aggregate(total=Sum("quantity"))["total"]
    )
    return total or 0


def member_redemptions(member_id: int):
    return (
        Redemption.objects.filter(member_id=member_id)
        .select_related("item")
        .annotate(
            usable_vouchers=Count(
                "vouchers",
                filter=Q(
                    vouchers__status=Voucher.Status.ISSUED,
                    vouchers__expires_at__gt=timezone.now(),
                ),
            ),
            blocked_vouchers=Count(
                "vouchers",
                filter=~Q(vouchers__status=Voucher.Status.ISSUED),
            ),
        )
        .order_by("-created_at", "-id")
    )


def member_can_cancel(redemption: Redemption) -> bool:
    """What the portal offers; ``redemption_cancel`` decides under its lock.

    Expects ``member_redemptions`` annotations.
    """
    if redemption.status == Redemption.Status.CANCELLED:
        return False
    if redemption.status == Redemption.Status.PLACED:
        return True
    if redemption.kind == RewardItem.Kind.EVENT_TICKET:
        return True
    if redemption.kind in (
        RewardItem.Kind.CASH_VOUCHER,
        RewardItem.Kind.SERVICE_VOUCHER,
    ):
        return (
            redemption.blocked_vouchers == 0
            and redemption.usable_vouchers == redemption.quantity
        )
    return False


def member_vouchers(member_id: int, *, usable_only: bool = False):
    queryset = Voucher.objects.filter(member_id=member_id).select_related(
        "redemption__item"
    )
    if usable_only:
        queryset = queryset.usable()
    return queryset.order_by("-created_at", "-id")


def member_service_vouchers(member_id: int, service_type_code: str) -> list[Voucher]:
    """Valid service vouchers of a member for one service type (booking forms)."""
    return list(
        Voucher.objects.usable()
        .filter(
            member_id=member_id,
            kind=RewardItem.Kind.SERVICE_VOUCHER,
            service_type_code=service_type_code,
        )
        .order_by("expires_at", "id")
    )


def voucher_by_code(code: str) -> Voucher | None:
    normalized = normalize_code(code)
    if not normalized:
        return None
    return Voucher.objects.filter(code=normalized).first()


def home_card_counts(member_id: int) -> dict:
    """The member-home card: valid vouchers and gifts waiting to ship (one query each)."""
    return {
        "usable_vouchers": Voucher.objects.usable().filter(member_id=member_id).count(),
        "placed_redemptions": Redemption.objects.filter(
            member_id=member_id, status=Redemption.Status.PLACED
        ).count(),
    }


def low_stock_items():
    return RewardItem.objects.filter(is_active=True).low_stock()


EXPORT_HEADER = [
    "redemption_id",
    "placed_at",
    "status",
    "item_code",
    "item_name",
    "kind",
    "quantity",
    "points",
    "member_id",
    "member_name",
    "member_phone",
    "recipient",
    "recipient_phone",
    "province",
    "city",
    "district",
    "address",
    "note",
]


def redemption_export_rows(queryset) -> Iterator[list]:
    """CSV rows for the fulfilment team, streaming in bounded chunks."""
    yield EXPORT_HEADER
    rows = queryset.select_related("item", "member__user").order_by("pk")
    for r in rows.iterator(chunk_size=2000):
        address = r.shipping_address or {}
        yield [
            r.pk,
            timezone.localtime(r.created_at).isoformat(timespec="seconds"),
            r.status,
            r.item.code,
            r.item.name_zh,
            r.kind,
            r.quantity,
            r.points,
            r.member_id,
            r.member.user.name,
            r.member.user.phone or "",
            address.get("recipient", ""),
            address.get("phone", ""),
            address.get("province", ""),
            address.get("city", ""),
            address.get("district", ""),
            address.get("detail", ""),
            r.note,
        ]


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def member_export_section(member) -> dict:
    """The rewards part of the member's data export (``/me/export/``): 2 queries.

    Voucher codes are included: they are the member's own (a used or void
    code is worthless to anyone else, an unused one is theirs to use).
    """
    redemptions = (
        Redemption.objects.filter(member_id=member.pk)
        .select_related("item")
        .order_by("created_at", "pk")
    )
    vouchers = Voucher.objects.filter(member_id=member.pk).order_by("created_at", "pk")
    return {
        "redemptions": [
            {
                "id": r.pk,
                "item": r.item.code,
                "item_name": r.item.name_zh,
                "kind": r.kind,
                "quantity": r.quantity,
                "points": r.points,
                "status": r.status,
                "shipping_address": r.shipping_address or None,
                "placed_at": _iso(r.created_at),
                "fulfilled_at": _iso(r.fulfilled_at),
                "cancelled_at": _iso(r.cancelled_at),
                "cancel_reason": r.cancel_reason,
            }
            for r in redemptions
        ],
        "vouchers": [
            {
                "code": v.code,
                "redemption_id": v.redemption_id,
                "kind": v.kind,
                "value": str(v.value) if v.value is not None else None,
                "service_type": v.service_type_code or None,
                "status": v.status,
                "issued_at": _iso(v.created_at),
                "expires_at": _iso(v.expires_at),
                "used_at": _iso(v.used_at),
            }
            for v in vouchers
        ],
    }
