"""Property-based safety of understanding (issue 10): any emergency clause after any answer or
denial, at any question, fires; any clean denial of both emergency symptoms never fires."""
from hypothesis import given, settings
from hypothesis import strategies as st

from voice_triage.dialogue.session import Session
from voice_triage.content.loader import load_content
from voice_triage.understanding.interpret import Interpreter

C = load_content()
IT = Interpreter(C)
QUESTIONS = ["consent", "open", "more", "confirm"] + list(C.features)

PREFIXES = ["no", "nope", "nah", "not really", "no it doesn't", "I don't think so", "never", "not at all",
            "yes", "yeah", "I'm not sure", "no chest pain", "my breathing is fine", "no, my chest is fine",
            "I can breathe fine", "no swelling", "it's only when I walk", "my calf hurts", "definitely not",
            "no idea", "absolutely not", "okay", "um no", "well no"]
JOINERS = [". ", ", ", ", but ", " but ", "... ", ". wait, ", " actually ", ". hold on, ", " though ",
           "; ", " - ", ". now ", ", except ", " although ", "? "]
STATEMENT_JOINERS = [" ", " and ", " so "]
"""Only before a clause that is a statement of its own ("no I'm short of breath"): "no shortness of
breath" with no pause or comma is a denial."""
EMERGENCY_CLAUSES = {
    "chest_pain": ["my chest hurts", "there's a pain in my chest", "my chest feels tight", "I have chest pain",
                   "my chest is tight now", "there's pressure in my chest", "my chest is killing me",
                   "I think I'm having a heart attack", "maybe some chest pain", "my chest aches",
                   "a tightness in my chest", "chest pain", "I've never had pain like this in my chest"],
    "breathlessness": ["I'm short of breath", "I can't breathe", "it's hard to breathe", "I'm out of breath",
                       "I can't catch my breath", "I'm struggling to breathe", "I'm not breathing well",
                       "I can't get a proper breath", "I'm gasping", "shortness of breath", "I'm breathless",
                       "maybe I'm a bit short of breath", "breathing is difficult"],
}
def _is_statement(clause: str) -> bool:
    return clause.split()[0].lower() in ("i", "i'm", "i've", "my", "there's", "it's")


CHEST_DENIALS = ["no chest pain", "my chest is fine", "I don't have chest pain", "no pain in my chest",
                 "my chest doesn't hurt", "I have never had chest pain", "no tightness in my chest",
                 "absolutely no chest pain", "nothing wrong with my chest", "no chest pain at all"]
BREATH_DENIALS = ["no shortness of breath", "my breathing is fine", "I'm not short of breath", "I can breathe fine",
                  "no trouble breathing", "breathing's normal", "I'm not out of breath", "I don't get breathless",
                  "I can breathe without any trouble", "no breathing problems"]
CONNECTORS = [" and ", ", ", ". ", " or ", ", and ", " and also "]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PREFIXES), st.sampled_from(JOINERS), st.sampled_from(sorted(EMERGENCY_CLAUSES)),
       st.data(), st.sampled_from(QUESTIONS))
def test_any_emergency_clause_after_any_answer_or_denial_fires(prefix, joiner, reason, data, question):
    clause = data.draw(st.sampled_from(EMERGENCY_CLAUSES[reason]))
    if data.draw(st.booleans()) and _is_statement(clause):
        joiner = data.draw(st.sampled_from(STATEMENT_JOINERS))
    text = prefix + joiner + clause
    meaning = IT.interpret(text, question)
    assert meaning.intent == "emergency", (text, question, meaning.intent, meaning.clauses)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PREFIXES), st.sampled_from(JOINERS), st.sampled_from(sorted(EMERGENCY_CLAUSES)),
       st.data(), st.sampled_from(["open", "chest_pain", "rest_pain", "calf_pain", "one_leg_swelling"]))
def test_a_session_gives_the_emergency_first_whatever_came_before_in_the_utterance(prefix, joiner, reason, data,
                                                                                    question):
    clause = data.draw(st.sampled_from(EMERGENCY_CLAUSES[reason]))
    s = Session(C)
    s.start()
    s.hear("yes")
    while s.question != question and not s.ended:
        s.hear("my calf hurts when I walk" if s.question == "open" else "no")
    if s.ended:
        return
    turn = s.hear(prefix + joiner + clause)
    assert turn.events[0].event == "emergency"
    assert turn.end.disposition == "emergency"


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(CHEST_DENIALS), st.sampled_from(CONNECTORS), st.sampled_from(BREATH_DENIALS),
       st.booleans(), st.sampled_from(QUESTIONS))
def test_a_clean_denial_of_both_never_fires(chest, connector, breath, breath_first, question):
    text = (breath + connector + chest) if breath_first else (chest + connector + breath)
    meaning = IT.interpret(text, question)
    assert meaning.intent not in ("emergency", "ask_back"), (text, question, meaning.intent, meaning.clauses)
    if question in ("chest_pain", "breathlessness"):
        assert meaning.intent == "no", (text, question, meaning.intent)
