"""Tiers and growth value. (Foundation: the tier table; the tiers issue adds the rest.)"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Tier(models.Model):
    """A membership level. Reached by growth value OR by spend in the window."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=30)
    name_en = models.CharField(_("name (English)"), max_length=30)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("0 is the entry tier.")
    )
    min_growth = models.PositiveIntegerField(_("minimum growth value"), default=0)
    min_spend = models.DecimalField(
        _("minimum spend in window (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )
    multiplier = models.DecimalField(
        _("earning multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    retention_growth = models.PositiveIntegerField(
        _("retention growth value"),
        default=0,
        help_text=_(
            "Growth in the window needed to keep this tier when its term ends."
        ),
    )
    retention_spend = models.DecimalField(
        _("retention spend (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )
    upgrade_gift_points = models.PositiveIntegerField(
        _("upgrade gift points"), default=0
    )
    birthday_points = models.PositiveIntegerField(_("birthday points"), default=0)
    colour = models.CharField(_("colour"), max_length=7, default="#888888")

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(multiplier__gte=0) & Q(multiplier__lte=10),
                name="tier_multiplier_sane",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") else self.name_zh
