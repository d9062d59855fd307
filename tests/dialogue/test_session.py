"""Whole sessions through the Python API: each pattern, each red flag, an emergency at every kind of
question, every command, silence, nonsense and the end of input."""
import pytest

from voice_triage.dialogue.policy import DEFAULT as POLICY, DialoguePolicy
from voice_triage.dialogue.session import Session
from voice_triage.content.loader import load_content
from voice_triage.modes.wire import to_wire

C = load_content()
YES = {"yes": "yeah", "no": "no I don't think so", "unsure": "I'm not sure"}


def play(facts, *, open_text="my leg hurts when I walk", interject=None, script=None, limit=80):
    """Answer every question from `facts` (missing features: no). Returns (session, all events)."""
    s = Session(C)
    events = list(s.start().events)
    script = list(script or [])
    turns = 0
    while not s.ended and turns < limit:
        listen = [e for e in events if e.event == "listen"][-1]
        q = listen.question
        turns += 1
        if script:
            said = script.pop(0)
        elif interject and turns == interject[0]:
            said = interject[1]
        elif q == "consent":
            said = "okay"
        elif q == "open":
            said = open_text
        elif q == "confirm":
            said = "yes" if facts.get(listen.feature, "no") == listen.value else "no"
        else:
            said = YES[facts.get(q, "no")]
        turn = s.silence() if said is None else s.hear(said)
        events += turn.events
    assert s.ended, "the session did not end"
    return s, events


def end(events):
    return [e for e in events if e.event == "end"][-1]


def asked(events):
    return [e.question for e in events if e.event == "listen"]


@pytest.mark.parametrize("facts,disposition,pattern", [
    (dict(stops_with_rest="yes", calf_pain="yes", cramping_heaviness="yes"), "see_doctor", "pad_claudication"),
    (dict(stops_with_rest="yes", calf_pain="yes", cramping_heaviness="unsure"), "see_doctor", "pad_claudication"),
    (dict(relief_sitting_leaning="yes", cramping_heaviness="yes"), "see_doctor", "spinal_stenosis"),
    (dict(radiates_from_back="yes", shooting_pain="yes", one_leg_only="yes"), "see_doctor", "sciatica"),
    (dict(delayed_onset="yes", unusual_exertion="yes", diffuse_ache="yes"), "self_care", "muscle_soreness"),
    (dict(delayed_onset="yes", unusual_exertion="unsure", diffuse_ache="yes"), "self_care", "muscle_soreness"),
    (dict(inner_shin="yes", localized_tenderness="yes", worse_with_movement="yes"), "self_care", "shin_splints"),
    (dict(localized_tenderness="yes", worse_with_movement="yes"), "self_care", "tendinitis"),
    (dict(ankle_swelling="yes", heavy_tired_legs="yes"), "see_doctor", "venous_insufficiency"),
    (dict(rest_pain="yes", stops_with_rest="yes", calf_pain="yes"), "urgent", "critical_limb_ischemia"),
    (dict(cold_leg="yes", stops_with_rest="yes"), "urgent", "critical_limb_ischemia"),
    (dict(discoloration="yes"), "urgent", "critical_limb_ischemia"),
    (dict(one_leg_swelling="yes", warm_red_leg="yes"), "urgent", "dvt"),
    (dict(warm_red_leg="yes"), "urgent", "dvt"),
    (dict(rest_pain="unsure"), "urgent", None),
    ({}, "see_doctor", None),
])
def test_personas(facts, disposition, pattern):
    s, events = play(facts)
    e = end(events)
    assert e.disposition == disposition
    if pattern:
        assert e.patterns[0] == pattern
    assert not any(ev.event == "emergency" for ev in events)
    says = " ".join(ev.text for ev in events if ev.event == "say")
    assert "not a diagnosis" in says and "emergency services" in says  # safety net, every time


def test_screening_order_chest_and_breath_first():
    _, events = play({})
    q = asked(events)
    assert q[:3] == ["consent", "open", "chest_pain"]
    assert q[3] == "breathlessness"
    assert q[4:9] == ["rest_pain", "cold_leg", "discoloration", "one_leg_swelling", "warm_red_leg"]


