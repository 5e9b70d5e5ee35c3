"""Personal referral codes: unique, and no self-referral or loops."""

import pytest

from members.actions import member_referrer_set, member_register
from members.exceptions import ReferralRefused
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def test_every_member_gets_a_distinct_readable_code():
    codes = {
        member_register(phone=f"1390000000{i}", name="x", password=None).referral_code
        for i in range(5)
    }

    assert len(codes) == 5
    assert all(len(c) == 8 and not set(c) & set("01OI") for c in codes)


def test_own_code_is_refused():
    member = MemberFactory()

    with pytest.raises(ReferralRefused):
        member_referrer_set(member_id=member.pk, referral_code=member.referral_code)


def test_referral_loop_is_refused():
    a = MemberFactory()
    b = MemberFactory(referred_by=a)
    c = MemberFactory(referred_by=b)

    with pytest.raises(ReferralRefused):
        member_referrer_set(member_id=a.pk, referral_code=c.referral_code)
    a.refresh_from_db()
    assert a.referred_by is None


def test_referrer_is_set_once():
    a, b, c = MemberFactory(), MemberFactory(), MemberFactory()
    member_referrer_set(member_id=c.pk, referral_code=a.referral_code.lower())

    with pytest.raises(ReferralRefused):
        member_referrer_set(member_id=c.pk, referral_code=b.referral_code)
    c.refresh_from_db()
    assert c.referred_by == a


def test_closed_members_code_no_longer_works():
    from members.actions import member_close

    referrer = MemberFactory()
    member_close(member_id=referrer.pk)

    with pytest.raises(ReferralRefused):
        member_register(
            phone="13900000009",
            name="x",
            password=None,
            referral_code=referrer.referral_code,
        )
