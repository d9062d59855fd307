"""How the assistant's voice sounds: rate, volume and voice, and the spoken commands that change them."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from enum import Enum

logger = logging.getLogger(__name__)

RATE_LIMITS = (80, 320)
"""Words per minute a person may ask for on the command line."""
SPOKEN_RATE_LIMITS = (110, 240)
"""How far "slower" and "faster" may go: never so slow or so fast that it is hard to follow."""
RATE_STEP = 25
"""Words per minute one "slower" or "faster" changes."""
SPOKEN_VOLUME_LIMITS = (0.3, 1.0)
"""How far "quieter" and "louder" may go: never quieter than can still be heard in a waiting room."""
VOLUME_STEP = 0.2
"""Volume one "louder" or "quieter" changes."""
TTS_CHOICES = ("auto", "flite", "piper", "pyttsx3")
"""Text-to-speech engines (`--tts`); auto takes the clearest one installed (speech.engines.CLEAREST_FIRST)."""


class VoiceCommand(str, Enum):
    """A spoken request to change how the assistant speaks; the values are the words in grammars/."""

    SLOWER = "slower"
    FASTER = "faster"
    LOUDER = "louder"
    QUIETER = "quieter"


@dataclass(frozen=True)
class VoiceSettings:
    """How the assistant speaks. Changes make a new value; the session keeps the latest one."""

    rate: int = 160
    """Speaking rate in words per minute (the engine's own scale; espeak-ng: words per minute)."""
    volume: float = 0.8
    """Loudness from 0.0 (silent) to 1.0 (full); the emergency instruction always uses 1.0."""
    voice: str | None = None
    """The engine's voice id or name (``slt`` for flite, ``gmw/en-us`` for pyttsx3), or None for the
    engine's clearest voice."""
    tts: str = "auto"
    """Which text-to-speech engine (TTS_CHOICES); auto: the clearest one installed."""

    def __post_init__(self) -> None:
        if self.tts not in TTS_CHOICES:
            raise ValueError(f"the text-to-speech engine must be one of {', '.join(TTS_CHOICES)}, not {self.tts!r}")
        low, high = RATE_LIMITS
        if not low <= self.rate <= high:
            raise ValueError(f"the speaking rate must be between {low} and {high} words per minute, not {self.rate}")
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError(f"the volume must be between 0.0 and 1.0, not {self.volume}")

    def adjusted(self, command: VoiceCommand | str) -> "VoiceSettings":
        """The settings after one spoken "slower", "faster", "louder" or "quieter", kept within bounds."""
        command = VoiceCommand(command)
        if command in (VoiceCommand.SLOWER, VoiceCommand.FASTER):
            low, high = SPOKEN_RATE_LIMITS
            step = -RATE_STEP if command is VoiceCommand.SLOWER else RATE_STEP
            # A rate set outside the spoken bounds on the command line is only moved towards them.
            target = self.rate + step
            rate = min(max(target, min(low, self.rate)), max(high, self.rate))
            return replace(self, rate=rate)
        low, high = SPOKEN_VOLUME_LIMITS
        step = VOLUME_STEP if command is VoiceCommand.LOUDER else -VOLUME_STEP
        volume = round(min(max(self.volume + step, min(low, self.volume)), max(high, self.volume)), 2)
        return replace(self, volume=volume)

    def at_full_volume(self) -> "VoiceSettings":
        """The same voice and rate at full volume, for the emergency instruction."""
        return replace(self, volume=1.0)
