"""The kiosk's real channel: microphone and recognizer in, speech and captions out, keys alongside.

It is a thin layer over the other stages: voice_triage.speech (SpeechOutput: captions, pyttsx3,
the speaker), voice_triage.recognition (a Recognizer with ``set_grammar``) and voice_triage.audio
(a MicrophoneSource opened per question, and ``endpoint.listen``). Half duplex as in the live
loop: the microphone is opened for one answer after the assistant has finished speaking.

While listening, partial results are checked for an emergency (listening stops at once) and the
key queue is looked at on every chunk of audio, so a key press ends the listen without waiting
for the microphone.
"""
from __future__ import annotations

import contextlib
import inspect
import logging
import sys
from typing import Any, Callable, ContextManager, TextIO

from voice_triage.errors import SpeechOutputError
from voice_triage.modes.kiosk.channel import Heard, HeardKind, Listening
from voice_triage.modes.kiosk.config import KioskConfig
from voice_triage.modes.kiosk.keys import KeySource, NoKeys, open_keys
from voice_triage.speech.captions import Captions, CaptionStyle
from voice_triage.speech.output import SpeechOutput
from voice_triage.speech.settings import VoiceCommand, VoiceSettings

logger = logging.getLogger(__name__)

CLEAR_SCREEN = "\x1b[2J\x1b[3J\x1b[H"
"""Clears the terminal and its scrollback, so nothing of the previous person stays on screen."""

SourceFactory = Callable[[dict], ContextManager[Any]]
"""Opens the microphone for one listen (given a protocol ``listen`` event) as a context manager."""
ListenFunction = Callable[..., Any]
"""``listen(source, recognizer, *, on_partial, timeout) -> Recognition | None``."""


