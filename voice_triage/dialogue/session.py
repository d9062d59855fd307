"""One triage conversation: a `transitions` state machine fed one utterance at a time.

    consent -> open (tell me about the pain, in your own words)
            -> screening (chest pain and breathlessness first, then the urgent red flags)
            -> questions (adaptive: only what can still change the result) -> ended (summary)

The open question comes first so that a plain "yes" or "no" is never taken as an answer about chest
pain before the person has heard that question; what it mentions fills in features not to be
asked again (never a red flag: those are always asked).

Every input goes through the emergency check first, in every state. Each call returns a Turn:
the protocol events to emit, in order, and what the session now waits for.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from transitions import Machine

from voice_triage.protocol import rules
from voice_triage.protocol.content import Content, Disposition, Kind, load_content
from voice_triage.understanding.interpret import EMERGENCY, FREE, NOT_UNDERSTOOD, Interpreter, Meaning

log = logging.getLogger(__name__)

STATES = ["consent", "open", "screening", "questions", "ended"]
MAX_SILENCES = 3
"""Silences in a row after which the session ends."""
MAX_FAILURES = 6
"""Utterances in a row not understood at one question after which the session ends."""
EMERGENCY_NO_SURE = 0.7
"""A "no" to the chest-pain or breathing question heard less sure than this is asked back ("I think you
said no. Is that right?"), when the session confirms at all: taking a misheard "yes" as "no" there is a
missed emergency (seen once in 16 sessions at 10 dB SNR)."""
CONSENT_TRIES = 3
"""Answers in a row not understood at "shall we begin?" after which the session begins anyway (saying
so, and that "stop" ends it): someone who keeps talking to the assistant wants to go on, and in a
noisy room a short "sure" is the hardest answer to hear. Not after a doubtful "no", and not on silence."""
MAX_TURNS = 120
"""A hard bound on inputs per session, whatever they are."""
VOICE_COMMANDS = ("slower", "faster", "louder", "quieter")


@dataclass
class Turn:
    """What the assistant does in reply to one input."""

    events: list[dict] = field(default_factory=list)
    """Protocol events in order, exactly as --io jsonl writes them."""
    voice: list[str] = field(default_factory=list)
    """Speech adjustments asked for in this turn: slower, faster, louder, quieter."""

    @property
    def says(self) -> list[str]:
        return [e["text"] for e in self.events if e["event"] == "say"]

    def _last(self, kind: str) -> dict | None:
        return next((e for e in reversed(self.events) if e["event"] == kind), None)

    @property
    def listen(self) -> dict | None:
        return self._last("listen")

    @property
    def end(self) -> dict | None:
        return self._last("end")

    @property
    def emergency(self) -> dict | None:
        return self._last("emergency")


@dataclass
class _Snapshot:
    state: str
    question: str
    answers: dict[str, str]
    retried: set[str]


class Session:
    """One triage conversation. Feed it with hear(), silence() and not_understood()."""

    def __init__(self, content: Content | None = None, *, confirm_below: float | None = None):
        self.content = content or load_content()
        self.interpreter = Interpreter(self.content)
        self.confirm_below = confirm_below
        self.answers: dict[str, str] = {}
        self.question = "consent"
        self.confirming: tuple[str, str] | None = None
        """(feature, value) being confirmed."""
        self.confirm_origin = ""
        self.confirm_return = ""
        """The question to ask again when a heard answer is not confirmed."""
        """Why: "heard" (a low-confidence answer to the question) or "mention" (a red flag heard out of turn)."""
        self.retried: set[str] = set()
        self.history: list[_Snapshot] = []
        self.silences = 0
        self.failures = 0
        self.consent_doubted = False
        self.consent_unclear = 0
        """Things said (not unreadable input) at the consent question that were not understood."""
        """A doubtful "no" was heard at the consent question: never begin without a clear yes."""
        self.inputs = 0
        self.result: dict | None = None
        self._turn = Turn()
        self.machine = Machine(model=self, states=STATES, initial="consent", auto_transitions=False,
                               model_attribute="state")
        self.machine.add_transition("begin", "consent", "open")
        self.machine.add_transition("describe", "open", "screening")
        self.machine.add_transition("investigate", "screening", "questions")
        self.machine.add_transition("restart", ["open", "screening", "questions"], "open")
        self.machine.add_transition("finish", ["consent", "screening", "open", "questions"], "ended")

    # ------------------------------------------------------------------ public API

    @property
    def ended(self) -> bool:
        return self.state == "ended"

    def start(self) -> Turn:
        """The greeting and the first question."""
        self._turn = Turn()
        self._say("greeting")
        self._ask("consent")
        return self._turn

    def hear(self, text: str, *, confidence: float | None = None) -> Turn:
        """A transcribed utterance."""
        self._turn = Turn()
        if self.ended:
            return self._turn
        self.inputs += 1
        meaning = self.interpreter.interpret(text, self.question)
        heard = {"event": "heard", "text": text, "intent": meaning.intent}
        if confidence is not None:
            heard["confidence"] = round(float(confidence), 3)
        if meaning.is_answer and self.question in self.content.features:
            heard.update(feature=self.question, value=meaning.intent)
        if meaning.intent == EMERGENCY:
            if self._doubtful(confidence) and not self.confirming:
                # heard, but not clearly: ask at once rather than raise a false alarm or miss one
                self._emit(heard)
                self.confirming, self.confirm_origin, self.confirm_return = (meaning.reason, "yes"), "heard", \
                    self.question
                self._ask("confirm")
                return self._turn
            self._emergency(meaning.reason or "chest_pain", text, meaning)
            return self._turn
        self._emit(heard)
        if self.inputs >= MAX_TURNS:
            self._end_early("too_many_failures")
            return self._turn
        if meaning.intent != NOT_UNDERSTOOD:
            self.silences = 0
        self._handle(meaning, text, confidence)
        return self._turn

    def silence(self) -> Turn:
        """Nothing was said before the listen timeout."""
        self._turn = Turn()
        if self.ended:
            return self._turn
        self.inputs += 1
        self.silences += 1
        if self.silences >= MAX_SILENCES or self.inputs >= MAX_TURNS:
            self._end_early("too_many_silences")
            return self._turn
        self._say("silence")
        self._ask(self.question, simpler=True)
        return self._turn

    def not_understood(self, heard: str = "") -> Turn:
        """The recognizer could not make sense of what was said (or the input was unreadable)."""
        self._turn = Turn()
        if self.ended:
            return self._turn
        self.inputs += 1
        if heard:
            reason = self.interpreter.emergency.check(heard)
            if reason:
                self._emergency(reason, heard, Meaning(EMERGENCY, heard, reason))
                return self._turn
        self._emit({"event": "heard", "text": heard, "intent": NOT_UNDERSTOOD})
        if self.state == "open":
            # something was said in answer to "tell me about the pain": go on rather than ask again
            self.silences = 0
            self._say("acknowledge_free_speech")
            self.describe()
            self._next()
            return self._turn
        self._failed(spoken=bool(heard.strip()))
        return self._turn

    def emergency_in(self, text: str) -> str | None:
        """The emergency reason `text` mentions (for partial recognition results), or None."""
        return self.interpreter.emergency.check(text)

    def names_emergency_terms(self, text: str) -> bool:
        """Whether `text` names chest pain or breathing at all, as a mention or a denial."""
        return bool(self.interpreter.emergency.named(text))

    def emergency_in_partial(self, text: str) -> str | None:
        """The emergency reason a partial recognition result holds as a whole phrase, or None."""
        return self.interpreter.emergency.check_partial(text)

    def grammar(self) -> list[str]:
        """Every phrase accepted now: answers to this question, commands, emergency phrases."""
        from voice_triage.dialogue.grammar import phrases_for

        return phrases_for(self.content, self.question)

    def stop(self) -> Turn:
        """End at once (Ctrl-C, a lost device): incomplete, with safety-net advice."""
        self._turn = Turn()
        if not self.ended:
            self._end_early("stopped")
        return self._turn

    # ------------------------------------------------------------------ handling

    def _handle(self, meaning: Meaning, text: str, confidence: float | None) -> None:
        intent = meaning.intent
        if meaning.is_command:
            self._command(intent)
            return
        if self.confirming:
            self._confirmed(meaning)
            return
        if self.state == "consent":
            if intent == "yes":
                self.begin()
                self._ask("open")
            elif intent == "no" and not self._doubtful(confidence):
                self._say("consent_declined")
                self._finish_incomplete()
            else:
                self.consent_doubted = self.consent_doubted or intent == "no"
                self._failed()
            return
        if self.state == "open":
            self._learn(meaning.features)
            if intent in ("yes", "no", "unsure", FREE):
                if meaning.features:
                    self._say("acknowledge_free_speech")
                self.describe()
                self._next()
            else:
                self._failed()
            return
        # a yes/no question about a feature
        if intent in ("yes", "no", "unsure"):
            if self._doubtful(confidence) or (intent == "no" and self.question in self.content.emergency.terms
                                              and self._doubtful(confidence, EMERGENCY_NO_SURE)):
                self._learn(meaning.features, skip=self.question)
                self.confirming, self.confirm_origin, self.confirm_return = (self.question, intent), "heard", \
                    self.question
                self._ask("confirm")
                return
            self._learn(meaning.features, skip=self.question)
            self._answer(self.question, intent)
            return
        if intent == FREE and meaning.features:
            self._learn(meaning.features)
            self.failures += 1
            if self.failures >= MAX_FAILURES:
                self._end_early("too_many_failures")
                return
            self._say("acknowledge_free_speech")
            self._next() if self.confirming else self._ask(self.question)
            return
        self._failed()

    def _doubtful(self, confidence: float | None, below: float | None = None) -> bool:
        """Heard with less confidence than `below` (default: the session's confirm_below)?"""
        if self.confirm_below is None or confidence is None:
            return False
        return confidence < (self.confirm_below if below is None else max(below, self.confirm_below))

    def _answer(self, feature: str, value: str) -> None:
        content = self.content
        is_red = content.features[feature].kind is Kind.RED_FLAG
        if is_red and value == "unsure" and feature not in self.retried:
            self.retried.add(feature)
            self._say("unsure_red_flag")
            self._ask(feature, simpler=True)
            return
        if feature in content.emergency.terms and value in ("yes", "unsure"):
            self._record(feature, "yes")
            self._emergency(feature, self._last_text, None, recorded=True)
            return
        self._record(feature, value)
        self._next()

    @property
    def _last_text(self) -> str:
        heard = self._turn._last("heard")
        return heard["text"] if heard else ""

    def _confirmed(self, meaning: Meaning) -> None:
        feature, value = self.confirming or ("", "")
        if meaning.intent == "yes":
            self.confirming = None
            self._answer(feature, value)
        elif meaning.intent in ("no", "unsure"):
            self.confirming = None
            if self.confirm_origin == "mention":
                self._next()  # a red flag heard out of turn and not confirmed: the earlier "no" stands
            else:
                self._ask(self.confirm_return or feature, simpler=True)
        else:
            self._failed()

    def _command(self, command: str) -> None:
        if command == "repeat":
            self._ask(self.question)
        elif command == "help":
            self._emit_say(self._question_help())
            self._say("help_answers")
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
            self.confirming = None
            self._say("start_over")
            self.restart()
            self._ask("open")
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
            elif self.state == "consent" or self.question in self.content.screening or self.question == "confirm":
                self._failed()  # a safety question cannot be skipped: it is asked again
            else:
                self._answer(self.question, "unsure")

    def _question_help(self) -> str:
        q = self.content.questions[self.confirming[0] if self.confirming else self.question]
        return q.help

    def _back(self) -> None:
        self.confirming = None
        if not self.history:
            self._say("back_at_start")
            self._ask(self.question)
            return
        snap = self.history.pop()
        self.answers = dict(snap.answers)
        self.retried = set(snap.retried)
        self.machine.set_state(snap.state)
        self._say("back")
        self._ask(snap.question)

    def _failed(self, spoken: bool = True) -> None:
        self.failures += 1
        self.consent_unclear += spoken and self.state == "consent"
        if self.state == "consent" and self.consent_unclear >= CONSENT_TRIES and not self.consent_doubted:
            self._say("consent_assumed")
            self.begin()
            self._ask("open")
            return
        if self.failures >= MAX_FAILURES:
            self._end_early("too_many_failures")
            return
        self._say("not_understood_open" if self.question == "open" else "not_understood")
        self._ask(self.question, simpler=True)

    # ------------------------------------------------------------------ answers

    def _record(self, feature: str, value: str) -> None:
        self.history.append(_Snapshot(self.state, self.question, dict(self.answers), set(self.retried)))
        self.answers[feature] = value

    def _learn(self, features: dict[str, str], skip: str | None = None) -> None:
        """Take features from free speech. Red flags are never set out of turn; a new one is confirmed."""
        for fid, value in features.items():
            if fid == skip or fid in self.content.emergency.terms:
                continue
            if self.content.features[fid].kind is Kind.RED_FLAG:
                if value == "yes" and self.answers.get(fid) == "no" and self.confirming is None:
                    self.confirming, self.confirm_origin = (fid, "yes"), "mention"
                continue
            if fid not in self.answers:
                self.answers[fid] = value

    # ------------------------------------------------------------------ flow

    def _next(self) -> None:
        if self.confirming:
            self._ask("confirm")
            return
        if self.state == "screening":
            for fid in self.content.screening:
                if fid not in self.answers:
                    self._ask(fid)
                    return
            self.investigate()
        if rules.disposition(self.content, self.answers) is Disposition.URGENT:
            self._conclude()
            return
        open_features = [f for f in self.content.pattern_features if f not in self.answers]
        feature = rules.next_question(self.content, self.answers, open_features)
        if feature is None:
            self._conclude()
        else:
            self._ask(feature)

    def _ask(self, qid: str, *, simpler: bool = False) -> None:
        if qid != self.question:
            self.failures = 0
        self.question = qid
        q = self.content.questions[qid]
        text = q.simpler if simpler else q.ask
        if qid == "confirm" and self.confirming:
            feature, value = self.confirming
            text = text.format(value=self.content.questions[feature].reason if value == "yes" else value)
        self._emit_say(text)
        self._listen()

    def _listen(self) -> None:
        event = {"event": "listen", "question": self.question, "state": self.state}
        if self.question == "confirm" and self.confirming:
            event.update(feature=self.confirming[0], value=self.confirming[1])
        self._emit(event)

    # ------------------------------------------------------------------ endings

    def _emergency(self, reason: str, heard: str, meaning: Meaning | None, recorded: bool = False) -> None:
        self._emit({"event": "emergency", "reason": reason, "heard": heard})
        if not recorded:
            self.answers[reason] = "yes"
        if meaning is not None:
            self._learn(meaning.features)
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
        self._say(why)
        self._finish_incomplete()

    def _finish_incomplete(self) -> None:
        self._say("ended_early")
        self._say("safety_net")
        self._say("not_a_diagnosis")
        self._say("goodbye")
        self._end(Disposition.INCOMPLETE)

    def _end(self, disposition: Disposition) -> None:
        self.confirming = None
        patterns = rules.ranked(self.content, self.answers)
        self.result = {"event": "end", "disposition": disposition.value, "patterns": patterns,
                       "answers": dict(self.answers)}
        if self.state != "ended":
            self.finish()
        self._emit(self.result)

    # ------------------------------------------------------------------ output

    def _say(self, key: str) -> None:
        self._emit_say(self.content.speech[key])

    def _emit_say(self, text: str) -> None:
        self._emit({"event": "say", "text": text})

    def _emit(self, event: dict) -> None:
        self._turn.events.append(event)
