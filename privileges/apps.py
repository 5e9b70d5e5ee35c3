from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivilegesConfig(AppConfig):
    name = "privileges"
    verbose_name = _("Privileges")
