"""Every write of the rewards catalogue. Keyword-only, one transaction each.

Lock order (always the same, so two writers never deadlock):
redemption → its vouchers (pk order) → item → points account (taken inside
``points_spend`` / ``points_reverse``) → whatever a registered fulfiller locks.
``redemption_place`` creates its redemption, so it starts at the item.
"""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from members.actions import notification_send
from members.models import Member
from points.actions import points_reverse, points_spend
from points.exceptions import InsufficientPoints
from tiers.selectors import tier_for_member

from . import registry
from .codes import new_voucher_code, normalize_code
from .exceptions import (
    FulfilmentRefused,
    LimitReached,
    NotCancellable,
    NotEnoughPoints,
    NotFulfillable,
    NotOnSale,
    OutOfStock,
    RedemptionRefused,
    TierTooLow,
    VoucherAlreadyUsed,
    VoucherExpired,
    VoucherMismatch,
    VoucherNotFound,
    VoucherUnavailable,
)
from .models import Redemption, RewardItem, Voucher

MAX_QUANTITY = 20
# Stored on redemptions cancelled because the account was closed.
CLOSURE_REASON = gettext_lazy("Account closed")
SHIPPING_FIELDS = ("recipient", "phone", "city", "detail")

# Kinds the catalogue grants at once: the redemption is fulfilled when placed.
INSTANT_KINDS = frozenset(
    {
        RewardItem.Kind.CASH_VOUCHER,
        RewardItem.Kind.SERVICE_VOUCHER,
        RewardItem.Kind.EVENT_TICKET,
        RewardItem.Kind.TIER_UPGRADE,
    }
)


# Items --------------------------------------------------------------------


def reward_item_save(
    *, item: RewardItem, stock_delta: int = 0, unlimited: bool | None = None
) -> RewardItem:
    """Save an item edited by an operator without losing concurrent redemptions.

    The stock is never taken from the edited instance (it may be stale): it is
    re-read under the item lock and moved by ``stock_delta`` (restock or
    write-off). ``unlimited=True`` drops the stock count; ``unlimited=False``
    on an unlimited item starts counting at ``stock_delta``. A new item keeps
    the stock it was created with. Raises ``ValueError`` (with a message for
    the operator) when the stock would go below zero.
    """
    with transaction.atomic():
        if item.pk is None:
            item.full_clean()
            item.save()
            return item
        current = RewardItem.objects.select_for_update().get(pk=item.pk)
        if unlimited:
            stock = None
        elif current.stock is None:
            stock = stock_delta if unlimited is False else None
        else:
            stock = current.stock + stock_delta
        if stock is not None and stock < 0:
            raise ValueError(
                _("Only %(stock)d in stock: cannot remove %(n)d.")
                % {"stock": current.stock or 0, "n": -stock_delta}
            )
        item.stock = stock
        item.full_clean()
        item.save()
    return item


# Redemptions ---------------------------------------------------------------


