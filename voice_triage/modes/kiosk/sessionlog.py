"""The opt-in session log: one JSON line per session, rotated by size.

Off unless ``logging.session_log`` names a file. Each line holds only: when the session started
(UTC, to the second), how it ended, the disposition, whether an emergency was heard, the number of
turns (inputs), the session's length and how long the kiosk had been waiting before it. What was
heard is added only when ``logging.transcripts`` is also on. No audio, ever.

Rotation is by size, like logging.handlers.RotatingFileHandler: when a line would take the file
past ``max_bytes`` it becomes ``<path>.1`` (older ones move up to ``<path>.<backups>``, the oldest
is deleted) and a new file is started.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass, field

from voice_triage.modes.kiosk.config import LoggingConfig

logger = logging.getLogger(__name__)


@dataclass
class SessionRecord:
    """What the session log may keep about one session."""

    started: float
    """Epoch seconds at which the session started."""
    ending: str
    """How it ended: completed, idle, error, device or interrupted."""
    disposition: str
    """emergency, urgent, see_doctor, self_care or incomplete."""
    emergency: bool
    """Whether an emergency was heard."""
    turns: int
    """How many inputs (answers, silences, key presses) the session took."""
    duration_s: float
    """Seconds from the start of the session to its end."""
    waited_s: float
    """Seconds the kiosk had been waiting for someone before the session started."""
    transcript: list[str] = field(default_factory=list)
    """What was heard, in order; written only when transcripts are switched on."""

    def to_json(self, transcripts: bool) -> str:
        """The log line (no newline)."""
        line = {
            "time": dt.datetime.fromtimestamp(self.started, dt.timezone.utc).isoformat(timespec="seconds"),
            "ending": self.ending,
            "disposition": self.disposition,
            "emergency": self.emergency,
            "turns": self.turns,
            "duration_s": round(self.duration_s, 1),
            "waited_s": round(self.waited_s, 1),
        }
        if transcripts:
            line["transcript"] = list(self.transcript)
        return json.dumps(line, ensure_ascii=False)


class SessionLog:
    """Appends SessionRecords to the configured file; a failure to write is logged, never raised."""

    def __init__(self, config: LoggingConfig):
        self.config = config
        self.path = config.session_log
        self.lines_written = 0
        """Lines written since the kiosk started."""

    @property
    def enabled(self) -> bool:
        """Whether a log file is configured."""
        return self.path is not None

    def write(self, record: SessionRecord) -> None:
        """Append one line, rotating first when the file would grow past max_bytes."""
        if self.path is None:
            return
        data = (record.to_json(self.config.transcripts) + "\n").encode("utf-8")
        try:
            folder = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(folder, exist_ok=True)
            if self._size() and self._size() + len(data) > self.config.max_bytes:
                self._rotate()
            with open(self.path, "ab") as fh:
                fh.write(data)
            self.lines_written += 1
        except OSError as exc:
            logger.warning("session log %s not written: %s", self.path, exc.strerror or exc)

    def _size(self) -> int:
        try:
            return os.path.getsize(str(self.path))
        except OSError:
            return 0

    def _rotate(self) -> None:
        path = str(self.path)
        backups = self.config.backups
        if backups <= 0:
            os.truncate(path, 0)
            return
        for i in range(backups - 1, 0, -1):
            older = f"{path}.{i}"
            if os.path.exists(older):
                os.replace(older, f"{path}.{i + 1}")
        os.replace(path, f"{path}.1")
        logger.info("session log rotated: %s", path)
