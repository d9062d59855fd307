"""Conversations: the assistant skill's conversations by id, on a fake clock (no network)."""
from __future__ import annotations

import threading

import pytest

from tests.modes.kiosk.kiosk_fakes import FakeClock
from tests.support.personas import PERSONAS, answer
from voice_triage.modes.assistant.conversations import AssistantTexts, Conversations
from voice_triage.understanding.interpret import MAX_CHARS

TEXTS = AssistantTexts.load()
INSTRUCTION = "Call emergency services now."


def pool(**kw) -> tuple[Conversations, FakeClock]:
    clock = FakeClock()
    return Conversations(clock=clock, **kw), clock


def run_persona(conversations: Conversations, cid: str, persona: dict):
    reply = conversations.reply(cid, "check my leg pain")
    replies = [reply]
    n = 0
    while not reply.ended:
        n += 1
        reply = conversations.reply(cid, answer(persona, reply.question, n, reply.feature, reply.value))
        replies.append(reply)
        assert n < 60
    return replies


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p["id"])
def test_each_of_our_personas_ends_with_its_disposition_and_is_then_forgotten(persona):
    conversations, _ = pool()
    replies = run_persona(conversations, "ha-1", persona)
    assert replies[-1].disposition == persona["expect"]["disposition"]
    assert len(conversations) == 0
    for reply in replies[:-1]:
        assert reply.handled and reply.question and reply.text.rstrip()[-1] in "?."
    if persona["expect"]["disposition"] == "emergency":
        assert replies[-1].text.startswith(INSTRUCTION) and replies[-1].emergency in ("chest_pain", "breathlessness")


def test_an_utterance_that_is_not_for_the_triage_begins_nothing():
    conversations, _ = pool()
    reply = conversations.reply("a", "turn on the kitchen light")
    assert not reply.handled and reply.text == TEXTS.not_ours and len(conversations) == 0
    reply = conversations.reply("a", "yes")
    assert not reply.handled and len(conversations) == 0


@pytest.mark.parametrize("said", ["I can't breathe", "my chest is tight and my leg hurts",
                                  "turn on the light, I have chest pain"])
def test_an_emergency_outside_any_conversation_is_answered_at_once_and_nothing_is_kept(said):
    conversations, _ = pool()
    reply = conversations.reply("a", said)
    assert reply.handled and reply.ended and reply.disposition == "emergency"
    assert reply.text.startswith(INSTRUCTION)
    assert len(conversations) == 0


@pytest.mark.parametrize("then, expect", [("yes", "emergency"), ("no", "consent")])
def test_a_possible_emergency_outside_any_conversation_is_asked_back_never_passed_over(then, expect):
    """Issue 30: what the judge would ask back at the open question (maybe not the person's own, now) begins a
    conversation with the question; yes raises the alarm, no leads to the greeting and "shall we begin?"."""
    conversations, _ = pool()
    # (the reader of 2026-12-08 reads "my heart hurts since she left me" as chest pain 0.99 and overrules the rules'
    # doubt: an alarm; a racing or pounding heart is still asked back)
    reply = conversations.reply("a", "my heart is pounding")
    assert reply.handled and reply.emergency is None and reply.question == "confirm"
    assert "chest" in reply.text and len(conversations) == 1
    reply = conversations.reply("a", then)
    if expect == "emergency":
        assert reply.emergency == "chest_pain" and reply.text.startswith(INSTRUCTION) and reply.ended
    else:
        assert reply.emergency is None and reply.question == "consent" and reply.text.startswith("Hello")
        assert conversations.reply("a", "yes").question == "open"


def test_no_chest_pain_outside_a_conversation_is_not_an_alarm():
    conversations, _ = pool()
    reply = conversations.reply("a", "I have no chest pain, but my leg pain is bad")
    assert reply.emergency is None and reply.question == "consent"


def test_a_conversation_idle_for_the_limit_is_forgotten():
    conversations, clock = pool(idle_s=300)
    assert conversations.reply("a", "leg pain").question == "consent"
    clock.advance(299)
    assert conversations.reply("a", "yes").question == "open"
    clock.advance(300)
    assert conversations.expire() == 1 and len(conversations) == 0
    reply = conversations.reply("a", "my calves cramp when I walk")
    assert reply.question == "consent"  # a fresh start: the old answers are gone
    assert conversations.expired == 1


def test_when_full_one_more_is_told_to_try_later_but_an_emergency_is_still_answered():
    conversations, _ = pool(max_conversations=2)
    assert conversations.reply("a", "leg pain").handled
    assert conversations.reply("b", "leg pain").handled
    full = conversations.reply("c", "check my legs")
    assert not full.handled and full.text == TEXTS.full and "emergency services" in full.text
    alarm = conversations.reply("c", "my chest hurts")
    assert alarm.handled and alarm.text.startswith(INSTRUCTION)
    assert conversations.reply("a", "yes").question == "open"  # the running ones go on
    assert conversations.refused == 1 and len(conversations) == 2


