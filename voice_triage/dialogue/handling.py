"""How the session handles one understood input: answers, confirmations, ask-backs, commands, failures.

Part of the Session (dialogue/session.py), which mixes it in: it reads and writes the session's state
(answers, question, check, pending, ...) and emits through the session's current Turn.
"""
from __future__ import annotations

from voice_triage.content.model import EMERGENCY_REASONS
from voice_triage.speech.settings import VoiceCommand
from voice_triage.understanding.interpret import FREE, Meaning

VOICE_COMMANDS = frozenset(command.value for command in VoiceCommand)
"""The commands that change the voice (speech.settings.VoiceCommand): slower, faster, louder, quieter."""
KEEPS_ASKING = frozenset({"repeat", "help", "why", "wait"} | VOICE_COMMANDS)
"""Commands that only ask to hear the question again (or wait): they keep an ask-back open."""


class Handling:
    """Answers, confirmations, ask-backs, commands and failures (mixed into Session)."""


    @property
    def _about(self) -> str | None:
        """The feature a confirm question asks about, when what is confirmed is a "yes" to it (so
        that "no, but it is a bit swollen" is read for that feature)."""
        if self.question == "confirm" and self.check.active and self.check.value == "yes":
            return self.check.feature
        return None


    def _keeps_asking(self, meaning: Meaning) -> bool:
        """Commands that only ask to hear the question again (or wait) keep an ask-back open."""
        return meaning.intent in KEEPS_ASKING


    def _handle(self, meaning: Meaning, text: str, confidence: float | None, confirm_below: float | None) -> None:
        """`confidence`: how sure recognition was of `text`; below `confirm_below` an answer is confirmed first."""
        intent = meaning.intent
        if meaning.is_command:
            self._command(intent)
            return
        if self.check.active:
            self._confirmed(meaning)
            return
        if self.state == "consent":
            if intent == "yes":
                self.begin()  # the transition asks the open question
            elif intent == "no" and not self._doubtful(confidence, confirm_below):
                self._say("consent_declined")
                self._finish_incomplete()
            else:
                self.tally.consent_doubted = self.tally.consent_doubted or intent == "no"
                self._failed()
            return
        if self.state in ("open", "closing"):
            self._learn(meaning.features)
            if intent in ("yes", "no", "unsure", FREE):
                if meaning.features:
                    self._say("acknowledge_free_speech")
                if self.state == "open":
                    self.describe()
                self._next()
            else:
                self._failed()
            return
        # a yes/no question about a feature
        if intent in ("yes", "no", "unsure"):
            if meaning.confirm or self._doubtful(confidence, confirm_below,
                                                 emergency_no=intent == "no" and self.question in EMERGENCY_REASONS):
                self._learn(meaning.features, skip=self.question)
                self._confirm(self.question, intent, "heard")
                self._ask("confirm")
                return
            self._learn(meaning.features, skip=self.question)
            self._answer(self.question, intent)
            return
        if intent == FREE and meaning.features:
            self._learn(meaning.features)
            self.tally.failures += 1
            if self.policy.ends_on_failures(self.tally):
                self._end_early("too_many_failures")
                return
            self._say("acknowledge_free_speech")
            self._next() if self.pending else self._ask(self.question)
            return
        self._failed()


    def _doubtful(self, confidence: float | None, confirm_below: float | None, *, emergency_no: bool = False) -> bool:
        """Heard too unsurely to take without confirming (the policy decides)."""
        return self.policy.doubts(confidence, confirm_below, emergency_no=emergency_no)


    def _confirm(self, feature: str, value: str, origin: str, quote: str = "") -> None:
        self.check.start(origin, feature, value, self.question, quote)


    def _ask_back(self, meaning: Meaning) -> None:
        """An emergency mention that may not be the person's own or current ("my wife has chest
        pain"): asked back once per reason and session, even after a no to its own question (the
        person may have meant someone else's then, or it may have started since)."""
        reason = meaning.reason or "chest_pain"
        self._learn(meaning.features, skip=self.question)
        if meaning.quote and meaning.quote not in self.asked_back:
            # what may be the symptom and may not be ("my heart is racing"): said back and asked, each time
            # it is said in other words
            self.asked_back.add(meaning.quote)
            self._confirm(reason, "yes", "askback", meaning.quote)
            self._ask("confirm")
            return
        if reason in self.asked_back or meaning.quote:
            if self.state in ("open", "closing") or self.check.active:
                self._next_after_open()
            else:
                self._ask(self.question)
            return
        self.asked_back.add(reason)
        self._confirm(reason, "yes", "askback")
        self._ask("confirm")


    def _asked_back(self, meaning: Meaning | None, text: str) -> None:
        """The answer to "do you have chest pain yourself, right now?": anything but a clear no is an
        emergency (an affirmed mention was already one before this is reached)."""
        reason = self.check.feature if self.check.active else "chest_pain"
        if meaning is not None and meaning.intent == "no":
            back = self.check.return_to
            self.check.settle()
            self.answers[reason] = "no"
            if back == "consent" and self.state == "consent":
                # asked back before the triage began (at "shall we begin?", or out of the blue to an assistant,
                # when nothing was said before): the beginning follows, never a question further on
                if not self.greeted:
                    self._say("greeting")
                self._ask("consent")
            elif back in self.content.features and back not in self.answers:
                self._ask(back)
            else:
                self._next_after_open()
            return
        self._emergency(reason, text, meaning)


    def _confirmed(self, meaning: Meaning) -> None:
        check = self.check
        feature, value, origin, back = check.feature, check.value, check.state, check.return_to
        if meaning.intent == "yes":
            check.settle()
            self._answer(feature, value)
        elif origin == "mention" and meaning.intent == "unsure":
            # a red flag heard out of turn, and the person is not sure: unsure red flags stay urgent
            check.settle()
            self._record(feature, "unsure")
            self._next()
        elif meaning.intent in ("no", "unsure"):
            check.settle()
            if origin == "mention":
                self._next()  # a red flag heard out of turn and not confirmed: the earlier answer stands
            else:
                self._ask(back or feature, simpler=True)
        else:
            self._failed()


    def _command(self, command: str) -> None:
        if command == "repeat":
            self._ask(self.question)
        elif command == "help":
            self._emit_say(self._question_help())
            self._say("help_answers")
            self._ask(self.question)
        elif command == "why":
            self._emit_say(self._question_why())
            self._ask(self.question)
        elif command == "back":
            self._back()
        elif command == "start_over":
            if self.state == "consent":
                self._ask("consent")
                return
            self.answers.clear()
            self.history.clear()
            self.retried.clear()
            self.pending.clear()
            self.asked_back.clear()
            self.asked_more = False
            self.check.settle()
            self._say("start_over")
            self.restart()  # the transition asks the open question
        elif command == "stop":
            self._end_early("stopped")
        elif command in VOICE_COMMANDS:
            self._turn.voice.append(command)
            self._say(f"voice_{command}")
            self._ask(self.question)
        elif command == "wait":
            self._say("wait")
            self._listen()
        elif command == "skip":
            if self.state == "open":
                self.describe()
                self._next()
            elif self.state == "closing":
                self._conclude()
            elif self.state == "consent" or self.question in self.content.screening or self.question == "confirm":
                self._failed()  # a safety question cannot be skipped: it is asked again
            else:
                self._answer(self.question, "unsure")


    def _question_help(self) -> str:
        q = self.content.questions[self.check.feature if self.check.active else self.question]
        return q.help


    def _question_why(self) -> str:
        qid = self.check.feature if self.question == "confirm" and self.check.active else self.question
        return self.content.questions[qid].why


    def _back(self) -> None:
        if self.check.active:
            # "go back" at "did I hear you right?": back to the question it interrupted
            back = self.check.return_to
            self.check.settle()
            self._say("back")
            if back in self.content.features and back not in self.answers:
                self._ask(back)
            else:
                self._next_after_open()
            return
        if not self.history:
            self._say("back_at_start")
            self._ask(self.question)
            return
        snap = self.history.pop()
        self.answers = dict(snap.answers)
        self.retried = set(snap.retried)
        self.go_back(snap.state)  # the phase the answer was recorded in (machine.py)
        self._say("back")
        self._ask(snap.question)


    def _failed(self, spoken: bool = True) -> None:
        self.tally.failures += 1
        self.tally.consent_unclear += spoken and self.state == "consent"
        if self.state == "consent" and self.policy.begins_anyway(self.tally):
            self._say("consent_assumed")
            self.begin()
            return
        if self.policy.ends_on_failures(self.tally):
            self._end_early("too_many_failures")
            return
        self._say("not_understood_open" if self.question in ("open", "more") else "not_understood")
        self._ask(self.question, simpler=True)
