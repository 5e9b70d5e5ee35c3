"""The dealer API under /api/v1/: one façade over every app (contract: ../shared/API.md).

Plumbing lives in ``auth``, ``pagination``, ``throttling``, ``errors`` and
``idempotency``; one module per resource holds its serializers and views.
The API adds no business rule of its own: every write is an action of the
app that owns the data, every read a selector (or a dealer-scoped queryset).
"""
