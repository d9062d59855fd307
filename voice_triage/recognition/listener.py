"""The one listener: endpointing, partial results and decoding, the emergency phrases decoded once more.

Every voice mode hears through a `Listener` with a `ListeningPlan` made from the dialogue's `listen` event
(voice_triage.modes.conversation.plan_for): the phrases of the question (or free speech at the open question),
the emergency phrases to decode once more from the same audio, and how long to wait. It returns one
`Recognition` (or None for silence) with every decoding it made as data: the first decoding, the emergency
decoding in `alternatives`, what free decoding wrote in `second_opinion`. It decides nothing about emergencies:
the judge (voice_triage.understanding.judge) does, from that data. It asks the judge, through the plan's
`watch`, only when to stop listening on a partial result and whether a second decoding is worth its time.
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

        A partial result that `plan.watch` says holds an emergency stops listening at once (the result is then
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
        watch = plan.watch

        def on_partial(text: str) -> bool:
            return bool(text) and watch.stops(text)

        recognizer = self.recognizer
        if recognizer.settles:
            # the second decoding runs as the recognizer's last step, so it too can run during the closing pause
            result = self._stamped(recognizer.recognize(audio, on_partial=on_partial,
                                                        finish=lambda whole: self._finish(whole, plan)))
        else:
            kept: list[bytes] = []

            def tee():
                for chunk in audio:
                    kept.append(chunk)
                    yield chunk

            result = self._stamped(recognizer.recognize(tee(), on_partial=on_partial))
            if not result.partial and kept and self._rechecks(plan):
                result = dataclasses.replace(result, alternatives=(self._emergency_decoding(b"".join(kept), plan),))
        if result.partial:
            self.info.ended_by = "recognizer"
        return result

    def _stamped(self, result: Recognition) -> Recognition:
        return dataclasses.replace(result, biased=not self.recognizer.restricts, thresholds=self.thresholds)

    def _finish(self, audio: bytes, plan: ListeningPlan) -> Recognition:
        """The final result of a whole answer (PocketSphinx: the last step of `recognize`, maybe at a pause)."""
        whole = lambda: self._stamped(self.recognizer.recognize_whole(audio))  # noqa: E731
        if not self._rechecks(plan):
            return whole()
        if plan.phrases is not None:
            # a decoder the phrases only bias, at a question: a sentence ("not pain as such, more a tight
            # feeling") is decoded once more with the emergency phrases; a one-word answer is not
            first = whole()
            if len(normalise_phrase(first.heard or first.text).split()) < 2:
                return first
            return dataclasses.replace(first, alternatives=(self._emergency_decoding(audio, plan),))
        # Free speech: free decoding of the answer starts in the background, the emergency decoding runs here
        # meanwhile, and the free text is there (decoded once) when both are needed.
        self.recognizer.prefetch_free(audio)
        second = self._emergency_decoding(audio, plan)
        if not self.recognizer.restricts and second.understood and not plan.watch.names(second.text):
            # a decoder the emergency phrases only bias (Whisper's prompt), and its text names neither chest nor
            # breathing: that text is the answer, and no second, free decoding is waited for
            return second
        return dataclasses.replace(whole(), alternatives=(second,))

    def _rechecks(self, plan: ListeningPlan) -> bool:
        """Whether the emergency phrases are decoded once more: with an engine that hears them better when
        told to listen for them (free decoding alone hears emergencies less well), at the open question, and
        at every question when the engine decodes freely anyway (Whisper; a grammar holds them already)."""
        return bool(plan.recheck) and self.recognizer.rechecks and (plan.phrases is None
                                                                    or not self.recognizer.restricts)

    def _emergency_decoding(self, audio: bytes, plan: ListeningPlan) -> Recognition:
        """The same answer decoded once more with the emergency phrases (a grammar, or Whisper's prompt)."""
        self._set(plan.recheck, thorough=True)
        try:
            result = self._stamped(self.recognizer.recognize_whole(audio))
        finally:
            self._set(plan.phrases, plan.leads)
        if (not self.recognizer.restricts and result.second_opinion is None and result.understood
                and plan.watch.names(result.text)):
            # a prompted decoding that names chest or breathing goes with what free decoding of the same audio
            # wrote (decoded now if it was not already), for the judge to weigh
            free = self.recognizer.recognize_whole(audio)
            result = dataclasses.replace(result, second_opinion=free.heard or free.text)
        return result


def build_listener(config: RecognizerConfig | None = None, endpoint: EndpointConfig | None = None) -> Listener:
    """The recognizer `config` asks for (see `build_recognizer`) with its thresholds and `endpoint`.

    Raises ModelError for a missing or broken model."""
    from voice_triage.recognition.discovery import build_recognizer

    config = config or RecognizerConfig()
    recognizer, why = build_recognizer(config)
    return Listener(recognizer, endpoint or EndpointConfig(), config.thresholds(recognizer.engine), why)
