"""Issue 30, fifth round (2026-12-08): what the read sets E13-E18 (docs/eval) still asked back, alarmed on or
recorded backwards; judged on E19/E20, frozen before this change and counted once before and once after it
(docs/model-card.md). The shipped reader is loaded (waited for) as in a session."""
from __future__ import annotations

import pytest

from tests.support.reading import meaning_at as meaning, reading_judge


@pytest.fixture(scope="module")
def judge():
    return reading_judge()


@pytest.mark.parametrize("question, text", [
    # "not" inside the symptom ("can't get my breath back") is no denial of it; "dunno" denies nothing after it
    ("open", "sorry I'm a bit puffed, I've been sat down ten minutes and I still can't get my breath back, and my "
             "calf is sore"),
    ("open", "I can't get my breath back after the walk"),
    ("open", "dunno um theres a pain in my chest thats just started"),
    # a recognizer's "chess pain"
    ("open", "i get pain in my calf walking and uh there's a chess pain right now kind of crushing"),
    # a correction toward yes at the chest question stays an emergency
    ("chest_pain", "no... actually yes"),
    ("chest_pain", "no, sorry, yes, a bit"),
    ("chest_pain", "yes, sorry, I misheard, yes it's tight"),
])
def test_emergencies_raised_at_once(judge, question, text):
    assert meaning(judge, text, question).intent == "emergency"


@pytest.mark.parametrize("question, text", [
    ("chest_pain", "no no nothing like that"),
    ("chest_pain", "Nothing like that at all."),
    ("chest_pain", "Not at the moment, and I've never had any."),
    ("breathlessness", "I swim twice a week, my breathing is excellent."),
    ("breathlessness", "My breath is correct, only leg is troubling."),
    ("breathlessness", "Breathing's lovely, thanks."),
    # a correction toward no at the chest and breathing questions, the reader reading no too
    ("chest_pain", "Yes, sorry, no, I meant no, I misheard you."),
    ("breathlessness", "Yes. Wait, no, sorry, I'm not short of breath, I was thinking of the leg question."),
    ("chest_pain", "Yeah, oh, chest? No, sorry, I thought you said leg. No."),
    ("breathlessness", "yes sorry I mean no"),
])
def test_denials_taken_as_no(judge, question, text):
    m = meaning(judge, text, question)
    assert (m.intent, m.confirm) == ("no", False), m


@pytest.mark.parametrize("question, text", [
    # the chest or breath named in words the rules cannot read, and the reader sure it is no emergency
    ("open", "My blood pressure's well controlled, it's the leg cramps on walking that bother me."),
    ("open", "my doctor listened to my chest last week and said it's all clear, I'm here about my legs"),
    ("open", "Ach, the view from the top of Cave Hill takes your breath away, that's where I was walking."),
])
def test_unread_mentions_the_reader_is_sure_of_are_not_asked_back(judge, question, text):
    assert meaning(judge, text, question).intent not in ("ask_back", "emergency")


@pytest.mark.parametrize("question, text, value", [
    ("discoloration", "No, the skin colour looks normal to me.", "no"),
    ("discoloration", "the colour's normal on both feet", "no"),
    ("discoloration", "probably not, no, it looks the usual colour", "no"),
    ("discoloration", "No, the colour of mih feet normal.", "no"),
    ("discoloration", "my toes have gone a funny colour", "yes"),
    ("discoloration", "yes the colour's changed", "yes"),
    ("one_leg_only", "just the right leg, the left one's fine", "yes"),
    ("one_leg_only", "the left, the right one is fine", "yes"),
    ("one_leg_only", "No, the pair of them, though the right's worse.", "no"),
    ("one_leg_only", "only the left one", "yes"),
])
def test_red_flag_and_pattern_answers_in_own_words(judge, question, text, value):
    m = meaning(judge, text, question)
    assert (m.intent, m.confirm) == (value, False), m


def test_a_colour_said_not_to_be_normal_is_never_recorded_as_no(judge):
    m = meaning(judge, "the colour is not normal", "discoloration")
    assert m.intent == "yes"


# ---- second part: what E19/E20 (counted before and after the first part, then read) showed; judged on E21/E22

@pytest.mark.parametrize("question, text", [
    ("open", "mi foot a hurt mi when mi walk an now mi cyaan ketch mi breath"),
    ("breathlessness", "Yes, yes, the breath is short, very short. Since morning I cannot walk to the door without "
                       "to stop for air."),
])
def test_dialect_and_double_negation_emergencies_raised_at_once(judge, question, text):
    assert meaning(judge, text, question).intent == "emergency"


