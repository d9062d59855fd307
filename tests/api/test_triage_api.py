"""The public API (voice_triage.Triage, issue 21): the documented example (docs/design.md) runs as written; many
conversations in one process keep nothing in common; typed events only (JSON exists at the JSON-lines edge alone)."""
from __future__ import annotations

import contextlib
import io
import json
import random
import re
import threading
from pathlib import Path

import pytest

from tests.support.personas import PERSONAS, answer
from voice_triage import EmergencyEvent, EndEvent, Heard, ListenEvent, SayEvent, Triage

ROOT = Path(__file__).resolve().parents[2]


def documented_example() -> str:
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    section = text.split("## Use it from Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_documented_example_runs_as_written_and_reaches_its_disposition():
    code = documented_example()
    assert len(code.strip().splitlines()) <= 12, "docs/design.md promises a short example"
    out = io.StringIO()
    scope: dict = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/design.md", "exec"), scope)  # noqa: S102 - our own docs
    printed = out.getvalue().splitlines()
    assert printed[-1] == "see_doctor", printed[-5:]
    assert any("Shall we begin?" in line for line in printed)


def test_a_turn_is_typed_events_and_the_listen_event_carries_the_plan():
    triage = Triage()
    turn = triage.start()
    assert all(isinstance(e, (SayEvent, ListenEvent)) for e in turn.events)
    assert turn.listen.question == "consent" and turn.listen.plan.question == "consent"
    assert "yes" in turn.listen.plan.phrases and turn.listen.plan.context == turn.says[-1]
    turn = triage.hear("yes")
    assert turn.heard.intent == "yes" and turn.listen.question == "open" and turn.listen.plan.phrases is None
    turn = triage.hear("my chest feels tight")
    assert isinstance(turn.events[0], EmergencyEvent) and turn.emergency.reason == "chest_pain"
    assert isinstance(turn.end, EndEvent) and turn.end.disposition == "emergency" and triage.ended
    assert triage.hear("yes").events == []  # an ended conversation answers nothing more


def test_silence_keys_and_text_are_all_heard_through_one_door():
    triage = Triage()
    triage.start()
    assert triage.hear(Heard.key_press("y")).listen.question == "open"
    assert triage.hear(Heard.key_press("%")) is None  # a key that stands for nothing: the question stands
    turn = triage.hear(Heard.silence())
    assert turn.listen.question == "open" and turn.heard is None


# ------------------------------------------------------------------ many at once

def one_at_a_time(persona: dict) -> tuple[str, tuple, dict]:
    triage = Triage()
    turn, n = triage.start(), 0
    while not triage.ended:
        n += 1
        turn = triage.hear(answer(persona, turn.listen.question, n, turn.listen.feature, turn.listen.value))
    end = triage.result
    return end.disposition.value, end.patterns, dict(end.answers)


def test_a_thousand_conversations_in_turn_across_threads_end_as_each_does_alone():
    """1,000 conversations, four threads each taking 250 of them a turn at a time in random order: every one ends
    exactly as the same patient's conversation held alone does (disposition, patterns, every answer)."""
    alone = {p["id"]: one_at_a_time(p) for p in PERSONAS}
    assert {d for d, _, _ in alone.values()} == {"emergency", "urgent", "see_doctor", "self_care"}
    assert all(alone[p["id"]][0] == p["expect"]["disposition"] for p in PERSONAS)
    results: dict[int, tuple] = {}
    errors: list[BaseException] = []

    def run(start: int, count: int, seed: int) -> None:
        try:
            rng = random.Random(seed)
            live = {}
            for n in range(start, start + count):
                triage = Triage()
                live[n] = (PERSONAS[n % len(PERSONAS)], triage, triage.start(), 0)
            while live:
                n = rng.choice(list(live))
                persona, triage, turn, said = live[n]
                turn = triage.hear(answer(persona, turn.listen.question, said + 1, turn.listen.feature, turn.listen.value))
                if triage.ended:
                    end = triage.result
                    results[n] = (end.disposition.value, end.patterns, dict(end.answers))
                    del live[n]
                else:
                    live[n] = (persona, triage, turn, said + 1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i * 250, 250, i)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(results) == 1000
    wrong = [n for n, got in results.items() if got != alone[PERSONAS[n % len(PERSONAS)]["id"]]]
    assert not wrong, [(n, results[n], alone[PERSONAS[n % len(PERSONAS)]["id"]]) for n in wrong[:3]]


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p["id"])
def test_the_wire_form_of_a_whole_conversation_is_plain_json(persona):
    from voice_triage.modes.wire import to_wire

    triage = Triage()
    turn, n = triage.start(), 0
    lines = [json.dumps(to_wire(e)) for e in turn.events]
    while not triage.ended:
        n += 1
        turn = triage.hear(answer(persona, turn.listen.question, n, turn.listen.feature, turn.listen.value))
        lines += [json.dumps(to_wire(e)) for e in turn.events]
    last = json.loads(lines[-1])
    assert last["event"] == "end" and last["disposition"] == persona["expect"]["disposition"]
    assert all(set(json.loads(line)) <= {"event", "text", "question", "state", "feature", "value", "intent",
                                         "confidence", "reason", "heard", "disposition", "patterns", "answers"}
               for line in lines)