def redemption_place(
    *,
    member_id: int,
    item_id: int,
    quantity: int = 1,
    key: str,
    shipping_address: dict | None = None,
) -> Redemption:
    """Redeem ``quantity`` units of an item for a member, all or nothing.

    In one transaction, holding the item lock then the member's points
    account lock: checks the sale window, the minimum tier, the per-member
    limit and the stock; debits the points (``points_spend``, never below
    zero), decrements the stock, issues the vouchers and runs the kind's
    fulfilment (registered fulfiller, or the tier upgrade). Physical gifts
    stay *placed* until an operator ships them; every other kind is
    *fulfilled* at once.

    Idempotent per ``key``: a repeat by the same member returns the first
    redemption. Raises a ``RedemptionRefused`` subclass with a message for the
    member (``NotOnSale``, ``TierTooLow``, ``LimitReached``, ``OutOfStock``,
    ``NotEnoughPoints``, ``FulfilmentRefused``).
    """
    if not key:
        raise ValueError("key is required")
    if not isinstance(quantity, int) or quantity < 1 or quantity > MAX_QUANTITY:
        raise RedemptionRefused(
            _("Choose a quantity from 1 to %(max)d.") % {"max": MAX_QUANTITY}
        )
    if (done := _redemption_by_key(key, member_id)) is not None:
        return done
    try:
        with transaction.atomic():
            item = RewardItem.objects.select_for_update().filter(pk=item_id).first()
            if item is None:
                raise NotOnSale()
            # A twin request with the same key waited on the item lock.
            if (done := _redemption_by_key(key, member_id)) is not None:
                return done
            member = Member.objects.filter(pk=member_id, closed_at__isnull=True).first()
            if member is None:
                raise RedemptionRefused(_("This account cannot redeem rewards."))
            _check_redeemable(item, member_id=member_id, quantity=quantity)
            address = _clean_shipping(item, shipping_address)
            now = timezone.now()
            redemption = Redemption.objects.create(
                member_id=member_id,
                item=item,
                kind=item.kind,
                quantity=quantity,
                unit_points=item.points_price,
                points=item.points_price * quantity,
                key=key,
                shipping_address=address,
                created_at=now,
            )
            try:
                entry = points_spend(
                    member_id=member_id,
                    points=redemption.points,
                    reason=_("Reward: %(item)s × %(quantity)d")
                    % {"item": item.name, "quantity": quantity},
                    key=f"rewards:redemption:{redemption.pk}:spend",
                    source_type="redemption",
                    source_id=redemption.pk,
                )
            except InsufficientPoints as exc:
                raise NotEnoughPoints(
                    _("You need %(needed)s points but have %(available)s.")
                    % {"needed": exc.needed, "available": max(exc.available, 0)}
                ) from None
            redemption.spend_entry_id = entry.pk
            if item.stock is not None:
                item.stock -= quantity
                item.save(update_fields=["stock", "updated_at"])
            codes = _vouchers_issue(redemption, item, now=now)
            _fulfil(redemption, item, codes)
            if item.kind in INSTANT_KINDS:
                redemption.status = Redemption.Status.FULFILLED
                redemption.fulfilled_at = now
            redemption.save(update_fields=["spend_entry_id", "status", "fulfilled_at"])
            transaction.on_commit(
                partial(_notify_placed, redemption.pk, member_id, item.name, quantity)
            )
    except IntegrityError:
        # The same key committed by a twin request in between: return it.
        if (done := _redemption_by_key(key, member_id)) is not None:
            return done
        raise
    return redemption


def redemption_cancel(
    *,
    redemption_id: int,
    reason: str = "",
    actor_id: int | None = None,
    member_id: int | None = None,
) -> Redemption:
    """Cancel a redemption, refunding its points and stock exactly once.

    Cancellable: a placed redemption; a fulfilled voucher redemption whose
    vouchers are all unused (they become void); a fulfilled event ticket
    (the fulfiller may refuse). Shipped gifts and tier upgrades are not.
    When ``member_id`` is given the member cancels: the redemption must be
    theirs and its vouchers unexpired. A second cancel returns the redemption
    unchanged (nothing is refunded twice). The points of a closed account are
    not refunded (as in ``member_rewards_close``). Raises ``NotCancellable`` (also
    with the message of a fulfiller that refuses, e.g. the event has started).
    """
    with transaction.atomic():
        redemption = (
            Redemption.objects.select_for_update()
            .select_related("item")
            .filter(pk=redemption_id)
            .first()
        )
        if redemption is None or (
            member_id is not None and redemption.member_id != member_id
        ):
            raise NotCancellable(_("No such redemption."))
        if redemption.status == Redemption.Status.CANCELLED:
            return redemption
        now = timezone.now()
        vouchers = list(
            Voucher.objects.select_for_update()
            .filter(redemption=redemption)
            .order_by("pk")
        )
        if redemption.status == Redemption.Status.FULFILLED and redemption.kind in (
            RewardItem.Kind.PHYSICAL_GIFT,
            RewardItem.Kind.TIER_UPGRADE,
        ):
            raise NotCancellable()
        if any(v.status != Voucher.Status.ISSUED for v in vouchers):
            raise NotCancellable(
                _("A voucher of this redemption is used or reserved for a booking.")
            )
        if member_id is not None and any(v.expires_at <= now for v in vouchers):
            raise NotCancellable(_("Expired vouchers cannot be refunded."))
        item = RewardItem.objects.select_for_update().get(pk=redemption.item_id)
        if (fulfiller := registry.fulfiller_for(redemption.kind)) is not None:
            try:
                fulfiller.cancel(redemption_id=redemption.pk)
            except FulfilmentRefused as exc:
                raise NotCancellable(exc.message) from None
        for voucher in vouchers:
            voucher.status = Voucher.Status.VOID
        Voucher.objects.bulk_update(vouchers, ["status"])
        if item.stock is not None:
            item.stock += redemption.quantity
            item.save(update_fields=["stock", "updated_at"])
        closed = Member.objects.filter(
            pk=redemption.member_id, closed_at__isnull=False
        ).exists()
        if redemption.spend_entry_id is not None and not closed:
            refund = points_reverse(
                entry_id=redemption.spend_entry_id,
                reason=_("Reward cancelled: %(item)s × %(quantity)d")
                % {"item": item.name, "quantity": redemption.quantity},
                key=f"rewards:redemption:{redemption.pk}:refund",
            )
            redemption.refund_entry_id = refund.pk
        redemption.status = Redemption.Status.CANCELLED
        redemption.cancelled_at = now
        redemption.cancel_reason = (reason or "")[:200]
        redemption.handled_by_id = actor_id
        redemption.save(
            update_fields=[
                "status",
                "cancelled_at",
                "cancel_reason",
                "handled_by",
                "refund_entry_id",
            ]
        )
        if not closed:
            transaction.on_commit(
                partial(
                    _notify_cancelled,
                    redemption.pk,
                    redemption.member_id,
                    item.name,
                    redemption.points,
                )
            )
    return redemption


