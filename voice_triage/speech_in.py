"""Speech in for the session: one utterance of audio -> recognizer (with the question's grammar) -> Turn.

Used by `--io jsonl` for {"audio": PATH} lines; the microphone path of the live loop uses the same
grammar choice and the same emergency check on partial results. Speech libraries are imported
here only when the first audio arrives.
"""
from __future__ import annotations

import dataclasses
import logging
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from voice_triage.dialogue.session import Session, Turn

log = logging.getLogger(__name__)


def grammar_for(session: Session) -> list[str] | None:
    """The phrase list to listen for now; None (free decoding) for the open question."""
    return None if session.question == "open" else session.grammar()


@dataclass
class Ears:
    """A recognizer kept for a whole session, with the grammar it was last given.

    It is itself a Recognizer (pass it to `listen`): at the open question it decodes freely, then
    decodes the same audio once more with the emergency phrases' grammar, so an emergency said in
    answer to "tell me about the pain" is caught with the accuracy of a grammar, not of free decoding.
    """

    recognizer: Any
    """The Recognizer (voice_triage.recognition)."""
    why: str = ""
    """Which engine was chosen and why, said once."""
    grammar_key: tuple | None = field(default=None)
    """The phrases currently compiled into the recognizer (None: not set yet)."""
    recheck: list[str] | None = field(default=None)
    """At the open question: the grammar for the second, emergency-only decoding."""
    is_emergency: Callable[[str], Any] | None = field(default=None)
    """The session's emergency check."""
    sure_above: float = 0.0
    """The second decoding counts only when it is at least this sure."""
    mentions: Callable[[str], bool] = field(default=lambda text: False)
    """Whether free text names chest or breathing at all (even denied): the cross-check of an emergency."""

    @property
    def engine(self) -> str:
        return getattr(self.recognizer, "engine", "")

    def set_grammar(self, phrases, thorough: bool = False):
        key = ("free",) if phrases is None else tuple(phrases)
        if key == self.grammar_key:
            return []
        missing = (self.recognizer.set_grammar(phrases, thorough=True) if thorough and self.engine == "pocketsphinx"
                   else self.recognizer.set_grammar(phrases))
        if missing:
            log.warning("words not in the %s model, left out of the grammar: %s", self.recognizer.engine,
                        ", ".join(sorted(missing)[:20]))
        self.grammar_key = key
        return missing

    def missing_words(self) -> list[str]:
        return self.recognizer.missing_words()

    def tune(self, session: Session) -> None:
        """Give the recognizer the grammar of the session's current question (only when it changed)."""
        if session.confirm_below is None:
            # doubtful answers and faint emergencies are asked back in every voice mode (live, demo, files)
            session.confirm_below = CONFIRM_BELOW.get(self.engine)
        phrases = grammar_for(session)
        self.recheck = session.content.emergency.phrases if phrases is None else None
        self.sure_above = session.confirm_below or 0.0
        self.is_emergency = session.emergency_in
        self.mentions = session.names_emergency_terms
        self.set_grammar(phrases)

    def phrase_complete(self) -> bool:
        """Whether the utterance so far is a whole phrase of the grammar (never at the open question)."""
        check = getattr(self.recognizer, "phrase_complete", None)
        return self.recheck is None and check is not None and check()

    def pause(self, paused: bool) -> None:
        """From endpointing: the person paused, or went on (see PocketSphinxRecognizer.pause)."""
        pause = getattr(self.recognizer, "pause", None)
        if pause is not None:
            pause(paused)

    def recognize(self, chunks: Iterable[bytes], on_partial=None):
        if getattr(self.recognizer, "settles", False):
            # the checks below run as the recognizer's last step, so they too can run during the closing pause
            return self.recognizer.recognize(chunks, on_partial=on_partial, finish=self._finish)
        audio: list[bytes] = []

        def tee():
            for chunk in chunks:
                audio.append(chunk)
                yield chunk

        first = self.recognizer.recognize(tee(), on_partial=on_partial)
        if first.partial or not audio:
            return first
        return self._checked(first, b"".join(audio))

    def _checked(self, first, audio: bytes, second=None):
        """`first` (what the recognizer made of `audio`) after the emergency checks of this question;
        `second` is the emergency grammar's result when it is known already."""
        if self.recheck is None or self.is_emergency is None:
            return self._cross_checked(first)
        alarmed = first.understood and self.is_emergency(first.text)
        second = second if second is not None else self._emergency_recheck(audio)
        if second.understood and second.confidence >= self.sure_above and self.is_emergency(second.text):
            return second
        if alarmed and second.understood and second.confidence >= self.sure_above and self.mentions(second.text):
            # free decoding heard an emergency ("my breathing is signed") where the emergency grammar clearly
            # heard a denial ("my breathing is fine"): ask back rather than raise the alarm or drop it
            return self._doubted(first)
        return first

    def _finish(self, audio: bytes):
        """The final result of a whole answer (PocketSphinx: the last step of `recognize`, maybe at a pause)."""
        if self.recheck is None or self.is_emergency is None:
            return self._cross_checked(self.recognizer.recognize_whole(audio))
        # The open question: free decoding of the answer starts in the helper process, the emergency grammar
        # decodes here meanwhile, and the free text is there (decoded once) when both are needed.
        self.recognizer.prefetch_free(audio)
        second = self._emergency_recheck(audio)
        first = self.recognizer.recognize_whole(audio)
        return self._checked(first, audio, second)

    def _emergency_recheck(self, audio: bytes):
        """The same answer decoded once more with the emergency phrases' grammar (the open question)."""
        key = self.grammar_key
        self.set_grammar(list(self.recheck), thorough=True)
        within = hasattr(self.recognizer, "verify_within")
        if within:
            self.recognizer.verify_within = True  # the phrase is usually part of a longer sentence
        try:
            whole = getattr(self.recognizer, "recognize_whole", None)
            second = self._cross_checked(whole(audio) if whole else self.recognizer.recognize(iter([audio])))
        finally:
            if within:
                self.recognizer.verify_within = False
            self.set_grammar(None if key == ("free",) else list(key or ()))
        return second

    def _cross_checked(self, result):
        """An emergency phrase from the grammar raises the alarm at once only when it is heard clearly
        (EMERGENCY_SURE) or free decoding of the same audio also hears chest or breathing words; otherwise
        it comes back just below `sure_above`, so the dialogue asks "did you say ...?". Measured: "I had toast
        for breakfast" came out of the grammar as "i have chest pain" with a verification score of 0.2-0.4."""
        second = getattr(result, "second_opinion", None)
        if (second is None or not result.understood or result.partial or self.is_emergency is None
                or self.sure_above <= 0
                or result.confidence >= EMERGENCY_SURE or not self.is_emergency(result.text)
                or self.mentions(second)):
            return result
        return self._doubted(result)

    def _doubted(self, result):
        """`result` made just unsure enough for the session to ask it back ("did you say ...?")."""
        return dataclasses.replace(result, confidence=min(result.confidence, round(max(self.sure_above - 0.01, 0.0), 3)))


