"""The earning-rule engine and the non-purchase earning actions.

Rules are operator data (``EarningRule``). For one occasion, the rules that
apply are taken in priority order (then id); a rule that fires with
``stop_further`` ends the evaluation. A rule whose cap for the member is used
up does not fire. Caps are counted under the member's account lock, so they
hold under concurrency.
"""

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member
from members.phone import normalize_phone
from tiers.actions import growth_record
from tiers.selectors import earning_multiplier, tier_for_member

from ..exceptions import UnknownEvent
from ..models import Account, Campaign, EarningRule, LedgerEntry, RuleHit
from .ledger import _credit, _existing, account_lock

RuleKind = EarningRule.Kind


@dataclass
class Fired:
    rule: EarningRule
    points: int

    def as_dict(self) -> dict:
        return {"code": self.rule.code, "name": self.rule.name, "points": self.points}


@dataclass
class Line:
    """A purchase line for the engine: its category and the cash it stands for."""

    category: str
    cash: Decimal


def rules_for(kinds, when: dt.datetime, *, event_code: str | None = None):
    qs = EarningRule.objects.filter(kind__in=kinds, is_active=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=when),
        Q(valid_until__isnull=True) | Q(valid_until__gt=when),
    )
    if event_code is not None:
        qs = qs.filter(event_code=event_code)
    return list(qs.order_by("priority", "id"))


def cap_allows(rule: EarningRule, account_id: int | None, when: dt.datetime) -> bool:
    """Whether the member may still get ``rule`` at ``when``.

    For a true answer under concurrency the caller holds the account lock.
    """
    if account_id is None or not (
        rule.cap_per_day or rule.cap_per_month or rule.cap_lifetime
    ):
        return True
    hits = RuleHit.objects.filter(rule=rule, account_id=account_id)
    local = timezone.localtime(when)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if rule.cap_per_day is not None:
        day = hits.filter(
            created_at__gte=day_start, created_at__lt=day_start + dt.timedelta(days=1)
        )
        if day.count() >= rule.cap_per_day:
            return False
    if rule.cap_per_month is not None:
        month_start = day_start.replace(day=1)
        next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
        month = hits.filter(created_at__gte=month_start, created_at__lt=next_month)
        if month.count() >= rule.cap_per_month:
            return False
    return rule.cap_lifetime is None or hits.count() < rule.cap_lifetime


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def campaigns_for(member_id: int, when: dt.datetime) -> list[Campaign]:
    tier = tier_for_member(member_id)
    qs = Campaign.objects.filter(is_active=True, starts_at__lte=when, ends_at__gt=when)
    qs = qs.filter(Q(tiers__isnull=True) | Q(tiers=tier)) if tier else qs
    return list(qs.distinct())


def evaluate_purchase(
    *,
    member_id: int,
    account_id: int | None,
    amount: Decimal,
    lines: list[Line],
    purchased_at: dt.datetime,
    is_first: bool,
    multiplier: Decimal | None = None,
) -> list[Fired]:
    """Which purchase rules fire and how many points each gives.

    Base rate rules give floor(sum(cash of line × rate × tier multiplier ×
    best campaign multiplier for the line)); campaigns do not stack: the
    highest multiplier applying to a line counts. ``multiplier`` is the tier
    multiplier to use (default: the member's current tier's).
    """
    if multiplier is None:
        multiplier = earning_multiplier(member_id)
    campaigns = campaigns_for(member_id, purchased_at)
    fired: list[Fired] = []
    for rule in rules_for(EarningRule.PURCHASE_KINDS, purchased_at):
        in_scope = [
            line
            for line in lines
            if not rule.product_category or line.category == rule.product_category
        ]
        points = 0
        if rule.kind == RuleKind.PURCHASE_BASE:
            total = Decimal("0")
            for line in in_scope:
                boost = max(
                    (
                        c.multiplier
                        for c in campaigns
                        if not c.product_category or c.product_category == line.category
                    ),
                    default=Decimal("1"),
                )
                total += line.cash * rule.rate * multiplier * boost
            points = _floor(total)
        elif rule.kind == RuleKind.BIG_ORDER:
            spent = (
                amount
                if not rule.product_category
                else sum((line.cash for line in in_scope), Decimal("0"))
            )
            points = rule.points if spent >= rule.min_amount else 0
        elif rule.kind == RuleKind.FIRST_PURCHASE:
            points = rule.points if is_first and in_scope else 0
        if points <= 0 or not cap_allows(rule, account_id, purchased_at):
            continue
        fired.append(Fired(rule, points))
        if rule.stop_further:
            break
    return fired


