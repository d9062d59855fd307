#!/usr/bin/env python3
"""HWU64 (xliuhw/NLU-Evaluation-Data, CC BY 4.0) -> rows.jsonl.

Input: orig/CrossValidation/.../KFold_*/testset/csv/*.csv (the 10 test folds together
cover the annotated subset used in the paper; deduplicated by answerid+intent).
Mapping (see SOURCES.md): general_affirm->yes, general_negate->no,
general_commandstop->cmd_stop, general_repeat->cmd_repeat (minus 'start over' rows),
general_explain->cmd_help (clarification request), general_dontcare->unsure only if the
text says the speaker does not know, otherwise null; general_confirm -> null;
a deterministic sample of OTHER_PER_INTENT rows from every other intent -> other.
"""
import csv, glob, os, re, hashlib
from rows_out import write_rows  # noqa: E402 (run as a script from this folder)

HERE = os.path.dirname(os.path.abspath(__file__))
OTHER_PER_INTENT = 8
MAP = {"general_affirm": "yes", "general_negate": "no", "general_commandstop": "cmd_stop",
       "general_repeat": "cmd_repeat", "general_explain": "cmd_help"}
NOTE = {
    "general_affirm": "user confirms the assistant understood/acted correctly (feedback, not an answer to a symptom question)",
    "general_negate": "user says the assistant got it wrong (feedback, not a symptom answer)",
    "general_commandstop": "stop/cancel/shut up command",
    "general_repeat": "asks assistant to say again",
    "general_explain": "asks for clarification / did not understand; could also be cmd_repeat",
}

def main():
    seen, rows = set(), []
    files = sorted(glob.glob(os.path.join(HERE, "orig/CrossValidation/**/testset/csv/*.csv"), recursive=True))
    by_intent = {}
    for f in files:
        intent = os.path.basename(f)[:-4]
        with open(f, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh, delimiter=";"):
                key = (intent, r["answerid"])
                if key in seen:
                    continue
                seen.add(key)
                text = (r.get("answer_from_user") or r["answer_from_anno"]).strip()
                by_intent.setdefault(intent, []).append((r["answerid"], text))
    for intent in sorted(by_intent):
        items = sorted(by_intent[intent], key=lambda x: (len(x[0]), x[0]))
        if intent.startswith("general_") and intent not in ("general_joke", "general_praise", "general_quirky"):
            chosen = items
        else:
            chosen = sorted(items, key=lambda x: hashlib.md5((intent + x[0]).encode()).hexdigest())[:OTHER_PER_INTENT]
        for aid, text in chosen:
            ans, note = MAP.get(intent), NOTE.get(intent, "")
            if intent == "general_repeat" and re.search(r"start over|restart|begin again|from the (start|beginning)", text, re.I):
                ans, note = None, "'start over' request, not a repeat"
            elif intent == "general_dontcare":
                if re.search(r"(don'?t|do not|wouldn'?t|not) (really )?know|no idea|not sure|unsure", text, re.I):
                    ans, note = "unsure", "dontcare row that expresses not knowing"
                else:
                    ans, note = None, "no-preference ('any one is fine'), not a yes/no/unsure answer"
            elif intent == "general_confirm":
                ans, note = None, "asks the assistant to confirm/check; no class of ours fits well"
            elif ans is None:
                ans, note = "other", "unrelated smart-home/assistant request (sampled)"
            rows.append({"source": "hwu64", "id": f"hwu64:{intent}:{aid}", "question": None,
                         "text": text, "raw_label": intent, "answer": ans,
                         "chest_now": 0, "breath_now": 0, "note": note})
    write_rows(rows)

if __name__ == "__main__":
    main()
