"""End to end in a real browser: register with a phone code, land on /me/, switch language."""

import re

import pytest

from members import sms
from members.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "13912345678"


def _code_from_outbox(phone: str) -> str:
    texts = [m["text"] for m in sms.outbox if m["phone"] == phone]
    assert texts, "no SMS was sent"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def test_visitor_registers_with_a_phone_code_and_switches_to_english(
    page, screenshot_dir
):
    page.goto(page.url_for("/"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.screenshot(path=screenshot_dir / "landing-zh.png", full_page=True)

    page.goto(page.url_for("/accounts/register/"))
    page.fill("input[name=phone]", PHONE)
    page.click("button.send-code")  # JavaScript: the JSON endpoint
    page.wait_for_function(
        "document.querySelector('.code-status').textContent.length > 0"
    )
    assert page.locator("button.send-code").is_disabled()  # counting down
    page.fill("input[name=code]", _code_from_outbox(PHONE))
    page.fill("input[name=name]", "王小明")
    page.fill("input[name=password1]", "Warm-Winter-2026")
    page.fill("input[name=password2]", "Warm-Winter-2026")
    page.check("input[name=accept_terms]")
    page.screenshot(path=screenshot_dir / "register-zh.png", full_page=True)
    page.click("button[value=register]")

    page.wait_for_url(re.compile(r"/me/$"))
    assert "王小明" in page.locator("h1").first.inner_text()
    assert page.locator(".cards .card").count() >= 1
    # Phone layout: nothing wider than the screen (the menu scrolls on its own).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert Member.objects.filter(user__phone=PHONE, claimed_at__isnull=False).exists()
    page.screenshot(path=screenshot_dir / "home-zh.png", full_page=True)

    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Hello, 王小明" in page.locator("h1").first.inner_text()
    page.screenshot(path=screenshot_dir / "home-en.png", full_page=True)