EMERGENCY_SURE = 0.5
"""Verification score above which a grammar's emergency phrase stands without the free decoding's support."""
CONFIRM_BELOW = {"pocketsphinx": 0.35}
"""Per engine: answers heard with less confidence than this are confirmed ("did I hear you right?")."""


def build_ears(asr: str = "auto", vosk_model: str | None = None) -> Ears:
    from voice_triage.recognition import build_recognizer

    recognizer, why = build_recognizer(asr, vosk_model)
    return Ears(recognizer, why)


FREE_TEXT_CONFIDENCE = 0.2
"""An answer found only by free decoding ("yeah" for a grammar's "yes") is taken this sure: confirmed."""


def turn_from(session: Session, result) -> Turn:
    """The session's reply to a recognition result (None: silence)."""
    if result is None:
        return session.silence()
    if result.understood and result.text:
        return session.hear(result.text, confidence=result.confidence)
    if result.free_text and session.question not in ("open", "more"):
        meaning = session.interpreter.interpret(result.free_text, session.question)
        if meaning.is_answer:
            return session.hear(result.free_text, confidence=FREE_TEXT_CONFIDENCE)
    return session.not_understood(heard=result.heard or result.text)


def recognize_file(path: str, session: Session, settings, state: dict) -> Turn:
    """One WAV file through the same recognizer, grammar and endpointing as the microphone."""
    from voice_triage.recognition.endpoint import listen
    from voice_triage.audio.sources import WavFileSource

    ears = state.get("ears")
    if ears is None:
        ears = state["ears"] = build_ears(settings.asr, settings.vosk_model)
        print(f"voice-triage: {ears.why}", file=sys.stderr, flush=True)
    source = WavFileSource(path)
    ears.tune(session)
    result = listen(source, ears, trailing_silence_ms=settings.trailing_silence_ms,
                    timeout_s=settings.listen_timeout_s, on_partial=lambda text: session.emergency_in_partial(text) is not None)
    return turn_from(session, result)
