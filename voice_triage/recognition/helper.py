"""A second PocketSphinx decoder in a process of its own, so free decoding runs on the other core.

PocketSphinx holds Python's GIL while it decodes, so two decodings in one process run one after
the other. At the end of an answer two are needed: the grammar's (at the open question, the
emergency grammar's) and the free decoding that checks it (at the open question, the answer's
text). The helper does the free decoding at the same time as the main process does the grammar's.

The helper is started once per process (``python -m voice_triage.recognition.helper``, talking
over its standard input and output) and shared by every PocketSphinx recognizer in it. It is only
an accelerator: while it loads, when it is missing or broken, or on a one-core machine, the
recognizer decodes in its own process, with the same settings and so the same result.

Messages are length-prefixed: a request is ``<id u32><n u32>`` and n bytes of 16 kHz PCM; a reply
is ``<id u32><n u32>`` and n bytes of UTF-8 text. The helper first writes one line, ``ready`` or
``error: ...``.
"""
from __future__ import annotations

import atexit
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<II")
REPLY_TIMEOUT_S = 10.0
"""A reply this late means the helper is stuck: it is stopped and the recognizer decodes alone."""
DISABLE_ENV = "VOICE_TRIAGE_NO_HELPER"
"""Set (to anything) to decode in one process only."""


class FreeDecoderProcess:
    """The helper process, seen from the recognizer: `submit` audio, later `result` its free text."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._ready = False
        self._broken = False
        self._next = 0
        self._replies: dict[int, str] = {}
        self._lock = threading.Lock()
        try:
            self._proc = subprocess.Popen([sys.executable, "-m", "voice_triage.recognition.helper_server"], bufsize=0,
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            self._give_up(f"could not start ({exc})")

    @property
    def usable(self) -> bool:
        """Whether the helper has loaded its model and works (never blocks)."""
        if self._broken or self._proc is None:
            return False
        if not self._ready:
            stdout = self._proc.stdout
            if not select.select([stdout], [], [], 0)[0]:
                if self._proc.poll() is not None:
                    self._give_up(f"exited with status {self._proc.returncode}")
                return False  # still loading
            line = self._read_line()
            if line != "ready":
                self._give_up(line or "exited while loading")
                return False
            self._ready = True
        return True

    def submit(self, audio: bytes) -> int | None:
        """Start free decoding of `audio` in the helper; the id to ask `result` for, or None (not usable)."""
        with self._lock:
            if not self.usable:
                return None
            self._next += 1
            try:
                self._proc.stdin.write(_HEADER.pack(self._next, len(audio)) + audio)
                self._proc.stdin.flush()
            except (OSError, ValueError) as exc:
                self._give_up(f"stopped taking work ({exc})")
                return None
            return self._next

    def result(self, ident: int) -> str | None:
        """The free text of request `ident`, waiting for it; None when the helper failed (decode locally)."""
        with self._lock:
            deadline = time.monotonic() + REPLY_TIMEOUT_S
            while ident not in self._replies:
                if self._broken:
                    return None
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._proc.stdout], [], [], left)[0]:
                    self._give_up(f"no reply within {REPLY_TIMEOUT_S:.0f} s")
                    return None
                try:
                    got, text = self._read_reply()
                except (OSError, EOFError, struct.error) as exc:
                    self._give_up(f"stopped answering ({exc or 'end of output'})")
                    return None
                self._replies[got] = text
            for old in [key for key in self._replies if key < ident]:
                del self._replies[old]  # replies to requests nobody waited for
            return self._replies.pop(ident)

    def _read_line(self) -> str:
        line = b""
        while not line.endswith(b"\n"):
            byte = self._proc.stdout.read(1)  # unbuffered: nothing is read ahead of what select sees
            if not byte:
                break
            line += byte
        return line.decode("utf-8", "replace").strip()

    def _read_exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = self._proc.stdout.read(size - len(data))
            if not part:
                raise EOFError
            data += part
        return data

    def _read_reply(self) -> tuple[int, str]:
        ident, size = _HEADER.unpack(self._read_exact(_HEADER.size))
        return ident, self._read_exact(size).decode("utf-8", "replace")

    def _give_up(self, why: str) -> None:
        if not self._broken:
            log.warning("the free-decoding helper process %s; decoding in one process from now on", why)
        self._broken = True
        self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            proc.terminate()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()


_shared: FreeDecoderProcess | None = None
_shared_lock = threading.Lock()


def shared_helper() -> FreeDecoderProcess | None:
    """The process's helper, started on first use; None on a one-core machine or when disabled."""
    global _shared
    if os.environ.get(DISABLE_ENV) or (os.cpu_count() or 1) < 2:
        return None
    with _shared_lock:
        if _shared is None:
            _shared = FreeDecoderProcess()
            atexit.register(_shared.close)
        return None if _shared._broken else _shared  # one that failed is not started again
