"""Pluggable SMS backends, chosen by ``settings.SMS_BACKEND``.

A backend is a class with ``send(phone: str, text: str) -> None``. The console
backend logs messages (the embedded default); the locmem backend keeps them in
``members.sms.outbox`` for tests. A real gateway is one more small class.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("members.sms")

outbox: list[dict] = []


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)
        print(f"[SMS to {phone}] {text}", flush=True)


class LocmemSmsBackend:
    def send(self, phone: str, text: str) -> None:
        outbox.append({"phone": phone, "text": text})


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str) -> None:
    get_backend().send(phone, text)
