"""Noise suppression on real synthesized speech mixed with sox noise: noise goes down, speech stays."""
from __future__ import annotations

import numpy as np
import pytest
import speechgen
from speechgen import Clip

from voice_triage.audio.denoise import suppress_noise
from voice_triage.audio.sources import SAMPLE_RATE

pytestmark = pytest.mark.usefixtures("need_tools")


def level_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-9)


def samples(audio_dir, **kw) -> np.ndarray:
    clip = Clip("yes it does", "flite:kal", pad_s=0.5, **kw)
    return np.frombuffer(speechgen.pcm(speechgen.synthesize_all([clip], audio_dir)[clip]), dtype="<i2")


@pytest.mark.parametrize("noise", ["white", "pink"])
def test_steady_noise_is_cut_and_speech_kept(audio_dir, noise):
    clean = samples(audio_dir)
    noisy = samples(audio_dir, snr_db=10, noise=noise)
    out = np.frombuffer(suppress_noise(noisy.tobytes()), dtype="<i2")
    assert len(out) == len(noisy)
    lead = slice(0, int(0.4 * SAMPLE_RATE))
    speech = np.abs(clean.astype(np.int32)) > 2000
    assert level_db(noisy[lead]) - level_db(out[lead]) > 10, "the noise-only lead-in should drop by over 10 dB"
    assert level_db(noisy[speech]) - level_db(out[speech]) < 3, "loud speech should lose under 3 dB"
    # closer to the clean speech than the noisy input was
    assert level_db(out - clean) < level_db(noisy - clean) - 3


def test_clean_speech_and_silence_pass_almost_unchanged(audio_dir):
    clean = samples(audio_dir)
    out = np.frombuffer(suppress_noise(clean.tobytes()), dtype="<i2")
    assert level_db(out - clean) < level_db(clean) - 15
    assert suppress_noise(b"") == b"" and suppress_noise(bytes(2000)) == bytes(2000)
    assert len(suppress_noise(b"\x01\x02\x03")) == 3
