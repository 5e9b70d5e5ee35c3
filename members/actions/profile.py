"""A member's own profile and addresses.

Only the fields in ``PROFILE_FIELDS`` and ``ADDRESS_FIELDS`` can change.
Address changes lock the member row, so a member always has exactly one
default address while any are left: the first (or one marked default)
becomes default, and deleting the default promotes the newest other one.
A member can only change their own addresses (Address.DoesNotExist).
"""

from django.db import transaction

from ..models import Address, Member, User
from ..phone import normalize_phone

PROFILE_FIELDS = (
    "birthday",
    "household_size",
    "home_area_m2",
    "city",
    "district",
    "notify_by_email",
    "notify_by_sms",
)


def member_profile_update(
    *, member_id: int, name: str, email: str = "", **profile
) -> Member:
    """Change the name, email and profile fields a member may edit."""
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member_id)
        user = User.objects.select_for_update().get(pk=member.user_id)
        user.name = name
        user.email = email
        user.save(update_fields=["name", "email"])
        for field, value in profile.items():
            setattr(member, field, value)
        member.save(update_fields=[*profile, "updated_at"])
    return member


ADDRESS_FIELDS = (
    "label",
    "recipient",
    "phone",
    "province",
    "city",
    "district",
    "detail",
    "is_default",
)


def _address_set_default(member_id: int, address: Address) -> None:
    """Caller holds a transaction: make ``address`` the one default."""
    Address.objects.filter(member_id=member_id, is_default=True).exclude(
        pk=address.pk
    ).update(is_default=False)


def address_create(*, member_id: int, **fields) -> Address:
    """Add an address; the first one (or one marked default) becomes default."""
    fields = {k: v for k, v in fields.items() if k in ADDRESS_FIELDS}
    fields["phone"] = normalize_phone(fields.get("phone"))
    with transaction.atomic():
        Member.objects.select_for_update().only("pk").get(pk=member_id)
        has_default = Address.objects.filter(
            member_id=member_id, is_default=True
        ).exists()
        make_default = bool(fields.pop("is_default", False)) or not has_default
        if make_default:
            Address.objects.filter(member_id=member_id, is_default=True).update(
                is_default=False
            )
        return Address.objects.create(
            member_id=member_id, is_default=make_default, **fields
        )


def address_update(*, member_id: int, address_id: int, **fields) -> Address:
    """Change a member's own address. Raises Address.DoesNotExist for others'."""
    fields = {k: v for k, v in fields.items() if k in ADDRESS_FIELDS}
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"])
    with transaction.atomic():
        Member.objects.select_for_update().only("pk").get(pk=member_id)
        address = Address.objects.get(pk=address_id, member_id=member_id)
        make_default = fields.pop("is_default", None)
        for field, value in fields.items():
            setattr(address, field, value)
        if make_default:
            _address_set_default(member_id, address)
            address.is_default = True
        address.save()
    return address


def address_delete(*, member_id: int, address_id: int) -> None:
    """Delete a member's own address; another one becomes default if needed."""
    with transaction.atomic():
        Member.objects.select_for_update().only("pk").get(pk=member_id)
        address = Address.objects.get(pk=address_id, member_id=member_id)
        was_default = address.is_default
        address.delete()
        if was_default:
            successor = (
                Address.objects.filter(member_id=member_id)
                .order_by("-created_at", "-id")
                .first()
            )
            if successor is not None:
                successor.is_default = True
                successor.save(update_fields=["is_default"])
