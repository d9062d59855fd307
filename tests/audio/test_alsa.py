"""ALSA's "underrun occurred" lines filled the terminal in the live session and the kiosk on PulseAudio's virtual
devices (133 lines in a minute of the live session here): PortAudio recovers from each underrun with
snd_pcm_recover(pcm, -EPIPE, 0), and libasound writes the line straight to standard error. The speaker's
PortAudio thread now has a local ALSA error handler that drops that recovery line and prints every other
ALSA message word for word. These run libasound for real, in a subprocess (its messages go to file
descriptor 2): on its "null" device they recover from an underrun as PortAudio does, and open a device that
does not exist (a real error, whose message has an argument to format)."""
import ctypes.util
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(ctypes.util.find_library("asound") is None, reason="no libasound here")

SCRIPT = """
import ctypes, ctypes.util, sys
from voice_triage.audio import alsa
if sys.argv[1] == "quiet":
    alsa.quiet_xruns()
asound = ctypes.CDLL(ctypes.util.find_library("asound"))
pcm = ctypes.c_void_p()
assert asound.snd_pcm_open(ctypes.byref(pcm), b"null", 0, 0) == 0  # 0: playback
asound.snd_pcm_recover(pcm, -32, 0)  # -EPIPE, not silent: as PortAudio recovers from an underrun
other = ctypes.c_void_p()
assert asound.snd_pcm_open(ctypes.byref(other), b"no_such_device_for_this_test", 0, 0) < 0
asound.snd_pcm_close(pcm)
"""


def stderr_of(mode: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr.splitlines()


def test_the_underrun_line_is_dropped_and_every_other_alsa_message_is_printed_as_libasound_prints_it():
    plain, quiet = stderr_of("plain"), stderr_of("quiet")
    # the null device was never prepared, so the recovery itself fails: a real error from the same function
    # (with its error code's words), which must stay
    assert len(plain) == 3, plain
    assert plain[0].startswith("ALSA lib pcm.c:") and plain[0].endswith(":(snd_pcm_recover) underrun occurred")
    assert ":(snd_pcm_recover) cannot recovery from underrun, prepare failed: " in plain[1], plain
    assert plain[2].startswith("ALSA lib ") and plain[2].endswith(" Unknown PCM no_such_device_for_this_test")
    assert quiet == plain[1:], "only the underrun line goes; the real errors stay, word for word"
