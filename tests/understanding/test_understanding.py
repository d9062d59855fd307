"""Understanding: emergency mentions, denials, answers and commands, in the many ways people say them.

Regression notes say why a case is here. A missed emergency is the worst bug this project can have;
a false alarm on a denial is the second worst.
"""
import pytest

from voice_triage.content.loader import load_content
from voice_triage.understanding.interpret import Interpreter
from voice_triage.understanding.normalize import normalize


@pytest.fixture(scope="module")
def it():
    return Interpreter(load_content())


EMERGENCY = [
    ("I have chest pain", "chest_pain"), ("my chest hurts", "chest_pain"), ("there is pressure in my chest", "chest_pain"),
    ("my chest feels tight", "chest_pain"), ("chest tightness", "chest_pain"), ("tight chest", "chest_pain"),
    ("I've got chest pains", "chest_pain"), ("pains in my chest", "chest_pain"), ("chest pain", "chest_pain"),
    ("it feels like an elephant on my chest", "chest_pain"), ("there's a squeezing feeling in my chest", "chest_pain"),
    ("my chest feels heavy", "chest_pain"), ("my chest is burning", "chest_pain"), ("I have chest pressure", "chest_pain"),
    ("I am having a heart attack", "chest_pain"),
    ("yes and my chest hurts too", "chest_pain"), ("I think I have some chest pain", "chest_pain"),
    ("maybe a little chest pain", "chest_pain"), ("not sure, maybe my chest hurts a bit", "chest_pain"),
    ("Yes, chest pain", "chest_pain"), ("chest discomfort", "chest_pain"), ("wait, my chest feels tight", "chest_pain"),
    ("no chest pain but my heart hurts", "chest_pain"), ("I'm not sure if it's chest pain", "chest_pain"),
    ("I'm short of breath", "breathlessness"), ("I can't breathe", "breathlessness"), ("I cannot breathe", "breathlessness"),
    ("I can't catch my breath", "breathlessness"), ("I have trouble breathing", "breathlessness"),
    ("it's hard to breathe", "breathlessness"), ("I feel breathless", "breathlessness"), ("breathless", "breathlessness"),
    ("no but I'm short of breath", "breathlessness"), ("shortness of breath", "breathlessness"),
    ("I'm out of breath just sitting here", "breathlessness"), ("my calf hurts and I can't catch my breath", "breathlessness"),
    ("I'm struggling to breathe", "breathlessness"), ("difficulty breathing", "breathlessness"),
    ("I get winded easily now", "breathlessness"), ("I'm gasping for air", "breathlessness"),
    ("I can hardly breathe", "breathlessness"), ("I can barely breathe", "breathlessness"),
    ("I get breathless when I walk", "breathlessness"), ("I'm a bit short of breath", "breathlessness"),
    ("I feel like I can't get enough air", "breathlessness"), ("breathing is difficult", "breathlessness"),
    ("my breathing is bad", "breathlessness"), ("it hurts to breathe", "breathlessness"), ("out of breath", "breathlessness"),
    ("I'm wheezing", "breathlessness"), ("I'm not able to breathe properly", "breathlessness"),
    ("feeling short of breath", "breathlessness"), ("hard to catch my breath", "breathlessness"),
    ("my breathing is not right", "breathlessness"), ("I cant breathe", "breathlessness"),  # recognizers drop apostrophes
    ("im short of breath", "breathlessness"), ("I'm panting", "breathlessness"),
]

DENIALS = [
    "no chest pain", "nope no chest pain at all", "my chest is fine", "no problems with my chest", "breathing's fine",
    "my breathing is fine", "I'm breathing fine", "I can breathe okay", "I breathe normally", "no trouble breathing",
    "no shortness of breath", "never had chest pain", "I don't get breathless", "I'm not breathless",
    "no breathing problems", "nothing wrong with my chest or breathing", "I don't have chest pain",
    "I'm not short of breath", "I have no chest pain and no breathing trouble", "not short of breath",
    "chest pain no", "I do not have shortness of breath", "absolutely no chest pain", "my heart is fine",
    "no heart problems", "I dont have chest pain",
]

ORDINARY = [
    "no", "my calf hurts when I walk", "the pain is in my shin", "it goes away when I rest",
    "my back hurts", "it's a dull ache", "no, my calf hurts", "my leg is tight", "my calf feels tight when I walk",
    "it's a tight feeling in my calf", "the pain is sharp", "it hurts when I walk uphill", "I'm tired", "heavy legs",
    "no I'm fine", "it is in my thigh", "I walk my dog every day", "I feel okay", "I had toast for breakfast",
    "the weather is nice today", "where is the bathroom", "hmm", "let me think",
]


