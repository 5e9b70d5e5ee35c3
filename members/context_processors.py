from .portal import nav_links


def portal(request):
    """Menu links for every page, and the unread count, evaluated only if shown."""

    def unread():
        from .selectors import member_for_user, unread_count

        member = member_for_user(getattr(request, "user", None))
        return unread_count(member.pk) if member is not None else 0

    return {"portal_nav_links": nav_links, "portal_unread": unread}
