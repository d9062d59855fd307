"""Audio sources: WAV files of any format resampled to 16 kHz mono, raw PCM, devices."""
from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest

from voice_triage.audio import sources
from voice_triage.audio.sources import RawStdinSource, WavFileSource, read_wav, to_mono_16k
from voice_triage.errors import AudioDeviceError


def tone_wav(path, rate: int, channels: int, bits: int, freq: float = 440.0, seconds: float = 1.0):
    """A sine at `freq` made by sox in the given format (the left channel only carries it when stereo)."""
    remix = ["remix", "1", "0"] if channels == 2 else []
    subprocess.run(["sox", "-n", "-r", str(rate), "-c", "1", "-b", str(bits), str(path), "synth", str(seconds),
                    "sine", str(freq), "vol", "0.5", "channels", str(channels)] + remix,
                   check=True, capture_output=True)
    return path


def peak_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.argmax(spectrum) * 16000 / len(samples))


@pytest.mark.parametrize("rate,channels,bits", [(8000, 2, 16), (44100, 1, 16), (48000, 2, 24), (16000, 1, 24),
                                                (22050, 1, 8), (16000, 1, 32)])
def test_wav_of_any_format_becomes_16k_mono_16bit(tmp_path, need_tools, rate, channels, bits):
    path = tone_wav(tmp_path / f"t{rate}_{channels}_{bits}.wav", rate, channels, bits)
    samples = read_wav(path)
    assert samples.dtype == np.dtype("<i2")
    assert abs(len(samples) - 16000) <= 2, "one second must stay one second"
    assert abs(peak_hz(samples) - 440.0) < 3.0, "resampling must keep the pitch"
    level = np.sqrt(np.mean(samples.astype(float) ** 2))
    expected = 0.5 * 32768 / np.sqrt(2) / (2 if channels == 2 else 1)  # stereo: averaged with a silent channel
    assert 0.8 * expected < level < 1.2 * expected


def test_wav_source_yields_chunks_of_the_whole_file(tmp_path, need_tools):
    path = tone_wav(tmp_path / "t.wav", 44100, 2, 16, seconds=0.55)
    src = WavFileSource(path)
    chunks = list(src.chunks())
    assert sum(len(c) for c in chunks) == 2 * len(read_wav(path))
    assert all(len(c) <= 3200 for c in chunks) and abs(src.duration - 0.55) < 0.01


def test_corrupt_wav_is_a_clear_audio_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    with pytest.raises(AudioDeviceError, match="cannot be read as a PCM WAV"):
        WavFileSource(bad)
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all")
    with pytest.raises(AudioDeviceError, match="bad.wav|notes.wav"):
        WavFileSource(text)
    with pytest.raises(AudioDeviceError, match="does not exist"):
        WavFileSource(tmp_path / "missing.wav")


def test_truncated_wav_is_read_as_far_as_it_goes(tmp_path, need_tools):
    path = tone_wav(tmp_path / "t.wav", 16000, 1, 16)
    data = path.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2 + 1])  # odd length: half a sample at the end
    samples = read_wav(cut)
    assert 7000 < len(samples) < 9000


def test_raw_pcm_on_stdin_keeps_samples_whole_across_odd_reads():
    samples = (np.arange(5000) % 200 - 100).astype("<i2")

    class Dribble(io.BytesIO):
        def read(self, n=-1):
            return super().read(min(n, 333))  # odd-sized reads, like a pipe

    out = b"".join(RawStdinSource(Dribble(samples.tobytes())).chunks())
    assert np.array_equal(np.frombuffer(out, dtype="<i2"), samples)


def test_to_mono_16k_averages_channels():
    stereo = np.stack([np.full(1600, 1000.0), np.full(1600, 3000.0)], axis=1)
    assert np.all(to_mono_16k(stereo, 16000) == 2000)


class FakeSoundDevice:
    """Stands in for the sounddevice module: a device table and nothing else."""

    def __init__(self, devices):
        self._devices = devices
        self.default = type("D", (), {"device": (0, 0)})()

    def query_devices(self):
        return self._devices


def test_no_microphone_is_a_clear_error():
    sd = FakeSoundDevice([{"name": "HDMI out", "max_input_channels": 0, "max_output_channels": 2}])
    with pytest.raises(AudioDeviceError, match="No microphone found"):
        sources._resolve_device(sd, None)


def test_input_device_by_index_or_name():
    sd = FakeSoundDevice([{"name": "HDMI out", "max_input_channels": 0, "max_output_channels": 2},
                          {"name": "USB Headset Mic", "max_input_channels": 1, "max_output_channels": 0}])
    assert sources._resolve_device(sd, "1") == 1
    assert sources._resolve_device(sd, "headset") == 1
    assert sources._resolve_device(sd, None) is None
    with pytest.raises(AudioDeviceError, match="not an input device"):
        sources._resolve_device(sd, 0)
    with pytest.raises(AudioDeviceError, match="There is no microphone called 'webcam'"):
        sources._resolve_device(sd, "webcam")


def test_list_devices_returns_text_or_a_clear_error():
    try:
        text = sources.list_devices()
    except AudioDeviceError as exc:
        assert str(exc)
    else:
        assert isinstance(text, str) and text


def test_microphone_that_vanishes_mid_read_is_an_audio_error(monkeypatch):
    class Stream:
        def read(self, n):
            raise RuntimeError("Stream is stopped: device unavailable")

        def stop(self):
            pass

        def close(self):
            pass

    mic = sources.MicrophoneSource.__new__(sources.MicrophoneSource)
    mic._sd, mic.device, mic._chunk, mic._stream = None, None, 1600, Stream()
    with pytest.raises(AudioDeviceError, match="stopped working"):
        next(mic.chunks())
    assert mic._stream is None