def redemption_fulfil(
    *, redemption_id: int, actor_id: int | None = None, note: str = ""
) -> Redemption:
    """Mark a placed redemption fulfilled (the gift was shipped or handed over).

    Idempotent: fulfilling a fulfilled redemption changes nothing. Raises
    ``NotFulfillable`` for a cancelled one.
    """
    with transaction.atomic():
        redemption = (
            Redemption.objects.select_for_update()
            .select_related("item")
            .filter(pk=redemption_id)
            .first()
        )
        if redemption is None:
            raise NotFulfillable(_("No such redemption."))
        if redemption.status == Redemption.Status.FULFILLED:
            return redemption
        if redemption.status != Redemption.Status.PLACED:
            raise NotFulfillable()
        redemption.status = Redemption.Status.FULFILLED
        redemption.fulfilled_at = timezone.now()
        redemption.handled_by_id = actor_id
        if note:
            redemption.note = note[:200]
        redemption.save(update_fields=["status", "fulfilled_at", "handled_by", "note"])
        transaction.on_commit(
            partial(
                _notify_fulfilled,
                redemption.pk,
                redemption.member_id,
                redemption.item.name,
                redemption.note,
            )
        )
    return redemption


# Vouchers -----------------------------------------------------------------


def voucher_consume(*, code: str, dealer_id: int, order_no: str) -> Voucher:
    """A dealer uses a cash voucher on an order: succeeds exactly once.

    The voucher row is locked, so of two dealers consuming at the same moment
    one wins and the other gets ``VoucherAlreadyUsed``. Raises
    ``VoucherNotFound``, ``VoucherExpired``, ``VoucherAlreadyUsed``, or
    ``VoucherUnavailable`` (void, reserved for a booking, or a service
    voucher, which is only used on a booking).
    """
    order_no = (order_no or "").strip()
    if not order_no:
        raise ValueError("order_no is required")
    with transaction.atomic():
        voucher = _voucher_locked(code)
        _check_usable(voucher)
        if voucher.kind != RewardItem.Kind.CASH_VOUCHER:
            raise VoucherUnavailable(
                _("A service voucher can only be used on a service booking.")
            )
        voucher.status = Voucher.Status.USED
        voucher.used_at = timezone.now()
        voucher.used_by_dealer_id = dealer_id
        voucher.order_no = order_no[:64]
        voucher.save(update_fields=["status", "used_at", "used_by_dealer", "order_no"])
    return voucher