@pytest.mark.parametrize("text,reason", EMERGENCY)
def test_emergency_mentions_are_caught(it, text, reason):
    meaning = it.interpret(text, "calf_pain")
    assert (meaning.intent, meaning.reason) == ("emergency", reason)


@pytest.mark.parametrize("question", ["consent", "open", "chest_pain", "breathlessness", "rest_pain", "calf_pain", "confirm"])
def test_emergency_is_caught_at_every_kind_of_question(it, question):
    assert it.interpret("I can't breathe", question).intent == "emergency"
    assert it.interpret("my chest hurts", question).intent == "emergency"


@pytest.mark.parametrize("text", DENIALS)
def test_denials_are_not_emergencies(it, text):
    assert it.interpret(text, "calf_pain").intent != "emergency"


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_speech_is_not_an_emergency(it, text):
    assert it.interpret(text, "chest_pain").intent != "emergency"


@pytest.mark.parametrize("text,question", [
    ("I don't have chest pain", "chest_pain"), ("no chest pain", "chest_pain"), ("my chest is fine", "chest_pain"),
    ("my breathing is fine", "breathlessness"), ("I'm not short of breath", "breathlessness"),
    ("no trouble breathing", "breathlessness"),
])
def test_a_denial_answers_its_own_question_no(it, text, question):
    assert it.interpret(text, question).intent == "no"


ANSWERS = {
    "yes": ["yes", "yeah", "yep", "yup", "uh huh", "mm hmm", "uh-huh", "I do", "it does", "yes it does", "yes I do",
            "that's right", "correct", "definitely", "absolutely", "of course", "I think so", "I believe so",
            "I guess so", "I suppose so", "I'd say so", "think so", "sometimes", "a little", "a bit", "kind of",
            "kinda", "sort of", "somewhat", "yeah a bit", "every time", "always", "most of the time", "now and then",
            "occasionally", "probably", "yes definitely", "yes, yes", "sure", "right", "umm yes", "yes ma'am",
            "yeah I think so", "true", "yes sometimes", "Yes.", "YES", "oh yes", "well yes"],
    "no": ["no", "nope", "nah", "no it doesn't", "no I don't", "I don't", "it doesn't", "not really",
           "I don't think so", "I don't believe so", "I wouldn't say so", "definitely not", "probably not",
           "not at all", "no not at all", "never", "no, never", "hardly ever", "not much", "not that I've noticed",
           "I haven't noticed", "nothing like that", "none", "no sir", "well no", "uh no", "false", "No.", "nope nope"[:4]],
    "unsure": ["I'm not sure", "not sure", "I don't know", "don't know", "dunno", "maybe", "perhaps", "possibly",
               "hard to say", "I'm unsure", "can't say", "I can't tell", "no idea", "who knows", "it depends",
               "not sure really", "not too sure", "couldn't say", "it might", "I have no idea", "I'm not certain",
               "hard to tell", "I don't remember"],
}


@pytest.mark.parametrize("meaning,text", [(m, t) for m, texts in ANSWERS.items() for t in texts])
def test_answers(it, meaning, text):
    assert it.interpret(text, "calf_pain").intent == meaning


COMMANDS = {
    "repeat": ["repeat", "repeat that please", "can you say that again", "what?", "sorry?", "pardon?", "say it again",
               "could you repeat the question", "I didn't catch that", "what was that", "can you repeat",
               "repeat the question please", "huh?", "excuse me?", "sorry what was the question"],
    "help": ["help", "what do you mean", "I don't understand", "what can I say", "help me please"],
    "back": ["go back", "back", "undo", "change my answer", "I made a mistake", "previous question"],
    "start_over": ["start over", "start again", "restart", "begin again", "start from the beginning"],
    "stop": ["stop", "quit", "I want to stop", "cancel", "goodbye", "please stop", "exit", "that's enough"],
    "slower": ["slower please", "slow down", "speak slower", "you're talking too fast"],
    "faster": ["faster", "speed up", "speak faster"],
    "louder": ["louder", "speak up", "I can't hear you"],
    "quieter": ["quieter", "too loud", "softer please"],
    "wait": ["hold on", "wait a second", "one moment please", "let me think", "hold on a second", "let me think about it"],
    "skip": ["skip", "next question"],
}


@pytest.mark.parametrize("command,text", [(c, t) for c, texts in COMMANDS.items() for t in texts])
def test_commands(it, command, text):
    assert it.interpret(text, "calf_pain").intent == command


@pytest.mark.parametrize("text", ["I had toast for breakfast", "the weather is nice today", "where is the bathroom",
                                  "my grandson is visiting next week", "what time is it", "I like turtles",
                                  "the bus was late this morning", "can I pay by card", "hmm", "", "   ", "ok",
                                  "sure is a nice day outside"])