def test_open_answer_fills_features_that_are_then_not_asked():
    _, events = play(dict(stops_with_rest="yes", calf_pain="yes", cramping_heaviness="yes"),
                     open_text="I get a bad cramp in my calf after a few blocks and it goes away when I stop")
    q = asked(events)
    assert not {"stops_with_rest", "calf_pain", "cramping_heaviness"} & set(q)
    assert end(events).answers["stops_with_rest"] == "yes"


def test_summary_says_why_and_what_to_do():
    _, events = play(dict(stops_with_rest="yes", calf_pain="yes", cramping_heaviness="yes"))
    says = [e.text for e in events if e.event == "say"]
    assert any("peripheral artery disease" in t and "fades within minutes of resting" in t for t in says)
    assert any("book a visit with your doctor" in t for t in says)


@pytest.mark.parametrize("flag", ["chest_pain", "breathlessness"])
def test_emergency_by_answering_yes(flag):
    _, events = play({flag: "yes"})
    kinds = [e.event for e in events]
    i = kinds.index("emergency")
    assert events[i].reason == flag
    assert kinds[i + 1] == "say" and "Call emergency services now" in events[i + 1].text
    assert end(events).disposition == "emergency"
    assert "listen" not in kinds[i:]


def test_unsure_about_chest_pain_is_an_emergency_at_once():
    """Issue 10, risk first: a possible emergency is an emergency. "I'm not sure" to the chest-pain
    question was asked again once before; a person unsure whether they have chest pain now gets the
    instruction at once."""
    s = Session(C)
    s.start()
    s.hear("yes")
    s.hear("my legs hurt")
    t = s.hear("I'm not sure")
    assert t.events[0].event == "emergency"
    assert t.emergency.reason == "chest_pain" and t.end.disposition == "emergency"


QUESTION_KINDS = ["consent", "open", "chest_pain", "rest_pain", "warm_red_leg", "stops_with_rest", "confirm"]


@pytest.mark.parametrize("where", QUESTION_KINDS)
@pytest.mark.parametrize("phrase", ["wait, my chest feels tight", "I can't breathe", "yes and I'm short of breath"])
def test_emergency_at_every_kind_of_question(where, phrase):
    s = Session(C, policy=DialoguePolicy(confirm_below=0.5))
    t = s.start()
    guard = 0
    while t.listen.question != where:
        guard += 1
        assert guard < 30, f"never reached {where}"
        q = t.listen.question
        if where == "confirm" and q == "stops_with_rest":
            t = s.hear("yes", confidence=0.3)  # a low-confidence answer is confirmed
        else:
            t = s.hear({"consent": "yes", "open": "it aches"}.get(q, "no"))
    t = s.hear(phrase)
    assert t.events[0].event == "emergency"
    assert t.end.disposition == "emergency"
    assert s.ended


def test_interjected_emergency_ends_routine_questions_at_once():
    _, events = play(dict(stops_with_rest="yes"), interject=(5, "wait, my chest feels tight"))
    kinds = [e.event for e in events]
    i = kinds.index("emergency")
    assert "listen" not in kinds[i:] and end(events).disposition == "emergency"


def _to_first_flag():
    s = Session(C)
    s.start()
    s.hear("yes")
    t = s.hear("it hurts when I walk")
    assert t.listen.question == "chest_pain"
    return s


def test_repeat_and_help():
    s = _to_first_flag()
    t = s.hear("can you repeat that")
    assert t.listen.question == "chest_pain" and t.says == [C.questions["chest_pain"].ask]
    t = s.hear("help")
    assert C.questions["chest_pain"].help in t.says and C.speech["help_answers"] in t.says
    assert t.listen.question == "chest_pain"


def test_go_back_changes_the_last_answer():
    s = _to_first_flag()
    s.hear("no")
    t = s.hear("go back")
    assert t.listen.question == "chest_pain" and "chest_pain" not in s.answers
    t = s.hear("no")
    assert t.listen.question == "breathlessness"


def test_go_back_at_the_first_question():
    s = Session(C)
    s.start()
    t = s.hear("go back")
    assert C.speech["back_at_start"] in t.says and t.listen.question == "consent"


