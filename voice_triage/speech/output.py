"""The assistant's voice as the rest of the program sees it: say a sentence, say the emergency, adjust.

:class:`SpeechOutput` puts the three parts together (captions, a synthesizer and a sink) and owns
the fallbacks: when the engine or the speaker fails it warns once and goes on with captions only,
so a session never stops because of its voice.
"""
from __future__ import annotations

import logging
import re
import time

from voice_triage.audio.sinks import AudioSink, NullSink, Pcm, open_speaker
from voice_triage.errors import AudioDeviceError, SpeechOutputError
from voice_triage.speech.captions import Captions, CaptionStyle
from voice_triage.speech.settings import VoiceCommand, VoiceSettings
from voice_triage.speech.synthesizer import CaptionOnly, Synthesizer, UnknownVoiceError

logger = logging.getLogger(__name__)

EMERGENCY_REPEAT_PAUSE = 0.6
"""Seconds of silence between the emergency instruction and its repetition."""
SENTENCE_PAUSE = 0.3
"""Seconds of silence between two sentences spoken one after the other."""
QUESTION_PAUSE = 0.5
"""Seconds of silence before a question, so that it stands apart from what led up to it."""
EMERGENCY_PAUSE = 0.6
"""Seconds of silence before and after the emergency instruction."""
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9\"'])")


def sentences(text: str) -> list[str]:
    """`text` cut into sentences, each spoken (and rendered) on its own."""
    return [part for part in _SENTENCE_END.split(text.strip()) if part.strip()]


class SpeechOutput:
    """Speaks and captions every sentence; keeps the voice settings for the rest of the session."""

    def __init__(self, synthesizer: Synthesizer, sink: AudioSink, captions: Captions | None = None,
                 settings: VoiceSettings | None = None):
        self.synthesizer = synthesizer
        self.sink = sink
        self.captions = captions or Captions()
        self._settings = settings or VoiceSettings()
        self.spoken: list[str] = []
        """Every sentence said so far, in order (a repeated emergency instruction appears twice)."""
        self.seconds_played = 0.0
        """Seconds of speech handed to the sink so far, pauses not counted (0 with captions only)."""
        self.why = synthesizer.name
        """Which engine speaks and why (`--tts auto` says which one it took)."""
        self._last_end: float | None = None
        """When the last audio of this reply ended (monotonic seconds); None before a reply's first sentence."""
        self._after_emergency = False

    @property
    def settings(self) -> VoiceSettings:
        """The voice settings in force now."""
        return self._settings

    @property
    def speaking_aloud(self) -> bool:
        """False once the session has fallen back to captions only."""
        return not isinstance(self.synthesizer, CaptionOnly) and not isinstance(self.sink, NullSink)

    def say(self, text: str) -> None:
        """Caption `text`, then speak it sentence by sentence (the first one plays while the engine has
        rendered only it), with a short pause between sentences and a longer one before a question;
        returns when it has been spoken."""
        self.captions.assistant(text)
        self.spoken.append(text)
        for sentence in sentences(text):
            audio = self._render(sentence, self._settings)
            if audio is None:
                return
            wanted = EMERGENCY_PAUSE if self._after_emergency else \
                QUESTION_PAUSE if sentence.rstrip().endswith("?") else SENTENCE_PAUSE
            self._pause_before(audio, wanted)
            self._after_emergency = False
            self._play(audio)

    def say_emergency(self, text: str) -> None:
        """The emergency instruction: a banner caption, set apart by a pause, spoken at full volume, then
        repeated once."""
        self.captions.emergency(text)
        audio = self._render(text, self._settings.at_full_volume())
        for i in range(2):
            self.spoken.append(text)
            if audio is None:
                continue
            self._pause_before(audio, EMERGENCY_REPEAT_PAUSE if i else EMERGENCY_PAUSE)
            self._play(audio)
        self._after_emergency = True

    def listening(self) -> None:
        """The assistant now listens: the next sentence begins a reply, which starts at once (no pause)."""
        self._last_end = None

    def _pause_before(self, audio: Pcm, wanted: float) -> None:
        """`wanted` seconds of silence before `audio` when it follows another sentence of the same reply
        (never before a reply's first sentence). Decided by the sentences, not by the clock: how long the
        engine took to render the sentence (longer on a loaded machine) changes nothing."""
        if self._last_end is not None:
            self._play(Pcm.silence(wanted, audio.sample_rate), pause=True)

    def adjust(self, command: VoiceCommand | str) -> VoiceSettings:
        """Apply a spoken "slower", "faster", "louder" or "quieter"; the change lasts the session."""
        before = self._settings
        self._settings = before.adjusted(command)
        logger.info("voice %s: rate %s -> %s, volume %.2f -> %.2f", VoiceCommand(command).value,
                    before.rate, self._settings.rate, before.volume, self._settings.volume)
        return self._settings

    def close(self) -> None:
        """Release the engine and the sink."""
        for part in (self.synthesizer, self.sink):
            try:
                part.close()
            except (OSError, AudioDeviceError, SpeechOutputError) as exc:
                logger.warning("closing %s: %s", getattr(part, "name", part), exc)

    def _render(self, text: str, settings: VoiceSettings) -> Pcm | None:
        if isinstance(self.synthesizer, CaptionOnly) or isinstance(self.sink, NullSink):
            return None
        started = time.perf_counter()
        try:
            audio = self.synthesizer.render(text, settings)
        except SpeechOutputError as exc:
            broken, self.synthesizer = self.synthesizer, CaptionOnly()
            self._fall_back(f"{exc} From now on the assistant shows captions only.", broken)
            return None
        logger.debug("rendered %.2f s of speech in %.0f ms", audio.seconds, 1000 * (time.perf_counter() - started))
        return audio

    def _play(self, audio: Pcm, pause: bool = False) -> None:
        try:
            self.sink.play(audio)
            self._last_end = time.monotonic()
            if not pause:
                self.seconds_played += audio.seconds
        except AudioDeviceError as exc:
            broken, self.sink = self.sink, NullSink()
            self._fall_back(f"{exc} From now on the assistant shows captions only.", broken)

    def _fall_back(self, message: str, broken: Synthesizer | AudioSink) -> None:
        """Warn once and release the part that failed (only that part: a sink may be shared)."""
        logger.info("%s", message)
        self.captions.notice(message)
        try:
            broken.close()
        except Exception as exc:  # a broken engine or device may fail to close too; nothing to do
            logger.debug("closing %s after a failure: %s", getattr(broken, "name", broken), exc)


