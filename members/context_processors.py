from .portal import nav_links


def portal(request):
    return {"portal_nav_links": nav_links}