def test_start_over_forgets_answers():
    s = _to_first_flag()
    s.hear("no")
    s.hear("no")
    t = s.hear("start over")
    assert s.answers == {} and t.listen.question == "open"


def test_stop_ends_incomplete_with_safety_net():
    s = _to_first_flag()
    t = s.hear("stop")
    assert t.end.disposition == "incomplete"
    assert C.speech["safety_net"] in t.says


@pytest.mark.parametrize("command", ["slower", "faster", "louder", "quieter"])
def test_voice_commands_are_passed_on(command):
    s = _to_first_flag()
    t = s.hear({"slower": "slow down", "faster": "speak faster", "louder": "speak up", "quieter": "too loud"}[command])
    assert t.voice == [command] and t.listen.question == "chest_pain"


def test_wait_listens_again_without_repeating():
    s = _to_first_flag()
    t = s.hear("hold on a second")
    assert t.says == [C.speech["wait"]] and t.listen.question == "chest_pain"


def test_silence_reprompts_simpler_then_ends_after_three():
    s = _to_first_flag()
    t = s.silence()
    assert C.questions["chest_pain"].simpler in t.says
    s.silence()
    t = s.silence()
    assert t.end.disposition == "incomplete" and C.speech["safety_net"] in t.says


def test_silence_count_resets_after_an_answer():
    s = _to_first_flag()
    s.silence()
    s.silence()
    t = s.hear("no")
    t = s.silence()
    assert not s.ended and t.listen.question == "breathlessness"


def test_nonsense_says_what_is_accepted_then_gives_up_gracefully():
    s = _to_first_flag()
    t = s.hear("I like turtles")
    assert C.speech["not_understood"] in t.says and t.listen.question == "chest_pain"
    for _ in range(POLICY.max_failures - 1):
        t = s.hear("purple elephants")
    assert t.end.disposition == "incomplete"


def test_consent_declined():
    s = Session(C)
    s.start()
    t = s.hear("no")
    assert t.end.disposition == "incomplete"


def test_red_flag_heard_out_of_turn_is_confirmed():
    s = _to_first_flag()
    for _ in range(7):
        t = s.hear("no")
    q = t.listen.question
    assert q not in C.screening
    t = s.hear("my foot has turned blue")
    assert t.listen.question == "confirm" and t.listen.feature == "discoloration"
    t = s.hear("yes")
    assert t.listen.question == "more"  # "anything else about the pain?" before the summary
    t = s.hear("no")
    assert t.end.disposition == "urgent"


def test_low_confidence_answer_is_confirmed():
    s = Session(C, policy=DialoguePolicy(confirm_below=0.6))
    s.start()
    s.hear("yes")
    s.hear("it hurts")
    t = s.hear("no", confidence=0.4)
    assert to_wire(t.listen) == {"event": "listen", "question": "confirm", "state": "screening", "feature": "chest_pain", "value": "no"}
    t = s.hear("no")
    assert t.listen.question == "chest_pain"
    t = s.hear("no", confidence=0.9)
    assert t.listen.question == "breathlessness"


def test_every_session_is_bounded():
    s = Session(C)
    s.start()
    n = 0
    while not s.ended:
        n += 1
        s.hear("repeat")
    assert n <= POLICY.max_turns


def test_stop_api_ends_incomplete_and_later_input_is_ignored():
    s = _to_first_flag()
    t = s.stop()
    assert t.end.disposition == "incomplete"
    assert s.hear("yes").events == [] and s.silence().events == []


def test_grammar_holds_answers_commands_and_emergency_phrases():
    s = _to_first_flag()
    g = s.grammar()
    for phrase in ["yes", "no", "i am not sure", "i'm not sure", "repeat", "stop", "i can't breathe", "chest pain"]:
        assert phrase in g


def test_a_red_flag_question_cannot_be_skipped():
    # "skip" twice at the chest question once became "unsure" twice, and so a false emergency
    s = _to_first_flag()
    t = s.hear("skip")
    t = s.hear("skip")
    assert t.emergency is None and t.listen.question == "chest_pain"


