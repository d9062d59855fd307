"""What the session gives back for each input (a Turn), and what "go back" returns to (a Snapshot)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Turn:
    """What the assistant does in reply to one input."""

    events: list[dict] = field(default_factory=list)
    """Protocol events in order, exactly as --io jsonl writes them."""
    voice: list[str] = field(default_factory=list)
    """Speech adjustments asked for in this turn: slower, faster, louder, quieter."""

    @property
    def says(self) -> list[str]:
        return [e["text"] for e in self.events if e["event"] == "say"]

    def _last(self, kind: str) -> dict | None:
        return next((e for e in reversed(self.events) if e["event"] == kind), None)

    @property
    def listen(self) -> dict | None:
        return self._last("listen")

    @property
    def end(self) -> dict | None:
        return self._last("end")

    @property
    def emergency(self) -> dict | None:
        return self._last("emergency")


@dataclass
class Snapshot:
    """The state before an answer was recorded ("go back" returns to it)."""

    state: str
    question: str
    answers: dict[str, str]
    retried: set[str]
