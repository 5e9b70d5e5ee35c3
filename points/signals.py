"""Events the points app announces. Higher apps connect in AppConfig.ready().

``purchase_recorded`` is sent INSIDE the transaction that records a purchase,
after its items are saved and before points are credited. A receiver may
refuse the purchase by raising ``points.exceptions.PurchaseRejected(field,
message)``; everything then rolls back.

Arguments: purchase_id: int, member_id: int, dealer_id: int | None,
items: list[dict] (sku, name, category, quantity, amount, serial_numbers).
"""

from django.dispatch import Signal

purchase_recorded = Signal()
