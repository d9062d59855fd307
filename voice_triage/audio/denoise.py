"""Noise suppression for one utterance before recognition: a Wiener filter with a steady-noise estimate.

A waiting room hums: fans, traffic, air conditioning. That noise is steady, so its spectrum can be
estimated from the quiet part of the answer (the lead-in kept before the detected start, and the
trailing silence that ended it) and filtered out. PocketSphinx's own noise removal works on a few
filter-bank channels only; in white noise at 10 dB this filter raised correct answers at a yes/no
question from 48% to 67% (scripts/bench_asr.py gives the current figures).

The estimate per frequency is a low percentile of that frequency's power over the utterance,
corrected for the bias of a percentile of exponentially distributed power; the gain follows the
decision-directed a-priori SNR of Ephraim and Malah, floored so that speech is never cut to nothing.
Clean audio passes almost unchanged: its quiet frames are near silence, so the estimate is near zero.
"""
from __future__ import annotations

import math

import numpy as np

FFT_SIZE = 512
"""32 ms at 16 kHz."""
HOP = 128
"""8 ms: four-fold overlap, so the Hann windows add up to a constant."""
NOISE_PERCENTILE = 20.0
"""The noise power of a frequency is this percentile of its power over the utterance (bias-corrected)."""
SMOOTHING = 0.9
"""Decision-directed weight of the previous frame's clean-speech estimate."""
GAIN_FLOOR = 0.1
"""No frequency is attenuated by more than this factor (-20 dB), which keeps musical noise down."""


def _frames(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(windowed frames of `x` padded by one FFT either side, the window)."""
    window = np.hanning(FFT_SIZE + 1)[:-1]
    padded = np.concatenate([np.zeros(FFT_SIZE), x, np.zeros(FFT_SIZE)])
    count = 1 + (len(padded) - FFT_SIZE) // HOP
    index = np.arange(FFT_SIZE)[None, :] + HOP * np.arange(count)[:, None]
    return padded[index] * window, window


def noise_power(power: np.ndarray) -> np.ndarray:
    """Per-frequency noise power estimated from the frames' power spectra (frames x bins)."""
    quantile = np.percentile(power, NOISE_PERCENTILE, axis=0)
    return quantile / -math.log(1.0 - NOISE_PERCENTILE / 100.0)


def wiener_gains(power: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Gain per frame and frequency by the decision-directed a-priori SNR."""
    gains = np.empty_like(power)
    noise = np.maximum(noise, 1e-9)
    previous = np.ones(power.shape[1])
    for i, frame in enumerate(power):
        posterior = frame / noise
        prior = SMOOTHING * previous + (1.0 - SMOOTHING) * np.maximum(posterior - 1.0, 0.0)
        gain = np.maximum(prior / (1.0 + prior), GAIN_FLOOR)
        gains[i] = gain
        previous = gain * gain * posterior
    return gains


def suppress_noise(pcm: bytes) -> bytes:
    """16 kHz 16-bit mono PCM with steady background noise filtered out; same length."""
    x = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    if len(x) < FFT_SIZE or not np.any(x):
        return pcm
    frames, window = _frames(x)
    spectrum = np.fft.rfft(frames, axis=1)
    power = np.abs(spectrum) ** 2
    gains = wiener_gains(power, noise_power(power))
    cleaned = np.fft.irfft(spectrum * gains, n=FFT_SIZE, axis=1) * window
    total = np.zeros(len(x) + 2 * FFT_SIZE)
    weight = np.zeros_like(total)
    for i, frame in enumerate(cleaned):
        start = i * HOP
        total[start:start + FFT_SIZE] += frame
        weight[start:start + FFT_SIZE] += window * window
    y = total[FFT_SIZE:FFT_SIZE + len(x)] / np.maximum(weight[FFT_SIZE:FFT_SIZE + len(x)], 1e-9)
    return np.clip(np.round(y), -32768, 32767).astype("<i2").tobytes()
