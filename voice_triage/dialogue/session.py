"""One triage conversation, fed one utterance at a time: the facade every mode talks to.

The states and transitions are data (dialogue/machine.py); the policy's numbers are dialogue/policy.py;
what happens for each input is in dialogue/handling.py, which question comes next in dialogue/flow.py,
and how a session ends in dialogue/endings.py. The open question comes first so that a plain "yes" or
"no" is never taken as an answer about chest pain before the person has heard that question; what it
mentions fills in features not to be asked again (never a red flag: those are always asked).

Every input goes through the emergency check first, in every state. Each call returns a Turn: the typed
events (dialogue.events) in order, and what the session now waits for. Front ends do not use a Session
directly: they use dialogue.triage.Triage, which feeds it whatever was heard (text or a Recognition).
"""
from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from voice_triage.content.model import Content
from voice_triage.content.loader import load_content
from voice_triage.dialogue.check import Check
from voice_triage.dialogue.endings import Endings
from voice_triage.dialogue.grammar import Grammar
from voice_triage.dialogue.flow import Flow
from voice_triage.dialogue.handling import Handling
from voice_triage.dialogue.machine import build_machine
from voice_triage.dialogue.policy import DEFAULT, DialoguePolicy, Tally
from voice_triage.dialogue.events import EndEvent, HeardEvent, Turn
from voice_triage.dialogue.flow import Snapshot
from voice_triage.understanding.judge import Judge
from voice_triage.understanding.reader import ReaderLoader
from voice_triage.understanding.interpret import ASK_BACK, EMERGENCY, MAX_CHARS, NOT_UNDERSTOOD, Interpreter, Meaning

if TYPE_CHECKING:
    from voice_triage.recognition.config import Thresholds

log = logging.getLogger(__name__)

__all__ = ["Session", "Turn"]


