"""Audio in (and, later, out): sources normalised to 16 kHz, 16-bit mono, and endpointing.

Importing this package imports no sound library; the microphone source loads sounddevice when opened.
"""