@pytest.mark.parametrize("question, text", [
    # brought up unasked, read by the rules as "not the pain", and by the reader otherwise: asked, never passed over
    ("relief_sitting_leaning", "sitting helps the leg but not the pain in my chest that's still there"),
    # a clinician's word for the chest: at least asked
    ("open", "intermittent claudication left calf for months now twenty minutes of central substernal pressure at rest"),
])
def test_emergencies_the_rules_read_as_denied_are_asked_not_lost(judge, question, text):
    assert meaning(judge, text, question).intent in ("emergency", "ask_back")


@pytest.mark.parametrize("question, text", [
    ("chest_pain", "never had that in my life"),
    ("chest_pain", "he says no none at all"),
    ("chest_pain", "no no anginal symptoms whatsoever"),
    ("breathlessness", "no sah breath is normal"),
    ("breathlessness", "No, my breathing's normal. I was only puffed going up the hill like everyone else."),
    ("cold_leg", "Not at all at all."),
    ("rest_pain", "When I'm sat down it doesn't bother me at all."),
    ("warm_red_leg", "Warm? No, no, it is not warm, and not red."),
])
def test_own_word_denials_taken_as_no(judge, question, text):
    m = meaning(judge, text, question)
    assert (m.intent, m.confirm) == ("no", False), m


@pytest.mark.parametrize("question, text", [
    # volunteered denials stay quiet (the reader reads them at 0.01 or less)
    ("rest_pain", "no it goes when I sit down, and um to be clear before you ask, no chest pain"),
    ("warm_red_leg", "No, and I've no chest pain or breathlessness either, if you're wondering."),
])
def test_volunteered_denials_are_not_asked_back(judge, question, text):
    assert meaning(judge, text, question).intent == "no"


def test_a_pattern_answer_the_rules_read_both_ways_and_the_reader_otherwise_is_confirmed(judge):
    m = meaning(judge, "Yes, but only if I sit down or lean on the trolley. Standing still does nothing.",
                "relief_sitting_leaning")
    assert m.confirm and m.intent == "yes", m


def test_a_contradiction_in_the_questions_own_words_stays_asked_back_however_sure_the_reader(judge):
    assert meaning(judge, "Yes, tightness, sorry, I mean in the leg. Nothing in the chest.",
                   "chest_pain").intent == "ask_back"


# ---- third part: what E21/E22 (counted on 62a2393 and f357c94, then read) showed; no fresh set judges it yet

@pytest.mark.parametrize("question, text, value", [
    ("rest_pain", "Sitting down it's fine.", "no"),
    ("rest_pain", "In the bed no pain, in the chair no pain. Only walking.", "no"),
    ("rest_pain", "in bed it doesn't hurt", "no"),
    ("rest_pain", "sitting down it throbs", "yes"),
    ("rest_pain", "it hurts at night in bed and it's no good", "yes"),
    ("rest_pain", "it hurts in bed and nothing helps", "yes"),
    # "i have just felt her feet": "just" after "have" cuts no clause (a lone "i have" read as yes)
    ("cold_leg", "No, I've just felt her feet, they're both the same.", "no"),
    ("chest_pain", "none whatsoever", "no"),
])
def test_where_it_is_fine_and_carers_answers(judge, question, text, value):
    m = meaning(judge, text, question)
    assert (m.intent, m.confirm) == (value, False), m


def test_rest_pain_said_not_to_be_fine_is_never_recorded_as_no(judge):
    assert meaning(judge, "sitting down it's not fine, it throbs", "rest_pain").intent != "no"


@pytest.mark.parametrize("text", ["retired nurse here, i've got calf pain and some dyspnoea at rest right now"])
def test_clinicians_words_raise_the_alarm(judge, text):
    assert meaning(judge, text, "open").intent == "emergency"


# ---- fourth part: what E23 (counted on b56270e and ade5257, then read) showed; judged on E25/E26

@pytest.mark.parametrize("question, text, value", [
    ("chest_pain", "Chest mein koi problem nahi hai, sirf leg mein dard hai.", "no"),
    ("breathlessness", "Saans theek hai, koi problem nahi.", "no"),
    ("chest_pain", "No, in chest is nothing. Only leg is problem.", "no"),
    ("chest_pain", "My grandad says no, nothing in his chest, he's just fed up with his leg.", "no"),
    ("breathlessness", "nahi", "no"),
])
def test_hinglish_second_language_and_carers_denials(judge, question, text, value):
    m = meaning(judge, text, question)
    assert (m.intent, m.confirm) == (value, False), m