class Session(Handling, Flow, Endings):
    """One triage conversation. Feed it with hear(), silence() and not_understood()."""


    def __init__(self, content: Content | None = None, *, policy: DialoguePolicy = DEFAULT,
                 reader: ReaderLoader | None = None):
        self.content = content or load_content()
        self.interpreter = Interpreter(self.content)
        self.judge = Judge(self.interpreter, reader)
        """The one room that decides emergencies from what recognition heard (understanding.judge)."""
        self.policy = policy
        """Retries, confirmations and early ends (dialogue.policy)."""
        self.answers: dict[str, str] = {}
        self.question = "consent"
        self._last_open: tuple[str, Meaning] | None = None
        self.greeted = False
        """The greeting was said (start); a session begun by an utterance out of the blue has not said it."""
        self.asked = ""
        """The question as last said (its wording, a reprompt or a confirmation): what the person answers."""
        self.check = Check()
        """The sub-dialogue checking one thing with the person (dialogue.check; its states in machine.py)."""
        self.pending: list[str] = []
        """Red flags heard out of turn, waiting to be confirmed one at a time."""
        self.asked_back: set[str] = set()
        """Emergency reasons already asked back ("do you have chest pain yourself, right now?"), and the words
        already said back ("You said: my heart is racing. Do you mean ...?")."""
        self.asked_more = False
        """"Is there anything else?" has been asked."""
        self.retried: set[str] = set()
        self.history: list[Snapshot] = []
        self.tally = Tally()
        """What the policy counts: inputs, silences, failures, the consent question's doubts (dialogue.policy)."""
        self.result: EndEvent | None = None
        self.phrases = Grammar(self.content)
        """The phrases to listen for at each question, worked out once per conversation (dialogue.grammar)."""
        self._turn = Turn()
        self.machine = build_machine(self)


    @property
    def ended(self) -> bool:
        return self.state == "ended"


    def start(self) -> Turn:
        """The greeting and the first question."""
        self._turn = Turn()
        self.greeted = True
        self._say("greeting")
        self._ask("consent")
        return self._turn


    def hear(self, text: str, *, confidence: float | None = None, doubtful: bool = False,
             thresholds: Thresholds | None = None) -> Turn:
        """A transcribed utterance (only its first MAX_CHARS characters are read). `doubtful`: the
        recognizer's own checks disagree with it, so an emergency in it is asked back first. `thresholds`: those
        of the recognizer that heard it (its confirm_below replaces the policy's for this input)."""
        self._turn = Turn()
        if self.ended:
            return self._turn
        # answers heard less sure than this are confirmed: the recognizer's own threshold, or the policy's for text
        confirm_below = thresholds.confirm_below if thresholds is not None else self.policy.confirm_below
        text = text[:MAX_CHARS]
        self.tally.inputs += 1
        # before anything was asked (an assistant or a kiosk hearing an emergency out of the blue) the words are read
        # as an answer to the open question, as `emergency_in` read them
        asked, read_at = (self.asked, self.question) if self.asked else (self.content.questions["open"].ask, "open")
        meaning = self.judge.meaning(text, read_at, about=self._about, asked=asked)
        answers = meaning.is_answer and self.question in self.content.features
        heard = HeardEvent(text, meaning.intent, None if confidence is None else round(float(confidence), 3),
                           self.question if answers else None, meaning.intent if answers else None)
        if meaning.intent == EMERGENCY:
            if (doubtful or self._doubtful(confidence, confirm_below)) and not self.check.active:
                # heard, but not clearly: ask at once rather than raise a false alarm or miss one
                self._emit(heard)
                self._confirm(meaning.reason or "chest_pain", "yes", "heard")
                self._ask("confirm")
                return self._turn
            self._emergency(meaning.reason or "chest_pain", text, meaning)
            return self._turn
        if meaning.reason:
            heard = dataclasses.replace(heard, reason=meaning.reason)
        self._emit(heard)
        if self.check.state == "askback" and not self._keeps_asking(meaning):
            self._asked_back(meaning, text)
            return self._turn
        if self.policy.out_of_turns(self.tally):
            self._end_early("too_many_failures")
            return self._turn
        if meaning.intent != NOT_UNDERSTOOD:
            self.tally.silences = 0
        if meaning.intent == ASK_BACK:
            self._ask_back(meaning)
            return self._turn
        self._handle(meaning, text, confidence, confirm_below)
        return self._turn


    def silence(self) -> Turn:
        """Nothing was said before the listen timeout."""
        self._turn = Turn()
        if self.ended:
            return self._turn
        self.tally.inputs += 1
        self.tally.silences += 1
        if self.check.state == "askback":
            # "do you have chest pain yourself, right now?" with no answer: anything but a clear no
            self._asked_back(None, "")
            return self._turn
        if self.policy.ends_on_silence(self.tally):
            self._end_early("too_many_silences")
            return self._turn
        if self.state == "closing":
            self._conclude()  # nothing else to add
            return self._turn
        self._say("silence")
        self._ask(self.question, simpler=True)
        return self._turn


    def not_understood(self, heard: str = "") -> Turn:
        """The recognizer could not make sense of what was said (or the input was unreadable)."""
        self._turn = Turn()
        if self.ended:
            return self._turn
        heard = heard[:MAX_CHARS]
        self.tally.inputs += 1
        if heard:
            reason = self.interpreter.emergency.check(heard)
            if reason:
                self._emergency(reason, heard, Meaning(EMERGENCY, heard, reason))
                return self._turn
        self._emit(HeardEvent(heard, NOT_UNDERSTOOD))
        if self.check.state == "askback":
            self._asked_back(None, heard)
            return self._turn
        if self.state in ("open", "closing"):
            # something was said in answer to an open question: go on rather than ask again
            self.tally.silences = 0
            if self.state == "closing":
                # a late red flag in what the recognizer could make out is still confirmed
                self._learn(self.interpreter.interpret(heard, "more").features if heard else {})
                self._next()
                return self._turn
            self._say("acknowledge_free_speech")
            self.describe()
            self._next()
            return self._turn
        self._failed(spoken=bool(heard.strip()))
        return self._turn


    def emergency_in(self, text: str) -> str | None:
        """The emergency reason `text` states, read as at the open question (the judge's reading, rules and reader
        together: understanding.judge), or None."""
        meaning = self._read_as_open(text)
        return (meaning.reason or "chest_pain") if meaning.intent == EMERGENCY else None

    def doubt_in(self, text: str) -> str | None:
        """The emergency reason `text` may state, read as at the open question, when the judge would ask it back
        (a possible emergency: "my chest has been funny all day"), or None."""
        meaning = self._read_as_open(text)
        return (meaning.reason or "chest_pain") if meaning.intent == ASK_BACK else None

    def _read_as_open(self, text: str) -> Meaning:
        """The judge's reading of `text` at the open question; the last one is kept, so an assistant that asks
        `emergency_in` and then `doubt_in` of the same words reads them (rules and reader) once."""
        text = text[:MAX_CHARS]
        if self._last_open is None or self._last_open[0] != text:
            self._last_open = (text, self.judge.meaning(text, "open", asked=self.content.questions["open"].ask))
        return self._last_open[1]


    def grammar(self) -> list[str]:
        """Every phrase accepted now: answers to this question, commands, emergency phrases."""
        return list(self.phrases.at(self.question))


    def stop(self) -> Turn:
        """End at once (Ctrl-C, a lost device, end of input): incomplete, with safety-net advice, or
        the disposition a red flag already answered gives."""
        self._turn = Turn()
        if not self.ended:
            self._end_early("stopped")
        return self._turn

    # ------------------------------------------------------------------ after transitions (machine.py)

    def _ask_open(self) -> None:
        """"Tell me about the pain": asked when the conversation begins or starts over."""
        self._ask("open")

    def _ask_more(self) -> None:
        """"Is there anything else?": asked once per session, before the summary."""
        self.asked_more = True
        self._ask("more")
