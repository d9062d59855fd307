"""The symptom model (issue 20): an emergency is a finding at a site, asserted by the person.

Sites and findings compose: every finding of the chest at every site of the chest, in either order, is one;
the same words about another part of the body, on the chest's skin, or said of an object are not; what may be
one and may not is said back and asked.
"""
import itertools

import pytest

from voice_triage.content.loader import load_content
from voice_triage.dialogue.session import Session
from voice_triage.understanding.interpret import Interpreter

C = load_content()
IT = Interpreter(C)


def meaning(text, question="cold_leg"):
    m = IT.interpret(text, question)
    return m.intent.value, m.reason


SITES = ["chest", "rib cage", "ribs", "breastbone", "sternum", "heart", "upper chest", "chest wall", "thorax"]
FINDINGS = ["pain", "pressure", "tightness", "a squeezing", "a burning feeling", "heaviness", "an ache", "discomfort",
            "a stabbing pain", "a weird feeling"]
VERBS = ["hurts", "is tight", "feels heavy", "aches", "is burning", "feels like it is being crushed",
         "does not feel right", "is killing me", "is sore"]


@pytest.mark.parametrize("site,finding", list(itertools.product(SITES, FINDINGS)))
def test_any_finding_at_any_site_of_the_chest_is_an_emergency(site, finding):
    assert meaning(f"I have {finding} in my {site}") == ("emergency", "chest_pain")
    assert meaning(f"there is {finding} around my {site}", "open") == ("emergency", "chest_pain")
    assert meaning(f"no {finding} in my {site}")[0] not in ("emergency", "ask_back")


@pytest.mark.parametrize("site,verb", list(itertools.product(SITES, VERBS)))
def test_a_site_said_to_be_in_a_state_of_pain_is_an_emergency(site, verb):
    assert meaning(f"my {site} {verb}") == ("emergency", "chest_pain")
    assert meaning(f"no, but my {site} {verb}", "rest_pain") == ("emergency", "chest_pain")


@pytest.mark.parametrize("text", [
    "I can't breath because of the cough", "something is squeezing my lungs", "my lungs won't fill up",
    "no air passing to my lungs", "I have a problem breathing out, I have asthma", "it's hard to breath",
    "I struggle for air", "I can't get a full breath", "I'm short of breath", "I'm wheezing", "I feel suffocated",
    "breathing is hard work", "my breathing's gone shallow", "I'm not breathing properly", "I keep losing my breath",
])
def test_breathing_trouble_in_any_words_is_an_emergency(text):
    assert meaning(text, "calf_pain")[0] == "emergency"


@pytest.mark.parametrize("text", [
    "I have acne on my chest", "my chest break out with red pimples", "a rash on my chest", "my chest hair is grey",
    "I lugged the tool chest up the stairs", "we moved a chest of drawers", "I need to get this off my chest",
    "that walk was a breath of fresh air", "the view took my breath away", "I was muttering under my breath",
    "my breathing is better than in years", "No. Chest. Fine.", "chest is good breathing is good",
    "my calf feels tight", "there's a squeezing pain in my calf", "my legs hurt after I carried the old chest",
    "I know it by heart", "I'm under a lot of pressure at work", "my blood pressure is fine", "I play chess",
    "its just pain in the leg nothing else", "I ran out of bread", "the chest is fine, it's the legs",
    "my doctor checked my heart and it's fine", "I take a deep breath and it passes",
])
def test_what_is_not_a_symptom_raises_no_alarm_and_is_not_asked_back(text):
    assert meaning(text, "open")[0] not in ("emergency", "ask_back")


@pytest.mark.parametrize("text", [
    "my heart is racing", "my heart is beating fast and it scares me", "my heart hurts since she left me",
    "my heart is heavy since the funeral", "I have palpitations", "I'm on heart tablets", "I have asthma",
    "my chest", "what is wrong with my lungs?", "pressure in the middle of my", "I get heartburn",
    "my breasts are tender",
])
def test_what_may_be_an_emergency_and_may_not_is_asked_back(text):
    assert meaning(text, "rest_pain")[0] == "ask_back"


