"""`voice-triage --text`: the same session for a person at a terminal (typed answers, printed words)."""
from __future__ import annotations

from typing import TextIO

from voice_triage.dialogue.events import EmergencyEvent, EndEvent, SayEvent, Turn
from voice_triage.dialogue.triage import Triage
from voice_triage.modes import EXIT_INTERRUPTED, EXIT_OK

PROMPT = "> "


def _show(turn: Turn, out: TextIO) -> None:
    for event in turn.events:
        if isinstance(event, SayEvent):
            out.write(event.text + "\n")
        elif isinstance(event, EmergencyEvent):
            out.write("\n*** CALL EMERGENCY SERVICES NOW ***\n\n")
        elif isinstance(event, EndEvent):
            out.write(f"\n[result: {event.disposition.value.replace('_', ' ')}]\n")
    out.flush()


def run_text(session: Triage, stdin: TextIO, stdout: TextIO) -> int:
    """Type answers; an empty line counts as silence; end of input or Ctrl-C ends the session (Ctrl-C
    with exit status 130, as in every mode)."""
    _show(session.start(), stdout)
    try:
        while not session.ended:
            stdout.write(PROMPT)
            stdout.flush()
            line = stdin.readline()
            if not line:
                stdout.write("\n")
                _show(session.stop(), stdout)
                break
            text = line.strip()
            _show(session.hear(text) if text else session.silence(), stdout)
    except KeyboardInterrupt:
        stdout.write("\n")
        _show(session.stop(), stdout)
        return EXIT_INTERRUPTED
    return EXIT_OK