def open_speech_output(settings: VoiceSettings | None = None, *, output_device: str | int | None = None,
                       sink: AudioSink | None = None, captions: Captions | None = None,
                       speak: bool = True, speaker_required: bool = False) -> SpeechOutput:
    """The speech output the CLI asks for, with the fallbacks already taken.

    `sink` (e.g. a WavFileSink) takes the voice instead of the speaker on `output_device`. Without
    a text-to-speech engine or an output device, one clear warning is shown, then captions only.
    ``speak=False`` asks for captions only from the start. ``speaker_required`` raises AudioDeviceError
    for a missing speaker instead (the kiosk waits for it to come back). Raises :class:`UnknownVoiceError` when
    ``settings.voice`` names a voice the engine does not have (a mistake the person should fix).
    """
    settings = settings or VoiceSettings()
    captions = captions or Captions(style=CaptionStyle.LARGE)
    if not speak:
        return SpeechOutput(CaptionOnly(), NullSink(), captions, settings)
    from voice_triage.speech.engines import build_synthesizer

    try:
        synthesizer, why = build_synthesizer(settings.tts)
    except SpeechOutputError as exc:
        message = f"{exc} The assistant will show captions only."
        logger.info("%s", message)
        captions.notice(message)
        return SpeechOutput(CaptionOnly(), NullSink(), captions, settings)
    if settings.voice is not None:
        try:
            synthesizer.resolve_voice(settings.voice)
        except UnknownVoiceError:
            synthesizer.close()
            raise
    try:
        sink = sink if sink is not None else open_speaker(output_device)
    except AudioDeviceError as exc:
        if speaker_required:
            synthesizer.close()
            raise
        message = f"{exc} The assistant will show captions only."
        logger.info("%s", message)
        captions.notice(message)
        synthesizer.close()
        return SpeechOutput(CaptionOnly(), NullSink(), captions, settings)
    if settings.voice is not None:  # "flite (rms) (the clearest installed)" named the default voice, not this one
        reason = why[len(synthesizer.name):] if why.startswith(synthesizer.name) else f" ({why})"
        why = f"{synthesizer.name.split(' (')[0]} with the voice {settings.voice}{reason}"
    logger.info("speech output: %s on %s", why, sink.name)
    speech = SpeechOutput(synthesizer, sink, captions, settings)
    speech.why = why
    return speech
