"""The API's own table: stored responses for ``Idempotency-Key`` replays.

Loaded by Django through ``services/models.py`` (``from .api.models import *``),
so the table belongs to the ``services`` app.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["IdempotencyRecord"]


class IdempotencyRecord(models.Model):
    """The first response to a write carrying an ``Idempotency-Key``.

    Scoped per dealer: the same key from two dealers is two records. The row is
    inserted in the same transaction as the write it guards, so it exists
    (and is visible to others) only together with what the write created.
    """

    dealer = models.ForeignKey(
        "members.Dealer",
        verbose_name=_("dealer"),
        on_delete=models.CASCADE,
        related_name="idempotency_records",
    )
    key = models.CharField(_("idempotency key"), max_length=64)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=255)
    fingerprint = models.CharField(
        _("request fingerprint"),
        max_length=64,
        help_text=_("SHA-256 of the method, path and body of the first request."),
    )
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "key"], name="idempotency_key_unique_per_dealer"
            ),
        ]

    def __str__(self):
        return f"{self.dealer_id}:{self.key} → {self.status_code}"
