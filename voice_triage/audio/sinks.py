"""Where the assistant's voice goes: the speaker, one WAV file of the whole conversation, or nowhere.

Every sink takes :class:`Pcm` (16-bit mono PCM at any sample rate) and blocks until the audio
has been played or written, so the caller knows when the assistant has stopped talking (the live
loop is half duplex). ``sounddevice`` and ``numpy`` are imported only inside the functions that
need them, so text modes never load a sound library.
"""
from __future__ import annotations

import array
import logging
import os
import sys
import threading
import time
import wave
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from voice_triage.audio import alsa
from voice_triage.errors import AudioDeviceError, NoSuchDeviceError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pcm:
    """A stretch of mono, 16-bit, little-endian PCM audio."""

    samples: bytes
    """The raw sample bytes (two per sample, little-endian signed)."""
    sample_rate: int
    """Samples per second."""

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, not {self.sample_rate}")
        if len(self.samples) % 2:
            raise ValueError("16-bit PCM needs an even number of bytes")

    @property
    def frames(self) -> int:
        """How many samples the audio holds."""
        return len(self.samples) // 2

    @property
    def seconds(self) -> float:
        """How long the audio lasts."""
        return self.frames / self.sample_rate

    @classmethod
    def silence(cls, seconds: float, sample_rate: int) -> "Pcm":
        """Digital silence of the given length."""
        return cls(bytes(2 * int(round(seconds * sample_rate))), sample_rate)

    @classmethod
    def from_wav(cls, path: str | os.PathLike[str]) -> "Pcm":
        """Read a 16-bit WAV file; several channels are averaged to one."""
        try:
            with wave.open(os.fspath(path), "rb") as w:
                width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
                data = w.readframes(w.getnframes())
        except (OSError, EOFError, wave.Error) as exc:
            raise AudioDeviceError(f"Cannot read the WAV file {os.fspath(path)}: {exc}") from exc
        if width != 2:
            raise AudioDeviceError(f"{os.fspath(path)} holds {8 * width}-bit audio; 16-bit is needed.")
        if channels > 1:
            samples = array.array("h", data)
            if sys.byteorder == "big":
                samples.byteswap()
            mono = array.array("h", (sum(samples[i:i + channels]) // channels
                                     for i in range(0, len(samples), channels)))
            if sys.byteorder == "big":
                mono.byteswap()
            data = mono.tobytes()
        return cls(data, rate)

    def trimmed(self, threshold: int = 100, keep_start: float = 0.01, keep_end: float = 0.15) -> "Pcm":
        """Without the near-silence at either end, but for `keep_start`/`keep_end` seconds of it."""
        import numpy as np

        samples = np.frombuffer(self.samples, dtype="<i2")
        loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
        if not len(loud):
            return Pcm(b"", self.sample_rate)
        start = max(0, int(loud[0]) - int(keep_start * self.sample_rate))
        end = min(len(samples), int(loud[-1]) + 1 + int(keep_end * self.sample_rate))
        return Pcm(samples[start:end].tobytes(), self.sample_rate)

    def resampled(self, sample_rate: int) -> "Pcm":
        """The same audio at another sample rate (linear interpolation; fine for speech)."""
        if sample_rate == self.sample_rate:
            return self
        if not self.samples:
            return Pcm(b"", sample_rate)
        import numpy as np

        src = np.frombuffer(self.samples, dtype="<i2").astype(np.float32)
        n_out = int(round(len(src) * sample_rate / self.sample_rate))
        positions = np.arange(n_out, dtype=np.float64) * (self.sample_rate / sample_rate)
        out = np.interp(positions, np.arange(len(src)), src)
        return Pcm(np.clip(np.rint(out), -32768, 32767).astype("<i2").tobytes(), sample_rate)


@runtime_checkable
class AudioSink(Protocol):
    """Something that plays or stores the assistant's voice."""

    name: str
    """A short description for messages, e.g. ``speaker 'default'`` or ``WAV demo.wav``."""

    def play(self, audio: Pcm) -> None:
        """Play or store `audio`; return once it has been played (or written)."""

    def close(self) -> None:
        """Release the device or finish the file. Safe to call twice."""


class NullSink:
    """Discards audio: the session goes on with captions only."""

    name = "no audio output"

    def play(self, audio: Pcm) -> None:
        """Drop the audio at once."""

    def close(self) -> None:
        """Nothing to release."""


