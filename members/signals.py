"""Events the members app announces. Higher apps connect in AppConfig.ready().

Every signal is sent after the surrounding transaction commits, with ids only.
"""

from django.dispatch import Signal

# member_id: int, channel: str
member_registered = Signal()
# member_id: int
member_claimed = Signal()
# member_id: int
member_closed = Signal()