def fixed_rules(
    kinds, *, account_id: int, when: dt.datetime, event_code: str | None = None
) -> list[Fired]:
    """Fire fixed-points rules (registration, referral, custom event, birthday)."""
    fired = []
    for rule in rules_for(kinds, when, event_code=event_code):
        if rule.points <= 0 or not cap_allows(rule, account_id, when):
            continue
        fired.append(Fired(rule, rule.points))
        if rule.stop_further:
            break
    return fired


def record_hits(
    account: Account, fired: list[Fired], when, *, entry=None, purchase=None
) -> None:
    RuleHit.objects.bulk_create(
        RuleHit(
            rule=f.rule,
            account=account,
            points=f.points,
            entry=entry,
            purchase=purchase,
            created_at=when,
        )
        for f in fired
    )


def _award_by_rules(
    *,
    member_id: int,
    kinds,
    key: str,
    reason: str,
    event_code: str | None = None,
    actor_id: int | None = None,
    source_type: str = "",
    source_id: int | None = None,
    extra_points: int = 0,
) -> LedgerEntry | None:
    """Credit what the applicable rules give (plus ``extra_points``); one entry.

    Idempotent by ``key``; None when nothing is due (no rule, caps used up).
    """
    with transaction.atomic():
        account = account_lock(member_id)
        if (done := _existing(key)) is not None:
            return done
        now = timezone.now()
        fired = fixed_rules(
            kinds, account_id=account.pk, when=now, event_code=event_code
        )
        total = sum(f.points for f in fired) + extra_points
        if total <= 0:
            return None
        entry = _credit(
            account,
            kind=LedgerEntry.Kind.EARN,
            points=total,
            reason=reason,
            key=key,
            actor_id=actor_id,
            source_type=source_type,
            source_id=source_id,
        )
        record_hits(account, fired, now, entry=entry)
        return entry


def custom_event_record(
    *,
    member_id: int,
    event_code: str,
    key: str,
    actor_id: int | None = None,
    source_type: str = "",
    source_id: int | None = None,
) -> LedgerEntry | None:
    """Credit the points of the custom-event rules for ``event_code``.

    Raises UnknownEvent when no rule (active or not) has this code. Returns
    None when no rule is valid now or every cap is used up. Idempotent per
    ``key``: a repeat returns the first entry.
    """
    rules = EarningRule.objects.filter(
        kind=RuleKind.CUSTOM_EVENT, event_code=event_code
    )
    name = rules.order_by("priority", "id").values_list("name", flat=True).first()
    if name is None:
        raise UnknownEvent()
    with transaction.atomic():
        # Tier status before the points account: the one lock order of the
        # project (see docs/points.md), so growth is recorded first.
        _custom_event_growth(member_id=member_id, event_code=event_code, key=key)
        return _award_by_rules(
            member_id=member_id,
            kinds=[RuleKind.CUSTOM_EVENT],
            key=key,
            reason=name,
            event_code=event_code,
            actor_id=actor_id,
            source_type=source_type or "custom_event",
            source_id=source_id,
        )


