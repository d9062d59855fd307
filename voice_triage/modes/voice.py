"""The voice Channel of every voice mode: a listener and a source per answer in, speech and captions out.

The live loop, the demo and the kiosk all talk through a `VoiceChannel` (voice_triage.modes.conversation
runs the conversation over it). Half duplex: the source (a microphone, or the demo's patient) is opened
for one answer after the assistant has finished speaking and closed before it speaks again, so nothing
the assistant says is ever fed to the recognizer. Keys (the kiosk's keyboard) are looked at before
each chunk of audio, so a key press ends the listen at once; a key pressed before the question now shown is
not taken, and a caption tells the person to answer again.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, ContextManager, Protocol

from voice_triage.dialogue.events import Heard, HeardKind
from voice_triage.modes.keys import STALE_CAPTION, KeySource, NoKeys
from voice_triage.recognition.base import Recognition
from voice_triage.recognition.plan import ListeningPlan
from voice_triage.speech.captions import CaptionStyle
from voice_triage.speech.output import SpeechOutput
from voice_triage.speech.settings import VoiceCommand, VoiceSettings

if TYPE_CHECKING:
    from voice_triage.audio.sources import AudioSource  # numpy: not loaded until a source is opened

logger = logging.getLogger(__name__)

CLEAR_SCREEN = "\x1b[2J\x1b[3J\x1b[H"
"""Clears the terminal and its scrollback, so nothing of the previous person stays on screen."""

SourceFactory = Callable[[ListeningPlan], "ContextManager[AudioSource]"]
"""Opens the microphone (or a stand-in) for one answer, given what is listened for."""


class Hearing(Protocol):
    """What the channel listens with: voice_triage.recognition.listener.Listener (tests pass stand-ins)."""

    def listen(self, source: AudioSource, plan: ListeningPlan) -> Recognition | None:
        """One answer from `source`, or None for silence."""

    def close(self) -> None:
        """Release the recognizer."""


class _KeyPressed(Exception):
    """Raised inside the listen to stop it the moment a key is pressed (or a screen's button)."""

    def __init__(self, heard: Heard):
        super().__init__(heard.text)
        self.heard = heard


class _KeyAwareSource:
    """A source that looks at the key queue before each chunk it hands on."""

    def __init__(self, inner: AudioSource, take: Callable[[], Heard | None]):
        self._inner = inner
        self._take = take

    def chunks(self) -> Iterator[bytes]:
        for chunk in self._inner.chunks():
            heard = self._take()
            if heard is not None:
                raise _KeyPressed(heard)
            yield chunk


class VoiceChannel:
    """The conversation Channel on real devices (or on any stand-ins with the same shape)."""

    def __init__(self, speech: SpeechOutput, listener: Hearing, source_factory: SourceFactory, *,
                 keys: KeySource | None = None, base_settings: VoiceSettings | None = None,
                 heard_label: str = "You"):
        self.speech = speech
        self.listener = listener
        self.source_factory = source_factory
        self.keys = keys or NoKeys()
        self.base_settings = base_settings or speech.settings
        self.heard_label = heard_label
        self._closed = False
        self._spoke_aloud = speech.speaking_aloud

    # -------------------------------------------------------------- speaking

    def say(self, text: str) -> None:
        """Caption and speak one sentence (keys pressed before it answer nothing asked after it)."""
        self.keys.showing()
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
        if captions.style is not CaptionStyle.OFF and captions.is_terminal():
            try:
                captions.stream.write(CLEAR_SCREEN)
                captions.stream.flush()
            except (OSError, ValueError) as exc:
                logger.debug("screen not cleared: %s", exc)
        settings = self.base_settings if reset_voice else self.speech.settings
        self.speech = SpeechOutput(self.speech.synthesizer, self.speech.sink, captions, settings)

    # -------------------------------------------------------------- listening

    def listen(self, plan: ListeningPlan) -> Heard:
        """One utterance, a key press (or a screen's button or typed words), or silence."""
        self.speech.listening()
        heard = self._take_key()
        if heard is not None:
            return heard
        try:
            with self.source_factory(plan) as source:
                watched = source if isinstance(self.keys, NoKeys) else _KeyAwareSource(source, self._take_key)
                result = self.listener.listen(watched, plan)
        except _KeyPressed as pressed:
            return pressed.heard
        if result is None:
            heard = self._take_key()
            return heard if heard is not None else Heard(HeardKind.SILENCE)
        return Heard(HeardKind.SPEECH, result)

    def _take_key(self) -> Heard | None:
        """The next key, if one was pressed; keys pressed before the question now shown are not taken, and the
        person is told (a caption line), so a press is never lost without a word."""
        heard = self.keys.take()
        stale = self.keys.stale()
        if stale:
            who = "Key " + " ".join(dict.fromkeys(stale))
            captions = self.speech.captions
            if captions.style is CaptionStyle.OFF:
                captions.notice(f"{who}: {STALE_CAPTION}")
            else:
                captions.person(STALE_CAPTION, who)
        return heard

    def healthy(self) -> bool:
        """False once a voice that worked has fallen back to captions only (the kiosk then reopens the channel)."""
        return self.speech.speaking_aloud or not self._spoke_aloud

    def close(self) -> None:
        """Stop the key thread, release the voice and the recognizer. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.keys.close()
        self.speech.close()
        with contextlib.suppress(Exception):
            self.listener.close()


def microphone(device: int | str | None = None) -> SourceFactory:
    """A source factory that opens the microphone for one answer and closes it after. The device is looked
    up now (opening nothing), so a missing microphone fails before the greeting."""
    from voice_triage.audio.sources import MicrophoneSource

    MicrophoneSource(device).close()

    def open_microphone(plan: ListeningPlan) -> ContextManager[AudioSource]:
        return contextlib.closing(MicrophoneSource(device))

    return open_microphone