def voucher_apply_to_booking(
    *, code: str, member_id: int, service_type_code: str, booking_ref: str
) -> Voucher:
    """Reserve a member's service voucher for a booking (services calls this).

    The voucher must belong to the member, be for ``service_type_code``, and
    be valid (unused, unexpired). Idempotent: applying it again to the same
    booking returns it. Raises ``VoucherNotFound`` (also for another member's
    code), ``VoucherMismatch``, ``VoucherExpired`` or ``VoucherUnavailable``.
    """
    booking_ref = str(booking_ref)
    with transaction.atomic():
        voucher = _voucher_locked(code)
        if voucher.member_id != member_id:
            raise VoucherNotFound()
        if voucher.kind != RewardItem.Kind.SERVICE_VOUCHER:
            raise VoucherMismatch(_("Only a service voucher can be used on a booking."))
        if voucher.service_type_code != service_type_code:
            raise VoucherMismatch(
                _("This voucher is for “%(service)s”.")
                % {"service": voucher.get_service_type_code_display()}
            )
        if (
            voucher.status == Voucher.Status.RESERVED
            and voucher.booking_ref == booking_ref
        ):
            return voucher
        _check_usable(voucher)
        voucher.status = Voucher.Status.RESERVED
        voucher.booking_ref = booking_ref
        voucher.reserved_at = timezone.now()
        voucher.save(update_fields=["status", "booking_ref", "reserved_at"])
    return voucher


def voucher_release(*, code: str) -> Voucher:
    """Give a reserved service voucher back (its booking was cancelled).

    Idempotent: a voucher that is not reserved is returned unchanged. The
    voucher keeps its original expiry. A voucher of a closed account becomes
    void instead (closure voids every unused voucher, whichever of the
    closure receivers runs first). Raises ``VoucherNotFound``.
    """
    with transaction.atomic():
        voucher = _voucher_locked(code)
        if voucher.status != Voucher.Status.RESERVED:
            return voucher
        closed = Member.objects.filter(
            pk=voucher.member_id, closed_at__isnull=False
        ).exists()
        voucher.status = Voucher.Status.VOID if closed else Voucher.Status.ISSUED
        voucher.booking_ref = ""
        voucher.reserved_at = None
        voucher.save(update_fields=["status", "booking_ref", "reserved_at"])
    return voucher


def voucher_use_for_booking(*, code: str, booking_ref: str) -> Voucher:
    """Mark a reserved service voucher used (its booking was completed).

    Idempotent: a voucher already used for this booking is returned as is.
    Raises ``VoucherNotFound`` or ``VoucherUnavailable`` when the voucher is
    not reserved for ``booking_ref``.
    """
    booking_ref = str(booking_ref)
    with transaction.atomic():
        voucher = _voucher_locked(code)
        if voucher.booking_ref != booking_ref:
            raise VoucherUnavailable(
                _("This voucher is not reserved for this booking.")
            )
        if voucher.status == Voucher.Status.USED:
            return voucher
        if voucher.status != Voucher.Status.RESERVED:
            raise VoucherUnavailable()
        voucher.status = Voucher.Status.USED
        voucher.used_at = timezone.now()
        voucher.save(update_fields=["status", "used_at"])
    return voucher


def member_rewards_close(*, member_id: int) -> tuple[int, int]:
    """The account was closed: void unused vouchers, cancel unshipped gifts.

    Every voucher of the member that is still valid (issued) becomes void; a
    voucher reserved for a booking stays reserved until the booking is
    cancelled (then ``voucher_release`` voids it) or completed. Redemptions
    still *placed* (gifts not yet shipped) are cancelled and their stock
    returned, but the points are **not** refunded: a closed account cannot
    spend them, and its balance is settled by the points app. Fulfilled
    redemptions stay as history. No notification (the account is closed).

    Idempotent: a second call finds nothing to change. Returns
    ``(vouchers voided, redemptions cancelled)``.
    """
    now = timezone.now()
    with transaction.atomic():
        redemptions = list(
            Redemption.objects.select_for_update()
            .filter(member_id=member_id, status=Redemption.Status.PLACED)
            .order_by("pk")
        )
        vouchers = list(
            Voucher.objects.select_for_update()
            .filter(member_id=member_id, status=Voucher.Status.ISSUED)
            .order_by("pk")
        )
        for voucher in vouchers:
            voucher.status = Voucher.Status.VOID
        Voucher.objects.bulk_update(vouchers, ["status"])
        returned: dict[int, int] = {}
        for redemption in redemptions:
            returned[redemption.item_id] = (
                returned.get(redemption.item_id, 0) + redemption.quantity
            )
        items = (
            RewardItem.objects.select_for_update()
            .filter(pk__in=returned, stock__isnull=False)
            .order_by("pk")
        )
        for item in items:
            item.stock += returned[item.pk]
            item.save(update_fields=["stock", "updated_at"])
        for redemption in redemptions:
            redemption.status = Redemption.Status.CANCELLED
            redemption.cancelled_at = now
            with translation.override(settings.LANGUAGE_CODE):
                redemption.cancel_reason = str(CLOSURE_REASON)
        Redemption.objects.bulk_update(
            redemptions, ["status", "cancelled_at", "cancel_reason"]
        )
    return len(vouchers), len(redemptions)


