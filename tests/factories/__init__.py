"""factory-boy factories, one module per app. Import from here."""

from .members import (  # noqa: F401
    AddressFactory,
    DealerFactory,
    DealerStaffFactory,
    MemberFactory,
    NotificationFactory,
    StaffUserFactory,
    UserFactory,
)
