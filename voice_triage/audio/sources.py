"""Audio sources: everything yields 16 kHz, 16-bit, mono, little-endian PCM chunks.

Normalising at the edge means recognizers and endpointing never see any other format.
Only the microphone source imports a sound library (sounddevice), and only when opened.
"""
from __future__ import annotations

import logging
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

import numpy as np

from voice_triage.audio import SAMPLE_RATE
from voice_triage.errors import AudioDeviceError, NoSuchDeviceError

log = logging.getLogger(__name__)

CHUNK_SAMPLES = 1600
"""Samples per chunk: 100 ms at 16 kHz."""
MIC_CHUNK_SAMPLES = 480
"""The microphone is read in 30 ms blocks (one endpointing frame): the end of an answer is seen within
30 ms of the silence that ends it, not up to 100 ms later."""


@runtime_checkable
class AudioSource(Protocol):
    """Something that yields 16 kHz, 16-bit mono PCM chunks until it runs out (or forever, for a microphone)."""

    def chunks(self) -> Iterator[bytes]:
        """The audio, as bytes of 16-bit little-endian samples; chunk sizes may vary."""
        ...


def to_mono_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Float samples (frames x channels, or 1-D) at `rate` -> int16 mono at 16 kHz.

    Channels are averaged; the rate is changed by linear interpolation after a moving-average
    low-pass when downsampling (good enough for speech recognition, no SciPy needed).
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if rate != SAMPLE_RATE and len(x):
        if rate > SAMPLE_RATE:
            width = int(round(rate / SAMPLE_RATE))
            if width > 1:
                kernel = np.ones(width) / width
                x = np.convolve(x, kernel, mode="same")
        n_out = int(round(len(x) * SAMPLE_RATE / rate))
        t_out = np.arange(n_out) * (rate / SAMPLE_RATE)
        x = np.interp(t_out, np.arange(len(x)), x)
    return np.clip(np.round(x), -32768, 32767).astype("<i2")


def _decode_pcm(raw: bytes, width: int, channels: int) -> np.ndarray:
    """WAV sample bytes -> float array (frames x channels) scaled to the 16-bit range."""
    if width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) * 256.0
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float64)
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        data = value.astype(np.float64) / 256.0
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float64) / 65536.0
    else:
        raise AudioDeviceError(f"{width * 8}-bit samples are not supported")
    return data.reshape(-1, channels)


_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


def _parse_riff(data: bytes) -> tuple[int, int, int, int, bytes]:
    """(format tag, channels, rate, bytes per sample, sample bytes) of a RIFF/WAVE file.

    Python 3.11's `wave` rejects WAVE_FORMAT_EXTENSIBLE headers, which sox and most recorders
    write for 24- and 32-bit audio, so the few fields needed are read here directly.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos, fmt, samples = 12, None, None
    while pos + 8 <= len(data):
        ident, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = data[pos + 8:pos + 8 + size]
        if ident == b"fmt ":
            if len(body) < 16:
                raise ValueError("fmt chunk too short")
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
            if tag == _EXTENSIBLE:
                if len(body) < 26:
                    raise ValueError("extensible fmt chunk too short")
                tag = struct.unpack_from("<H", body, 24)[0]
            fmt = (tag, channels, rate, (bits + 7) // 8)
        elif ident == b"data":
            samples = body
            break
        pos += 8 + size + (size & 1)
    if fmt is None or samples is None:
        raise ValueError("no fmt or data chunk")
    return (*fmt, samples)


def read_wav(path: str | Path) -> np.ndarray:
    """The whole WAV file as int16 mono at 16 kHz; AudioDeviceError if it cannot be read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise AudioDeviceError(f"The audio file {path} does not exist.") from exc
    except OSError as exc:
        raise AudioDeviceError(f"The audio file {path} cannot be opened ({exc.strerror}).") from exc
    try:
        tag, channels, rate, width, raw = _parse_riff(data)
    except (ValueError, struct.error) as exc:
        raise AudioDeviceError(f"The audio file {path} cannot be read as a PCM WAV file ({exc}).") from exc
    if tag not in (_PCM, _FLOAT) or channels < 1 or rate < 1000 or (tag == _FLOAT and width not in (4, 8)):
        raise AudioDeviceError(f"The audio file {path} has an unsupported format "
                               f"(format {tag}, {channels} channels, {rate} Hz, {width * 8}-bit); "
                               "use 8/16/24/32-bit PCM or float WAV.")
    usable = len(raw) - len(raw) % (width * channels)
    if usable < len(raw):
        log.warning("The audio file %s ends in the middle of a sample frame; the rest is ignored", path)
    try:
        if tag == _FLOAT:
            floats = np.frombuffer(raw[:usable], dtype="<f4" if width == 4 else "<f8").astype(np.float64)
            samples = (floats * 32767.0).reshape(-1, channels)
        else:
            samples = _decode_pcm(raw[:usable], width, channels)
    except AudioDeviceError as exc:
        raise AudioDeviceError(f"The audio file {path} is not usable: {exc}.") from exc
    return to_mono_16k(samples, rate)


