"""The default privilege catalogue and what each default tier grants.

Higher tiers inherit lower tiers' grants; a grant listed for a higher tier
overrides the inherited one. Operators edit both in the admin afterwards.
"""

from decimal import Decimal

from django.db import migrations

# code, category, kind, service type, position,
# name zh, name en, description zh, description en, how to use zh, how to use en
PRIVILEGES = [
    (
        "member_discount", "functional", "discount_percent", "", 10,
        "会员折扣", "Member discount",
        "在授权经销商处购买暖气片及配件时,按会员等级享受相应折扣。",
        "A discount on radiators and accessories bought from authorised dealers, by tier.",
        "购买时向经销商出示会员手机号,折扣自动生效。",
        "Give the dealer your member mobile number at checkout; the discount applies automatically.",
    ),
    (
        "birthday_wishes", "experience", "birthday_gift", "", 15,
        "生日祝福与礼遇", "Birthday wishes and gift",
        "生日当天收到品牌祝福,并按会员等级获赠生日积分。",
        "Birthday wishes from us on your birthday, with birthday points by tier.",
        "在个人资料中填写生日即可,当天自动送达。",
        "Add your birthday to your profile; it arrives on the day.",
    ),
    (
        "maintenance_reminders", "service", "maintenance_reminders", "", 20,
        "保养提醒", "Maintenance reminders",
        "采暖季前及上次服务约十一个月后提醒您预约年度检查。",
        "Reminders to book a check before the heating season and about eleven months after your last service.",
        "登记您的产品,提醒会自动发送到站内信和短信。",
        "Register your products; reminders arrive in your inbox and by SMS.",
    ),
    (
        "member_promotions", "functional", "member_promotions", "", 25,
        "会员专享促销", "Member-only promotions",
        "参与仅对银卡及以上会员开放的专属促销活动。",
        "Access to promotions open only to Silver members and above.",
        "活动信息通过站内信发送,按通知中的说明参与。",
        "Offers arrive in your inbox; follow the instructions in each.",
    ),
    (
        "member_hotline", "service", "hotline", "", 30,
        "会员专属服务热线", "Priority member hotline",
        "拨打会员专线,优先接入专属客服。",
        "A dedicated member line that puts you through to our service team first.",
        "拨打 400-800-1234,按提示输入会员手机号。",
        "Call 400-800-1234 and enter your member mobile number when asked.",
    ),
    (
        "priority_booking", "service", "priority_booking", "", 35,
        "优先预约", "Priority booking",
        "比普通会员提前若干天预约安装与保养,采暖季前的高峰期尤其有用。",
        "Book installations and maintenance days earlier than regular members: it matters before the heating season.",
        "在“服务预约”中直接选择更远的日期即可。",
        "Just pick a later date when you book a service.",
    ),
    (
        "free_delivery", "functional", "free_delivery", "", 40,
        "免费配送", "Free delivery",
        "购买产品免收配送费。",
        "No delivery charge on products you buy.",
        "购买时向经销商出示会员手机号。",
        "Give the dealer your member mobile number when you buy.",
    ),
    (
        "design_consultation", "experience", "design_consultation", "design_consultation", 45,
        "免费一对一设计咨询", "Free one-to-one design consultation",
        "设计师上门或线上为您规划整屋采暖方案。",
        "A designer plans your whole-home heating with you, at home or online.",
        "预约“设计咨询”服务,费用自动免除。",
        "Book a “design consultation” service; it is free of charge.",
    ),
    (
        "emergency_response", "service", "emergency_response", "", 50,
        "急速售后", "Fast after-sales response",
        "紧急故障时,技师在承诺时限内响应。",
        "When something breaks, a technician responds within the target time.",
        "预约“紧急维修”,系统按您的等级承诺响应时限。",
        "Book an “emergency repair”; your tier's response target applies.",
    ),
    (
        "free_annual_check", "service", "free_service", "annual_check", 55,
        "免费年度健康检查", "Free annual health check",
        "每年一次免费的采暖系统年度健康检查。",
        "A free annual health check of your heating system every year.",
        "预约“年度健康检查”服务,费用自动免除。",
        "Book an “annual health check”; it is free of charge.",
    ),
    (
        "extended_warranty", "functional", "warranty_extension", "", 60,
        "延长保修", "Extended warranty",
        "登记的产品在基础保修期之外再延长保修。",
        "Products you register get extra months on top of the base warranty.",
        "在“我的产品”中登记序列号,延保自动计入。",
        "Register the serial number under “My products”; the extension is added.",
    ),
    (
        "trade_in_discount", "functional", "trade_in_discount", "", 65,
        "以旧换新优惠", "Trade-in discount",
        "以旧暖气片换购新品时享受额外折扣。",
        "An extra discount when you trade in old radiators for new ones.",
        "向经销商说明以旧换新,并出示会员手机号。",
        "Tell the dealer you are trading in and give your member mobile number.",
    ),
    (
        "member_events", "experience", "event_access", "", 70,
        "会员活动", "Member events",
        "报名参加工厂参观、新品发布会和采暖知识沙龙。",
        "Sign up for factory tours, product launches and heating salons.",
        "在“会员活动”页面报名,名额有限。",
        "Sign up on the “Member events” page; places are limited.",
    ),
    (
        "free_pipe_cleaning", "service", "free_service", "pipe_cleaning", 75,
        "免费管道清洗", "Free pipe cleaning",
        "每年一次免费的采暖管道清洗,连同年度健康检查,每年共两次免费服务。",
        "A free pipe cleaning every year: with the annual health check, two free services a year.",
        "预约“管道清洗”服务,费用自动免除。",
        "Book a “pipe cleaning”; it is free of charge.",
    ),
    (
        "new_product_preview", "experience", "product_preview", "", 80,
        "新品优先体验", "New-product preview",
        "新品上市前优先体验与优先购买。",
        "Try and buy new products before they launch.",
        "新品体验邀请通过站内信发送。",
        "Invitations arrive in your inbox.",
    ),
    (
        "customisation", "experience", "customisation", "", 85,
        "个性化定制", "Customisation",
        "定制暖气片颜色、尺寸与专属铭牌。",
        "Custom colour, size and a personal nameplate for your radiators.",
        "致电会员专线或联系经销商提出定制需求。",
        "Ask through the member hotline or your dealer.",
    ),
]

