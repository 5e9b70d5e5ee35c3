"""Extension points of the portal that higher apps fill without being imported.

Apps register, in ``AppConfig.ready()``:
- a *home card* shown on the member home ``/me/``: a template and a function
  ``context(request) -> dict`` (keep it to one or two queries; it runs on
  every home page view);
- a *nav link* in the member menu.

members never imports the apps that register here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HomeCard:
    order: int
    template: str
    context: Callable = field(default=lambda request: {})


@dataclass(frozen=True)
class NavLink:
    order: int
    label: str  # a lazy translation
    url_name: str


home_cards: list[HomeCard] = []
nav_links: list[NavLink] = []


def register_home_card(
    *, order: int, template: str, context: Callable | None = None
) -> None:
    card = HomeCard(order, template, context or (lambda request: {}))
    if all(c.template != template for c in home_cards):
        home_cards.append(card)
        home_cards.sort(key=lambda c: c.order)


def register_nav_link(*, order: int, label, url_name: str) -> None:
    if all(n.url_name != url_name for n in nav_links):
        nav_links.append(NavLink(order, label, url_name))
        nav_links.sort(key=lambda n: n.order)


def render_home_cards(request) -> list[tuple[str, dict]]:
    """(template, context) for each registered card, in order."""
    return [(card.template, card.context(request)) for card in home_cards]


@dataclass(frozen=True)
class ExportSection:
    name: str
    collect: Callable  # collect(member) -> JSON-serialisable data


export_sections: list[ExportSection] = []


def register_export_section(*, name: str, collect: Callable) -> None:
    """Add a section to a member's data export (``/me/export/``).

    ``collect(member)`` returns JSON-serialisable data (dicts, lists, strings,
    numbers; use ``str`` for Decimal and ``isoformat()`` for dates). Higher apps
    call this in ``AppConfig.ready()``, e.g. ``name="points"``.
    """
    if all(s.name != name for s in export_sections):
        export_sections.append(ExportSection(name, collect))