def test_skip_at_a_pattern_question_records_unsure():
    s = _to_first_flag()
    for _ in range(7):
        t = s.hear("no")
    q = t.listen.question
    t = s.hear("skip")
    assert s.answers[q] == "unsure"


def test_an_emergency_heard_without_confidence_is_confirmed_at_once():
    s = Session(C, policy=DialoguePolicy(confirm_below=0.35))
    s.start()
    s.hear("yes")
    s.hear("it hurts")
    t = s.hear("no")
    t = s.hear("i have chest pain", confidence=0.25)
    assert t.emergency is None
    assert to_wire(t.listen) == {"event": "listen", "question": "confirm", "state": "screening", "feature": "chest_pain",
                        "value": "yes"}
    t = s.hear("no")
    assert t.listen.question == "breathlessness"  # back to the question it was at
    t = s.hear("i have chest pain", confidence=0.3)
    t = s.hear("yes")
    assert t.emergency.reason == "chest_pain" and t.end.disposition == "emergency"


def test_an_emergency_heard_clearly_fires_without_asking():
    s = Session(C, policy=DialoguePolicy(confirm_below=0.35))
    s.start()
    s.hear("yes")
    t = s.hear("I can't breathe", confidence=0.9)
    assert t.events[0].event == "emergency"


def test_at_the_open_question_speech_not_understood_moves_on():
    # a recognizer that could not make out a free description must not trap the person at "tell me"
    s = Session(C)
    s.start()
    s.hear("yes")
    t = s.not_understood(heard="[unk]")
    assert t.listen.question == "chest_pain"


def test_a_doubtful_no_at_consent_is_asked_again():
    s = Session(C, policy=DialoguePolicy(confirm_below=0.35))
    s.start()
    t = s.hear("no", confidence=0.2)
    assert not s.ended and t.listen.question == "consent"


def test_consent_is_taken_after_three_unclear_answers_and_the_person_is_told():
    from voice_triage.dialogue.policy import DEFAULT as POLICY

    s = Session(C)
    s.start()
    for _ in range(POLICY.consent_tries - 1):
        t = s.not_understood(heard="milking")
        assert t.listen.question == "consent"
    t = s.not_understood(heard="too")
    assert C.speech["consent_assumed"] in t.says and t.listen.question == "open"


def test_consent_is_never_taken_after_a_doubtful_no_or_on_unreadable_input():
    from voice_triage.dialogue.policy import DEFAULT as POLICY

    s = Session(C, policy=DialoguePolicy(confirm_below=0.35))  # as with PocketSphinx
    s.start()
    t = s.hear("no", confidence=0.2)
    assert t.listen.question == "consent"
    for _ in range(POLICY.consent_tries):
        t = s.not_understood(heard="milking")
    assert t.listen.question == "consent"
    s = Session(C)
    s.start()
    for _ in range(POLICY.consent_tries + 1):
        t = s.not_understood()
    assert t.listen.question == "consent"


@pytest.mark.parametrize("flag", ["chest_pain", "breathlessness"])
def test_a_faint_no_to_an_emergency_question_is_asked_back(flag):
    from voice_triage.dialogue.policy import DEFAULT as POLICY

    s = Session(C, policy=DialoguePolicy(confirm_below=0.35))
    s.start()
    s.hear("yes")
    s.hear("it hurts when I walk")
    if flag == "breathlessness":
        s.hear("no")  # text: sure
    assert s.question == flag
    t = s.hear("no", confidence=POLICY.emergency_no_sure - 0.1)
    assert t.listen.question == "confirm" and t.listen.value == "no"
    t = s.hear("no")  # "no, that is not right"
    assert t.listen.question == flag


def test_a_faint_no_to_a_routine_question_is_taken():
    s = Session(C, policy=DialoguePolicy(confirm_below=0.35))
    s.start()
    s.hear("yes")
    s.hear("it hurts when I walk")
    for _ in range(2):
        s.hear("no")
    while s.question in C.screening:
        s.hear("no")
    q = s.question
    t = s.hear("no", confidence=0.5)
    assert t.listen.question not in (q, "confirm")