class _KeyPressed(Exception):
    """Raised inside the listen to stop it the moment a key is pressed."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class _EmergencyHeard(Exception):
    """Raised from the partial-result callback to stop listening the moment an emergency is heard."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class _KeyAwareSource:
    """The microphone source, looking at the key queue before each chunk it hands on."""

    def __init__(self, inner: Any, keys: KeySource):
        self._inner = inner
        self._keys = keys

    def _check(self) -> None:
        key = self._keys.get_key()
        if key is not None:
            raise _KeyPressed(key)

    def __iter__(self):
        for chunk in self._inner:
            self._check()
            yield chunk

    def chunks(self):
        """The source's chunks, with a look at the keys before each one (what endpoint.listen reads)."""
        for chunk in self._inner.chunks():
            self._check()
            yield chunk

    def read(self, *args: Any, **kwargs: Any) -> Any:
        """The source's own read(), after a look at the keys."""
        self._check()
        return self._inner.read(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class VoiceChannel:
    """The kiosk Channel on real devices (or on any stand-ins with the same shape)."""

    def __init__(self, speech: SpeechOutput, recognizer: Any, source_factory: SourceFactory,
                 listen: ListenFunction, *, keys: KeySource | None = None,
                 base_settings: VoiceSettings | None = None, heard_label: str = "You"):
        self.speech = speech
        self.recognizer = recognizer
        from voice_triage.speech_in import Ears

        self.ears = Ears(recognizer)
        """The recognizer with the listening plan of the session's question (as in every voice mode)."""
        self.source_factory = source_factory
        self.listen_fn = listen
        self.keys = keys or NoKeys()
        self.base_settings = base_settings or speech.settings
        self.heard_label = heard_label
        self._grammar: tuple[str, ...] | None = None
        self._closed = False
        self._spoke_aloud = speech.speaking_aloud

    # -------------------------------------------------------------- speaking

    def say(self, text: str) -> None:
        """Caption and speak one sentence."""
        self.speech.say(text)

    def say_emergency(self, text: str) -> None:
        """The emergency banner, spoken at full volume twice."""
        self.speech.say_emergency(text)

    def show_heard(self, text: str) -> None:
        """What was understood, as a caption."""
        self.speech.captions.person(text, self.heard_label)

    def adjust(self, command: str) -> None:
        """Slower, faster, louder or quieter."""
        try:
            self.speech.adjust(VoiceCommand(command))
        except ValueError:
            logger.warning("unknown voice adjustment %r ignored", command)

    def new_person(self, reset_voice: bool) -> None:
        """Clear the screen and the keys; start a fresh SpeechOutput (it remembers what it said)."""
        self.keys.drain()
        captions = self.speech.captions
        isatty = getattr(captions.stream, "isatty", None)
        if captions.style is not CaptionStyle.OFF and isatty is not None and isatty():
            try:
                captions.stream.write(CLEAR_SCREEN)
                captions.stream.flush()
            except (OSError, ValueError) as exc:
                logger.debug("screen not cleared: %s", exc)
        settings = self.base_settings if reset_voice else self.speech.settings
        self.speech = SpeechOutput(self.speech.synthesizer, self.speech.sink, captions, settings)

    # -------------------------------------------------------------- listening

    def listen(self, listening: Listening) -> Heard:
        """One utterance, a key press, or silence."""
        key = self.keys.get_key()
        if key is not None:
            return Heard(HeardKind.KEY, key)
        if listening.session is not None:
            self.ears.tune(listening.session)  # free speech at the open question, its phrases elsewhere
            self._grammar = None
        else:
            grammar = listening.grammar()
            if grammar != self._grammar:
                self.ears.recheck = None
                missing = self.ears.set_grammar(list(grammar))
                if missing:
                    logger.info("the recognizer does not know: %s", ", ".join(sorted(missing)))
                self._grammar = grammar

        def on_partial(text: str) -> None:
            key = self.keys.get_key()
            if key is not None:
                raise _KeyPressed(key)
            if text and listening.emergency_in(text):
                raise _EmergencyHeard(text)

        event = {"event": "listen", "question": listening.question}
        try:
            with self.source_factory(event) as source:
                recognition = self.listen_fn(_KeyAwareSource(source, self.keys), self.ears,
                                             on_partial=on_partial, timeout=listening.timeout)
        except _KeyPressed as pressed:
            return Heard(HeardKind.KEY, pressed.key)
        except _EmergencyHeard as heard:
            logger.info("emergency heard in a partial result")
            return Heard(HeardKind.SPEECH, heard.text, partial=True)
        if recognition is None:
            key = self.keys.get_key()
            return Heard(HeardKind.KEY, key) if key is not None else Heard(HeardKind.SILENCE)
        text = str(getattr(recognition, "text", "") or "")
        session_result = recognition if listening.session is not None else None
        if not getattr(recognition, "understood", bool(text)) or not text.strip():
            # the raw hypothesis lets the session still spot an emergency in out-of-grammar speech
            heard = str(getattr(recognition, "heard", "") or text).replace("[unk]", " ")
            return Heard(HeardKind.NOT_UNDERSTOOD, " ".join(heard.split()), recognition=session_result)
        confidence = getattr(recognition, "confidence", None)
        return Heard(HeardKind.SPEECH, text, None if confidence is None else float(confidence),
                     recognition=session_result)

    def healthy(self) -> bool:
        """False once a voice that worked has fallen back to captions only (the kiosk then reopens the channel)."""
        return self.speech.speaking_aloud or not self._spoke_aloud

    def close(self) -> None:
        """Stop the key thread, release the voice and the recognizer."""
        if self._closed:
            return
        self._closed = True
        self.keys.close()
        self.speech.close()
        closer = getattr(self.recognizer, "close", None)
        if callable(closer):
            with contextlib.suppress(Exception):
                closer()


# ------------------------------------------------------------------ wiring the real devices

def adapt_listen(listen: Callable[..., Any], trailing_silence_ms: int) -> ListenFunction:
    """endpoint.listen with the kiosk's listen timeout and trailing silence passed as the keywords it takes.

    voice_triage.recognition.endpoint.listen takes ``timeout_s`` and ``trailing_silence_ms``; a listen
    function without them (a test double) gets neither.
    """
    try:
        params = inspect.signature(listen).parameters
    except (TypeError, ValueError):
        params = {}
    timeout_name = next((n for n in ("timeout_s", "timeout") if n in params), None)
    trailing_name = "trailing_silence_ms" if "trailing_silence_ms" in params else None

    def adapted(source: Any, recognizer: Any, *, on_partial: Callable[[str], None], timeout: float) -> Any:
        kwargs: dict[str, Any] = {"on_partial": on_partial}
        if timeout_name:
            kwargs[timeout_name] = timeout
        if trailing_name:
            kwargs[trailing_name] = trailing_silence_ms
        return listen(source, recognizer, **kwargs)

    return adapted


def open_speech(config: KioskConfig, captions: Captions) -> SpeechOutput:
    """pyttsx3 on the configured speaker; a missing speaker raises AudioDeviceError (the kiosk retries)."""
    from voice_triage.audio.sinks import NullSink, open_speaker
    from voice_triage.speech.synthesizer import CaptionOnly, Pyttsx3Synthesizer

    settings = VoiceSettings(rate=config.voice.rate, volume=config.voice.volume, voice=config.voice.name)
    try:
        synthesizer: Any = Pyttsx3Synthesizer()
    except SpeechOutputError as exc:
        captions.notice(f"{exc} The kiosk will show captions only.")
        return SpeechOutput(CaptionOnly(), NullSink(), captions, settings)
    try:
        if settings.voice is not None:
            synthesizer.resolve_voice(settings.voice)  # UnknownVoiceError: the owner's mistake, reported at start-up
        sink = open_speaker(config.audio.output_device)
    except BaseException:
        synthesizer.close()  # nothing of a failed try is left behind
        raise
    return SpeechOutput(synthesizer, sink, captions, settings)


def speech_in(config: KioskConfig) -> tuple[Any, SourceFactory, ListenFunction]:
    """The recognizer (voice_triage.recognition), a microphone per listen and endpoint.listen (voice_triage.audio)."""
    from voice_triage.audio import sources
    from voice_triage.recognition import endpoint
    from voice_triage.recognition import build_recognizer

    recognizer, why = build_recognizer(config.recognizer.asr, config.recognizer.vosk_model)
    logger.info("speech recognition: %s", why)
    device = config.audio.input_device
    sources.MicrophoneSource(device).close()  # a missing microphone is found now, not at the first question

    def source_factory(listen_event: dict) -> ContextManager[Any]:
        return contextlib.closing(sources.MicrophoneSource(device))

    return recognizer, source_factory, adapt_listen(endpoint.listen, config.timeouts.trailing_silence_ms)


def open_voice_channel(config: KioskConfig, *, stdin: TextIO | None = None,
                       captions_stream: TextIO | None = None) -> VoiceChannel:
    """The real channel for `config`: speaker, microphone, recognizer, captions and the terminal's keys."""
    captions = Captions(captions_stream, style=config.voice.captions)
    speech = open_speech(config, captions)
    try:
        recognizer, source_factory, listen = speech_in(config)
    except BaseException:
        speech.close()
        raise
    keys = open_keys(stdin if stdin is not None else sys.stdin)
    return VoiceChannel(speech, recognizer, source_factory, listen, keys=keys, base_settings=speech.settings)
