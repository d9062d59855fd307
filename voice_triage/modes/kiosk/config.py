"""The kiosk's configuration file (TOML, read with the standard library's tomllib).

The file is one reader of the stages' own configurations (recognition.config.RecognizerConfig and
EndpointConfig, speech.settings.VoiceSettings), the command line the other: their defaults and limits are
the stage classes' own, and only what a kiosk alone has (the idle timeout, waking, the staff alert, the
session log, its own sentences) is declared here. Every key is optional; a missing file section keeps its
defaults. Loading is layered like the
content files: :func:`load_config` (a path) -> :func:`parse_config` (TOML text) -> :func:`config_from_dict`
(a dict), so tests pass a string. A mistake fails at start-up with one line naming the file and
the key, e.g. ``kiosk.toml: alert.timeout: must be a number of seconds``.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import os
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable

from voice_triage.errors import VoiceTriageError
from voice_triage.recognition.config import EndpointConfig, RecognizerConfig
from voice_triage.speech.settings import VoiceSettings

logger = logging.getLogger(__name__)

CAPTION_STYLES = ("large", "plain", "off")


class KioskConfigError(VoiceTriageError):
    """The kiosk configuration file is missing, not TOML, or has a wrong or unknown key; names file and key."""


@dataclass(frozen=True)
class AudioConfig:
    """Which sound devices the kiosk uses."""

    input_device: str | None = None
    """Microphone: a device index or part of its name; None for the system default."""
    output_device: str | None = None
    """Speaker: a device index or part of its name; None for the system default."""


@dataclass(frozen=True)
class VoiceConfig:
    """What only a kiosk decides about its voice (the voice itself is `KioskConfig.speech`: VoiceSettings)."""

    persist_adjustments: bool = False
    """Whether "slower", "faster", "louder", "quieter" carry over to the next person (the owner's choice)."""
    captions: str = "large"
    """Terminal captions: large (bold, high contrast), plain or off."""


@dataclass(frozen=True)
class TimeoutConfig:
    """How long a kiosk waits for a person (how long it listens is `KioskConfig.endpoint`: EndpointConfig)."""

    idle: float = 20.0
    """Seconds without any answer (speech or key) after which a session is let go with a goodbye."""


@dataclass(frozen=True)
class WakeConfig:
    """How a session starts, and what the kiosk says while it waits."""

    phrases: tuple[str, ...] = ("hello", "start")
    """Words that start a session when heard between sessions (matched as whole words)."""
    any_key: bool = True
    """Whether pressing any key on the keyboard starts a session."""
    invitation_interval: float = 0.0
    """Seconds between spoken invitations while nobody is using the kiosk; 0: never speak while waiting."""
    invitation: str = ("If you have leg pain that comes with walking, I can help you think it through. "
                       "To start, say hello, or press a key.")
    """The invitation sentence."""


@dataclass(frozen=True)
class AlertConfig:
    """The staff alert that runs, besides the spoken instruction, when an emergency is heard."""

    command: str | tuple[str, ...] | None = None
    """A shell command (a string, run with /bin/sh -c) or a program and its arguments (a list); None: none."""
    url: str | None = None
    """An http:// address on the local network to POST a small JSON message to; None: none."""
    timeout: float = 5.0
    """Seconds the command or the POST may take before it is abandoned (and logged)."""

    @property
    def enabled(self) -> bool:
        """Whether any alert is configured."""
        return bool(self.command or self.url)


@dataclass(frozen=True)
class LoggingConfig:
    """The opt-in session log (JSON lines) and its rotation."""

    session_log: str | None = None
    """Where the session log goes; None (the default): nothing is written."""
    max_bytes: int = 1_000_000
    """Size at which the log is rotated."""
    backups: int = 3
    """How many rotated files are kept (``.1`` is the newest); 0: the log is truncated instead."""
    transcripts: bool = False
    """Also keep what was heard in each session (off unless switched on separately)."""


@dataclass(frozen=True)
class KioskTexts:
    """The sentences only the kiosk speaks (the session's own sentences come from prompts/)."""

    idle_goodbye: str = "It seems you have stepped away, so I will stop here."
    """Said when a person has not answered for the idle timeout; followed by the safety-net advice."""
    apology: str = "Sorry, something went wrong on my side and I have to start again."
    """Said after an unexpected error inside a session; followed by the safety-net advice."""
    device_lost: str = "Sorry, the microphone stopped working, so I have to stop."
    """Said (where the speaker still works) when the microphone is lost mid-session."""
    goodbye: str = "Goodbye, and take care."
    """The last sentence of the idle and error endings."""


@dataclass(frozen=True)
class ScreenConfig:
    """The browser screen (`voice-triage kiosk --screen`, `voice-triage web`): where it is served, how long
    things stay on it."""

    enabled: bool = False
    """Whether the kiosk serves its screen (`--screen` on the command line turns it on)."""
    host: str = "127.0.0.1"
    """The address the page and its socket are served on; another than this machine's loopback only when the
    touch screen is another device (pages from other origins are refused either way)."""
    port: int = 8765
    """The port (0: any free port, printed at start)."""
    origins: tuple[str, ...] = ()
    """Further page origins allowed to open the socket, e.g. "http://kiosk-screen.local:8765"."""
    summary: float = 30.0
    """Seconds the end of a session stays on the screen before it is cleared ("Done" clears it at once)."""
    patience: float = 180.0
    """`voice-triage web`: seconds a question waits for a tap or typed words (there is no voice to ask again)."""

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError("must be a port number between 0 and 65535")
        if self.summary < 0 or self.patience <= 0:
            raise ValueError("must be a number of seconds greater than 0")


@dataclass(frozen=True)
class KioskConfig:
    """Everything the kiosk's configuration file decides."""

    audio: AudioConfig = field(default_factory=AudioConfig)
    """Sound devices."""
    recognizer: RecognizerConfig = field(default_factory=RecognizerConfig)
    """Speech recognition ([recognizer])."""
    endpoint: EndpointConfig = field(default_factory=EndpointConfig)
    """How an answer is cut out of the audio ([timeouts] listen, trailing_silence_ms, vad)."""
    speech: VoiceSettings = field(default_factory=VoiceSettings)
    """The voice ([voice] name, tts, rate, volume)."""
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    """What else the kiosk decides about its voice: adjustments carried over, captions."""
    timeouts: TimeoutConfig = field(default_factory=TimeoutConfig)
    """The idle timeout."""
    wake: WakeConfig = field(default_factory=WakeConfig)
    """Starting a session, and the invitation between sessions."""
    alert: AlertConfig = field(default_factory=AlertConfig)
    """The staff alert on an emergency."""
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    """The opt-in session log."""
    texts: KioskTexts = field(default_factory=KioskTexts)
    """The kiosk's own sentences."""
    screen: ScreenConfig = field(default_factory=ScreenConfig)
    """The browser screen."""
    source: str = "the built-in defaults"
    """Where this configuration came from, for messages (its file's name, or the built-in defaults)."""


# ---------------------------------------------------------------------------------------------- checks

class _Bad(Exception):
    """One wrong value; turned into a KioskConfigError naming file and key."""


def _number(value: Any, what: str = "a number") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Bad(f"must be {what}")
    return float(value)


def _seconds(low: float = 0.0, *, positive: bool = False) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        number = _number(value, "a number of seconds")
        if number < low or (positive and number <= 0):
            raise _Bad("must be a number of seconds greater than 0" if positive
                       else f"must be a number of seconds, at least {low:g}")
        return number
    return check


def _int_between(low: int, high: int | None, what: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(f"must be a whole number ({what})")
        if value < low or (high is not None and value > high):
            raise _Bad(f"must be between {low} and {high} ({what})" if high is not None
                       else f"must be at least {low} ({what})")
        return value
    return check


def _fraction(value: Any) -> float:
    number = _number(value, "a number between 0 and 1")
    if not 0.0 <= number <= 1.0:
        raise _Bad("must be a number between 0 and 1")
    return number


def _optional_fraction(value: Any) -> float | None:
    return None if value == "" else _fraction(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad("must be true or false")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad("must be a non-empty string")
    return " ".join(value.split())


def _optional_text(value: Any) -> str | None:
    if not isinstance(value, str):
        raise _Bad("must be a string (\"\" for none)")
    return value.strip() or None


def _device(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise _Bad("must be a device index (0 or more) or part of a device name")
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    raise _Bad("must be a device index (0 or more) or part of a device name")


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise _Bad(f"must be one of: {', '.join(options)}")
        return value
    return check


def _phrases(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(p, str) and p.strip() for p in value):
        raise _Bad("must be a non-empty list of words or phrases, e.g. [\"hello\", \"start\"]")
    return tuple(" ".join(p.lower().split()) for p in value)


def _command(value: Any) -> str | tuple[str, ...] | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list) and value and all(isinstance(p, str) for p in value) and value[0].strip():
        return tuple(value)
    raise _Bad("must be a shell command (a string) or a program and its arguments (a list of strings)")


def _url(value: Any) -> str | None:
    if not isinstance(value, str):
        raise _Bad("must be an http:// address (a string, \"\" for none)")
    url = value.strip()
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Bad(f"must be an http:// or https:// address with a host, not {url!r}")
    return url


def _origins(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(o, str) for o in value):
        raise _Bad("must be a list of origins, e.g. [\"http://kiosk-screen.local:8765\"]")
    out = []
    for origin in value:
        parts = urllib.parse.urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise _Bad(f"must be origins like \"http://host:port\", not {origin!r}")
        out.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(out)


def _host(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
        raise _Bad("must be an address of this machine, e.g. \"127.0.0.1\"")
    return value.strip()


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad("must be a whole number")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad("must be a string")
    return value


SECTIONS: dict[str, dict[str, tuple[str, str, Callable[[Any], Any]]]] = {
    "audio": {"input_device": ("audio", "input_device", _device), "output_device": ("audio", "output_device", _device)},
    "recognizer": {"asr": ("recognizer", "asr", _string), "vosk_model": ("recognizer", "vosk_model", _optional_text),
                   "whisper_model": ("recognizer", "whisper_model", _optional_text),
                   "confirm_below": ("recognizer", "confirm_below", _optional_fraction)},
    "voice": {"name": ("speech", "voice", _optional_text), "tts": ("speech", "tts", _string),
              "rate": ("speech", "rate", _int), "volume": ("speech", "volume", _number),
              "persist_adjustments": ("voice", "persist_adjustments", _bool),
              "captions": ("voice", "captions", _choice(CAPTION_STYLES))},
    "timeouts": {"listen": ("endpoint", "timeout_s", _number), "idle": ("timeouts", "idle", _seconds(positive=True)),
                 "trailing_silence_ms": ("endpoint", "trailing_silence_ms", _int), "vad": ("endpoint", "vad", _string)},
    "wake": {"phrases": ("wake", "phrases", _phrases), "any_key": ("wake", "any_key", _bool),
             "invitation_interval": ("wake", "invitation_interval", _seconds()),
             "invitation": ("wake", "invitation", _text)},
    "alert": {"command": ("alert", "command", _command), "url": ("alert", "url", _url),
              "timeout": ("alert", "timeout", _seconds(positive=True))},
    "logging": {"session_log": ("logging", "session_log", _optional_text),
                "max_bytes": ("logging", "max_bytes", _int_between(1024, None, "bytes")),
                "backups": ("logging", "backups", _int_between(0, 100, "files")),
                "transcripts": ("logging", "transcripts", _bool)},
    "texts": {key: ("texts", key, _text) for key in ("idle_goodbye", "apology", "device_lost", "goodbye")},
    "screen": {"enabled": ("screen", "enabled", _bool), "host": ("screen", "host", _host),
               "port": ("screen", "port", _int), "origins": ("screen", "origins", _origins),
               "summary": ("screen", "summary", _seconds()), "patience": ("screen", "patience", _seconds(positive=True))},
}
"""Each file section and key: the KioskConfig field it sets (a stage configuration or a kiosk-only part), the
field there, and the check of the TOML value's type. Limits are checked by the class that holds the field (the
stage configurations check their own), so the command line and the file share them."""


def _apply(config: KioskConfig, data: dict[str, Any], source: str) -> KioskConfig:
    """`config` with the file's (or the command line's) values put over it, each checked where it lands."""
    if not isinstance(data, dict):
        raise KioskConfigError(f"{source}: must hold TOML tables")
    for name, value in data.items():
        if name not in SECTIONS:
            raise KioskConfigError(f"{source}: {name}: unknown section (expected one of: {', '.join(SECTIONS)})")
        if not isinstance(value, dict):
            raise KioskConfigError(f"{source}: {name}: must be a table ([{name}])")
        keys = SECTIONS[name]
        for key, raw in value.items():
            if key not in keys:
                raise KioskConfigError(f"{source}: {name}.{key}: unknown key (expected one of: {', '.join(keys)})")
            part, attribute, check = keys[key]
            try:
                changed = dataclasses.replace(getattr(config, part), **{attribute: check(raw)})
            except (_Bad, ValueError) as exc:
                raise KioskConfigError(f"{source}: {name}.{key}: {exc}") from None
            config = dataclasses.replace(config, **{part: changed})
    return config


def _validated(config: KioskConfig, source: str) -> KioskConfig:
    if config.timeouts.idle < config.endpoint.timeout_s:
        raise KioskConfigError(f"{source}: timeouts.idle: must be at least timeouts.listen "
                               f"({config.timeouts.idle:g} < {config.endpoint.timeout_s:g} seconds)")
    if config.recognizer.asr == "vosk" and config.recognizer.vosk_model is None:
        raise KioskConfigError(f"{source}: recognizer.vosk_model: must name a Vosk model folder when asr is \"vosk\"")
    return config


def config_from_dict(data: dict[str, Any], source: str = "kiosk.toml") -> KioskConfig:
    """A KioskConfig from parsed TOML; raises KioskConfigError naming `source` and the key."""
    return _validated(dataclasses.replace(_apply(KioskConfig(), data, source), source=source), source)


def with_overrides(config: KioskConfig, overrides: dict[str, dict[str, Any]]) -> KioskConfig:
    """`config` with the command line's options (section -> key -> value) put over the file's, checked
    like the file's values."""
    if not overrides:
        return config
    raw = {section: {k: ("" if v is None else v) for k, v in values.items()} for section, values in overrides.items()}
    return _validated(_apply(config, raw, "the command line"), "the command line")


def parse_config(text: str, source: str = "kiosk.toml") -> KioskConfig:
    """A KioskConfig from TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KioskConfigError(f"{source}: not valid TOML ({exc})") from None
    return config_from_dict(data, source)


def load_config(path: str | os.PathLike[str] | None) -> KioskConfig:
    """The configuration in the file at `path`; the defaults when `path` is None."""
    if path is None:
        return KioskConfig()
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise KioskConfigError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KioskConfigError(f"{name}: is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    config = parse_config(text, name)
    logger.info("kiosk configuration read from %s", name)
    return config
