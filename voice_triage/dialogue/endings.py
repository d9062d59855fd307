"""How a session ends: the emergency instruction, the summary, an early end, and what it emits.

Part of the Session (dialogue/session.py), which mixes it in: it reads and writes the session's state
(answers, question, check, pending, ...) and emits through the session's current Turn.
"""
from __future__ import annotations

from voice_triage.content import rules
from voice_triage.content.model import Disposition, Kind
from voice_triage.dialogue.events import EmergencyEvent, EndEvent, Event, SayEvent
from voice_triage.understanding.interpret import Meaning


class Endings:
    """The emergency, the summary, early and incomplete ends, and emitting events (mixed into Session)."""


    def _emergency(self, reason: str, heard: str, meaning: Meaning | None, recorded: bool = False) -> None:
        self._emit(EmergencyEvent(reason, heard))
        if not recorded:
            self.answers[reason] = "yes"
        if meaning is not None:
            for fid, value in meaning.features.items():
                if fid not in self.answers and self.content.features[fid].kind is not Kind.RED_FLAG:
                    self.answers[fid] = value
        self.pending.clear()
        self._say("emergency")
        self._say("emergency_why")
        self._say("emergency_repeat")
        self._end(Disposition.EMERGENCY)


    def _conclude(self) -> None:
        from voice_triage.dialogue.summary import summarize

        disposition = rules.disposition(self.content, self.answers)
        for text in summarize(self.content, self.answers, disposition):
            self._emit_say(text)
        self._end(disposition)


    def _end_early(self, why: str) -> None:
        """The session ends before the questions are done. A red flag already answered yes or not
        sure still gives its disposition and its advice; otherwise the session is incomplete."""
        self._say(why)
        if rules.disposition(self.content, self.answers) is Disposition.URGENT:
            self._say("ended_early_urgent")
            self._conclude()
            return
        self._finish_incomplete()


    def _finish_incomplete(self) -> None:
        self._say("ended_early")
        self._say("safety_net")
        self._say("not_a_diagnosis")
        self._say("goodbye")
        self._end(Disposition.INCOMPLETE)


    def _end(self, disposition: Disposition) -> None:
        self.check.settle()
        self.pending.clear()
        patterns = rules.ranked(self.content, self.answers)
        self.result = EndEvent(disposition, tuple(patterns), dict(self.answers))
        if self.state != "ended":
            self.finish()
        self._emit(self.result)


    def _say(self, key: str) -> None:
        self._emit_say(self.content.speech[key])


    def _emit_say(self, text: str) -> None:
        self._emit(SayEvent(text))


    def _emit(self, event: Event) -> None:
        self._turn.events.append(event)
