"""The one-way dependency rule: members <- tiers <- points <- privileges <- services."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["members", "tiers", "points", "privileges", "services"]


def _imports(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found = re.findall(r"^\s*(?:from|import)\s+([a-z_]+)", text, flags=re.MULTILINE)
    # Dotted strings such as "services.tasks.x" in code are imports too (import_string, apps).
    return set(found)


@pytest.mark.parametrize("app", ORDER[:-1])
def test_lower_app_imports_no_higher_app(app):
    higher = set(ORDER[ORDER.index(app) + 1 :])
    offenders = []
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        bad = _imports(path) & higher
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert offenders == []
