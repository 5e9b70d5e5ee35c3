"""Rows higher apps add to the public tier comparison page ``/tiers/``.

privileges (a higher app) registers, in its ``AppConfig.ready()``::

    from tiers.registry import register_comparison_rows
    register_comparison_rows(order=10, provider=privilege_rows)

where ``provider(tiers: list[Tier]) -> list[tuple[label, list[cell]]]`` returns
one row per thing compared, with one cell (a string) per tier in the order of
``tiers``. tiers never imports the apps that register here.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RowProvider:
    order: int
    provider: Callable


providers: list[RowProvider] = []


def register_comparison_rows(*, order: int, provider: Callable) -> None:
    if all(p.provider is not provider for p in providers):
        providers.append(RowProvider(order, provider))
        providers.sort(key=lambda p: p.order)
