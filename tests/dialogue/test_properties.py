"""Property-based tests of the dialogue: any input ends in bounded turns, never raises, and an
emergency mention from any state ends the routine questions at once."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voice_triage.dialogue.policy import DEFAULT as POLICY
from voice_triage.dialogue.session import Session
from voice_triage.content.loader import load_content

C = load_content()
UTTERANCES = ["yes", "no", "I'm not sure", "repeat", "help", "go back", "start over", "slower", "louder", "wait",
              "skip", "I had toast", "my calf cramps when I walk", "it goes away when I rest", "my foot is cold",
              "sitting down helps", "", "uh", "no chest pain", "my breathing is fine", "okay", "maybe"]
EVENT = st.one_of(st.sampled_from(UTTERANCES), st.none(), st.text(max_size=30), st.tuples(st.just("nu")))


def feed(s, item):
    if item is None:
        return s.silence()
    if isinstance(item, tuple):
        return s.not_understood()
    return s.hear(item)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EVENT, max_size=150))
def test_any_input_ends_in_bounded_turns_without_raising(items):
    s = Session(C)
    s.start()
    for item in items:
        feed(s, item)
        if s.ended:
            break
    steps = 0
    while not s.ended:  # then keep answering "no" until it ends
        s.hear("no")
        steps += 1
        assert steps <= POLICY.max_turns
    assert s.result.disposition in {"emergency", "urgent", "see_doctor", "self_care", "incomplete"}
    assert set(s.result.answers) <= set(C.features)


@settings(max_examples=300, deadline=None)
@given(st.lists(EVENT, max_size=40), st.sampled_from(["my chest hurts", "I can't breathe", "yes but I'm short of breath",
                                                       "there's pressure in my chest", "I'm gasping for air"]))
def test_emergency_from_any_state_ends_at_once(items, phrase):
    s = Session(C)
    s.start()
    for item in items:
        feed(s, item)
        if s.ended:
            return
    turn = s.hear(phrase)
    assert turn.events[0].event == "emergency"
    assert turn.end.disposition == "emergency"
    assert all(e.event != "listen" for e in turn.events)
