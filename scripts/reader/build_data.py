#!/usr/bin/env python3
"""Build the reader's training examples from every source, one JSONL row per example (issue 30).

    python scripts/reader/build_data.py [--out scripts/reader/data/examples.jsonl]

Every row: source, question (the words the person was asked), question_id (ours, or null), text, answer
(yes | no | unsure | stop | repeat | back | help | why | other | null), chest, breath (1 / 0 / null: the speaker's
own chest symptom or breathlessness, now). null means "this source does not say": that head is not trained on it.

Sources (scripts/reader/data/SOURCES.md says where each came from, its licence and how it was labelled):
  own/t1_answers.jsonl, own/t2_emergency.jsonl, own/t3_commands.jsonl   three independent writers (helpers that
                                                                        never saw the rules or the test sets)
  project    the project's own phrase pools (tests/data/symptoms/*.txt, tests/data/own_*.json), written
             by the sessions that wrote the rules
  public/hwu64.jsonl, public/clinc150.jsonl, public/sgd.jsonl, public/medquad.jsonl,
  public/chatdoctor_genmedgpt.jsonl                                     public corpora (mapped by extract scripts)
  asr/heard.jsonl   our own and the project's rows as Whisper tiny.en heard them from synthetic voices
                    (asr_augment.py), under their source's name
Never ../shared/eval (a test), nor the corpus its public_mst.json comes from.

Deterministic: a fixed seed draws the questions paired with question-less rows and caps the largest sources.
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = HERE / "data"
ANSWERS = ("yes", "no", "unsure", "stop", "repeat", "back", "help", "why", "other")
CAPS = {"sgd": 1500, "chatdoctor_genmedgpt": 700}
"""The most rows taken from a source (booking dialogues would otherwise be most of the data)."""
PUBLIC = ("hwu64", "clinc150", "sgd", "medquad", "chatdoctor_genmedgpt")
BREATH = re.compile(r"\b(breath\w*|air|wheez\w*|gasp\w*|pant\w*|puff\w*|winded|suffocat\w*|lungs?|inhaler|"
                    r"choking|smother\w*|dyspn\w*|sob)\b", re.I)


def questions() -> dict[str, list[str]]:
    """Our questions' wordings by id (prompts/questions.yaml): the first wording and the simpler one, the meta
    questions too; "confirm" with a few of the things it says back."""
    data = yaml.safe_load((ROOT / "prompts" / "questions.yaml").read_text(encoding="utf-8"))
    out = {}
    for qid, q in {**data["questions"], **data["meta"]}.items():
        out[qid] = [q["ask"]] + ([q["simpler"]] if q.get("simpler") else [])
    reasons = [q["reason"] for q in data["questions"].values() if q.get("reason")]
    out["confirm"] = [w.replace("{value}", r) for w in out["confirm"] for r in reasons[:8]]
    return out


def _row(source: str, question: str, qid: str | None, text: str, answer, chest, breath) -> dict:
    if answer is not None and answer not in ANSWERS:
        raise ValueError(f"{source}: unknown answer {answer!r} for {text!r}")
    return {"source": source, "question": question, "question_id": qid, "text": " ".join(str(text).split()),
            "answer": answer, "chest": chest, "breath": breath}


def own_writers(qs: dict[str, list[str]], rng: random.Random) -> list[dict]:
    rows = []
    for path in sorted((DATA / "own").glob("t*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            qid = r["question"]
            rows.append(_row(f"own_{r.get('writer') or path.stem}", rng.choice(qs[qid]), qid, r["text"], r["answer"],
                             int(r["chest_now"]), int(r["breath_now"])))
    return rows


def project_pools(qs: dict[str, list[str]], rng: random.Random) -> list[dict]:
    """The project's own phrases: E/N pools (emergency or not; chest or breathing told by the pool, or by the
    words), said at the open question or at a later question (answer: other, or null when the line is an answer
    at a yes/no question whose value the pool does not give)."""
    rows = []
    later = [q for q in qs if q not in ("consent", "open", "confirm", "more", "chest_pain", "breathlessness")]
    folder = ROOT / "tests" / "data" / "symptoms"
    for pool in sorted(folder.glob("*.txt")):
        if pool.stem.startswith("holdout"):
            continue  # the last held-out set: kept for evaluation
        for line in pool.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            label, text = line.split("|", 1)
            emergency = label.startswith("E")
            breathing = pool.stem == "pool_breath" or (pool.stem != "pool_chest" and bool(BREATH.search(text)))
            chest, breath = (int(emergency and not breathing), int(emergency and breathing))
            if label.endswith("A"):
                qid = rng.choice(later)
                rows.append(_row("project", rng.choice(qs[qid]), qid, text, None, chest, breath))
            else:
                rows.append(_row("project", rng.choice(qs["open"]), "open", text, "other", chest, breath))
    for name in ("own_phrases", "own_conversation"):
        data = json.loads((ROOT / "tests" / "data" / f"{name}.json").read_text(encoding="utf-8"))
        for p in data["phrases"]:
            at = p.get("at", "open")
            qid = at[len("feature:"):] if isinstance(at, str) and at.startswith("feature:") else (
                "open" if at == "open" else rng.choice(later))
            emergency = bool(p["emergency"])
            breathing = bool(BREATH.search(p["text"]))
            rows.append(_row("project", rng.choice(qs[qid]), qid, p["text"], "other" if qid == "open" else None,
                             int(emergency and not breathing), int(emergency and breathing)))
    return rows


def public(qs: dict[str, list[str]], rng: random.Random) -> list[dict]:
    """Public corpora, mapped by their extract scripts. A row without a question is paired with one of ours
    (yes/no questions for answers and commands; the open question for statements)."""
    rows = []
    yes_no = [q for q in qs if q not in ("open",)]
    rename = {"cmd_stop": "stop", "cmd_repeat": "repeat", "cmd_back": "back", "cmd_help": "help", "cmd_why": "why"}
    for name in PUBLIC:
        items = [json.loads(line) for line in (DATA / "public" / f"{name}.jsonl").read_text(encoding="utf-8")
                 .splitlines() if line.strip()]
        rng.shuffle(items)
        items = items[:CAPS.get(name, len(items))]
        for r in items:
            answer = rename.get(r["answer"], r["answer"])
            if r.get("question"):
                question, qid = r["question"], None
            elif answer is None:
                qid = rng.choice(["open"] + yes_no)
                question = rng.choice(qs[qid])
            else:
                qid = rng.choice(yes_no)
                question = rng.choice(qs[qid])
            rows.append(_row(name, question, qid, r["text"], answer, r["chest_now"], r["breath_now"]))
    return rows


def heard_copies() -> list[dict]:
    """What Whisper tiny.en wrote of our own rows spoken by synthetic voices (asr_augment.py), with their labels and
    their source's name (so leaving a source out leaves its heard copies out too)."""
    path = DATA / "asr" / "heard.jsonl"
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            rows.append(_row(r["source"], r["question"], r["question_id"], r["text"], r["answer"], r["chest"],
                             r["breath"]))
    return rows


def build() -> list[dict]:
    rng = random.Random(30)
    qs = questions()
    rows = own_writers(qs, rng) + project_pools(qs, rng) + public(qs, rng) + heard_copies()
    seen, out = set(), []
    for r in rows:
        key = (r["source"], r["question"], r["text"].lower())
        if key in seen or not r["text"]:
            continue
        seen.add(key)
        out.append(r)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(DATA / "examples.jsonl"))
    args = ap.parse_args()
    rows = build()
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts: dict[str, dict[str, int]] = {}
    for r in rows:
        c = counts.setdefault(r["source"], {"rows": 0, "chest": 0, "breath": 0})
        c["rows"] += 1
        c["chest"] += r["chest"] == 1
        c["breath"] += r["breath"] == 1
    for name, c in sorted(counts.items()):
        print(f"{name:24} {c['rows']:6} rows, chest {c['chest']:4}, breath {c['breath']:4}")
    print(f"{'all':24} {len(rows):6} rows -> {args.out}")


if __name__ == "__main__":
    main()
