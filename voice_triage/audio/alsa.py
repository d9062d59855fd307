"""ALSA's xrun lines kept off the terminal; every other ALSA message still reaches it, word for word.

When the speaker runs dry (an underrun: the machine was busy for longer than the output latency), PortAudio's
ALSA host API recovers with ``snd_pcm_recover(pcm, -EPIPE, 0)``, and libasound, told not to be silent, writes
``ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred`` straight to the process's standard error: into the
captions, dozens a minute on a busy two-core machine with PulseAudio's virtual devices. PortAudio reports the
same event to the stream's callback (``output_underflow``), where the speaker counts it and logs it.

`quiet_xruns()`, called in a stream's callback, gives that PortAudio thread (and only it) a local ALSA error
handler (``snd_lib_error_set_local``, which libasound's default handler defers to) that drops the two recovery
lines ("underrun occurred", "overrun occurred") and writes every other message as libasound would.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
import threading

logger = logging.getLogger(__name__)

XRUN_LINES = frozenset({b"underrun occurred", b"overrun occurred"})
"""What snd_pcm_recover says about an xrun it recovered from (alsa-lib's pcm.c)."""

_LOCAL_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                  ctypes.c_char_p, ctypes.c_void_p)
"""snd_local_error_handler_t: (file, line, function, errcode, fmt, va_list)."""


def _text(raw: bytes | None) -> str:
    return (raw or b"").decode("utf-8", "replace")


class _Alsa:
    """libasound and libc, loaded once; `handler` is the C-callable local error handler (kept alive here)."""

    def __init__(self) -> None:
        self.asound = ctypes.CDLL(ctypes.util.find_library("asound") or "libasound.so.2")
        self.asound.snd_lib_error_set_local.argtypes = [_LOCAL_HANDLER]
        self.asound.snd_lib_error_set_local.restype = ctypes.c_void_p
        self.asound.snd_strerror.argtypes = [ctypes.c_int]
        self.asound.snd_strerror.restype = ctypes.c_char_p
        self.libc = ctypes.CDLL(None)
        self.libc.vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
        self.libc.vsnprintf.restype = ctypes.c_int
        self.handler = _LOCAL_HANDLER(self._handle)

    def _handle(self, file: bytes, line: int, function: bytes, err: int, fmt: bytes, args: int) -> None:
        try:
            buffer = ctypes.create_string_buffer(1024)
            self.libc.vsnprintf(buffer, len(buffer), fmt, args)  # pcm.c says SNDERR("%s occurred", "underrun")
            if function == b"snd_pcm_recover" and buffer.value in XRUN_LINES:
                return  # counted by the stream's callback (output_underflow), not printed
            text = f"ALSA lib {_text(file)}:{line}:({_text(function)}) {_text(buffer.value)}"
            if err:
                text += f": {_text(self.asound.snd_strerror(err))}"
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
        except Exception:  # never raise into libasound
            pass


_ALSA: _Alsa | None | bool = None
_LOAD = threading.Lock()


def load() -> None:
    """Load libasound for `quiet_xruns` (before a stream starts, so that its callback does not have to)."""
    global _ALSA
    with _LOAD:
        if _ALSA is None:
            try:
                _ALSA = _Alsa()
            except (OSError, AttributeError) as exc:
                logger.debug("ALSA messages left as they are: %s", exc)
                _ALSA = False


def quiet_xruns() -> None:
    """In a PortAudio callback: this thread's ALSA error handler drops xrun recovery lines (see the module).
    Does nothing where there is no libasound (another host API, another system)."""
    if _ALSA is None:
        load()
    if _ALSA:
        _ALSA.asound.snd_lib_error_set_local(_ALSA.handler)
