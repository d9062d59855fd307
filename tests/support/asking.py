"""A Triage with its last turn at hand, for tests that hand the dialogue's own plan to a real listener."""
from __future__ import annotations

from voice_triage.dialogue.events import Heard, Turn
from voice_triage.dialogue.triage import Triage
from voice_triage.recognition.base import Recognition


class Asking:
    """A conversation and the turn it last gave: `plan` is what to listen with, `question` what was asked."""

    def __init__(self, content=None, **kw):
        self.triage = Triage(content, **kw)
        self.turn: Turn = self.triage.start()

    @property
    def plan(self):
        return self.turn.listen.plan

    @property
    def question(self) -> str:
        return self.turn.listen.question

    @property
    def session(self):
        """The dialogue's inside (tests only: front ends see the Triage)."""
        return self.triage._session  # noqa: SLF001

    def hear(self, heard: Heard | Recognition | str) -> Turn:
        turn = self.triage.hear(heard)
        if turn is not None:
            self.turn = turn
        return turn


def asking_at(question: str, content=None, *, open_text: str = "it hurts when I walk", **kw) -> Asking:
    """A conversation at `question`: consent yes, then `open_text` at the open question."""
    asking = Asking(content, **kw)
    if question != "consent":
        asking.hear("yes")
    if question not in ("consent", "open"):
        asking.hear(open_text)
    assert asking.question == question, asking.question
    return asking
