"""Staff roles as groups with least privilege, kept up to date on every migrate.

Permissions are named by strings (``app_label.codename`` or a pattern such as
``services.view_*``) so members never imports the apps whose models they
cover. A rule naming a model that does not exist yet is skipped; the next
``migrate`` after that app lands adds it. Groups are set to exactly these
permissions, so a permission removed here is removed from the group.
"""

from fnmatch import fnmatchcase

from django.utils.translation import gettext_noop

# Group names are stored in English (the admin shows them as stored).
MEMBER_OPERATIONS = gettext_noop("Member operations")
SERVICE_DISPATCH = gettext_noop("Service dispatch")
ANALYST = gettext_noop("Analyst (read-only)")
DEALER_MANAGEMENT = gettext_noop("Dealer management")

OUR_APPS = ("members", "tiers", "points", "rewards", "privileges", "services")
_VIEW_ALL = tuple(f"{app}.view_*" for app in OUR_APPS)

ROLES: dict[str, tuple[str, ...]] = {
    # Customers, their points and tiers, rewards fulfilment, campaigns.
    MEMBER_OPERATIONS: (
        *_VIEW_ALL,
        "members.change_member",
        "members.change_user",
        "members.add_address",
        "members.change_address",
        "members.delete_address",
        "members.add_notification",
        "members.delete_signinfailure",
        "tiers.change_tierstatus",
        "tiers.add_tierchange",
        "points.add_ledgerentry",
        "points.add_earningrule",
        "points.change_earningrule",
        "points.add_campaign",
        "points.change_campaign",
        "points.change_checkoutsettings",
        "rewards.add_rewarditem",
        "rewards.change_rewarditem",
        "rewards.change_redemption",
        "privileges.add_privilege",
        "privileges.change_privilege",
        "privileges.add_tiergrant",
        "privileges.change_tiergrant",
        "privileges.delete_tiergrant",
        "privileges.add_memberevent",
        "privileges.change_memberevent",
        "privileges.add_privilegeuse",
    ),
    # Bookings, slots, technicians; reads member contact data to do so.
    SERVICE_DISPATCH: (
        "members.view_member",
        "members.view_user",
        "members.view_address",
        "members.add_notification",
        "members.view_notification",
        "tiers.view_tier",
        "tiers.view_tierstatus",
        "privileges.view_*",
        "services.view_*",
        "services.add_booking",
        "services.change_booking",
        "services.add_slot",
        "services.change_slot",
        "services.add_slottemplate",
        "services.change_slottemplate",
        "services.delete_slottemplate",
        "services.add_technician",
        "services.change_technician",
        "services.add_region",
        "services.change_region",
        "services.change_review",
        "services.view_bookingphoto",
        "services.add_registeredproduct",
        "services.change_registeredproduct",
    ),
    # Sees everything of the programme, changes nothing.
    ANALYST: _VIEW_ALL,
    # Dealers, their staff users and API tokens, dealer-customer links.
    DEALER_MANAGEMENT: (
        "members.view_dealer",
        "members.add_dealer",
        "members.change_dealer",
        "members.view_user",
        "members.add_user",
        "members.change_user",
        "members.view_dealercustomer",
        "members.view_member",
        "authtoken.view_tokenproxy",
        "authtoken.add_tokenproxy",
        "authtoken.delete_tokenproxy",
        "points.view_purchase",
        "points.view_purchaseitem",
    ),
}


def expand(rules, available: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (app_label, codename) pairs of ``available`` that the rules name."""
    chosen = set()
    for rule in rules:
        app, _dot, pattern = rule.partition(".")
        chosen.update(
            (a, c) for a, c in available if a == app and fnmatchcase(c, pattern)
        )
    return chosen


def sync_staff_groups(using: str = "default") -> dict[str, int]:
    """Create or update each role group to exactly its permissions.

    Idempotent; returns the number of permissions per group.
    """
    from django.contrib.auth.models import Group, Permission

    perms = list(
        Permission.objects.using(using).values_list(
            "content_type__app_label", "codename", "pk"
        )
    )
    index = {(a, c): pk for a, c, pk in perms}
    available = list(index)
    result = {}
    for name, rules in ROLES.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        wanted = [index[pair] for pair in sorted(expand(rules, available))]
        group.permissions.set(wanted)
        result[name] = len(wanted)
    return result


def on_post_migrate(sender, app_config=None, using="default", **kwargs):
    """post_migrate receiver: make sure every app's permissions exist first."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    sync_staff_groups(using=using)
