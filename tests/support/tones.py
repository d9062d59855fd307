"""An utterance the endpointer finds, for tests whose recognizer is scripted (what was said does not matter)."""
from __future__ import annotations


class Tone:
    """One second of a loud tone between quiet stretches: an utterance for the endpointer."""

    def chunks(self):
        import numpy as np

        tone = (8000 * np.sin(np.arange(16000) * 2 * np.pi * 220 / 16000)).astype("<i2").tobytes()
        quiet = b"\x00\x00" * 16000
        for block in (quiet, tone, quiet, quiet):
            for i in range(0, len(block), 960):
                yield block[i:i + 960]
