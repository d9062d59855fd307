"""The one listener: endpointing, partial results, decoding ahead and the emergency re-checks.

Every voice mode hears through a `Listener` with a `ListeningPlan` made from the dialogue's `listen`
event (voice_triage.modes.conversation.plan_for): the phrases of the question (or free speech at the
open question), the emergency checks, and how long to wait. It returns one `Recognition` (or None for
silence). Nothing here knows the dialogue: the plan carries the checks as plain functions.
"""
from __future__ import annotations

import dataclasses
import logging

from voice_triage.audio.sources import AudioSource
from voice_triage.recognition.base import Recognition, Recognizer, normalise_phrase
from voice_triage.recognition.config import EndpointConfig, RecognizerConfig, Thresholds
from voice_triage.recognition.endpoint import Utterance, segment
from voice_triage.recognition.plan import ListeningPlan

log = logging.getLogger(__name__)


class Listener:
    """A recognizer kept for a whole session (or a kiosk's life), with its endpointing and thresholds."""

    def __init__(self, recognizer: Recognizer, endpoint: EndpointConfig = EndpointConfig(),
                 thresholds: Thresholds | None = None, why: str = ""):
        self.recognizer = recognizer
        self.endpoint = endpoint
        self.thresholds = thresholds or RecognizerConfig().thresholds(recognizer.engine)
        self.why = why
        """Which engine was chosen and why, said once."""
        self._grammar: tuple | None = None
        self.info = Utterance()
        """Where the last answer was found (endpointing's bookkeeping)."""

    @property
    def engine(self) -> str:
        return self.recognizer.engine

    def close(self) -> None:
        self.recognizer.close()

    # ------------------------------------------------------------------ grammar

    def _set(self, phrases: tuple[str, ...] | None, leads: tuple[str, ...] = (), thorough: bool = False) -> None:
        key = (phrases, leads, thorough)
        if key == self._grammar:
            return
        missing = self.recognizer.set_grammar(None if phrases is None else list(phrases), leads=leads,
                                              thorough=thorough, within=thorough)
        if missing:
            log.warning("words not in the %s model, left out of the grammar: %s", self.engine,
                        ", ".join(sorted(missing)[:20]))
        self._grammar = key

    # ------------------------------------------------------------------ listening

    def listen(self, source: AudioSource, plan: ListeningPlan) -> Recognition | None:
        """Hear one answer from `source` as `plan` says: None when nobody spoke before the timeout.

        A partial result that `plan.stop_on_partial` accepts stops listening at once (the result is then
        `partial`, with the partial hypothesis in `heard`)."""
        self._set(plan.phrases, plan.leads)
        self.recognizer.set_context(plan.context)
        config = self.endpoint if plan.timeout_s is None else dataclasses.replace(self.endpoint,
                                                                                  timeout_s=plan.timeout_s)
        self.info = Utterance()
        free = plan.phrases is None
        audio = segment(source.chunks(), config, self.info,
                        complete=(lambda: False) if free else self.recognizer.phrase_complete,
                        pause=self.recognizer.pause if config.settle_ms is not None else None)
        if audio is None:
            return None
        stop = plan.stop_on_partial

        def on_partial(text: str) -> bool:
            return bool(text) and stop(text)

        recognizer = self.recognizer
        if recognizer.settles:
            # the checks run as the recognizer's last step, so they too can run during the closing pause
            result = recognizer.recognize(audio, on_partial=on_partial, finish=lambda whole: self._finish(whole, plan))
        else:
            kept: list[bytes] = []

            def tee():
                for chunk in audio:
                    kept.append(chunk)
                    yield chunk

            result = recognizer.recognize(tee(), on_partial=on_partial)
            if not result.partial and kept:
                result = self._checked(result, b"".join(kept), plan)
        if result.partial:
            self.info.ended_by = "recognizer"
        return result

    def _finish(self, audio: bytes, plan: ListeningPlan) -> Recognition:
        """The final result of a whole answer (PocketSphinx: the last step of `recognize`, maybe at a pause)."""
        if not self._rechecks(plan):
            return self._cross_checked(self.recognizer.recognize_whole(audio), plan)
        if plan.phrases is not None:
            # a decoder the phrases only bias, at a question: a sentence ("not pain as such, more a tight
            # feeling") is decoded once more for the emergency phrases; a one-word answer is not
            first = self.recognizer.recognize_whole(audio)
            if len(normalise_phrase(first.heard or first.text).split()) < 2:
                return self._cross_checked(first, plan)
            return self._checked(first, audio, plan)
        # Free speech: free decoding of the answer starts in the background, the emergency grammar decodes
        # here meanwhile, and the free text is there (decoded once) when both are needed.
        self.recognizer.prefetch_free(audio)
        second = self._emergency_recheck(audio, plan)
        if not self.recognizer.restricts and second.understood and not plan.names_emergency(second.text):
            # a decoder the emergency phrases only bias (Whisper's prompt), and its text names neither chest
            # nor breathing: that text is the answer, and no second, free decoding is waited for
            return second
        first = self.recognizer.recognize_whole(audio)
        return self._checked(first, audio, plan, second)

    def _checked(self, first: Recognition, audio: bytes, plan: ListeningPlan,
                 second: Recognition | None = None) -> Recognition:
        """`first` (what the recognizer made of `audio`) after the emergency checks of the plan;
        `second` is the emergency grammar's result when it is known already."""
        if not self._rechecks(plan):
            return self._cross_checked(first, plan)
        if self._over_emergency_word(first, plan):
            first = self._emergency_word_kept(first)
        sure = self.thresholds.confirm_below or 0.0
        alarmed = first.understood and plan.is_emergency(first.text)
        second = second if second is not None else self._emergency_recheck(audio, plan)
        if second.understood and second.confidence >= sure and (plan.is_emergency(second.text)
                                                                or plan.emergency_here(second.text)):
            if second.doubtful and not alarmed and first.understood and plan.phrases is not None and \
                    normalise_phrase(first.text) in {normalise_phrase(p) for p in plan.phrases}:
                # a clear answer ("Yes, it does.") over a second decoding's unsupported emergency ("Yes, with
                # breath."): the answer stands
                return first
            return second
        if alarmed and sure and second.understood and second.confidence >= sure and plan.names_emergency(second.text):
            # free decoding heard an emergency ("my breathing is signed") where the emergency grammar clearly
            # heard a denial ("my breathing is fine"): ask back rather than raise the alarm or drop it
            return dataclasses.replace(first, doubtful=True)
        return first

    def _over_emergency_word(self, result: Recognition, plan: ListeningPlan) -> bool:
        """Whether a free decoder put an expected answer in place of what it wrote, and that named chest or
        breathing ("yes" for "Breath." in noise)."""
        return (not self.recognizer.restricts and result.understood and bool(result.heard)
                and normalise_phrase(result.heard) != normalise_phrase(result.text)
                and plan.names_emergency(result.heard))

    def _bare_emergency_word(self, result: Recognition, plan: ListeningPlan) -> bool:
        """Whether free decoding heard one emergency word alone ("Breathe.", "Chest.") and not clearly: the
        likeliest shape of a mishearing (real people saying "bed" in 10 dB noise, after the question as
        Whisper's context), so the person is asked rather than alarmed."""
        return (not self.recognizer.restricts and result.understood and not result.partial
                and bool(self.thresholds.confirm_below) and result.confidence < self.thresholds.emergency_sure
                and len(normalise_phrase(result.text).split()) == 1 and plan.is_emergency(result.text))

    @staticmethod
    def _emergency_word_kept(result: Recognition) -> Recognition:
        """Never an answer over an emergency word, and not an alarm either: the person is asked."""
        return dataclasses.replace(result, text=result.heard, doubtful=True)

    def _rechecks(self, plan: ListeningPlan) -> bool:
        """Whether the emergency phrases are decoded once more: with an engine that hears them better when
        told to listen for them (free decoding alone hears emergencies less well), at the open question, and
        at every question when the engine decodes freely anyway (Whisper; a grammar holds them already)."""
        return bool(plan.recheck) and self.recognizer.rechecks and (plan.phrases is None
                                                                    or not self.recognizer.restricts)

    def _emergency_recheck(self, audio: bytes, plan: ListeningPlan) -> Recognition:
        """The same answer decoded once more with the emergency phrases' grammar (free speech only)."""
        self._set(plan.recheck, thorough=True)
        try:
            result = self.recognizer.recognize_whole(audio)
        finally:
            self._set(plan.phrases, plan.leads)
        if (not self.recognizer.restricts and result.second_opinion is None and result.understood
                and plan.names_emergency(result.text)):
            # a prompted decoding that names chest or breathing is judged against free decoding of the same
            # audio, decoded now if it was not already
            free = self.recognizer.recognize_whole(audio)
            result = dataclasses.replace(result, second_opinion=free.heard or free.text)
        return self._cross_checked(result, plan)

    def _cross_checked(self, result: Recognition, plan: ListeningPlan) -> Recognition:
        """An emergency phrase from a grammar raises the alarm at once only when it is heard clearly
        (`Thresholds.emergency_sure`) or free decoding of the same audio also hears chest or breathing
        words; otherwise it is `doubtful`, and the dialogue asks "did you say ...?"."""
        if self._over_emergency_word(result, plan):
            return self._emergency_word_kept(result)
        if self._bare_emergency_word(result, plan):
            return dataclasses.replace(result, doubtful=True)
        second = result.second_opinion
        if (second is None or not result.understood or result.partial or not self.thresholds.confirm_below
                or result.confidence >= self.thresholds.emergency_sure or not plan.is_emergency(result.text)
                or plan.names_emergency(second)):
            return result
        return dataclasses.replace(result, doubtful=True)


def build_listener(config: RecognizerConfig | None = None, endpoint: EndpointConfig | None = None) -> Listener:
    """The recognizer `config` asks for (see `build_recognizer`) with its thresholds and `endpoint`.

    Raises ModelError for a missing or broken model."""
    from voice_triage.recognition.discovery import build_recognizer

    config = config or RecognizerConfig()
    recognizer, why = build_recognizer(config)
    return Listener(recognizer, endpoint or EndpointConfig(), config.thresholds(recognizer.engine), why)
