"""Captions: every sentence the assistant speaks, printed large and plain for people who cannot hear it.

No screen library: bold text with room around it on a terminal, plain labelled lines elsewhere
(a log file, a pipe). The emergency instruction is printed in reverse video inside a banner so
it stands out from everything else. Set ``NO_COLOR`` to turn the terminal styling off.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import textwrap
from enum import Enum
from typing import TextIO

logger = logging.getLogger(__name__)

_BOLD, _REVERSE, _DIM, _RESET = "\x1b[1m", "\x1b[7m", "\x1b[2m", "\x1b[0m"


class CaptionStyle(str, Enum):
    """How captions look (``--captions``)."""

    LARGE = "large"
    """Bold, wrapped to a short line, with blank lines around each sentence (the default)."""
    PLAIN = "plain"
    """One labelled line per sentence, no styling: for logs and screen readers."""
    OFF = "off"
    """No captions for the assistant's sentences (warnings are still printed)."""


class Captions:
    """Prints both sides of the conversation to a stream (standard error unless given)."""

    def __init__(self, stream: TextIO | None = None, style: CaptionStyle | str = CaptionStyle.LARGE,
                 color: bool | None = None, width: int | None = None):
        self._stream = stream
        self.style = CaptionStyle(style)
        self._color = color
        self._width = width

    @property
    def stream(self) -> TextIO:
        """Where captions go; standard error is looked up at each use so tests can capture it."""
        return self._stream if self._stream is not None else sys.stderr

    def _styled(self) -> bool:
        if self._color is not None:
            return self._color
        if os.environ.get("NO_COLOR"):
            return False
        return self.is_terminal()

    def is_terminal(self) -> bool:
        """Whether the captions go to a terminal (colours; the kiosk clears the screen between people)."""
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def _wrap(self, text: str) -> list[str]:
        width = self._width or min(64, max(30, shutil.get_terminal_size((80, 24)).columns - 6))
        return textwrap.wrap(" ".join(text.split()), width) or [""]

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError) as exc:  # a closed terminal must not end the session
            logger.debug("caption not shown: %s", exc)

    def assistant(self, text: str) -> None:
        """A sentence the assistant speaks."""
        if self.style is CaptionStyle.OFF:
            return
        if self.style is CaptionStyle.PLAIN:
            self._write(f"Assistant: {' '.join(text.split())}\n")
            return
        bold, reset = (_BOLD, _RESET) if self._styled() else ("", "")
        lines = "".join(f"    {bold}{line}{reset}\n" for line in self._wrap(text))
        self._write(f"\n{lines}")

    def emergency(self, text: str) -> None:
        """The emergency instruction: a banner in reverse video that cannot be missed."""
        if self.style is CaptionStyle.PLAIN or self.style is CaptionStyle.OFF:
            self._write(f"EMERGENCY: {' '.join(text.split())}\n")
            return
        lines = self._wrap(text)
        inner = max(len(line) for line in lines + ["!!  EMERGENCY  !!"]) + 4
        head = "!!  EMERGENCY  !!".center(inner)
        body = [f"  {line}".ljust(inner) for line in lines]
        if self._styled():
            on, off = _REVERSE + _BOLD, _RESET
            rows = [" " * inner, head, " " * inner, *body, " " * inner]
            self._write("\n" + "".join(f"  {on}{row}{off}\n" for row in rows) + "\n")
        else:
            rule = "=" * inner
            rows = [rule, head, rule, *body, rule]
            self._write("\n" + "".join(f"  {row}\n" for row in rows) + "\n")

    def person(self, text: str, who: str = "You") -> None:
        """What the person said (as heard), so they can see what the assistant understood."""
        if self.style is CaptionStyle.OFF:
            return
        shown = " ".join(text.split()) or "(nothing heard)"
        if self.style is CaptionStyle.PLAIN or not self._styled():
            self._write(f"  {who}: {shown}\n")
        else:
            self._write(f"  {_DIM}{who}: {shown}{_RESET}\n")

    def notice(self, text: str) -> None:
        """A message about the assistant itself (a warning, a fallback); always shown."""
        self._write(f"voice-triage: {text}\n")
