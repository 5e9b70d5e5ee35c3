"""Custom events (survey, share, operators' own codes) also credit tier growth."""

import pytest
from django.core.exceptions import ValidationError

from points import actions
from points.models import EarningRule
from tests.factories.points import EarningRuleFactory
from tiers.models import GrowthEvent, GrowthWeights

pytestmark = pytest.mark.django_db


def growth_of(member, source):
    return list(GrowthEvent.objects.filter(member=member, source=source))


def test_default_survey_and_share_rules_carry_growth():
    survey = EarningRule.objects.get(kind="custom_event", event_code="survey")
    share = EarningRule.objects.get(kind="custom_event", event_code="share")

    assert (survey.growth_dimension, survey.growth_source) == ("interaction", "survey")
    assert (share.growth_dimension, share.growth_source) == ("social", "share")
    assert survey.growth_value > 0 and share.growth_value > 0


def test_survey_credits_points_and_weighted_growth_once_per_key(member):
    rule = EarningRule.objects.get(kind="custom_event", event_code="survey")
    weight = GrowthWeights.objects.get().interaction

    first = actions.custom_event_record(
        member_id=member.pk, event_code="survey", key="s1"
    )
    again = actions.custom_event_record(
        member_id=member.pk, event_code="survey", key="s1"
    )

    assert first.pk == again.pk
    [event] = growth_of(member, "survey")
    assert event.dimension == "interaction"
    assert event.raw_value == rule.growth_value
    assert event.weighted_value == pytest.approx(
        rule.growth_value * weight / 100, abs=1
    )
    assert event.key == "s1:growth"


def test_capped_event_gives_neither_points_nor_growth(member):
    EarningRuleFactory(
        event_code="share-y",
        points=10,
        cap_per_day=1,
        growth_dimension="social",
        growth_source="share",
        growth_value=8,
    )

    assert actions.custom_event_record(
        member_id=member.pk, event_code="share-y", key="a"
    )
    refused = actions.custom_event_record(
        member_id=member.pk, event_code="share-y", key="b"
    )

    assert refused is None
    assert len(growth_of(member, "share")) == 1


def test_rule_without_growth_credits_no_growth(member, other_member):
    EarningRuleFactory(event_code="plain", points=5)

    actions.custom_event_record(member_id=member.pk, event_code="plain", key="p")

    assert not GrowthEvent.objects.filter(key="p:growth").exists()
    assert not GrowthEvent.objects.filter(member=other_member).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"growth_value": 5}, "growth_value"),
        ({"growth_value": 5, "growth_dimension": "social"}, "growth_value"),
        (
            {
                "kind": "registration",
                "event_code": "",
                "growth_value": 5,
                "growth_dimension": "social",
                "growth_source": "share",
            },
            "growth_value",
        ),
    ],
)
def test_incomplete_growth_settings_are_refused_with_a_message(fields, field):
    rule = EarningRule(
        code="x", name="x", kind="custom_event", event_code="x", points=1
    )
    for name, value in fields.items():
        setattr(rule, name, value)

    with pytest.raises(ValidationError) as caught:
        rule.clean()

    assert field in caught.value.message_dict