def _custom_event_growth(*, member_id: int, event_code: str, key: str) -> None:
    """Credit the tier growth of the first custom-event rule that fires.

    Decided before the account lock (see the lock order), so under a race a
    cap may let growth through for an event whose points it then refuses;
    the growth key (``<key>:growth``) still makes each event count once.
    """
    if _existing(key) is not None:
        return
    account_id = (
        Account.objects.filter(member_id=member_id).values_list("pk", flat=True).first()
    )
    now = timezone.now()
    for fired in fixed_rules(
        [RuleKind.CUSTOM_EVENT], account_id=account_id, when=now, event_code=event_code
    ):
        rule = fired.rule
        if rule.growth_value and rule.growth_dimension and rule.growth_source:
            growth_record(
                member_id=member_id,
                dimension=rule.growth_dimension,
                raw_value=rule.growth_value,
                source=rule.growth_source,
                key=f"{key}:growth",
                occurred_at=now,
            )
            return


def registration_bonus_award(*, member_id: int) -> LedgerEntry | None:
    """The registration bonus, once per member (idempotent)."""
    return _award_by_rules(
        member_id=member_id,
        kinds=[RuleKind.REGISTRATION],
        key=f"registration:{member_id}",
        reason=_("Welcome bonus for joining"),
        source_type="registration",
        source_id=member_id,
    )


def points_award_requested_receive(
    *, member_id: int, points: int, reason: str, key: str, source: str = ""
) -> LedgerEntry | None:
    """Credit what the tiers app asks for (upgrade gift, birthday points).

    Birthday requests also get the active birthday rules' points on top.
    Idempotent per ``key``; runs inside the caller's transaction.
    """
    kinds = [RuleKind.BIRTHDAY] if source == "birthday" else []
    awards = _awards.get()
    fresh = awards is not None and _existing(key) is None
    entry = _award_by_rules(
        member_id=member_id,
        kinds=kinds,
        key=key,
        reason=str(reason),
        source_type=source or "tiers",
        extra_points=max(points, 0),
    )
    if fresh and entry is not None:
        awards.append(entry)
    return entry


_awards: ContextVar[list | None] = ContextVar("points_awards", default=None)


@contextmanager
def tier_awards_collected():
    """Collect the entries the tiers app has credited (fresh, not repeats)
    while the block runs: a purchase's own upgrade gift must not pay for it."""
    token = _awards.set([])
    try:
        yield _awards.get()
    finally:
        _awards.reset(token)


@dataclass
class BulkAwardResult:
    awarded: list[int]
    skipped: list[int]
    unknown: list[str]


def custom_event_bulk_award(
    *,
    event_code: str,
    batch: str,
    actor_id: int | None,
    member_ids=(),
    phones=(),
) -> BulkAwardResult:
    """Record a custom event for many members (ids and/or mobile numbers).

    Each member gets at most one entry per ``batch`` (key ``bulk:<batch>:<id>``),
    so resubmitting the same batch awards nobody twice. Result: members
    awarded, members skipped (cap, rule window, already awarded in this batch,
    closed account), phones that match no member (or are not valid numbers).
    """
    if not EarningRule.objects.filter(
        kind=RuleKind.CUSTOM_EVENT, event_code=event_code
    ).exists():
        raise UnknownEvent()
    ids, unknown, wanted = set(member_ids), [], {}
    for raw in phones:
        raw = str(raw).strip()
        if not raw:
            continue
        try:
            wanted[normalize_phone(raw)] = raw
        except ValidationError:
            unknown.append(raw)
    found = dict(
        Member.objects.filter(user__phone__in=list(wanted)).values_list(
            "user__phone", "pk"
        )
    )
    unknown += [raw for phone, raw in wanted.items() if phone not in found]
    ids |= set(found.values())
    open_ids = set(
        Member.objects.filter(pk__in=ids, closed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    awarded, skipped = [], sorted(ids - open_ids)
    for member_id in sorted(open_ids):
        key = f"bulk:{batch}:{member_id}"
        if _existing(key) is not None:
            skipped.append(member_id)
            continue
        entry = custom_event_record(
            member_id=member_id,
            event_code=event_code,
            key=key,
            actor_id=actor_id,
            source_type="bulk_award",
        )
        (awarded if entry is not None else skipped).append(member_id)
    return BulkAwardResult(awarded=awarded, skipped=skipped, unknown=unknown)
