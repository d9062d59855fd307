"""`voice-triage --text`: the same session for a person at a terminal (typed answers, printed words)."""
from __future__ import annotations

from typing import TextIO

from voice_triage.dialogue.session import Session, Turn
from voice_triage.modes import EXIT_INTERRUPTED, EXIT_OK

PROMPT = "> "


def _show(turn: Turn, out: TextIO) -> None:
    for event in turn.events:
        if event["event"] == "say":
            out.write(event["text"] + "\n")
        elif event["event"] == "emergency":
            out.write("\n*** CALL EMERGENCY SERVICES NOW ***\n\n")
        elif event["event"] == "end":
            out.write(f"\n[result: {event['disposition'].replace('_', ' ')}]\n")
    out.flush()


def run_text(session: Session, stdin: TextIO, stdout: TextIO) -> int:
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