def test_an_emergency_late_in_an_over_long_utterance_is_found():
    conversations, _ = pool()
    conversations.reply("a", "leg pain")
    conversations.reply("a", "yes")
    filler = "my leg hurts when I walk and then it gets better " * 200
    said = filler[:7000] + " and now I cannot breathe " + filler[:3000]
    assert len(said) > 3 * MAX_CHARS
    reply = conversations.reply("a", said)
    assert reply.emergency == "breathlessness" and reply.text.startswith(INSTRUCTION) and reply.ended


def test_an_over_long_utterance_without_an_emergency_is_asked_again_and_the_question_stands():
    conversations, _ = pool()
    conversations.reply("a", "leg pain")
    conversations.reply("a", "yes")
    reply = conversations.reply("a", "it hurts when I walk " * 400)
    assert reply.text == TEXTS.too_long and reply.question == "open" and not reply.ended
    assert conversations.reply("a", "my calves cramp after a few blocks").question == "chest_pain"


def test_forget_ends_a_conversation_at_once():
    conversations, _ = pool()
    conversations.reply("a", "leg pain")
    assert conversations.forget("a") and not conversations.forget("a") and len(conversations) == 0


def test_limits_are_checked():
    with pytest.raises(ValueError):
        Conversations(max_conversations=0)
    with pytest.raises(ValueError):
        Conversations(idle_s=0)


def test_fifty_conversations_from_many_threads_end_as_each_does_alone():
    conversations, _ = pool(max_conversations=50)
    results: dict[str, str] = {}

    def run(n: int) -> None:
        persona = PERSONAS[n % len(PERSONAS)]
        results[f"c{n}"] = run_persona(conversations, f"c{n}", persona)[-1].disposition

    threads = [threading.Thread(target=run, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert {cid: d for cid, d in results.items() if d != PERSONAS[int(cid[1:]) % len(PERSONAS)]["expect"]["disposition"]} == {}
    assert len(results) == 50 and len(conversations) == 0


def phrase_sets():
    from tests.support import ROOT, SHARED

    sets = [ROOT / "tests" / "data" / "symptoms" / "unseen.json"]
    if (SHARED / "eval" / "public_mst.json").exists():
        sets.append(SHARED / "eval" / "public_mst.json")
    return sets


def _outcome(reply) -> str:
    return "alarm" if reply.emergency is not None else "asked" if reply.question == "confirm" else "quiet"


@pytest.mark.parametrize("path", phrase_sets(), ids=lambda p: p.name)
def test_real_peoples_phrases_raise_the_alarm_before_any_triage_as_inside_one(path):
    """Said to the assistant out of the blue (no triage running) they are judged exactly as at the open question:
    an emergency raised, a possible one asked back (a conversation begins with the question), never passed over.
    Floors (issue 30's aims): no emergency passed over, at most 2% false alarms; on our unseen half (written by the
    rules' writers, never tuned to) also at least 95% raised at once. public_mst, measured with the shipped reader
    (docs/model-card.md): 53/56 at once, 3 asked back, 10/732 false alarms (the rules alone, written against it:
    56/56, 0)."""
    import json

    phrases = json.loads(path.read_text(encoding="utf-8"))["phrases"]
    conversations, _ = pool(max_conversations=5000)
    outside, inside = [], []
    for i, phrase in enumerate(phrases):
        outside.append(_outcome(conversations.reply(f"o{i}", phrase["text"])))
        conversations.forget(f"o{i}")
        if phrase["at"] == "open":
            conversations.reply(f"i{i}", "leg pain")
            conversations.reply(f"i{i}", "yes")
            inside.append((i, _outcome(conversations.reply(f"i{i}", phrase["text"]))))
            conversations.forget(f"i{i}")
    lost = [p["text"] for p, o in zip(phrases, outside) if p["emergency"] and o == "quiet"]
    later = [p["text"] for p, o in zip(phrases, outside) if p["emergency"] and o != "alarm"]
    alarms = [p["text"] for p, o in zip(phrases, outside) if not p["emergency"] and o == "alarm"]
    # as at the open question (where a conversation may also confirm a symptom mentioned in passing)
    assert [(phrases[i]["text"], outside[i], o) for i, o in inside if (outside[i] == "alarm") != (o == "alarm")] == []
    emergencies = sum(p["emergency"] for p in phrases)
    assert lost == []
    assert len(alarms) <= 0.02 * (len(phrases) - emergencies), alarms
    if path.name != "public_mst.json":
        assert len(later) <= 0.05 * emergencies, later
