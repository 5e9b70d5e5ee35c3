"""Property test: random earn/spend/expire/reverse sequences keep the invariants."""

import contextlib
import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points import actions
from points.exceptions import InsufficientPoints, NothingToReverse, NotReversible
from points.models import LedgerEntry, Lot
from points.selectors import balance_for_member

from .conftest import assert_invariants

pytestmark = pytest.mark.django_db

operation = st.one_of(
    st.tuples(st.just("earn"), st.integers(1, 500), st.integers(1, 60)),
    st.tuples(st.just("spend"), st.integers(1, 600), st.just(0)),
    st.tuples(st.just("expire"), st.integers(0, 30), st.just(0)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.integers(0, 300)),
)


class Rollback(Exception):
    pass


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_random_sequences_keep_balance_ledger_and_lots_consistent(member, ops):
    start = timezone.now()
    clock = start
    try:
        with transaction.atomic():
            for i, (op, a, b) in enumerate(ops):
                key = f"op{i}"
                if op == "earn":
                    actions.points_earn(
                        member_id=member.pk,
                        points=a,
                        reason="e",
                        key=key,
                        expires_at=clock + dt.timedelta(days=b),
                    )
                elif op == "spend":
                    try:
                        actions.points_spend(
                            member_id=member.pk, points=a, reason="s", key=key
                        )
                    except InsufficientPoints:
                        assert balance_for_member(member.pk) < a
                elif op == "expire":
                    clock += dt.timedelta(days=a)
                    actions.points_expire_due(now=clock)
                    assert not Lot.objects.filter(
                        expires_at__lte=clock, remaining__gt=0
                    ).exists()
                else:
                    entries = list(
                        LedgerEntry.objects.filter(account__member=member).order_by(
                            "pk"
                        )
                    )
                    if entries:
                        target = entries[a % len(entries)]
                        with contextlib.suppress(NothingToReverse, NotReversible):
                            actions.points_reverse(
                                entry_id=target.pk,
                                reason="r",
                                key=key,
                                points=b or None,
                            )
                assert_invariants()
            raise Rollback
    except Rollback:
        pass
