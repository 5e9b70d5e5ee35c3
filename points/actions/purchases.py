"""Purchases: record (earn and optionally pay with points), preview, refund, release.

Lock order, the same on every path: the purchase row, then the member's tier
status (through the tiers growth actions, which may credit an upgrade gift
and so lock the member's points account themselves), then the points
accounts involved (member, referrer) in primary-key order. The tiers app's
own paths (upgrade gift, birthday points) also lock the tier status before
the points account, so the two apps never wait on each other in a circle.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member
from tiers.actions import purchase_growth_record, purchase_growth_reverse

from ..exceptions import (
    DuplicateOrder,
    InsufficientPoints,
    PurchaseRejected,
    RefundRefused,
)
from ..models import EarningRule, LedgerEntry, PointsSettings, Purchase, PurchaseItem
from ..signals import purchase_recorded
from . import rules
from .ledger import (
    _credit,
    _debit,
    _existing,
    accounts_lock,
    expire_due_lots,
    points_reverse,
    reversible_points,
)
from .rules import Fired, Line, evaluate_purchase, fixed_rules, record_hits

CENT = Decimal("0.01")


@dataclass
class PurchasePreview:
    points_earned: int
    rules: list[dict] = field(default_factory=list)
    pending_until: dt.datetime | None = None
    pending_until_installation: bool = False
    points_redeemed: int = 0
    cash_value_of_redeemed: Decimal = Decimal("0")


def _money(value, field_name: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        raise PurchaseRejected(field_name, _("Enter a valid amount.")) from None
    if amount < 0:
        raise PurchaseRejected(field_name, _("An amount cannot be negative."))
    return amount


def _clean_items(items) -> list[dict]:
    cleaned = []
    for item in items or []:
        quantity = int(item.get("quantity") or 1)
        if quantity <= 0:
            raise PurchaseRejected("items", _("A quantity must be at least 1."))
        unit_price = _money(item.get("unit_price") or 0, "items")
        amount = item.get("amount")
        amount = (
            _money(amount, "items") if amount is not None else unit_price * quantity
        )
        cleaned.append(
            {
                "sku": str(item.get("sku") or "")[:40],
                "name": str(item.get("name") or "")[:120],
                "category": str(item.get("category") or "")[:40],
                "quantity": quantity,
                "unit_price": unit_price,
                "amount": amount,
                "serial_numbers": [str(s) for s in item.get("serial_numbers") or []],
            }
        )
    return cleaned


def _lines(items: list[dict], cash: Decimal) -> list[Line]:
    """Share the cash paid over the lines by their amounts (rounding down)."""
    total = sum((i["amount"] for i in items), Decimal("0"))
    if not items or total <= 0:
        return [Line(category="", cash=cash)]
    return [
        Line(category=i["category"], cash=cash * i["amount"] / total) for i in items
    ]


def redemption_value(points: int, conf: PointsSettings) -> Decimal:
    """The cash value of ``points`` at the operator rate, rounded down to a cent."""
    value = Decimal(points) * conf.redeem_unit_value / conf.redeem_points_per_unit
    return value.quantize(CENT, rounding=ROUND_DOWN)


def _check_redemption(points: int, amount: Decimal, conf: PointsSettings) -> Decimal:
    if points < 0:
        raise PurchaseRejected("points_to_redeem", _("Points cannot be negative."))
    value = redemption_value(points, conf)
    limit = (amount * conf.redeem_max_share).quantize(CENT, rounding=ROUND_DOWN)
    if value > limit:
        raise PurchaseRejected(
            "points_to_redeem",
            _(
                "Points may pay at most %(share)s%% of this order (¥%(limit)s); "
                "%(points)s points are worth ¥%(value)s."
            )
            % {
                "share": int(conf.redeem_max_share * 100),
                "limit": limit,
                "points": points,
                "value": value,
            },
        )
    return value


def _pending_until(
    fired: list[Fired], purchased_at: dt.datetime, now
) -> dt.datetime | None:
    days = max((f.rule.pending_days for f in fired), default=0)
    if not days:
        return None
    until = purchased_at + dt.timedelta(days=days)
    return until if until > now else None


def _first_purchase(member_id: int, *, exclude: int | None = None) -> bool:
    return not Purchase.objects.filter(member_id=member_id).exclude(pk=exclude).exists()


def _evaluate(
    member_id,
    account_id,
    amount,
    cash,
    items,
    purchased_at,
    is_first,
    multiplier=None,
):
    return evaluate_purchase(
        member_id=member_id,
        account_id=account_id,
        amount=amount,
        lines=_lines(items, cash),
        purchased_at=purchased_at,
        is_first=is_first,
        multiplier=multiplier,
    )


def _validate(order_no, amount, purchased_at):
    order_no = str(order_no or "").strip()
    if not order_no:
        raise PurchaseRejected("order_no", _("An order number is required."))
    if len(order_no) > 64:
        raise PurchaseRejected("order_no", _("The order number is too long."))
    amount = _money(amount, "amount")
    if amount <= 0:
        raise PurchaseRejected("amount", _("The amount must be above zero."))
    if purchased_at is None or timezone.is_naive(purchased_at):
        raise PurchaseRejected(
            "purchased_at", _("Give the purchase time with a time zone.")
        )
    if purchased_at > timezone.now() + dt.timedelta(minutes=5):
        raise PurchaseRejected("purchased_at", _("The purchase time is in the future."))
    return order_no, amount


def _duplicate(order_no, dealer_id, channel) -> bool:
    qs = Purchase.objects.filter(order_no=order_no)
    if dealer_id is not None:
        return qs.filter(dealer_id=dealer_id).exists()
    return qs.filter(dealer__isnull=True, channel=channel).exists()


def purchase_preview(
    *,
    member_id: int,
    order_no: str,
    purchased_at: dt.datetime,
    amount,
    items,
    dealer_id: int | None = None,
    channel: str = "dealer",
    points_to_redeem: int = 0,
    pending_until_installation: bool = False,
) -> PurchasePreview:
    """What ``purchase_record`` with the same arguments would earn; writes nothing.

    Raises the same PurchaseRejected errors as ``purchase_record`` for bad
    input. Caps are read without a lock: a concurrent event may still use a
    cap up before the real purchase. The referral reward (to the referrer) is
    not part of ``points_earned``.
    """
    order_no, amount = _validate(order_no, amount, purchased_at)
    if _duplicate(order_no, dealer_id, channel):
        raise DuplicateOrder()
    items = _clean_items(items)
    conf = PointsSettings.current()
    value = _check_redemption(int(points_to_redeem or 0), amount, conf)
    account_id = (
        Member.objects.filter(pk=member_id)
        .values_list("points_account__id", flat=True)
        .first()
    )
    fired = _evaluate(
        member_id,
        account_id,
        amount,
        amount - value,
        items,
        purchased_at,
        _first_purchase(member_id),
    )
    return PurchasePreview(
        points_earned=sum(f.points for f in fired),
        rules=[f.as_dict() for f in fired],
        pending_until=None
        if pending_until_installation
        else _pending_until(fired, purchased_at, timezone.now()),
        pending_until_installation=pending_until_installation,
        points_redeemed=int(points_to_redeem or 0),
        cash_value_of_redeemed=value,
    )


def purchase_record(
    *,
    member_id: int,
    order_no: str,
    purchased_at: dt.datetime,
    amount,
    items,
    dealer_id: int | None = None,
    channel: str = "dealer",
    points_to_redeem: int = 0,
    pending_until_installation: bool = False,
    payment_method: str = "",
) -> Purchase:
    """Record a purchase, pay part of it with points, and credit what it earns.

    In one transaction: the purchase and its items; ``purchase_recorded``
    (receivers may raise PurchaseRejected); the points debit at the operator
    rate (at most the operator share of the order); the rule engine's points
    (credited, or held as pending for the rules' days or until the
    installation); the referral reward to the referrer on a first purchase;
    the tiers app's purchase growth. Raises PurchaseRejected (DuplicateOrder
    for a known order number) and nothing is saved.

    The tiers growth is recorded before the points account is locked (see the
    module's lock order). The points are earned at the multiplier of the tier
    the member held before this purchase (the one ``purchase_preview``
    shows), even when the purchase itself moves the member up a tier.
    """
    order_no, amount = _validate(order_no, amount, purchased_at)
    items = _clean_items(items)
    points_to_redeem = int(points_to_redeem or 0)
    conf = PointsSettings.current()
    value = _check_redemption(points_to_redeem, amount, conf)
    referrer_id = (
        Member.objects.filter(pk=member_id)
        .values_list("referred_by_id", flat=True)
        .first()
    )
    with transaction.atomic():
        if _duplicate(order_no, dealer_id, channel):
            raise DuplicateOrder()
        multiplier = rules.earning_multiplier(member_id)
        now = timezone.now()
        try:
            with transaction.atomic():
                purchase = Purchase.objects.create(
                    member_id=member_id,
                    dealer_id=dealer_id,
                    channel=channel,
                    order_no=order_no,
                    purchased_at=purchased_at,
                    amount=amount,
                    payment_method=payment_method[:20],
                    points_redeemed=points_to_redeem,
                    redeemed_value=value,
                    pending_until_installation=pending_until_installation,
                    created_at=now,
                )
        except IntegrityError:
            raise DuplicateOrder() from None
        with rules.tier_awards_collected() as gifts:
            purchase_growth_record(
                member_id=member_id,
                amount=amount,
                categories=sorted({i["category"] for i in items if i["category"]}),
                key=f"purchase:{purchase.pk}",
                occurred_at=purchased_at,
            )
        accounts = accounts_lock([member_id] + ([referrer_id] if referrer_id else []))
        account = accounts[member_id]
        is_first = _first_purchase(member_id, exclude=purchase.pk)
        PurchaseItem.objects.bulk_create(
            PurchaseItem(purchase=purchase, **i) for i in items
        )
        purchase_recorded.send(
            sender=Purchase,
            purchase_id=purchase.pk,
            member_id=member_id,
            dealer_id=dealer_id,
            items=items,
        )
        if points_to_redeem:
            expire_due_lots(account)
            # What this purchase's own upgrade gift added cannot pay for it.
            own_gift = sum(
                e.points for e in gifts if e.account_id == account.pk and e.points > 0
            )
            available = account.balance - own_gift
            try:
                if available < points_to_redeem:
                    raise InsufficientPoints(
                        needed=points_to_redeem, available=max(available, 0)
                    )
                _debit(
                    account,
                    kind=LedgerEntry.Kind.REDEEM,
                    points=points_to_redeem,
                    reason=_("Paid with points: order %(order)s") % {"order": order_no},
                    key=f"purchase:{purchase.pk}:redeem",
                    source_type="purchase",
                    source_id=purchase.pk,
                )
            except InsufficientPoints as exc:
                raise PurchaseRejected("points_to_redeem", exc.message) from exc
        fired = _evaluate(
            member_id,
            account.pk,
            amount,
            amount - value,
            items,
            purchased_at,
            is_first,
            multiplier,
        )
        total = sum(f.points for f in fired)
        record_hits(account, fired, purchased_at, purchase=purchase)
        purchase.points_earned = total
        if total:
            until = _pending_until(fired, purchased_at, now)
            if pending_until_installation or until:
                purchase.pending_state = Purchase.PendingState.PENDING
                purchase.pending_until = None if pending_until_installation else until
            else:
                _credit_purchase(account, purchase, total)
        purchase.save()
        if is_first and referrer_id:
            _referral_reward(accounts[referrer_id], purchase)
    return purchase


def _credit_purchase(account, purchase: Purchase, points: int) -> LedgerEntry:
    return _credit(
        account,
        kind=LedgerEntry.Kind.EARN,
        points=points,
        reason=_("Points for order %(order)s") % {"order": purchase.order_no},
        key=f"purchase:{purchase.pk}:earn",
        source_type="purchase",
        source_id=purchase.pk,
    )


def _referral_reward(referrer_account, purchase: Purchase) -> None:
    key = f"referral:{purchase.member_id}"
    if _existing(key) is not None:
        return
    now = timezone.now()
    fired = fixed_rules(
        [EarningRule.Kind.REFERRAL], account_id=referrer_account.pk, when=now
    )
    total = sum(f.points for f in fired)
    if not total:
        return
    entry = _credit(
        referrer_account,
        kind=LedgerEntry.Kind.EARN,
        points=total,
        reason=_("Referral reward: a friend you invited made a first purchase"),
        key=key,
        source_type="purchase",
        source_id=purchase.pk,
    )
    record_hits(referrer_account, fired, now, entry=entry, purchase=purchase)


def purchase_release_pending(*, purchase_id: int) -> None:
    """Credit a purchase's pending points (installation done, or days over).

    Idempotent: a purchase that is not pending is left alone.
    """
    member_id = (
        Purchase.objects.filter(pk=purchase_id)
        .values_list("member_id", flat=True)
        .first()
    )
    if member_id is None:
        return
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update().get(pk=purchase_id)
        if purchase.pending_state != Purchase.PendingState.PENDING:
            return
        account = accounts_lock([member_id])[member_id]
        points = purchase.points_earned - purchase.points_reversed
        purchase.pending_state = Purchase.PendingState.RELEASED
        purchase.save(update_fields=["pending_state"])
        if points > 0:
            _credit_purchase(account, purchase, points)


def purchase_refund(
    *, purchase_id: int, amount=None, reason: str, actor_id: int | None = None
) -> Purchase:
    """Refund a purchase fully (``amount=None``) or partly, reversing its points.

    Points earned are reversed pro rata (rounded down, the last refund takes
    the rest); this may leave a debt. Pending points are cancelled without a
    ledger entry. Points paid at checkout are given back pro rata. A full
    refund of a first purchase also reverses the referrer's reward. Raises
    RefundRefused for an amount above what is left.
    """
    if not (reason or "").strip():
        raise RefundRefused(_("A refund needs a reason."))
    row = Purchase.objects.filter(pk=purchase_id).values("member_id").first()
    if row is None:
        raise RefundRefused(_("This purchase does not exist."))
    referral = LedgerEntry.objects.filter(
        source_type="purchase", source_id=purchase_id, key__startswith="referral:"
    ).first()
    member_ids = [row["member_id"]] + ([referral.account.member_id] if referral else [])
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update().get(pk=purchase_id)
        left = purchase.amount - purchase.refunded_amount
        if amount is None:
            refund = left
        else:
            try:
                refund = Decimal(str(amount)).quantize(CENT)
            except (InvalidOperation, ValueError):
                raise RefundRefused(_("Enter a valid amount.")) from None
        if refund <= 0 or refund > left:
            raise RefundRefused(
                _("The refund must be above zero and at most ¥%(left)s.")
                % {"left": left}
            )
        refunded = purchase.refunded_amount + refund
        full = refunded == purchase.amount
        share = refunded / purchase.amount
        target = (
            purchase.points_earned
            if full
            else int((purchase.points_earned * share).to_integral_value(ROUND_FLOOR))
        )
        delta = target - purchase.points_reversed
        tag = f"purchase:{purchase.pk}:refund:{refunded}"
        reason = reason.strip()
        purchase_growth_reverse(member_id=purchase.member_id, amount=refund, key=tag)
        accounts_lock(member_ids)
        if purchase.pending_state == Purchase.PendingState.PENDING:
            if full:
                purchase.pending_state = Purchase.PendingState.CANCELLED
        elif delta > 0:
            earn = _existing(f"purchase:{purchase.pk}:earn")
            if earn is not None:
                points_reverse(
                    entry_id=earn.pk,
                    reason=reason,
                    key=tag,
                    points=delta,
                    actor_id=actor_id,
                )
        purchase.points_reversed += max(delta, 0)
        redeem = _existing(f"purchase:{purchase.pk}:redeem")
        if redeem is not None:
            back_total = (
                purchase.points_redeemed
                if full
                else int(
                    (purchase.points_redeemed * share).to_integral_value(ROUND_FLOOR)
                )
            )
            back = back_total - (purchase.points_redeemed - reversible_points(redeem))
            if back > 0:
                points_reverse(
                    entry_id=redeem.pk,
                    reason=reason,
                    key=f"{tag}:redeem",
                    points=back,
                    actor_id=actor_id,
                )
        if full and referral is not None and reversible_points(referral) > 0:
            points_reverse(
                entry_id=referral.pk,
                reason=_("Referral reward taken back: the first purchase was refunded"),
                key=f"{tag}:referral",
                actor_id=actor_id,
            )
        purchase.refunded_amount = refunded
        purchase.refund_state = (
            Purchase.RefundState.FULL if full else Purchase.RefundState.PARTIAL
        )
        purchase.save(
            update_fields=[
                "refunded_amount",
                "refund_state",
                "points_reversed",
                "pending_state",
            ]
        )
    return purchase


def release_due_pending(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Release pending purchases whose days are over. Returns how many."""
    now = now or timezone.now()
    ids = list(
        Purchase.objects.filter(
            pending_state=Purchase.PendingState.PENDING,
            pending_until_installation=False,
            pending_until__lte=now,
        )
        .order_by("pending_until")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        purchase_release_pending(purchase_id=pk)
    return len(ids)
