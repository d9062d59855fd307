"""The helper process's side (voice_triage.recognition.helper starts it): load PocketSphinx's free
search, then decode each request until standard input closes. A module of its own, so that the
engine and the helper's client do not import each other."""
from __future__ import annotations

import sys

from voice_triage.recognition.helper import _HEADER


def serve() -> int:
    """The helper's side: load the free search, then decode each request until standard input closes."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        from voice_triage.recognition.pocketsphinx_engine import free_decoder

        decode = free_decoder()
    except Exception as exc:  # any failure to load is reported, and the recognizer decodes alone
        stdout.write(f"error: {exc}\n".replace("\n", " ").strip().encode() + b"\n")
        stdout.flush()
        return 1
    stdout.write(b"ready\n")
    stdout.flush()
    while True:
        head = stdin.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return 0
        ident, size = _HEADER.unpack(head)
        audio = stdin.read(size)
        if len(audio) < size:
            return 0
        text = decode(audio).encode("utf-8")
        stdout.write(_HEADER.pack(ident, len(text)) + text)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(serve())
