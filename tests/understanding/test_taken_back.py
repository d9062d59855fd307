"""Issue 30, second round (words from fresh writers' sets E7-E10, frozen and counted before this change; E11/E12
counted once before and after it): the last word on a red flag decides between an alarm and asking back, dialect
negation, a breath the person has none of, recognizer transcripts of a past episode, and a toe gone black.
The shipped reader is loaded (waited for) as in a session."""
from __future__ import annotations

import pytest

from tests.support.reading import meaning_at as meaning, reading_judge


@pytest.fixture(scope="module")
def judge():
    return reading_judge()


@pytest.mark.parametrize("question, text", [
    ("chest_pain", "Yes, tightness, but it's in my calf, not my chest. My chest is fine."),
    ("chest_pain", "Yes, heaviness, in both legs. My chest is completely fine."),
    ("breathlessness", "Earlier on the hill I was puffing, but it settled in a minute and I'm breathing normally now."),
])
def test_an_alarm_the_person_then_takes_back_is_asked_not_raised(judge, question, text):
    """These raised the alarm: a contradiction is asked back (never an alarm, never passed over)."""
    m = meaning(judge, text, question)
    assert m.intent == "ask_back", m


@pytest.mark.parametrize("question, text", [
    ("breathlessness", "No... actually yes, sorry, I am a bit short of breath right now."),
    ("chest_pain", "my chest is fine, actually no, it is tight now"),
    ("chest_pain", "no pain, more of a heaviness"),
    ("open", "my calves hurt and my chest is tight right now"),
    ("breathlessness", "I have no breath"),  # read as a plain "no" before
    ("breathlessness", "I've got nae breath left"),
])
def test_an_emergency_that_ends_on_itself_is_raised_at_once(judge, question, text):
    assert meaning(judge, text, question).intent == "emergency"


@pytest.mark.parametrize("question, text, not_", [
    ("chest_pain", "No, mi chest nuh hurt.", "emergency"),  # an alarm before
    ("chest_pain", "had some chest pain back in march doctor said it was a muscle strain its gone now", "emergency"),
    ("chest_pain", "No, in the chest I have nothing.", "ask_back"),
])
def test_dialect_and_transcribed_denials_raise_no_alarm(judge, question, text, not_):
    assert meaning(judge, text, question).intent != not_


@pytest.mark.parametrize("text", ["Naw.", "Naw, nae pain there."])
def test_scots_no_is_a_no(judge, text):
    assert meaning(judge, text, "chest_pain").intent == "no"


@pytest.mark.parametrize("text, want", [
    ("No, but the big toe's gone dark, almost black at the tip.", "yes"),  # recorded "no" before: backwards
    ("my toe is black", "yes"),
    ("No, I wear black socks", "no"),
    ("no, it only hurts when I walk in the dark", "no"),
])
def test_a_toe_gone_black_is_discoloured_and_black_socks_are_not(judge, text, want):
    assert meaning(judge, text, "discoloration").intent == want


# Issue 30, third round (words from the read sets E3-E12; the change judged on fresh sets E13-E15, docs/eval)

@pytest.mark.parametrize("question, text", [
    ("chest_pain", "Nope, chest feels normal, it's just the calf."),  # "it is" alone was a yes: an alarm
    ("breathlessness", "No, I'm breathing fine, it's just me legs that are jiggered."),
    ("chest_pain", "No, I'm just exhausted, bone tired, but nothing in the chest."),
    ("breathlessness", "no no breathing is good"),  # the answer, then the statement: not "not breathing well"
])
def test_a_denial_with_just_or_a_leading_no_is_a_denial(judge, question, text):
    rules = judge.interpreter.interpret(text, question)
    assert rules.intent == "no", rules
    assert meaning(judge, text, question).intent == "no"


@pytest.mark.parametrize("question, text", [
    ("breathlessness", "no i was wheezy yesterday but thats cleared up im breathing fine now"),
    ("chest_pain", "i had a tight chest last week with a cold but its gone now"),
    ("discoloration", "I had the covid back in 2021 and was puffed for months, but I'm completely fine now."),
    ("breathlessness", "No. I was breathless with pneumonia two winters back, but I've been fine ever since."),
])
def test_an_episode_a_later_clause_says_is_over_is_past_not_an_alarm(judge, question, text):
    """The rules read it as past (asked back, never an alarm); the reader reads no emergency now either, so the
    conversation goes on without asking."""
    rules = judge.interpreter.interpret(text, question)
    assert rules.intent == "ask_back", rules
    assert meaning(judge, text, question).intent not in ("emergency", "ask_back")


@pytest.mark.parametrize("question, text", [
    ("chest_pain", "I had chest pain on the walk, it went away, but it's come back now."),
    ("chest_pain", "my chest was tight on the walk, it settled, but now it is tight again"),
    ("open", "I was breathless on the hill and it passed, but I'm still short of breath now"),
    ("chest_pain", "I had chest tightness on the walk here that eased when I sat down"),
    ("open", "my chest is tight, and the leg pain has gone"),
])
def test_an_episode_that_came_back_or_eased_with_rest_stays_an_alarm(judge, question, text):
    """A symptom that came back is now; one that eases with rest is chest pain with the leg pain (P9)."""
    assert meaning(judge, text, question).intent == "emergency"


@pytest.mark.parametrize("question, text", [
    ("chest_pain", "Nah mate, my chest's champion."),
    ("breathlessness", "Yeah nah, breathing's sweet as, no problems."),
    ("breathlessness", "None of that, no, I'm breathing easy."),  # the reader's flag misreads "breathing easy"
])
def test_a_denial_both_readers_read_at_the_question_itself_is_taken(judge, question, text):
    m = meaning(judge, text, question)
    assert m.intent == "no" and not m.confirm, m


