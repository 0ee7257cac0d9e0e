"""``slant train attributions``: the attribution tagger, a token head over the shared encoder pass.

PolNeAR (:func:`slant.tasks.corpora.polnear`) marks the source, cue and content of every
attribution in 840 training articles. Each token of an article is tagged from those spans
(:data:`slant.attributions.TAGS`, BIO over the three roles: a token belongs to the part whose piece
it starts in) and a small tagger learns the tags from the encoder's states of the token (hidden
states and technique logits, read off the pass the techniques analyser makes anyway) and whether it
stands inside quotation marks: a projection, four dilated convolutions over the article's tokens
(each tag reads 30 tokens either side, across the encoder's window edges) and a linear layer to the
tags. (A bidirectional GRU was the first design; on this machine's CPU it trained 40 times slower.)

Steps, each resumable:

* ``features``: every PolNeAR train and dev article through the encoder, one ``.npz`` per article
  under ``runs/attributions/<encoder sha>/<split>/`` (an article already there is not encoded again);
* ``fit``: the tagger on train less a validation block of :data:`VALIDATION` articles (every
  ``VALIDATION_EVERY``-th in name order), the epoch kept by the validation block's lenient F1 of the
  linked attributions (``runs/attributions/<sha>/tagger.pt``, written after each epoch; a run that
  is stopped goes on from it);
* ``export``: the kept tagger as ``models/attributions/tagger.onnx`` with ``head.json`` (tags,
  encoder sha, epochs, validation scores). PolNeAR dev is never read here: ``slant eval quotes``
  scores it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..attributions import MODEL_DIR, TAGS, input_rows, token_tags
from ..doclabels import ENCODER_DIR
from ..encoder import OnnxEncoder
from ..errors import SlantError
from .doclabels import encoder_key

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / "runs" / "attributions"
VALIDATION_EVERY = 10  # every tenth training article (name order) is the validation block
HIDDEN = 192
KERNEL = 5
DILATIONS = (1, 2, 4, 8)
CHUNK = 512  # tokens per training piece
REACH = sum(d * (KERNEL // 2) for d in DILATIONS)  # tokens either side a tag reads: 30
EPOCHS = 10
SEED = 2018


def cache_dir(encoder_folder: Path = ENCODER_DIR) -> Path:
    return CACHE / encoder_key(encoder_folder)


def extract(items, encoder: OnnxEncoder, folder: Path, batch: int = 8, log=print) -> None:
    """Encode every PolNeAR article of ``items`` not yet cached in ``folder`` (one npz each:
    offsets, hidden, techniques, all float16 but the offsets)."""
    from ..article import Article

    folder.mkdir(parents=True, exist_ok=True)
    todo = [it for it in items if not (folder / f"{it.id}.npz").is_file()]
    t0 = time.time()
    for i in range(0, len(todo), batch):
        chunk = todo[i : i + batch]
        arts = [Article(text=it.article.text) for it in chunk]
        encs = encoder.encode(arts)
        for it, enc in zip(chunk, encs, strict=True):
            rows = {"offsets": enc.offsets.astype(np.int32), "hidden": enc.hidden.astype(np.float16)}
            if "techniques" in enc.outputs:
                rows["techniques"] = enc.outputs["techniques"].astype(np.float16)
            tmp = folder / f"{it.id}.tmp.npz"
            np.savez(tmp, **rows)
            tmp.replace(folder / f"{it.id}.npz")
        if log and (i // batch) % 10 == 0:
            done = i + len(chunk)
            log(f"  {folder.name}: {done}/{len(todo)} articles encoded ({time.time() - t0:.0f}s)")


def features(data_dir: Path, encoder_folder: Path = ENCODER_DIR, splits: Sequence[str] = ("train", "dev"),
             log=print) -> Path:
    """Encode PolNeAR ``splits`` into the cache; returns the cache folder."""
    from ..tasks.corpora import polnear

    folder = cache_dir(encoder_folder)
    encoder = OnnxEncoder(encoder_folder)
    for split in splits:
        items = polnear(data_dir, split=split)
        extract(items, encoder, folder / split, log=log)
    return folder


def load_split(data_dir: Path, folder: Path, split: str, limit: int | None = None):
    """(items, [(x, tags)]) of a cached split: x the tagger's input rows of each article."""
    from ..tasks.corpora import polnear

    items = polnear(data_dir, split=split, limit=limit)
    rows = []
    for it in items:
        path = folder / split / f"{it.id}.npz"
        if not path.is_file():
            raise SlantError(f"{path} missing: run `slant train attributions --stages features` first")
        z = np.load(path)
        x = input_rows(z["offsets"], z["hidden"], z.get("techniques"), it.article.text)
        rows.append((x, token_tags(z["offsets"], it.attributions)))
    return items, rows


