"""The phrases a recognizer should listen for at each question (compiled per engine in recognition/)."""
from __future__ import annotations

from voice_triage.protocol.content import Content
from voice_triage.understanding.normalize import spoken_forms

ANSWERS_PER_MEANING = 60
"""The shortest answer phrases of each meaning go into a grammar (long ones add confusion, not reach)."""
PHRASES_PER_COMMAND = 25


def phrases_for(content: Content, question: str) -> list[str]:
    """Answers (short forms first), commands and emergency phrases accepted at `question`."""
    phrases: dict[str, None] = {}

    def add(items) -> None:
        for item in items:
            for form in spoken_forms(item):
                phrases[form] = None

    for meaning in ("yes", "no", "unsure"):
        add(sorted(content.answers[meaning].exact, key=lambda p: (len(p), p))[:ANSWERS_PER_MEANING])
    if question == "consent":
        add(sorted(content.consent_yes))
    for ps in content.commands.values():
        add(sorted(ps.exact, key=lambda p: (len(p), p))[:PHRASES_PER_COMMAND])
    add(content.emergency.phrases)
    return list(phrases)