class WavFileSource:
    """A WAV file of any rate, channel count and 8/16/24/32-bit width, resampled to 16 kHz mono."""

    def __init__(self, path: str | Path, chunk_samples: int = CHUNK_SAMPLES) -> None:
        self.path = Path(path)
        """The file."""
        self._samples = read_wav(self.path)
        self._chunk = chunk_samples

    @property
    def duration(self) -> float:
        """Length of the audio in seconds."""
        return len(self._samples) / SAMPLE_RATE

    def chunks(self) -> Iterator[bytes]:
        for start in range(0, len(self._samples), self._chunk):
            yield self._samples[start:start + self._chunk].tobytes()


class RawStdinSource:
    """Raw 16 kHz, 16-bit mono little-endian PCM from a binary stream (standard input by default)."""

    def __init__(self, stream: BinaryIO | None = None, chunk_samples: int = CHUNK_SAMPLES) -> None:
        self._stream = stream if stream is not None else sys.stdin.buffer
        self._chunk_bytes = chunk_samples * 2
        self._carry = b""

    def chunks(self) -> Iterator[bytes]:
        while True:
            block = self._stream.read(self._chunk_bytes)
            if not block:
                return
            block = self._carry + block
            cut = len(block) - len(block) % 2
            self._carry = block[cut:]
            if cut:
                yield block[:cut]


def _sounddevice():
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        raise AudioDeviceError("Cannot use the microphone: the sounddevice package or the PortAudio library "
                               "is missing; install `voice-triage[speech]` and libportaudio2.") from exc
    return sounddevice


def list_devices() -> str:
    """A printable list of audio devices, input devices marked, for `voice-triage devices`."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        default_in = sd.default.device[0]
    except Exception as exc:  # PortAudio errors are plain Exceptions (sd.PortAudioError)
        raise AudioDeviceError(f"Cannot list audio devices: {exc}.") from exc
    lines = []
    for index, dev in enumerate(devices):
        ins, outs = dev.get("max_input_channels", 0), dev.get("max_output_channels", 0)
        mark = "*" if index == default_in else " "
        lines.append(f"{mark}{index:3d}  {dev['name']}  (in {ins}, out {outs}, {dev['default_samplerate']:.0f} Hz)")
    if not lines:
        return "No audio devices found."
    return "\n".join(lines) + "\n(* default input; use --input-device INDEX or NAME)"


def check_input_device(device: int | str) -> int:
    """The index of the microphone `device` names; NoSuchDeviceError (one line) when none does."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
    except Exception as exc:
        raise AudioDeviceError(f"Cannot query audio devices: {exc}.") from exc
    inputs = [i for i, d in enumerate(devices) if d.get("max_input_channels", 0) > 0]
    if isinstance(device, int) or str(device).isdigit():
        if int(device) in inputs:
            return int(device)
    else:
        for i in inputs:
            if str(device).lower() in devices[i]["name"].lower():
                return i
    raise NoSuchDeviceError(f"There is no microphone called {str(device)!r}; `voice-triage devices` lists them.")


