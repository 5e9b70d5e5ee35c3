"""manage.py create_dealer "NAME" USERNAME: a dealer, its staff user, its API token."""

from django.core.management.base import BaseCommand, CommandError

from members.api_tokens import NotDealerStaff, dealer_with_staff_create


class Command(BaseCommand):
    help = (
        "Create a dealer with a staff user and print the user's API token "
        "(the only line on standard output, so scripts can capture it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The dealer's name, e.g. 暖居北京朝阳店")
        parser.add_argument("username", help="Username of the dealer's staff user")
        parser.add_argument(
            "--code", default="", help="Dealer code (slug); default: from USERNAME"
        )
        parser.add_argument("--city", default="")
        parser.add_argument(
            "--password",
            default=None,
            help="Let the staff user sign in to the console too (default: API only)",
        )

    def handle(self, *args, name, username, code, city, password, **options):
        if not name.strip() or not username.strip():
            raise CommandError("NAME and USERNAME must not be empty.")
        try:
            token = dealer_with_staff_create(
                name=name.strip(),
                username=username.strip(),
                code=code,
                city=city,
                password=password,
            )
        except NotDealerStaff as exc:
            raise CommandError(str(exc.message)) from exc
        dealer = token.user.dealer
        self.stderr.write(
            f"Dealer {dealer.name} ({dealer.code}, id {dealer.pk}), "
            f"staff user {token.user.username}. API token:"
        )
        self.stdout.write(token.key)
