#!/usr/bin/env python3
"""Download vosk-model-small-en-us-0.15 into the folder voice-triage searches (see --help)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_triage.recognition.download import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