def describe_device(device: int | str | None, kind: str) -> str:
    """The name of the `kind` ("input" or "output") device `device` names (None: the default one).

    AudioDeviceError (one line) when there is none, or it has no `kind` channels."""
    sd = _sounddevice()
    label = "microphone" if kind == "input" else "speaker"
    wanted = int(device) if isinstance(device, str) and device.isdigit() else device
    try:
        info = sd.query_devices(wanted, kind=kind)
    except (ValueError, sd.PortAudioError) as exc:
        which = f"{label} {device!r}" if device is not None else f"default {label}"
        raise AudioDeviceError(f"no {which} ({exc})") from None
    if info.get(f"max_{kind}_channels", 0) < 1:
        raise AudioDeviceError(f"{info.get('name')!r} has no {kind} channels")
    return str(info.get("name"))


def _resolve_device(sd, device: int | str | None) -> int | None:
    """Index of the input device named/numbered `device`; None = the default. AudioDeviceError if none fits."""
    try:
        devices = sd.query_devices()
    except Exception as exc:
        raise AudioDeviceError(f"Cannot query audio devices: {exc}.") from exc
    inputs = [i for i, d in enumerate(devices) if d.get("max_input_channels", 0) > 0]
    if not inputs:
        raise AudioDeviceError("No microphone found (no audio input device); answer by typing with voice-triage --text, "
                               "or give a WAV file.")
    if device is None or device == "":
        return None
    if isinstance(device, int) or str(device).isdigit():
        index = int(device)
        if index not in inputs:
            raise AudioDeviceError(f"Audio device {index} is not an input device; see `voice-triage devices`.")
        return index
    matches = [i for i in inputs if str(device).lower() in devices[i]["name"].lower()]
    if not matches:
        raise NoSuchDeviceError(f"There is no microphone called {str(device)!r}; `voice-triage devices` lists them.")
    return matches[0]


class MicrophoneSource:
    """The microphone through sounddevice, recorded at 16 kHz mono (PortAudio resamples if it must)."""

    def __init__(self, device: int | str | None = None, chunk_samples: int = MIC_CHUNK_SAMPLES) -> None:
        self._sd = _sounddevice()
        self.device = _resolve_device(self._sd, device)
        """PortAudio index of the input device (None: the default one)."""
        self._chunk = chunk_samples
        self._stream = None

    def _open(self):
        sd = self._sd
        try:
            stream = sd.RawInputStream(samplerate=SAMPLE_RATE, channels=1, dtype="int16",
                                       device=self.device, blocksize=self._chunk)
            stream.start()
        except Exception as exc:
            raise AudioDeviceError(f"Cannot open the microphone ({exc}); check `voice-triage devices`.") from exc
        return stream

    def chunks(self) -> Iterator[bytes]:
        if self._stream is None:
            self._stream = self._open()
        else:
            # A new answer starts now: drop what was recorded since the last one (e.g. our own prompt).
            try:
                pending = self._stream.read_available
                if pending:
                    self._stream.read(pending)
            except Exception as exc:
                self.close()
                raise AudioDeviceError(f"The microphone stopped working ({exc}); was it unplugged?") from exc
        while True:
            try:
                data, overflowed = self._stream.read(self._chunk)
            except Exception as exc:
                self.close()
                raise AudioDeviceError(f"The microphone stopped working ({exc}); was it unplugged?") from exc
            if overflowed:
                log.debug("microphone input overflowed")
            yield bytes(data)

    def close(self) -> None:
        """Stop and release the device."""
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception:  # the device may already be gone
                log.debug("closing the microphone failed", exc_info=True)
            self._stream = None