def voucher_expiry_reminders_send(*, days: int | None = None, now=None) -> int:
    """Remind members of valid vouchers that expire within ``days`` (default 7).

    One inbox message per member per batch: the key names the member and the
    local date of their soonest expiry, so running it again (or daily) sends
    nothing new until a later voucher comes into the window. Reads in one
    grouped query; returns how many members were reminded.
    """
    now = now or timezone.now()
    days = (
        days
        if days is not None
        else getattr(settings, "REWARDS_VOUCHER_REMIND_DAYS", 7)
    )
    due = (
        Voucher.objects.filter(
            status=Voucher.Status.ISSUED,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=days),
            member__closed_at__isnull=True,
        )
        .values("member_id")
        .annotate(count=Count("id"), first=Min("expires_at"))
        .order_by("member_id")
    )
    sent = 0
    for row in due.iterator(chunk_size=1000):
        day = timezone.localtime(row["first"]).date()
        done = notification_send(
            member_id=row["member_id"],
            title=ngettext(
                "%(count)d voucher expires soon",
                "%(count)d vouchers expire soon",
                row["count"],
            )
            % {"count": row["count"]},
            body=_("Use it by %(date)s.") % {"date": day.isoformat()},
            url=reverse("rewards:my_vouchers"),
            category="rewards",
            key=f"rewards:voucher-expiry:{row['member_id']}:{day.isoformat()}",
        )
        sent += done is not None
    return sent


# Helpers ------------------------------------------------------------------


def _redemption_by_key(key: str, member_id: int) -> Redemption | None:
    done = Redemption.objects.filter(key=key).first()
    if done is not None and done.member_id != member_id:
        raise RedemptionRefused(_("This request was already used."))
    return done


def _check_redeemable(item: RewardItem, *, member_id: int, quantity: int) -> None:
    """Refuse unless the member may take ``quantity`` now. Caller holds the item lock."""
    if not item.is_on_sale():
        raise NotOnSale()
    if item.min_tier_id is not None:
        tier = tier_for_member(member_id)
        if tier is None or tier.rank < item.min_tier.rank:
            raise TierTooLow(
                _("This reward is for %(tier)s members and above.")
                % {"tier": item.min_tier.name}
            )
    if item.kind == RewardItem.Kind.TIER_UPGRADE and quantity != 1:
        raise RedemptionRefused(_("A tier upgrade is redeemed one at a time."))
    if item.per_member_limit is not None:
        from .selectors import member_item_quantity  # a read, no cycle at import

        held = member_item_quantity(member_id=member_id, item_id=item.pk)
        if held + quantity > item.per_member_limit:
            left = max(item.per_member_limit - held, 0)
            raise LimitReached(
                _(
                    "Each member may redeem %(limit)d of this reward; "
                    "you can still redeem %(left)d."
                )
                % {"limit": item.per_member_limit, "left": left}
            )
    if item.stock is not None and item.stock < quantity:
        if item.stock == 0:
            raise OutOfStock()
        raise OutOfStock(_("Only %(stock)d left in stock.") % {"stock": item.stock})
    if (
        item.kind in registry.REQUIRED_KINDS
        and registry.fulfiller_for(item.kind) is None
    ):
        raise FulfilmentRefused()