class RecordingSink:
    """Keeps every clip it is given, in order: for tests and for tools that inspect the speech."""

    name = "memory"

    def __init__(self) -> None:
        self.clips: list[Pcm] = []

    def play(self, audio: Pcm) -> None:
        """Remember the clip."""
        self.clips.append(audio)

    def close(self) -> None:
        """Nothing to release."""


class WavFileSink:
    """Appends everything played into one WAV file, so a whole conversation becomes one recording.

    The header is brought up to date after each clip, so the file is valid even if the program
    stops half way. Clips at other sample rates are resampled to the file's rate.
    """

    def __init__(self, path: str | os.PathLike[str], sample_rate: int = 22050, gap_seconds: float = 0.0):
        self.path = os.fspath(path)
        self.sample_rate = sample_rate
        self.gap_seconds = gap_seconds
        self.name = f"WAV {self.path}"
        folder = os.path.dirname(os.path.abspath(self.path))
        if os.path.isdir(self.path):
            raise AudioDeviceError(f"{self.path} is a folder; give a file name, such as "
                                   f"{os.path.join(self.path, 'voice-triage-demo.wav')}")
        if not os.path.isdir(folder):
            raise AudioDeviceError(f"Cannot write the WAV file {self.path}: the folder {folder} does not exist")
        try:
            handle = open(self.path, "wb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise AudioDeviceError(f"Cannot write the WAV file {self.path}: {exc.strerror or exc}") from exc
        self._wav = wave.open(handle, "wb")
        self._handle = handle
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(sample_rate)
        self._closed = False
        self.seconds_written = 0.0
        """Length of the recording so far, in seconds."""

    def play(self, audio: Pcm) -> None:
        """Append `audio` (and the configured gap of silence after it)."""
        if self._closed:
            raise AudioDeviceError(f"The WAV file {self.path} is already closed.")
        clip = audio.resampled(self.sample_rate)
        if self.gap_seconds > 0 and clip.frames:
            clip = Pcm(clip.samples + Pcm.silence(self.gap_seconds, self.sample_rate).samples, self.sample_rate)
        try:
            self._wav.writeframes(clip.samples)
        except OSError as exc:
            raise AudioDeviceError(f"Cannot write the WAV file {self.path}: {exc.strerror or exc}") from exc
        self.seconds_written += clip.seconds

    def close(self) -> None:
        """Finish the file."""
        if not self._closed:
            self._closed = True
            self._wav.close()
            self._handle.close()


def write_wav(path: str | os.PathLike[str], clips: list[Pcm]) -> float:
    """`clips` one after the other into one WAV file at the first clip's sample rate; its length in seconds.
    AudioDeviceError (one sentence) when the file cannot be written."""
    rate = next((c.sample_rate for c in clips if c.frames), 16000)
    sink = WavFileSink(path, sample_rate=rate)
    try:
        for clip in clips:
            sink.play(clip)
    finally:
        sink.close()
    return sink.seconds_written


def parse_device(spec: str | int | None) -> int | str | None:
    """``--output-device`` as given: a number is a device index, anything else part of a device name."""
    if spec is None or isinstance(spec, int):
        return spec
    text = spec.strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text


def check_output_device(device: str | int | None) -> None:
    """NoSuchDeviceError (one line) when `device` (``--output-device``: an index or part of a name) matches no
    speaker, found the way :class:`SpeakerSink` finds it; nothing when it matches one or names none.

    Only "no such device" is decided here: a sound system that cannot be asked is left to the mode (which may
    go on in captions), as before."""
    wanted = parse_device(device)
    if wanted is None:
        return
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:
        raise AudioDeviceError(
            f"Cannot play sound: the sounddevice package or the PortAudio library is missing ({exc})."
        ) from exc
    missing = NoSuchDeviceError(f"There is no speaker called {str(wanted)!r}; `voice-triage devices` lists them.")
    try:
        devices = sd.query_devices()
    except Exception as exc:  # PortAudio errors are plain Exceptions (sd.PortAudioError)
        logger.debug("cannot list the devices to check %r: %s", wanted, exc)
        return
    if isinstance(wanted, int):
        if not 0 <= wanted < len(devices) or devices[wanted].get("max_output_channels", 0) < 1:
            raise missing
        return
    try:
        sd.query_devices(wanted, kind="output")
    except ValueError as exc:
        if "matching" in str(exc):
            raise missing from None
        # several speakers fit the name: SpeakerSink says so when it opens


OUTPUT_LATENCY = "high"
"""PortAudio's suggested output latency: its "high" one for the device (35 ms on PulseAudio's virtual speaker, against
9 ms for "low", the default, which ran dry 28 times in 10 two-second clips on this busy two-core machine: each an
audible gap, and a line from ALSA on the terminal; none with "high")."""


class SpeakerSink:
    """Plays through ``sounddevice`` on an output device (the default one unless given).

    Each clip gets its own short-lived output stream at the clip's own sample rate, fed from
    PortAudio's callback with PortAudio's "high" latency (OUTPUT_LATENCY: seldom an underrun on a busy
    machine, and none reported by ALSA on the terminal: audio.alsa) and drained after the last
    block: when :meth:`play` returns, the speaker is silent and the microphone may listen again.
    """

    def __init__(self, device: int | str | None = None):
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:
            raise AudioDeviceError(
                f"Cannot play sound: the sounddevice package or the PortAudio library is missing ({exc})."
            ) from exc
        self._sd = sd
        self.device = parse_device(device)
        try:
            info = sd.query_devices(self.device, kind="output")
        except (ValueError, sd.PortAudioError) as exc:
            wanted = "the default output device" if self.device is None else f"output device {self.device!r}"
            if self.device is not None and "matching" in str(exc):
                raise NoSuchDeviceError(f"There is no speaker called {str(self.device)!r}; "
                                        "`voice-triage devices` lists them.") from exc
            raise AudioDeviceError(
                f"No speaker: {wanted} is not available ({exc}). "
                "Run 'voice-triage devices' to list the devices."
            ) from exc
        if info.get("max_output_channels", 0) < 1:
            raise AudioDeviceError(f"Device {info.get('name')!r} cannot play sound (it has no output channels).")
        self.device_index = int(info["index"]) if "index" in info else self.device
        self.name = f"speaker {info.get('name', self.device)!r}"
        logger.info("audio output: %s", self.name)
        alsa.load()

    def play(self, audio: Pcm) -> None:
        """Play `audio` and return when it has been heard."""
        if not audio.frames:
            return
        import numpy as np

        sd = self._sd
        data = np.frombuffer(audio.samples, dtype="<i2").reshape(-1, 1)
        done = threading.Event()
        position = underruns = 0

        def fill(outdata, frames, time_info, status) -> None:
            # PortAudio's thread pulls the clip; after the last block the stream drains and stops.
            nonlocal position, underruns
            if not position:
                alsa.quiet_xruns()  # this thread's ALSA "underrun occurred" lines: counted below, not printed
            if status.output_underflow:
                underruns += 1
            chunk = data[position:position + frames]
            outdata[:len(chunk)] = chunk
            outdata[len(chunk):] = 0
            position += len(chunk)
            if len(chunk) < frames:
                raise sd.CallbackStop

        try:
            stream = sd.OutputStream(samplerate=audio.sample_rate, channels=1, dtype="int16", latency=OUTPUT_LATENCY,
                                     device=self.device_index, callback=fill, finished_callback=done.set)
            stream.start()
        except sd.PortAudioError as exc:
            raise AudioDeviceError(f"The speaker stopped working ({exc}).") from exc
        try:
            # Short waits keep Ctrl-C responsive; a stalled device must not hang the session.
            deadline = time.monotonic() + audio.seconds + 5.0
            while not done.wait(0.05):
                if time.monotonic() > deadline:
                    raise AudioDeviceError("The speaker stopped playing (no progress for 5 seconds).")
        except BaseException:
            stream.abort()  # Ctrl-C or a stalled device: silence now
            raise
        finally:
            stream.close()
            if underruns:
                logger.debug("%s ran dry %d times in a %.1f s clip", self.name, underruns, audio.seconds)

    def close(self) -> None:
        """Nothing stays open between clips."""


def open_speaker(device: str | int | None = None) -> SpeakerSink:
    """The speaker sink for ``--output-device`` (index or name; None for the default).

    Raises :class:`AudioDeviceError` with a message a person can act on when there is no such device.
    """
    return SpeakerSink(device)
