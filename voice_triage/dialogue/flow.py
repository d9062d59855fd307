"""The question flow: which question comes next, asking it, and taking what free speech said.

Part of the Session (dialogue/session.py), which mixes it in: it reads and writes the session's state
(answers, question, check, pending, ...) and emits through the session's current Turn.
"""
from __future__ import annotations

from voice_triage.content import rules
from voice_triage.content.model import EMERGENCY_REASONS, Disposition, Kind
from dataclasses import dataclass

from voice_triage.dialogue.events import ListenEvent
from voice_triage.dialogue.listening import listening_plan


@dataclass
class Snapshot:
    """The state before an answer was recorded ("go back" returns to it)."""

    state: str
    question: str
    answers: dict[str, str]
    retried: set[str]


class Flow:
    """Which question next, asking, recording and learning answers (mixed into Session)."""


    def _next_after_open(self) -> None:
        if self.state == "open":
            self.describe()
        self._next()


    def _answer(self, feature: str, value: str) -> None:
        content = self.content
        if feature in EMERGENCY_REASONS and value in ("yes", "unsure"):
            self._record(feature, "yes")
            self._emergency(feature, self._last_text, None, recorded=True)
            return
        is_red = content.features[feature].kind is Kind.RED_FLAG
        if is_red and value == "unsure" and feature not in self.retried:
            self.retried.add(feature)
            self._say("unsure_red_flag")
            self._ask(feature, simpler=True)
            return
        self._record(feature, value)
        self._next()


    @property
    def _last_text(self) -> str:
        heard = self._turn.heard
        return heard.text if heard else ""


    def _record(self, feature: str, value: str) -> None:
        # "go back" returns to the feature's own question, also when it was answered at a confirm
        asked = feature if self.question == "confirm" else self.question
        self.history.append(Snapshot(self.state, asked, dict(self.answers), set(self.retried)))
        self.answers[feature] = value


    def _learn(self, features: dict[str, str], skip: str | None = None) -> None:
        """Take features from free speech. A red flag said yes (or not sure) out of turn is never
        recorded silently: it is confirmed with the person, one at a time; a "no" out of turn is not
        taken (red flags are always asked). The distinguishing features it names are taken only from an
        answer to a question that asks for a description ("tell me about the pain", "anything else?"); said in
        answer to a yes/no question about something else, they are an aside, asked when their turn comes
        (issue 20: "I'd have told you straight away" at the chest question set delayed_onset to no)."""
        described = self.state in ("open", "closing") and self.question in ("open", "more")
        for fid, value in features.items():
            if fid == skip or fid in EMERGENCY_REASONS:
                continue
            if self.content.features[fid].kind is Kind.RED_FLAG:
                if value in ("yes", "unsure") and self.answers.get(fid) not in ("yes", "unsure") \
                        and fid not in self.pending and not self.check.is_checking(fid):
                    self.pending.append(fid)
                continue
            if described and fid not in self.answers and value != "unsure":
                self.answers[fid] = value  # a hedged mention ("kind of the day after") leaves the question to be asked


    def _next(self) -> None:
        if not self.check.active and self.pending:
            self._confirm(self.pending.pop(0), "yes", "mention")
        if self.check.active:
            self._ask("confirm")
            return
        if self.state == "closing":
            self._conclude()
            return
        if self.state == "screening":
            for fid in self.content.screening:
                if fid not in self.answers:
                    self._ask(fid)
                    return
            self.investigate()
        if rules.disposition(self.content, self.answers) is Disposition.URGENT:
            self._close()
            return
        open_features = [f for f in self.content.pattern_features if f not in self.answers]
        feature = rules.next_question(self.content, self.answers, open_features)
        if feature is None:
            self._close()
        else:
            self._ask(feature)


    def _close(self) -> None:
        """Before the summary, once: "Is there anything else you want to tell me about the pain?" (entering
        "closing" asks it; the transition happens once per session, after that the summary follows)."""
        if not self.close():
            self._conclude()

    def _ask(self, qid: str, *, simpler: bool = False) -> None:
        if qid != self.question:
            self.tally.failures = 0
        self.question = qid
        q = self.content.questions[qid]
        text = q.simpler if simpler else q.ask
        if qid == "confirm" and self.check.active:
            feature, value = self.check.feature, self.check.value
            if self.check.state == "askback":
                said = self.content.questions[feature].askback_said
                text = said.format(quote=self.check.quote) if self.check.quote else self.content.questions[feature].askback
            else:
                text = text.format(value=self.content.questions[feature].reason if value == "yes" else value)
        self.asked = text
        self._emit_say(text)
        self._listen()


    def _listen(self) -> None:
        checking = self.check.active
        plan = listening_plan(self.phrases, self.judge, self.question, self.asked, confirming=checking)
        feature, value = (self.check.feature, self.check.value) if self.question == "confirm" and checking else (None, None)
        self._emit(ListenEvent(self.question, self.state, plan, feature, value))
