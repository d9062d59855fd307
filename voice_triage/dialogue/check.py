"""The check: a sub-dialogue that asks the person about one thing before it counts.

Its states and transitions are data in dialogue/machine.py (CHECKS): idle, or checking an answer heard
unclearly ("heard"), a red flag said out of turn ("mention"), or an emergency that may not be the person's own
or current ("askback"). What is checked is `feature` = `value`; `return_to` is the question it interrupted.
"""
from __future__ import annotations

from voice_triage.dialogue.machine import build_check_machine


class Check:
    """One conversation's check (its machine's model)."""

    state: str
    """idle, heard, mention or askback (the machine's; its triggers confirm_heard, confirm_mention, ask_back and
    settle are added to this object by transitions)."""

    def __init__(self) -> None:
        self.feature = ""
        """The feature being checked (for an ask-back: the emergency reason)."""
        self.value = ""
        """The value being checked: yes, no or unsure."""
        self.return_to = ""
        """The question the check interrupted: asked again when the check does not settle it."""
        self.quote = ""
        """An ask-back's words said back ("You said: my heart is racing. Do you mean ...?"); "" for none."""
        self.machine = build_check_machine(self)

    @property
    def active(self) -> bool:
        return self.state != "idle"

    def start(self, why: str, feature: str, value: str, return_to: str, quote: str = "") -> None:
        """Begin checking `feature` = `value`: `why` is heard, mention or askback (a check under way is replaced)."""
        self.feature, self.value, self.return_to, self.quote = feature, value, return_to, quote
        {"heard": self.confirm_heard, "mention": self.confirm_mention, "askback": self.ask_back}[why]()

    def is_checking(self, feature: str) -> bool:
        return self.active and self.feature == feature