@pytest.mark.parametrize("question, text", [
    ("chest_pain", "no... actually yes, it is tight right now"),
    ("breathlessness", "No, I'm fine. Oh wait, no, I'm actually quite breathless right now."),
    ("chest_pain", "Yes, tightness, sorry, I mean in the leg. Nothing in the chest."),
])
def test_a_denial_that_is_not_agreed_is_never_taken(judge, question, text):
    """Corrections toward the symptom stay alarms; a contradiction the reader reads as the symptom is asked."""
    assert meaning(judge, text, question).intent in ("emergency", "ask_back")


@pytest.mark.parametrize("question, text, intent", [
    ("chest_pain", "No, the pressure I get is in the back of my thigh.", "no"),  # "the pressure" was a clause alone
    ("chest_pain", "Nay, there's nowt wrong wi' me chest, love.", "no"),  # dialect "nothing": an alarm before
    ("chest_pain", "the tightness i have is in my chest right now", "emergency"),
    ("chest_pain", "a little bit yes", "emergency"),  # not an answer before
])
def test_relative_clauses_dialect_nothing_and_a_hedged_yes(judge, question, text, intent):
    assert meaning(judge, text, question).intent == intent


@pytest.mark.parametrize("text", ["not really no, I'm just tired", "no i dont think so im just a bit tired these days"])
def test_a_plain_no_the_reader_also_answers_no_is_not_an_alarm(judge, text):
    """The reader read tiredness as breathlessness (0.85) while its own answer was no (0.94): not an alarm."""
    assert meaning(judge, text, "breathlessness").intent in ("no", "ask_back")


@pytest.mark.parametrize("question, text", [
    ("open", "My calf gets tight and heavy when I walk, but my chest and breathing are fine."),
    ("cold_leg", "No, and just so you know, my breathing and chest are fine."),
])
def test_a_healthy_state_said_of_two_joined_sites_is_said_of_both(judge, question, text):
    rules = judge.interpreter.interpret(text, question)
    assert {m.feature: m.value for m in rules.mentions if m.kind == "normal"} == {"chest_pain": "no",
                                                                               "breathlessness": "no"}
    assert meaning(judge, text, question).intent not in ("emergency", "ask_back")


def test_two_joined_sites_in_a_state_denied_are_both_the_symptom(judge):
    text = "my chest and breathing are not fine"
    assert {m.feature for m in judge.interpreter.interpret(text, "open").mentions if m.value == "yes"} == {
        "chest_pain", "breathlessness"}
    # the shipped reader reads "not fine" as no emergency (0.01): the two disagree, and the person is asked
    assert meaning(judge, text, "open").intent in ("emergency", "ask_back")


@pytest.mark.parametrize("text", [
    "I walked my heart out on the hills on Saturday and now both legs ache.",
    "Honestly it breaks my heart that I can't walk the dog anymore because of my calves.",
    "my heart's in the right place but my legs have given up on me",
    "Bless my heart, I'm seventy-eight and my calves just ache after walking to church.",
])
def test_idioms_of_the_heart_name_nothing(judge, text):
    assert not [m for m in judge.interpreter.interpret(text, "open").mentions if m.feature == "chest_pain"]


def test_an_idiom_in_its_own_clause_is_not_read_again_beside_the_pain(judge):
    """The reader's alarm needs words that name the chest or breathing; the rules' clauses decide which do (the
    joined text, read again, put "pain" beside "breath away" and named it)."""
    text = "it takes my breath away how much it costs to park here, anyway, the pain's in my calves"
    assert meaning(judge, text, "open").intent != "emergency"


@pytest.mark.parametrize("question, text, answer", [
    ("rest_pain", "Yes... sorry, no, I misheard. Once I'm sat down it doesn't hurt at all.", "no"),
    ("warm_red_leg", "Yes, well, no, sorry. It's not red and it's not warm, it just hurts along the bone.", "no"),
    ("cold_leg", "Oh yes, terribly... no, hang on, that's my hands I'm thinking of. My legs are warm enough.", "no"),
    ("rest_pain", "No... actually, yes, it wakes me at night.", "yes"),
    ("rest_pain", "yes, sorry", "yes"),
])
def test_a_correction_at_a_red_flag_replaces_what_it_takes_back(judge, question, text, answer):
    """The rules read the most serious answer at a red flag ("yes... sorry, no" was a yes, confirmed with the
    person when the reader read no); after a correction only what follows counts."""
    assert judge.interpreter.interpret(text, question).intent == answer


def test_a_correction_in_the_content_must_be_words():
    from voice_triage.errors import ContentError
    from voice_triage.content.loader import content_from_texts, FILES, _read, default_root
    texts = {part: _read(default_root(), file) for part, file in FILES.items()}
    texts["answers"] = texts["answers"].replace("corrections: [sorry,", "corrections: [7,")
    with pytest.raises(ContentError, match="corrections"):
        content_from_texts(texts)


@pytest.mark.parametrize("question, text", [
    ("chest_pain", "Yes... no, sorry, I misheard, my chest is fine."),
    ("breathlessness", "Earlier on the hill I was puffing, but it settled in a minute and I'm breathing normally now."),
])
def test_a_correction_or_an_episode_over_is_never_an_alarm(judge, question, text):
    """Taken as a no when both read a denial, asked back when the reader is less sure or reads the symptom: the
    reader's reading over what the rules read as over is no reason to alarm."""
    assert meaning(judge, text, question).intent in ("no", "ask_back")
