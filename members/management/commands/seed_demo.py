"""Idempotent demo data: dealers, members, one staff account per role, an admin.

Then runs every other ``seed_demo_*`` command it finds, so each app adds its
own demo data without members importing it. Safe to run again: nothing is
duplicated and the printed credentials stay valid.
"""

import os

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members import actions, roles
from members.models import Dealer, Member, User

DEMO_PASSWORD = "Radiator-Demo-2026"  # noqa: S105 (demo data, printed on purpose)
ADMIN_PASSWORD = "Radiator-Admin-2026"  # noqa: S105

DEALERS = [
    ("nuanju-beijing", "暖居采暖（北京朝阳店）", "北京", "010-65550101"),
    ("hengwen-shenyang", "恒温暖通（沈阳）", "沈阳", "024-23330202"),
    ("hanjia-haerbin", "寒家散热器（哈尔滨道里）", "哈尔滨", "0451-84440303"),
]

MEMBERS = [
    # phone, name, city, district, dealer code (None: registered on the portal)
    ("13800000001", "王小明", "北京", "朝阳区", None),
    ("13800000002", "李娜", "北京", "海淀区", "nuanju-beijing"),
    ("13800000003", "张伟", "沈阳", "和平区", "hengwen-shenyang"),
    ("13800000004", "刘芳", "哈尔滨", "道里区", "hanjia-haerbin"),
    ("13800000005", "陈静", "沈阳", "沈河区", None),
    ("13800000006", "杨洋", "北京", "丰台区", None),
]
UNCLAIMED = ("13800000009", "赵先生", "哈尔滨", "南岗区", "hanjia-haerbin")

STAFF = [
    ("ops", "会员运营 小周", roles.MEMBER_OPERATIONS),
    ("dispatch", "服务调度 小吴", roles.SERVICE_DISPATCH),
    ("analyst", "数据分析 小郑", roles.ANALYST),
    ("dealers", "经销商管理 小孙", roles.DEALER_MANAGEMENT),
]


class Command(BaseCommand):
    help = "Create demo data (idempotent) and run every other seed_demo_* command."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only-members",
            action="store_true",
            help="Do not run the other apps' seed_demo_* commands.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (it creates accounts with known passwords).",
        )

    def handle(self, *args, only_members=False, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with published passwords: run it only "
                "in development (DJANGO_DEBUG=1) or pass --force."
            )
        roles.sync_staff_groups()
        with transaction.atomic():
            dealers = self._dealers()
            self._members(dealers)
            self._staff(dealers)
        self._print_credentials()
        if not only_members:
            for name in sorted(get_commands()):
                if name.startswith("seed_demo_"):
                    self.stdout.write(f"Running {name} ...")
                    call_command(name, stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _dealers(self) -> dict[str, Dealer]:
        result = {}
        for code, name, city, phone in DEALERS:
            dealer, _created = Dealer.objects.get_or_create(
                code=code, defaults={"name": name, "city": city, "contact_phone": phone}
            )
            result[code] = dealer
        return result

    def _members(self, dealers):
        for phone, name, city, district, dealer_code in MEMBERS:
            if Member.objects.filter(user__phone=phone).exists():
                continue
            member = actions.member_register(
                phone=phone,
                name=name,
                password=DEMO_PASSWORD,
                channel=Member.Channel.DEALER if dealer_code else Member.Channel.PORTAL,
                dealer_id=dealers[dealer_code].pk if dealer_code else None,
                email=f"member{phone[-2:]}@example.com",
                city=city,
                district=district,
            )
            actions.address_create(
                member_id=member.pk,
                label="家",
                recipient=name,
                phone=phone,
                city=city,
                district=district,
                detail="幸福路 18 号 3 单元 501",
            )
            actions.notification_send(
                member_id=member.pk,
                title="欢迎加入暖居会员俱乐部",
                body="完善资料、登记产品，即可开始累积积分。",
                url="/me/profile/",
                key=f"demo-welcome:{member.pk}",
            )
        phone, name, city, district, dealer_code = UNCLAIMED
        actions.member_enrol_by_dealer(
            dealer_id=dealers[dealer_code].pk,
            phone=phone,
            name=name,
            city=city,
            district=district,
        )

    def _staff(self, dealers):
        for username, name, group_name in STAFF:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username, password=DEMO_PASSWORD, name=name, is_staff=True
                )
            user.groups.add(Group.objects.get(name=group_name))
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", ADMIN_PASSWORD, name="管理员")
        if not User.objects.filter(username="dealer-beijing").exists():
            User.objects.create_user(
                username="dealer-beijing",
                password=DEMO_PASSWORD,
                name="暖居北京店 API",
                dealer=dealers["nuanju-beijing"],
            )

    def _print_credentials(self):
        w = self.stdout.write
        # `make run PORT=...` passes its port on; a bare seed_demo assumes runserver's.
        site = f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}"
        w("")
        w(f"Operator console {site}/admin/ (username / password):")
        w(f"  admin / {ADMIN_PASSWORD}   superuser")
        for username, _name, group in STAFF:
            w(f"  {username} / {DEMO_PASSWORD}   {group}")
        w(f"Member portal {site}/accounts/login/ (mobile / password):")
        for phone, name, *_rest in MEMBERS[:3]:
            w(f"  {phone} / {DEMO_PASSWORD}   {name}")
        w(
            f"  {UNCLAIMED[0]} was enrolled by a dealer and has no password yet: "
            "claim it at /accounts/password-reset/ (the code appears in this console)."
        )
        w("")