def segments(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(sentences, paragraphs) of a text as the segmenter cuts them, as character ranges."""
    from ..analysers.segment import Segmenter
    from ..article import Article

    art = Segmenter()(Article(text=text))
    return [(x.start, x.end) for x in art.sentences], [(p.start, p.end) for p in art.paragraphs]


def linked_predictions(items, log_probs: Sequence[np.ndarray], offsets: Sequence[np.ndarray],
                       segs: Sequence[tuple[list, list]]) -> dict:
    """The tagger's attributions of each article (:func:`slant.attributions.read`; ``segs``: its
    :func:`segments`) as the scorer takes them (content extent, source span as the speaker)."""
    from ..attributions import read
    from ..tasks.scoring import AttributionSpan

    out = {}
    for it, lp, off, (sents, paras) in zip(items, log_probs, offsets, segs, strict=True):
        found = read(lp, off, it.article.text, sents, paras)
        out[it.id] = [AttributionSpan(g.start, g.end, (g.source,) if g.source else (), "") for g in found]
    return out


def _model(d_in: int, hidden: int = HIDDEN):
    import torch
    from torch import nn

    class Block(nn.Module):
        """A dilated convolution over the token sequence, added to its input and normalised."""

        def __init__(self, dilation: int):
            super().__init__()
            self.conv = nn.Conv1d(hidden, hidden, KERNEL, padding=dilation * (KERNEL // 2), dilation=dilation)
            self.norm = nn.LayerNorm(hidden)
            self.drop = nn.Dropout(0.1)

        def forward(self, x):  # (batch, tokens, hidden)
            y = self.conv(x.transpose(1, 2)).transpose(1, 2)
            return self.norm(x + self.drop(torch.nn.functional.gelu(y)))

    class AttributionTagger(nn.Module):
        """Projection, dilated convolutions over the article's tokens (each token sees
        :data:`REACH` tokens either side), linear layer to the tags; returns log-probabilities
        (batch, tokens, tags)."""

        def __init__(self):
            super().__init__()
            self.proj = nn.Sequential(nn.Linear(d_in, hidden), nn.GELU(), nn.Dropout(0.2))
            self.blocks = nn.Sequential(*(Block(d) for d in DILATIONS))
            self.out = nn.Linear(hidden, len(TAGS))

        def forward(self, x):
            return torch.log_softmax(self.out(self.blocks(self.proj(x))), dim=-1)

    return AttributionTagger()


def _split_train(items, rows):
    val = set(range(0, len(items), VALIDATION_EVERY))
    tr = [(it, r) for i, (it, r) in enumerate(zip(items, rows)) if i not in val]
    va = [(it, r) for i, (it, r) in enumerate(zip(items, rows)) if i in val]
    return tr, va


def fit(data_dir: Path, folder: Path, epochs: int = EPOCHS, batch: int = 16, lr: float = 2e-3, log=print,
        limit: int | None = None, work: Path | None = None) -> dict:
    """Train the tagger, resuming from ``folder/tagger.pt``; keeps the best epoch by the
    validation block's lenient F1 in ``folder/best.pt``. Returns the best epoch's record."""
    import torch

    from ..tasks.quotes import gold_attributions
    from ..tasks.scoring import attribution_scores

    torch.manual_seed(SEED)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    items, rows = load_split(data_dir, folder, "train", limit)
    tr, va = _split_train(items, rows)
    d_in = rows[0][0].shape[1]
    # mean and scale of the inputs, from the training block: stored with the model
    allx = np.concatenate([r[0] for _, r in tr])
    mu, sd = allx.mean(0), allx.std(0) + 1e-4
    del allx
    model = _model(d_in)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
    work = work or folder
    work.mkdir(parents=True, exist_ok=True)
    state_path, best_path = work / "tagger.pt", work / "best.pt"
    history: list[dict] = []
    start = 0
    if state_path.is_file():
        st = torch.load(state_path, weights_only=False)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        history, start = st["history"], st["epoch"]
        log(f"resumed after epoch {start}")
    # O is most tokens; content and cue tokens are what matters
    counts = np.bincount(np.concatenate([r[1] for _, r in tr]), minlength=len(TAGS)).astype(np.float64)
    weight = torch.tensor(np.clip((counts.sum() / (len(TAGS) * counts)) ** 0.5, 0.5, 5.0), dtype=torch.float32)
    loss_fn = torch.nn.NLLLoss(weight=weight, ignore_index=-100)
    gold = gold_attributions([it for it, _ in va])
    offsets = [np.load(folder / "train" / f"{it.id}.npz")["offsets"] for it, _ in va]
    segs = [segments(it.article.text) for it, _ in va]  # once, not every epoch
    # training reads pieces of CHUNK tokens (the convolutions see 30 tokens either side, so a cut
    # costs little), batched without padding waste
    pieces = [(x[a : a + CHUNK], y[a : a + CHUNK]) for _, (x, y) in tr for a in range(0, len(x), CHUNK)]
    for epoch in range(start, epochs):
        model.train()
        order = np.random.default_rng(SEED + epoch).permutation(len(pieces))  # the same order when resumed
        t0, total = time.time(), 0.0
        for b in range(0, len(order), batch):
            chunk = [pieces[i] for i in order[b : b + batch]]
            n = max(len(x) for x, _ in chunk)
            xb = np.zeros((len(chunk), n, d_in), dtype=np.float32)
            yb = np.full((len(chunk), n), -100, dtype=np.int64)
            for k, (x, y) in enumerate(chunk):
                xb[k, : len(x)] = (x - mu) / sd
                yb[k, : len(y)] = y
            lp = model(torch.from_numpy(xb))
            loss = loss_fn(lp.reshape(-1, len(TAGS)), torch.from_numpy(yb).reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += float(loss.detach())
        model.eval()
        with torch.no_grad():
            lps = [model(torch.from_numpy(((x - mu) / sd)[None].astype(np.float32)))[0].numpy() for _, (x, _) in va]
        s = attribution_scores(gold, linked_predictions([it for it, _ in va], lps, offsets, segs))
        rec = {"epoch": epoch + 1, "loss": round(total / max(1, -(-len(order) // batch)), 4),
               "lenient_f1": round(s["lenient"].f1, 4), "strict_f1": round(s["strict"].f1, 4),
               "lenient_p": round(s["lenient"].precision, 4), "lenient_r": round(s["lenient"].recall, 4),
               "speaker": round(s["speaker"][0], 4), "seconds": round(time.time() - t0, 1)}
        history.append(rec)
        log(json.dumps(rec))
        if max(h["lenient_f1"] for h in history) == rec["lenient_f1"]:
            torch.save({"model": model.state_dict(), "mu": mu, "sd": sd, "d_in": d_in, "record": rec}, best_path)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "history": history, "epoch": epoch + 1},
                   state_path)
    return max(history, key=lambda h: h["lenient_f1"])


def export(folder: Path, out_dir: Path = MODEL_DIR, log=print) -> None:
    """The kept tagger as ONNX, input normalisation folded into its first layer."""
    import torch

    st = torch.load(folder / "best.pt", weights_only=False)
    model = _model(st["d_in"])
    model.load_state_dict(st["model"])
    model.eval()
    lin = model.proj[0]
    mu = torch.tensor(st["mu"], dtype=torch.float32)
    sd = torch.tensor(st["sd"], dtype=torch.float32)
    with torch.no_grad():  # W((x - mu) / sd) + b = (W / sd) x + (b - W mu / sd)
        w = lin.weight / sd
        lin.bias.copy_(lin.bias - w @ mu)
        lin.weight.copy_(w)
    out_dir.mkdir(parents=True, exist_ok=True)
    x = torch.zeros(1, 50, st["d_in"])
    torch.onnx.export(model, (x,), str(out_dir / "tagger.onnx"), input_names=["x"], output_names=["log_probs"],
                      dynamic_axes={"x": {1: "tokens"}, "log_probs": {1: "tokens"}}, opset_version=17, dynamo=False)
    hist = torch.load(folder / "tagger.pt", weights_only=False)["history"]
    cfg = {"version": "1", "tags": list(TAGS), "inputs": st["d_in"], "hidden": HIDDEN, "kernel": KERNEL,
           "dilations": list(DILATIONS),
           "encoder_sha": folder.name, "built": time.strftime("%Y-%m-%d"),
           "data": "PolNeAR train (840 articles) less every tenth article, which is the validation block",
           "validation": st["record"], "history": hist}
    (out_dir / "head.json").write_text(json.dumps(cfg, indent=1) + "\n", "utf-8")
    log(f"exported {out_dir / 'tagger.onnx'} (epoch {st['record']['epoch']}, validation lenient F1 "
        f"{st['record']['lenient_f1']})")


def train(data_dir: Path, out_dir: Path | None = None, stages: Sequence[str] | str = ("features", "fit", "export"),
          epochs: int = EPOCHS, resume: bool = True, log=print, **options) -> None:
    """Every stage resumes from what the cache folder holds (``resume`` is always on)."""
    if isinstance(stages, str):
        stages = [s.strip() for s in stages.split(",") if s.strip()]
    unknown = set(stages) - {"features", "fit", "export"}
    if unknown:
        raise SlantError(f"unknown stage(s) {', '.join(sorted(unknown))}: attributions has features, fit, export")
    folder = cache_dir()
    if "features" in stages:
        features(data_dir, log=log)
    if "fit" in stages:
        fit(data_dir, folder, epochs=epochs, log=log)
    if "export" in stages:
        export(folder, Path(out_dir) if out_dir else MODEL_DIR, log=log)
