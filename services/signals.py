"""Events the services app announces.

``booking_completed(booking_id, member_id, service_type_code)``: sent inside
the completion transaction; receivers must be idempotent (keys).
"""

from django.dispatch import Signal

booking_completed = Signal()