@pytest.mark.parametrize("question, text", [
    ("open", "Arre, walking ke baad leg mein bahut dard hai, aur abhi chest mein bhi bhaari lag raha hai, saans "
             "phool rahi hai."),
    ("breathlessness", "Haan, saans lene mein takleef ho rahi hai abhi."),
    ("breathlessness", "Not trouble exactly, but I have to stop between words, which isn't like me."),
    ("breathlessness", "My mum says she's fine but she's panting and she can't finish a sentence."),
])
def test_hinglish_and_breath_too_short_to_talk_are_never_passed_over(judge, question, text):
    assert meaning(judge, text, question).intent in ("emergency", "ask_back")


def test_haan_at_the_chest_question_is_an_emergency(judge):
    assert meaning(judge, "haan", "chest_pain").intent == "emergency"


def test_the_questions_own_word_said_of_the_leg_after_the_chest_is_fine_is_asked_not_alarmed(judge):
    text = "Chest is fine, it's the calf that's the problem, goes like a vice after two blocks."
    assert meaning(judge, text, "chest_pain").intent == "ask_back"
    assert meaning(judge, "no pain, more of a heaviness", "chest_pain").intent == "emergency"


# ---- fifth part: what E24/E26 (counted before and after the fourth part, then read) showed; judged on E27

@pytest.mark.parametrize("question, text, value", [
    ("radiates_from_back", "Me back's alright. It don't travel down from anywhere, it just sits in the calf.", "no"),
    ("radiates_from_back", "yes it goes down from my back", "yes"),
    # "didn't ... till" is a time, not a denial
    ("delayed_onset", "Nah yeah, it didn't kick in till the next morning. Felt mean on the day.", "yes"),
    ("delayed_onset", "it didn't start till the next morning", "yes"),
    ("rest_pain", "Even when mi lie down a night it nah stop, it wake mi up three, four time.", "yes"),
    ("chest_pain", "my chest is all right", "no"),
])
def test_own_words_read_the_right_way(judge, question, text, value):
    m = meaning(judge, text, question)
    assert (m.intent, m.confirm) == (value, False), m


@pytest.mark.parametrize("question, text", [
    ("rest_pain", "Only when he walks. When he sits it settles, and at night he sleeps well."),
    ("rest_pain", "it doesn't hurt until I walk"),
    # the rules read no; the reader reads yes (0.77): confirmed with the person
    ("discoloration", "The colour is exactly as it has always been, both feet pinkish and entirely unremarkable."),
])
def test_a_denial_in_own_words_is_never_recorded_as_yes_without_asking(judge, question, text):
    m = meaning(judge, text, question)
    assert m.intent == "no" or m.confirm, m


@pytest.mark.parametrize("question, text", [
    # chest pain or breathlessness "until I walk" is there with the leg pain (P9): never recorded as no
    ("chest_pain", "I don't have chest pain until I walk"),
    ("chest_pain", "no chest pain unless I walk"),
    ("breathlessness", "I'm not short of breath until I walk"),
    ("open", "my legs hurt but I don't get chest pain until I've walked a mile"),
])
def test_a_denial_that_holds_only_until_the_walk_is_never_taken_as_no(judge, question, text):
    assert meaning(judge, text, question).intent in ("emergency", "ask_back")


def test_breath_denied_but_for_a_run_is_still_a_no(judge):
    assert meaning(judge, "No, I don't get breathless unless I run for a bus", "breathlessness").intent == "no"


# ---- E27 (counted on b56270e, 62abec8 and c18a59a, then read): its two false alarms; no fresh set judges this

def test_a_calf_puffed_up_is_swelling_not_breathlessness(judge):
    m = meaning(judge, "My right calf has puffed right up since Tuesday, I can't get my boot zipped, the left is "
                       "normal.", "one_leg_swelling")
    assert (m.intent, m.confirm) == ("yes", False), m
    assert meaning(judge, "I get all puffed up the stairs now", "breathlessness").intent == "emergency"
    assert meaning(judge, "my ankle puffed up and I'm puffed out too", "open").intent == "emergency"


def test_a_carers_he_is_breathing_normally_is_no_alarm_at_the_breathing_question(judge):
    assert meaning(judge, "He's breathing normally, I'm watching him now.", "breathlessness").intent != "emergency"
    assert meaning(judge, "he is gasping, he can't talk", "breathlessness").intent == "emergency"
