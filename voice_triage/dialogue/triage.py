"""The public API: one triage conversation, fed what was heard, giving back typed turns.

    from voice_triage import Triage

    triage = Triage()
    turn = triage.start()                       # the greeting and "shall we begin?"
    turn = triage.hear("yes")                   # text, a Recognition, or a Heard (silence, a key)
    for event in turn.events:                   # SayEvent, ListenEvent(plan=...), HeardEvent, EmergencyEvent, EndEvent
        ...

Every front end (the terminal, JSON lines, the live voice loop, the kiosk, and assistants) drives a Triage
and nothing else of the dialogue. A Triage holds only its own conversation: many may run in one process at
once, one per person. What was heard by voice is judged here, the same way whatever the mode: the
recognizer's thresholds travel with its Recognition (stamped by the listener that made it).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from voice_triage.content.model import Content
from voice_triage.dialogue.events import EndEvent, Heard, HeardKind, Turn
from voice_triage.dialogue.listening import wake_plan
from voice_triage.dialogue.policy import DEFAULT, DialoguePolicy
from voice_triage.dialogue.session import Session
from voice_triage.recognition.base import Recognition
from voice_triage.recognition.plan import ListeningPlan
from voice_triage.understanding.reader import ReaderLoader, shared_reader

log = logging.getLogger(__name__)

__all__ = ["Triage"]


class Triage:
    """One conversation. `start()` once, then `hear(...)` each input until `ended`; `stop()` ends it at once."""

    def __init__(self, content: Content | None = None, *, policy: DialoguePolicy = DEFAULT,
                 keys: Mapping[str, str] | None = None, reader: ReaderLoader | None | bool = True):
        """`content`: the clinical content (the packaged one unless given). `policy`: retries, confirmations,
        early ends. `keys`: what each key of a keyboard fallback stands for (content's keys unless given).
        `reader`: the learned reader beside the rules (understanding/reader.py): True for the shipped one, loaded
        once per process in the background; a ReaderLoader of your own; or None/False for the rules alone."""
        if reader is True:
            reader = shared_reader()
        self._session = Session(content, policy=policy, reader=reader or None)
        self._keys = dict(self._session.content.keys if keys is None else keys)

    # ------------------------------------------------------------------ the conversation

    def start(self) -> Turn:
        """The greeting and the first question."""
        return self._session.start()

    def hear(self, heard: Heard | Recognition | str) -> Turn | None:
        """The reply to one input: words (typed or transcribed elsewhere), a recognizer's Recognition (judged for
        an emergency with every decoding it carries), or a Heard (which may also be silence or a key).
        None only for a key that stands for nothing (the question stands)."""
        if isinstance(heard, str):
            return self._session.hear(heard)
        if isinstance(heard, Recognition):
            heard = Heard.from_recognition(heard)
        if heard.kind is HeardKind.SILENCE:
            return self._session.silence()
        if heard.kind is HeardKind.KEY:
            said = self._keys.get(heard.key.lower()) if len(heard.key) == 1 else None
            return None if said is None else self._session.hear(said)
        if heard.recognition is None:
            return self._session.hear(heard.text, confidence=heard.confidence)
        return self._recognized(heard)

    def silence(self) -> Turn:
        """Nothing was said before the listen timeout."""
        return self._session.silence()

    def not_understood(self, heard: str = "") -> Turn:
        """An input that could not be read at all (a malformed line, an unreadable file): asked again."""
        return self._session.not_understood(heard)

    def stop(self) -> Turn:
        """End at once (Ctrl-C, a lost device, end of input, a person who walked away)."""
        return self._session.stop()

    # ------------------------------------------------------------------ what a front end may read

    @property
    def ended(self) -> bool:
        return self._session.ended

    @property
    def result(self) -> EndEvent | None:
        """The end event, once the conversation has ended."""
        return self._session.result

    @property
    def question(self) -> str:
        """The question now put (consent, open, more, or a feature id), as the last listen event named it."""
        return self._session.question

    @property
    def inputs(self) -> int:
        """How many inputs the conversation has had."""
        return self._session.tally.inputs

    @property
    def content(self) -> Content:
        return self._session.content

    # ------------------------------------------------------------------ before a conversation (a kiosk waiting)

    def wake_plan(self, wake_phrases: tuple[str, ...], invitation: str, timeout_s: float | None) -> ListeningPlan:
        """What a kiosk listens for between people: its wake phrases and every emergency phrase."""
        return wake_plan(self.content, self._session.judge, wake_phrases, invitation, timeout_s)

    def emergency_in(self, heard: Heard) -> str | None:
        """What `heard` (before the conversation began) said, when it states an emergency, else None: judged as
        an answer to "tell me about the pain" would be, with every decoding the recognition carries. Hear it
        (`hear(text)`) to raise the alarm."""
        if heard.kind is not HeardKind.SPEECH:
            return None
        if heard.recognition is not None:
            heard = Heard.from_recognition(self._session.judge.decide(heard.recognition, "open"))
        text = heard.text
        return text if text.strip() and self._session.emergency_in(text) is not None else None

    def doubt_in(self, heard: Heard) -> str | None:
        """What `heard` (before the conversation began) said, when it may state an emergency and would be asked
        back (the judge is not sure it is the person's own, now), else None. Hear it to ask it back."""
        if heard.kind is not HeardKind.SPEECH or heard.recognition is not None:
            return None
        text = heard.text
        return text if text.strip() and self._session.doubt_in(text) is not None else None

    # ------------------------------------------------------------------ voice

    def _recognized(self, heard: Heard) -> Turn:
        """A recognizer's result. A partial result that stopped listening holds an emergency: heard as said. An
        answer the question's phrases missed but free decoding heard ("yeah" for "yes") is offered at the engine's
        `free_text_confidence`, so it is confirmed."""
        session = self._session
        result = heard.recognition
        assert result is not None
        if result.partial:
            log.info("emergency heard in a partial result: %r", heard.text)
            return session.hear(heard.text, thresholds=result.thresholds)
        result = session.judge.decide(result, session.question)
        if result.understood and result.text:
            return session.hear(result.text, confidence=result.confidence, doubtful=result.doubtful,
                                thresholds=result.thresholds)
        if result.free_text and session.question not in ("open", "more"):
            meaning = session.interpreter.interpret(result.free_text, session.question)
            if meaning.is_answer:
                sure = result.thresholds.free_text_confidence if result.thresholds is not None else None
                return session.hear(result.free_text, confidence=sure, thresholds=result.thresholds)
        return session.not_understood(heard=heard.text)
