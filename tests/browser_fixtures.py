"""Browser-test fixtures for every app (loaded by tests/conftest.py): Playwright driving Debian's Chromium.

Use ``page`` (a phone-sized page, Chinese by default) with pytest-django's
``live_server``; mark tests ``@pytest.mark.browser``. Tests skip, with the
reason, when /usr/bin/chromium or Playwright is missing. Never downloads a
browser.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            "needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        pytest.skip("needs the playwright package (pip install -e '.[dev]')")
    # Playwright's sync API runs an event loop in this thread; Django's ORM
    # refuses to run in a thread with a running loop unless told it is safe
    # (it is: the loop only drives the browser).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized page; ``page.url_for("/me/")`` gives absolute URLs."""
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.url_for = lambda path: f"{live_server.url}{path}"
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    """Where browser tests leave screenshots for a person to look at."""
    path = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp/radiator-screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path