def test_chatter_is_not_an_answer(it, text):
    assert it.interpret(text, "calf_pain").intent in ("not_understood", "wait")


@pytest.mark.parametrize("text,expected", [
    ("no chest pain, just a cramp in my calf", {"cramping_heaviness": "yes", "calf_pain": "yes"}),
    ("I get a bad cramp in my calf after a few blocks and it goes away when I stop",
     {"calf_pain": "yes", "cramping_heaviness": "yes", "stops_with_rest": "yes"}),
    ("my legs get heavy when I walk and only sitting down helps",
     {"cramping_heaviness": "yes", "relief_sitting_leaning": "yes"}),
    ("a sharp pain shoots from my lower back down my left leg",
     {"radiates_from_back": "yes", "shooting_pain": "yes", "one_leg_only": "yes"}),
    ("my thighs have ached all over since the day after a long hike",
     {"diffuse_ache": "yes", "delayed_onset": "yes", "unusual_exertion": "yes"}),
    ("the inside of my shin is sore in one spot", {"inner_shin": "yes", "localized_tenderness": "yes"}),
    ("it's not in my calf", {"calf_pain": "no"}),
    ("I'm not sure if it's my calf", {"calf_pain": "unsure"}),
    ("it hurts in both legs", {"one_leg_only": "no"}),
    ("it doesn't go away when I rest", {"stops_with_rest": "no"}),
])
def test_features_in_free_speech(it, text, expected):
    found = it.features(text)
    for fid, value in expected.items():
        assert found.get(fid) == value, (fid, found)


def test_rest_pain_is_not_read_from_relief_by_rest(it):
    # "the pain goes away when I rest" once read as pain at rest (a red flag): the cue now skips relief clauses
    assert it.features("the pain goes away when I rest").get("rest_pain") is None


def test_asked_only_cues_do_not_fire_elsewhere(it):
    # "my calf feels tight" must never answer the chest question yes
    assert it.interpret("my calf feels tight", "chest_pain").intent not in ("yes", "emergency")
    # "some tightness" said to the chest question is chest tightness: an emergency at once
    assert (it.interpret("some tightness", "chest_pain").intent, it.interpret("some tightness", "chest_pain").reason) \
        == ("emergency", "chest_pain")
    assert it.interpret("some tightness", "calf_pain").intent != "emergency"


@pytest.mark.parametrize("text", ["yes", "I'm not sure", "maybe", "a bit", "I think so", "sometimes"])
@pytest.mark.parametrize("question", ["chest_pain", "breathlessness"])
def test_a_yes_or_not_sure_to_an_emergency_question_is_an_emergency(it, text, question):
    meaning = it.interpret(text, question)
    assert (meaning.intent, meaning.reason) == ("emergency", question)


def test_normalize_contractions():
    assert normalize("I can't breathe!") == "i can not breathe"
    assert normalize("um, I dont think so") == "i do not think so"
    assert normalize("I\u2019m fine") == "i am fine"
    assert normalize("[unk] yes") == "yes"


def test_golden_every_grammar_phrase_means_what_it_is_listed_for(it):
    """Every phrase a recognizer may return is understood as the meaning it is listed under."""
    from voice_triage.understanding.normalize import spoken_forms

    c = it.content
    for meaning, phrases in list(c.answers.items()) + list(c.commands.items()):
        for phrase in phrases.listen:
            for form in spoken_forms(phrase):
                assert it.interpret(form, "calf_pain").intent == meaning, (meaning, form)
        for phrase in phrases.exact:
            assert it.interpret(phrase, "calf_pain").intent == meaning, (meaning, phrase)


def test_golden_emergency_grammar_phrases(it):
    e = it.content.emergency
    for phrase in e.mentions:
        assert it.interpret(phrase, "calf_pain").intent == "emergency", phrase
    for phrase in e.denials + e.lookalikes:
        assert it.interpret(phrase, "calf_pain").intent != "emergency", phrase


@pytest.mark.parametrize("partial", ["chest", "my chest", "i have", "my breathing", "breath", "i can",
                                     "no chest pain", "my chest is fine"])
def test_a_partial_result_needs_a_whole_emergency_phrase(it, partial):
    """Regression: a partial "chest" (of "my chest is fine") stopped decoding and raised the alarm in noise."""
    assert it.emergency.check_partial(partial) is None


@pytest.mark.parametrize("partial, reason", [
    ("my chest feels tight", "chest_pain"), ("wait my chest feels tight", "chest_pain"), ("i have chest pain", "chest_pain"),
    ("i can't breathe", "breathlessness"), ("hold on i'm short of breath", "breathlessness"),
    ("it's hard to breathe", "breathlessness")])
def test_a_partial_with_a_whole_emergency_phrase_stops_at_once(it, partial, reason):
    assert it.emergency.check_partial(partial) == reason
