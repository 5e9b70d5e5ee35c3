"""Voucher codes: unguessable, easy to read aloud, and tolerant when typed."""

import secrets

# 32 symbols without 0/O and 1/I: 5 bits each.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 16  # 80 random bits from the OS's CSPRNG


def new_voucher_code() -> str:
    """A fresh random code (uniqueness is enforced by the database)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """The stored form of a code as typed or scanned: upper case, no separators."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())
