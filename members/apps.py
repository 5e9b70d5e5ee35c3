from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from .roles import on_post_migrate

        # Runs after the members migrations; it creates every app's permissions
        # first, so the groups see models of apps migrated later as well.
        post_migrate.connect(
            on_post_migrate, sender=self, dispatch_uid="members.staff_groups"
        )
