import pytest
from django.db.models import F, Sum

from points.models import Account, LedgerEntry, Lot


def assert_invariants(account_id: int | None = None) -> None:
    """balance == sum(ledger); == sum(lots) when not in debt; lots within 0..amount."""
    accounts = Account.objects.all()
    if account_id is not None:
        accounts = accounts.filter(pk=account_id)
    for account in accounts:
        ledger = (
            LedgerEntry.objects.filter(account=account).aggregate(s=Sum("points"))["s"]
            or 0
        )
        lots = Lot.objects.filter(account=account)
        remaining = lots.aggregate(s=Sum("remaining"))["s"] or 0
        assert account.balance == ledger, (account.pk, account.balance, ledger)
        if account.balance >= 0:
            assert account.balance == remaining, (
                account.pk,
                account.balance,
                remaining,
            )
        else:
            assert remaining == 0, (account.pk, account.balance, remaining)
        assert not lots.filter(remaining__lt=0).exists()
        assert not lots.filter(remaining__gt=F("amount")).exists()


@pytest.fixture
def invariants():
    return assert_invariants
