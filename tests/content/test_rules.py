"""The triage rules: every pattern, every red flag, red flags beat patterns, settling and question choice."""
import pytest

from voice_triage.content import rules
from voice_triage.content.model import Disposition
from voice_triage.content.loader import load_content

C = load_content()
NO_FLAGS = {f: "no" for f in C.screening}


def answers(**kw):
    return {**NO_FLAGS, **kw}


@pytest.mark.parametrize("given,pattern,disposition", [
    (dict(stops_with_rest="yes", calf_pain="yes", cramping_heaviness="yes"), "pad_claudication", "see_doctor"),
    (dict(relief_sitting_leaning="yes", cramping_heaviness="yes", stops_with_rest="no"), "spinal_stenosis", "see_doctor"),
    (dict(radiates_from_back="yes", shooting_pain="yes", one_leg_only="yes"), "sciatica", "see_doctor"),
    (dict(ankle_swelling="yes", heavy_tired_legs="yes"), "venous_insufficiency", "see_doctor"),
    (dict(delayed_onset="yes", unusual_exertion="yes", diffuse_ache="yes"), "muscle_soreness", "self_care"),
    (dict(inner_shin="yes", localized_tenderness="yes", worse_with_movement="yes"), "shin_splints", "self_care"),
    (dict(localized_tenderness="yes", worse_with_movement="yes", inner_shin="no"), "tendinitis", "self_care"),
    (dict(rest_pain="yes"), "critical_limb_ischemia", "urgent"),
    (dict(one_leg_swelling="yes", warm_red_leg="yes"), "dvt", "urgent"),
])
def test_each_pattern(given, pattern, disposition):
    a = answers(**given)
    assert rules.ranked(C, a)[0] == pattern
    assert rules.disposition(C, a).value == disposition


def test_stenosis_and_pad_are_told_apart_by_what_relieves_the_pain():
    # P5: relieved by sitting or leaning forward; P6: relieved by simply resting
    common = dict(cramping_heaviness="yes", calf_pain="yes")
    assert rules.ranked(C, answers(stops_with_rest="yes", relief_sitting_leaning="no", **common))[0] == "pad_claudication"
    assert rules.ranked(C, answers(stops_with_rest="no", relief_sitting_leaning="yes", **common))[0] == "spinal_stenosis"


@pytest.mark.parametrize("flag", ["chest_pain", "breathlessness"])
def test_emergency_flags(flag):
    assert rules.disposition(C, answers(**{flag: "yes"}, inner_shin="yes")) is Disposition.EMERGENCY


@pytest.mark.parametrize("flag", ["rest_pain", "cold_leg", "discoloration", "one_leg_swelling", "warm_red_leg"])
@pytest.mark.parametrize("value", ["yes", "unsure"])
def test_urgent_flags_beat_any_pattern(flag, value):
    # a self-care pattern with a red flag is still urgent; "unsure" about a red flag is handled as urgent too
    a = answers(**{flag: value}, delayed_onset="yes", unusual_exertion="yes", diffuse_ache="yes")
    assert rules.disposition(C, a) is Disposition.URGENT


def test_see_doctor_pattern_beats_self_care_pattern():
    a = answers(stops_with_rest="yes", calf_pain="yes", delayed_onset="yes")
    assert rules.disposition(C, a) is Disposition.SEE_DOCTOR


def test_nothing_matches_means_see_a_doctor():
    assert rules.ranked(C, answers()) == []
    assert rules.disposition(C, answers()) is Disposition.SEE_DOCTOR
    assert rules.fired_rule(C, answers()).id == "unexplained"


def test_settled_once_nothing_can_change_the_result():
    a = answers(stops_with_rest="yes", calf_pain="yes", cramping_heaviness="yes", relief_sitting_leaning="no",
                radiates_from_back="no", delayed_onset="no", inner_shin="no")
    rest = [f for f in C.pattern_features if f not in a]
    assert rules.settled(C, a, rest)
    assert rules.next_question(C, a, rest) is None


def test_not_settled_while_a_rival_could_still_win():
    a = answers(stops_with_rest="yes", calf_pain="yes", cramping_heaviness="yes")
    rest = [f for f in C.pattern_features if f not in a]
    assert not rules.settled(C, a, rest)
    assert rules.next_question(C, a, rest) == "relief_sitting_leaning"


def test_first_question_is_a_key_feature():
    rest = list(C.pattern_features)
    assert rules.next_question(C, answers(), rest) in {"stops_with_rest", "relief_sitting_leaning", "radiates_from_back",
                                                       "delayed_onset", "inner_shin"}
