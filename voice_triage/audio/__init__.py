"""Audio in and out: sources normalised to 16 kHz, 16-bit mono; sinks; the noise filter.

Importing this package imports no sound library; the microphone source loads sounddevice when opened.
"""
SAMPLE_RATE = 16000
"""The one sample rate of the pipeline: every source yields it and every recognizer takes it."""