@pytest.mark.parametrize("text", [
    "a tight feeling in my chess", "there's a pressure in the middle of my just", "pain in my jest",
    "shortness of breadth", "I can't catch my bread", "I'm short of breadth", "I can't catch my breadth",
    "No, but my chance is tight.", "Shortness off rest.", "I can't get enough there.", "I'm short of bread",
])
def test_what_recognizers_write_for_safety_words_counts_inside_a_symptom_frame(text):
    """docs/bench/confusions.md: Whisper tiny.en and PocketSphinx write "chest" as "chess", "just" or "chance",
    "breath" as "breadth", "bread" or "rest", "air" as "there"; inside a finding's frame they are the chest and
    breathing, outside they are not."""
    assert meaning(text, "discoloration")[0] == "emergency"


@pytest.mark.parametrize("text", ["I play chess on Sundays", "my test was bad", "I feel restless",
                                  "there's a chance it hurts more uphill", "it's just a cramp", "I ran out of bread",
                                  "my cast hurts since I broke my ankle", "the rest helps"])
def test_the_same_words_outside_a_frame_are_what_they_say(text):
    assert meaning(text, "open")[0] not in ("emergency", "ask_back")


def test_what_the_last_held_out_set_found():
    """tests/data/symptoms/holdout_final.json, counted once (87/92 caught, 4/92 false alarms, one emergency recorded
    as a no), then read: slang for the heart, slang for pain, a question about a symptom, breathlessness with a
    cause that is no illness, and a pain said of "my" something nobody named."""
    assert meaning("my ticker hurts")[0] == "emergency"
    assert meaning("oh love, my chest's been giving me gyp all morning", "open")[0] == "emergency"
    assert meaning("what would chest pain mean?", "open")[0] == "ask_back"
    assert meaning("I'm a bit breathless with excitement about the grandchildren", "open")[0] == "ask_back"
    assert meaning("nope. my gizmo's been hurting though", "rest_pain")[0] == "ask_back", "never recorded as a no"
    assert meaning("no, my job is killing me", "rest_pain")[0] == "no"


def test_an_unread_clause_is_said_back_in_the_question():
    s = Session(C)
    s.start()
    s.hear("yes")
    s.hear("my calves cramp when I walk")
    s.hear("no")
    s.hear("no")
    assert s.question == "rest_pain"
    turn = s.hear("no, but my heart is racing")
    assert turn.emergency is None and turn.listen.question == "confirm"
    assert turn.says[-1].startswith("You said: my heart is racing.") and "chest" in turn.says[-1]
    assert "rest_pain" not in s.answers, "the no is not recorded while something is asked back"
    turn = s.hear("no")
    assert turn.listen.question == "rest_pain", "a no to the ask-back asks the question again"
    turn = s.hear("no, but my heart is racing")
    assert turn.listen.question == "rest_pain", "said back once: the same words are not asked again"


def test_anything_but_a_clear_no_to_the_said_back_question_is_an_emergency():
    s = Session(C)
    s.start()
    s.hear("yes")
    turn = s.hear("my calves cramp and I have this pressure in the middle of my")
    assert turn.listen.question == "confirm" and "middle of my" in turn.says[-1]
    assert s.hear("I'm not sure").emergency is not None


def test_an_aside_sets_no_feature():
    """Issue 20: "I'd have told you straight away" at the chest question set delayed_onset to no."""
    s = Session(C)
    s.start()
    s.hear("yes")
    s.hear("my thighs ache all over since the long hike")
    assert s.question == "chest_pain"
    before = dict(s.answers)
    s.hear("No, I'd have told you straight away")
    assert s.answers == {**before, "chest_pain": "no"} and "delayed_onset" not in s.answers


def test_a_calm_place_is_no_rest_pain():
    """Issue 20: "No, dear, in bed it's quiet" was recorded as rest pain yes."""
    assert meaning("No, dear, in bed it's quiet", "rest_pain")[0] == "no"
    assert meaning("no, but in bed it aches", "rest_pain")[0] == "yes"
