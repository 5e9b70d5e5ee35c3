"""Chinese by default, English on request; the catalogues are complete."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = [
    ROOT / "members/locale/zh_Hans/LC_MESSAGES/django.po",
    ROOT / "locale/zh_Hans/LC_MESSAGES/django.po",
]


@pytest.mark.django_db
def test_portal_speaks_chinese_by_default_and_english_after_the_switch(client):
    chinese = client.get(reverse("members:landing")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("members:landing")).content.decode()

    assert 'lang="zh-hans"' in chinese and "如何赚积分" in chinese
    assert 'lang="en"' in english and "How to earn points" in english


@pytest.mark.django_db
def test_form_errors_come_in_the_users_language(client):
    response = client.post(reverse("members:send_code"), {"phone": "123"})

    assert "手机号" in response.json()["message"]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_chinese_message_is_translated_and_compiled(path):
    text = path.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first block is the header

    untranslated = [
        e for e in entries if re.search(r'^msgstr(\[0\])? ""\Z', e.strip(), re.M)
    ]
    assert "#, fuzzy" not in text
    assert untranslated == []
    mo = path.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= path.stat().st_mtime - 1