def _clean_shipping(item: RewardItem, address: dict | None) -> dict:
    if item.kind != RewardItem.Kind.PHYSICAL_GIFT:
        return {}
    address = {k: str(v).strip()[:200] for k, v in (address or {}).items() if v}
    if any(not address.get(field) for field in SHIPPING_FIELDS):
        raise RedemptionRefused(_("A gift needs a delivery address."))
    return address


def _vouchers_issue(redemption: Redemption, item: RewardItem, *, now) -> list[str]:
    if not item.issues_vouchers:
        return []
    expires_at = now + timedelta(days=item.voucher_valid_days)
    vouchers = []
    for _i in range(redemption.quantity):
        vouchers.append(
            Voucher(
                code=new_voucher_code(),
                redemption=redemption,
                member_id=redemption.member_id,
                kind=item.kind,
                value=item.voucher_value
                if item.kind == RewardItem.Kind.CASH_VOUCHER
                else None,
                service_type_code=item.service_type_code
                if item.kind == RewardItem.Kind.SERVICE_VOUCHER
                else "",
                expires_at=expires_at,
                created_at=now,
            )
        )
    # 80 random bits: a collision is practically impossible; the unique
    # constraint would roll the redemption back rather than reuse a code.
    Voucher.objects.bulk_create(vouchers)
    return [v.code for v in vouchers]


def _fulfil(redemption: Redemption, item: RewardItem, codes: list[str]) -> None:
    if item.kind == RewardItem.Kind.TIER_UPGRADE:
        from tiers.actions import tier_upgrade_buy
        from tiers.exceptions import AlreadyTopTier

        try:
            tier_upgrade_buy(
                member_id=redemption.member_id,
                key=f"rewards:redemption:{redemption.pk}:upgrade",
            )
        except AlreadyTopTier:
            raise RedemptionRefused(_("You already hold the top tier.")) from None
    fulfiller = registry.fulfiller_for(item.kind)
    if fulfiller is None:
        return
    params: dict = {}
    if item.kind == RewardItem.Kind.EVENT_TICKET:
        params = {"event_id": item.event_id}
    elif item.kind == RewardItem.Kind.SERVICE_VOUCHER:
        params = {"service_type_code": item.service_type_code, "voucher_codes": codes}
    fulfiller.fulfil(
        redemption_id=redemption.pk,
        member_id=redemption.member_id,
        item_code=item.code,
        quantity=redemption.quantity,
        params=params,
    )


def _voucher_locked(code: str) -> Voucher:
    normalized = normalize_code(code)
    voucher = (
        Voucher.objects.select_for_update().filter(code=normalized).first()
        if normalized
        else None
    )
    if voucher is None:
        raise VoucherNotFound()
    return voucher


def _check_usable(voucher: Voucher) -> None:
    if voucher.status == Voucher.Status.USED:
        raise VoucherAlreadyUsed()
    if voucher.status == Voucher.Status.RESERVED:
        raise VoucherUnavailable(_("This voucher is reserved for a booking."))
    if voucher.status == Voucher.Status.VOID:
        raise VoucherUnavailable(_("This voucher is no longer valid."))
    if voucher.expires_at <= timezone.now():
        raise VoucherExpired()


def _notify_placed(redemption_id, member_id, item_name, quantity):
    notification_send(
        member_id=member_id,
        title=_("Reward redeemed: %(item)s × %(quantity)d")
        % {"item": item_name, "quantity": quantity},
        url=reverse("rewards:my_redemptions"),
        category="rewards",
        key=f"rewards:redemption:{redemption_id}:placed",
    )


def _notify_fulfilled(redemption_id, member_id, item_name, note):
    notification_send(
        member_id=member_id,
        title=_("Your reward is on its way: %(item)s") % {"item": item_name},
        body=note,
        url=reverse("rewards:my_redemptions"),
        category="rewards",
        key=f"rewards:redemption:{redemption_id}:fulfilled",
    )


def _notify_cancelled(redemption_id, member_id, item_name, points):
    notification_send(
        member_id=member_id,
        title=_("Redemption cancelled: %(item)s") % {"item": item_name},
        body=_("%(points)d points were returned to your account.") % {"points": points},
        url=reverse("rewards:my_redemptions"),
        category="rewards",
        key=f"rewards:redemption:{redemption_id}:cancelled",
    )
