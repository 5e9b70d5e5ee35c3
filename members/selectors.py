"""Reads of the members app shared by pages, the API and the admin."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from .models import Address, Member, Notification
from .phone import normalize_phone
from .portal import export_sections


def member_for_user(user) -> Member | None:
    """The member profile of a signed-in customer, or None for staff."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.member
    except Member.DoesNotExist:
        return None


def member_by_phone(phone: str) -> Member | None:
    return (
        Member.objects.select_related("user")
        .filter(user__phone=normalize_phone(phone))
        .first()
    )


def addresses_of(member_id: int) -> QuerySet[Address]:
    return Address.objects.filter(member_id=member_id)


def address_of(member_id: int, address_id: int) -> Address:
    """The member's own address; raises Address.DoesNotExist for anyone else's."""
    return Address.objects.get(pk=address_id, member_id=member_id)


def notifications_page(member_id: int, page: int | str = 1, per_page: int = 20) -> Page:
    """One page of the inbox, newest first (invalid page numbers give the last)."""
    qs = Notification.objects.filter(member_id=member_id).only(
        "id", "title", "body", "url", "created_at", "read_at", "category"
    )
    return Paginator(qs, per_page).get_page(page)


def unread_count(member_id: int) -> int:
    return Notification.objects.filter(
        member_id=member_id, read_at__isnull=True
    ).count()


def _iso(value):
    return value.isoformat() if value is not None else None


def member_export(member: Member) -> dict:
    """Everything the programme holds about a member, as JSON-ready data.

    members contributes the account, profile, addresses and inbox; higher apps
    add their sections through ``members.portal.register_export_section``.
    """
    user = member.user
    data = {
        "account": {
            "phone": user.phone,
            "name": user.name,
            "email": user.email,
            "date_joined": _iso(user.date_joined),
        },
        "profile": {
            "referral_code": member.referral_code,
            "referred_by": member.referred_by.referral_code
            if member.referred_by_id
            else None,
            "channel": member.channel,
            "enrolled_by_dealer": member.enrolled_by_dealer.name
            if member.enrolled_by_dealer_id
            else None,
            "claimed_at": _iso(member.claimed_at),
            "terms_accepted_at": _iso(member.terms_accepted_at),
            "birthday": _iso(member.birthday),
            "household_size": member.household_size,
            "home_area_m2": str(member.home_area_m2)
            if member.home_area_m2 is not None
            else None,
            "city": member.city,
            "district": member.district,
            "notify_by_email": member.notify_by_email,
            "notify_by_sms": member.notify_by_sms,
            "created_at": _iso(member.created_at),
        },
        "addresses": [
            {
                "label": a.label,
                **a.snapshot(),
                "is_default": a.is_default,
                "created_at": _iso(a.created_at),
            }
            for a in member.addresses.all()
        ],
        "dealers": [
            {
                "dealer": link.dealer.name,
                "enrolled": link.enrolled,
                "since": _iso(link.created_at),
            }
            for link in member.dealer_links.select_related("dealer")
        ],
        "notifications": [
            {
                "title": n.title,
                "body": n.body,
                "url": n.url,
                "category": n.category,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in member.notifications.all()
        ],
    }
    for section in export_sections:
        data[section.name] = section.collect(member)
    return data
