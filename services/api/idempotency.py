"""``Idempotency-Key`` for writes that create something (contract: API.md).

A repeat with the same key and the same request returns the first response
(same status, same body) and creates nothing; the same key with a different
request is a 409. Keys are scoped per dealer and kept at least
``settings.DEALER_API_IDEMPOTENCY_HOURS`` (default 48) hours.

Two identical requests at the same moment: the record is inserted in the same
transaction as the write it guards, and the unique constraint on (dealer, key)
makes the second insert wait for the first transaction. When the first
commits, the second finds the stored response and replays it; when the first
fails, nothing was stored and the second is processed as if it came first.
Never two purchases for one key.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .errors import Conflict
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
DEFAULT_TTL_HOURS = 48

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    pattern=r"^[\x21-\x7e]{1,64}$",
    description=(
        "1–64 visible ASCII characters. A repeat with the same key and the same "
        "body returns the first response and creates nothing; the same key with "
        "a different body is answered 409. Kept at least 24 hours, per dealer."
    ),
)


def ttl() -> timedelta:
    return timedelta(
        hours=getattr(settings, "DEALER_API_IDEMPOTENCY_HOURS", DEFAULT_TTL_HOURS)
    )


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= 64 and all(0x21 <= ord(c) <= 0x7E for c in key)


def _file_digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"file:{upload.name}:{upload.size}:{digest.hexdigest()}"


def _canonical(value):
    if isinstance(value, UploadedFile):
        return _file_digest(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def fingerprint(request) -> str:
    """SHA-256 of method, path and the parsed body (key order and, for
    multipart, the boundary do not matter; uploaded files count by content)."""
    data = request.data
    if hasattr(data, "lists"):  # QueryDict (form or multipart)
        body = {k: _canonical(v) for k, v in sorted(data.lists())}
        body.update(
            {f"file:{k}": _canonical(v) for k, v in sorted(request.FILES.lists())}
        )
    else:
        body = _canonical(data)
    raw = json.dumps(
        [request.method, request.path, body],
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.status_code)
    response[REPLAY_HEADER] = "true"
    return response


def _claim(*, dealer_id: int, key: str, method: str, path: str, fp: str):
    """Insert the record (caller holds an open transaction), or return the
    committed one another request stored under this key.

    On PostgreSQL the insert waits while a concurrent transaction holds the
    same (dealer, key); SQLite serialises writers anyway.
    """
    try:
        with transaction.atomic():
            return True, IdempotencyRecord.objects.create(
                dealer_id=dealer_id,
                key=key,
                method=method,
                path=path[:255],
                fingerprint=fp,
                status_code=0,
            )
    except IntegrityError:
        existing = IdempotencyRecord.objects.get(dealer_id=dealer_id, key=key)
    if existing.created_at < timezone.now() - ttl():
        existing.delete()
        return _claim(dealer_id=dealer_id, key=key, method=method, path=path, fp=fp)
    return False, existing


def idempotent(view_method):
    """Decorate a DRF view method that creates something.

    Without the header the method runs as usual. With it, the method runs in
    one transaction with the stored record; a 5xx or an exception stores
    nothing (the exception still reaches DRF's handler, which answers it).
    """

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        if not valid_key(key):
            raise exceptions.ValidationError(
                {HEADER: [_("Use 1 to 64 visible ASCII characters.")]}
            )
        fp = fingerprint(request)
        with transaction.atomic():
            created, record = _claim(
                dealer_id=request.user.dealer_id,
                key=key,
                method=request.method,
                path=request.path,
                fp=fp,
            )
            if not created:
                if record.fingerprint != fp:
                    raise Conflict(
                        _(
                            "This Idempotency-Key was already used with a "
                            "different request."
                        )
                    )
                return _replay(record)
            response = view_method(self, request, *args, **kwargs)
            if response.status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = json.loads(JSONRenderer().render(response.data))
            record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper


def idempotency_records_purge(*, older_than: timedelta | None = None) -> int:
    """Delete records past their keeping time; returns how many went."""
    cutoff = timezone.now() - (older_than or ttl())
    deleted, _counts = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