# tier code -> [(privilege code, value, quota, period)]; None value: no parameter,
# None quota: unlimited. Lower tiers' grants are inherited unless listed again.
GRANTS = {
    "regular": [
        ("member_discount", "2", None, "year"),
        ("birthday_wishes", None, None, "year"),
        ("maintenance_reminders", None, None, "year"),
        ("member_events", None, 1, "year"),
    ],
    "silver": [
        ("member_discount", "5", None, "year"),
        ("member_promotions", None, None, "year"),
        ("member_hotline", None, None, "year"),
        ("priority_booking", "3", None, "year"),
        ("member_events", None, 2, "year"),
    ],
    "gold": [
        ("member_discount", "10", None, "year"),
        ("priority_booking", "7", None, "year"),
        ("free_delivery", None, None, "year"),
        ("design_consultation", None, 1, "year"),
        ("emergency_response", "24", None, "year"),
        ("free_annual_check", None, 1, "year"),
        ("extended_warranty", "12", None, "year"),
        ("trade_in_discount", "5", None, "year"),
        ("member_events", None, 4, "year"),
    ],
    "diamond": [
        ("member_discount", "15", None, "year"),
        ("priority_booking", "14", None, "year"),
        ("emergency_response", "4", None, "year"),
        ("extended_warranty", "24", None, "year"),
        ("trade_in_discount", "10", None, "year"),
        ("member_events", None, None, "year"),
        ("free_pipe_cleaning", None, 1, "year"),
        ("new_product_preview", None, None, "year"),
        ("customisation", None, None, "year"),
    ],
}


def create(apps, schema_editor):
    Privilege = apps.get_model("privileges", "Privilege")
    TierGrant = apps.get_model("privileges", "TierGrant")
    Tier = apps.get_model("tiers", "Tier")
    by_code = {}
    for (
        code, category, kind, service_type, position,
        name_zh, name_en, desc_zh, desc_en, how_zh, how_en,
    ) in PRIVILEGES:
        by_code[code], _ = Privilege.objects.update_or_create(
            code=code,
            defaults=dict(
                category=category,
                kind=kind,
                service_type_code=service_type,
                position=position,
                name_zh=name_zh,
                name_en=name_en,
                description_zh=desc_zh,
                description_en=desc_en,
                how_to_use_zh=how_zh,
                how_to_use_en=how_en,
            ),
        )
    tiers = {t.code: t for t in Tier.objects.all()}
    for tier_code, grants in GRANTS.items():
        tier = tiers.get(tier_code)
        if tier is None:  # an installation that renamed the default tiers
            continue
        for code, value, quota, period in grants:
            TierGrant.objects.update_or_create(
                tier=tier,
                privilege=by_code[code],
                defaults=dict(
                    value=Decimal(value) if value is not None else None,
                    quota=quota,
                    period=period,
                    revoked=False,
                ),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("privileges", "0001_initial"),
        ("tiers", "0002_default_tiers"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
