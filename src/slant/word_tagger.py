"""The word tagger of the techniques model: a logistic regression per technique over each word.

``WordTagger`` reads single words (the word, its neighbours, its bigrams and suffix, and the kind
of the word and of its neighbours in slant's word list ``data/word-lexicon.tsv``: a sparse linear
map kept as compressed rows). It may also read the encoder's static input embeddings of the word
and of its two neighbours (the mean over their word pieces, projected on a few principal
directions), so that a loaded word never seen in training ("usurper") is scored like the words it
sits near in embedding space ("tyrant", "dictator"). Being linear, that part is stored already
multiplied out: one table per position (word, previous, next) of a logit per word piece and label,
and a word's dense logit is the mean of its pieces' rows.

``slant train techniques-en --stages lexical`` fits it with scikit-learn and exports it here
(``WordTagger.save``, the file layout of :func:`slant.tfidf.save_npz`), so inference needs only
numpy; the techniques analyser (``slant.analysers.techniques``) averages its probability for a
token's word with the token head's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat
from pathlib import Path

import numpy as np

from .tfidf import load_npz, pack_strings, save_npz, unpack_strings

# --- words ----------------------------------------------------------------------------------------
WORD_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lower-cased word) of every word of ``text``."""
    return [(m.start(), m.end(), m.group().lower()) for m in WORD_TOKEN.finditer(text)]


LEXICON_FILE = Path(__file__).resolve().parent / "data" / "word-lexicon.tsv"


def read_lexicon(path: Path = LEXICON_FILE) -> dict[str, str]:
    """word -> kind from a ``word<TAB>kind`` file (``#`` comments); a malformed line is an error
    naming it."""
    out: dict[str, str] = {}
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"{path}:{n}: expected word<TAB>kind")
        out[parts[0].strip().lower()] = parts[1].strip()
    return out


def lexicon_kind(word: str, lexicon: dict[str, str]) -> str | None:
    """The kind of a lower-cased word: its own, else (for "dictator-same", "tyrant's") that of its
    first listed part."""
    kind = lexicon.get(word)
    if kind is None and ("-" in word or "'" in word or "’" in word):
        for part in re.split(r"[-'’]", word):
            kind = lexicon.get(part)
            if kind is not None:
                break
    return kind


def feature_columns(ws: Sequence[tuple[int, int, str]], text: str, lexicon: dict[str, str] | None = None
                    ) -> list[tuple[list[str], np.ndarray]]:
    """The word features as columns: for each template, one feature name per word and the values
    (the word, its neighbours one and two away, the bigrams it is in, its last three letters,
    whether it is capitalised, and with a ``lexicon`` the kind of the word and of each neighbour)."""
    lw = [w for _, _, w in ws]
    n = len(lw)
    prev = ["<s>"] + lw[:-1] if n else []
    nxt = lw[1:] + ["</s>"] if n else []
    prev2 = (["<s>", "<s>"] + lw[:-2])[:n]
    nxt2 = (lw[2:] + ["</s>", "</s>"])[:n]
    one, half = np.ones(n), np.full(n, 0.5)
    return [
        ([f"w={w}" for w in lw], one),
        ([f"p={p}" for p in prev], one),
        ([f"n={x}" for x in nxt], one),
        ([f"pw={p}|{w}" for p, w in zip(prev, lw)], one),
        ([f"wn={w}|{x}" for w, x in zip(lw, nxt)], one),
        ([f"p2={p}" for p in prev2], half),
        ([f"n2={x}" for x in nxt2], half),
        ([f"suf={w[-3:]}" for w in lw], half),
        (["cap"] * n, np.array([float(text[s].isupper()) for s, _, _ in ws])),
    ] + (_lexicon_columns(lw, lexicon) if lexicon else [])


def _lexicon_columns(lw: Sequence[str], lexicon: dict[str, str]) -> list[tuple[list[str], np.ndarray]]:
    kinds = [lexicon_kind(w, lexicon) for w in lw]
    n = len(kinds)
    has = np.array([k is not None for k in kinds], dtype=np.float64)
    prev = np.r_[0.0, has[:-1]] if n else has
    nxt = np.r_[has[1:], 0.0] if n else has
    return [([f"lex={k}" for k in kinds], has),
            ([f"plex={k}" for k in [None] + kinds[:-1]][:n], prev),
            ([f"nlex={k}" for k in kinds[1:] + [None]][:n], nxt)]


def word_features(ws: Sequence[tuple[int, int, str]], text: str, lexicon: dict[str, str] | None = None
                  ) -> list[dict[str, float]]:
    """``feature_columns`` as one {feature: value} dict per word (what training vectorises); a
    feature whose value is 0 is left out."""
    cols = feature_columns(ws, text, lexicon)
    return [{names[i]: float(vals[i]) for names, vals in cols if vals[i]} for i in range(len(ws))]


_WORD_TEMPLATES = ("w", "p", "n", "p2", "n2")  # the single-word features of ``feature_columns``


class WordTagger:
    """One logistic output per label for every word, from ``word_features``: a sparse linear map
    (features x labels) kept row by row, compressed (``indptr``, label ``cols``, ``vals``), holding
    only the features that matter."""

    def __init__(self, vocab: Sequence[str], rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
                 bias: np.ndarray, labels: Sequence[str], piece_tables: np.ndarray | None = None,
                 lexicon: dict[str, str] | None = None):
        self.labels = list(labels)
        # word -> kind (``read_lexicon``), kept with the weights its "lex=" features were fitted on
        self.lexicon = dict(lexicon or {})
        # (3, word pieces, labels): logits of a piece in the word, the previous word, the next word
        self.piece_tables = None if piece_tables is None else np.asarray(piece_tables, dtype=np.float32)
        if self.piece_tables is not None and (self.piece_tables.ndim != 3 or self.piece_tables.shape[0] != 3
                                       or self.piece_tables.shape[2] != len(self.labels)):
            raise ValueError("word tagger piece tables have the wrong shape")
        # the three tables side by side (pieces, 3 x labels): one gather and one sum per text
        self._side_by_side = None if self.piece_tables is None else \
            np.ascontiguousarray(self.piece_tables.transpose(1, 0, 2).reshape(self.piece_tables.shape[1], -1))
        self.vocab = list(vocab)
        self.bias = np.asarray(bias, dtype=np.float64)
        rows = np.asarray(rows, dtype=np.int64)
        self.cols = np.asarray(cols, dtype=np.int64)
        self.vals = np.asarray(vals, dtype=np.float64)
        if len(rows) > 1 and (np.diff(rows) < 0).any():  # saved files are already in row order
            order = np.argsort(rows, kind="stable")
            rows, self.cols, self.vals = rows[order], self.cols[order], self.vals[order]
        if len(self.cols) and not (0 <= self.cols.min() and self.cols.max() < len(self.labels)):
            raise ValueError("word tagger weights name labels it does not have")
        self.indptr = np.searchsorted(rows, np.arange(len(self.vocab) + 1))
        self.counts = np.diff(self.indptr)
        self.index = dict(zip(self.vocab, range(len(self.vocab))))
        self._compile()

    def _compile(self) -> None:
        """Index the features by word for ``probs_many``: one id per word any feature names (plus
        the sentinels "<s>" and "</s>", and one id, the last, for every word none names), and per
        template the row of each word id (-1: no row); bigrams as sorted pair keys."""
        words: dict[str, int] = {"<s>": 0, "</s>": 1}
        per_word: dict[str, list[tuple[int, int]]] = {t: [] for t in _WORD_TEMPLATES}
        pairs: dict[str, list[tuple[int, int, int]]] = {"pw": [], "wn": []}
        self._suffix: dict[str, int] = {}
        self._cap = -1
        kinds = sorted(set(self.lexicon.values()))
        self._kind_index = {k: i for i, k in enumerate(kinds)}
        self._lex_rows = {t: np.full(len(kinds) + 1, -1, dtype=np.int64) for t in ("lex", "plex", "nlex")}
        for row, name in enumerate(self.vocab):
            kind, _, value = name.partition("=")
            if kind in self._lex_rows:
                if value in self._kind_index:
                    self._lex_rows[kind][self._kind_index[value]] = row
            elif kind in per_word:
                per_word[kind].append((words.setdefault(value, len(words)), row))
            elif kind in pairs:
                a, _, b = value.partition("|")
                pairs[kind].append((words.setdefault(a, len(words)), words.setdefault(b, len(words)), row))
            elif kind == "suf":
                self._suffix[value] = row
            elif name == "cap":
                self._cap = row
        self._words = words
        self._unknown = n = len(words)  # the id of every word no feature names
        self._rows = {}
        for kind, entries in per_word.items():
            rows = np.full(n + 1, -1, dtype=np.int64)
            for w, r in entries:
                rows[w] = r
            self._rows[kind] = rows
        suf = np.full(n + 1, -1, dtype=np.int64)
        for w, i in words.items():
            suf[i] = self._suffix.get(w[-3:], -1)
        self._rows["suf"] = suf
        # the lexicon kind of every indexed word (len(kinds): none); other words are looked up
        none = len(kinds)
        self._kind_of_word = np.full(n + 1, none, dtype=np.int64)
        if self.lexicon:
            for w, i in words.items():
                k = lexicon_kind(w, self.lexicon)
                if k is not None:
                    self._kind_of_word[i] = self._kind_index[k]
        self._pairs = {}
        for kind, entries in pairs.items():
            keys = np.array([a * (n + 1) + b for a, b, _ in entries], dtype=np.int64)
            rows = np.array([r for _, _, r in entries], dtype=np.int64)
            order = np.argsort(keys)
            self._pairs[kind] = (keys[order], rows[order])

    @property
    def table(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """feature -> (label indices, weights), for the features that carry any weight."""
        out = {}
        for f, i in self.index.items():
            a, b = self.indptr[i], self.indptr[i + 1]
            if b > a:
                out[f] = (self.cols[a:b], self.vals[a:b])
        return out

    @classmethod
    def from_dense(cls, vocab: Sequence[str], weight: np.ndarray, bias: np.ndarray, labels: Sequence[str],
                   min_weight: float = 0.0, piece_tables: np.ndarray | None = None,
                   lexicon: dict[str, str] | None = None) -> WordTagger:
        rows, cols = np.nonzero(np.abs(weight) > min_weight)
        used = np.unique(rows)
        remap = np.full(len(vocab), -1)
        remap[used] = np.arange(len(used))
        return cls([vocab[i] for i in used], remap[rows], cols, weight[rows, cols], bias, labels,
                   piece_tables=piece_tables, lexicon=lexicon)

    def probs(self, text: str, pieces: tuple[np.ndarray, np.ndarray] | None = None
              ) -> tuple[list[tuple[int, int, str]], np.ndarray]:
        """The words of ``text`` and each word's probability for each label. ``pieces``: the
        encoder tokenizer's (ids, character offsets) of ``text``, needed by a tagger with piece
        tables (``piece_tables``)."""
        return self.probs_many([text], None if pieces is None else [pieces])[0]

    def probs_many(self, texts: Sequence[str], pieces: Sequence[tuple[np.ndarray, np.ndarray]] | None = None
                   ) -> list[tuple[list[tuple[int, int, str]], np.ndarray]]:
        """``probs`` of several texts at once: their words are laid end to end and every feature
        is looked up by word id in one pass (neighbours never cross from one text to the next), so
        the per-call cost of numpy is paid once per batch, not once per text."""
        if self.piece_tables is not None and pieces is None:
            raise ValueError("this word tagger reads word pieces: pass the tokenizer's ids and offsets")
        all_ws = [words(t) for t in texts]
        counts = np.fromiter(map(len, all_ws), dtype=np.int64, count=len(all_ws))
        n_words = int(counts.sum())
        z = np.tile(self.bias, (n_words, 1))
        if n_words:
            first = np.cumsum(counts) - counts  # index of each text's first word
            has = counts > 0
            is_first = np.zeros(n_words, dtype=bool)
            is_first[first[has]] = True
            is_last = np.zeros(n_words, dtype=bool)
            is_last[(first + counts - 1)[has]] = True
            if self.piece_tables is not None:
                z += self._dense_many(texts, all_ws, pieces, is_first, is_last)
            z += self._sparse_many(all_ws, texts, first, counts, is_first, is_last)
        p = 1.0 / (1.0 + np.exp(-z))
        out, k = [], 0
        for ws in all_ws:
            out.append((ws, p[k : k + len(ws)]))
            k += len(ws)
        return out

    def _dense_many(self, texts, all_ws, pieces, is_first, is_last) -> np.ndarray:
        """The piece-table logits of all words (see ``dense_logits``), the texts laid end to end."""
        if len(pieces) != len(all_ws):
            raise ValueError("give one (ids, offsets) pair per text")
        base, ws_all, ids, offs = 0, [], [], []
        for text, ws, (pid, poff) in zip(texts, all_ws, pieces, strict=True):
            ws_all.extend((a + base, b + base, w) for a, b, w in ws)
            ids.append(np.asarray(pid))
            offs.append(np.asarray(poff, dtype=np.int64).reshape(-1, 2) + base)
            base += len(text) + 1
        means = piece_means(ws_all, np.concatenate(ids) if ids else np.zeros(0, np.int64),
                            np.concatenate(offs) if offs else np.zeros((0, 2), np.int64), self._side_by_side)
        return _with_neighbours(means, self.piece_tables.shape[2], is_first, is_last)

    def _sparse_many(self, all_ws, texts, first, counts, is_first, is_last) -> np.ndarray:
        """The sparse features' logits of all words, looked up by word id."""
        lw = [w for ws in all_ws for _, _, w in ws]
        n = len(lw)
        unk = self._unknown
        wid = np.fromiter(map(self._words.get, lw, repeat(unk)), dtype=np.int64, count=n)
        # each word's position in its text decides where the sentinels stand
        pos = np.arange(n) - np.repeat(first, counts)
        last = np.repeat(counts, counts) - 1 - pos
        prev = np.where(is_first, 0, np.r_[0, wid[:-1]])
        nxt = np.where(is_last, 1, np.r_[wid[1:], 1])
        prev2 = np.where(pos < 2, 0, np.r_[0, 0, wid[:-2]][:n])
        nxt2 = np.where(last < 2, 1, np.r_[wid[2:], 1, 1][-n:] if n >= 2 else np.ones(n, np.int64))
        suf = self._rows["suf"][wid]
        kid = self._kind_of_word[wid]
        unknown = np.flatnonzero(wid == unk).tolist()
        if unknown:  # words no feature names may still end like one, or be listed in the lexicon
            suffix, lexicon, kind_index = self._suffix.get, self.lexicon, self._kind_index
            new = [lw[i] for i in unknown]
            suf[unknown] = [suffix(w[-3:], -1) for w in new]
            if lexicon:
                kinds = [lexicon_kind(w, lexicon) for w in new]
                kid[unknown] = [kind_index[k] if k is not None else len(kind_index) for k in kinds]
        cap = np.fromiter((t[s].isupper() for t, ws in zip(texts, all_ws) for s, _, _ in ws),
                          dtype=bool, count=n)
        hits = [  # (feature row of each word, -1 for none; value)
            (self._rows["w"][wid], 1.0), (self._rows["p"][prev], 1.0), (self._rows["n"][nxt], 1.0),
            (self._pair("pw", prev, wid), 1.0), (self._pair("wn", wid, nxt), 1.0),
            (self._rows["p2"][prev2], 0.5), (self._rows["n2"][nxt2], 0.5), (suf, 0.5),
            (np.where(cap, self._cap, -1), 1.0),
        ]
        if self.lexicon:
            none = len(self._kind_index)
            pk = np.where(is_first, none, np.r_[none, kid[:-1]])
            nk = np.where(is_last, none, np.r_[kid[1:], none])
            hits += [(self._lex_rows["lex"][kid], 1.0), (self._lex_rows["plex"][pk], 1.0),
                     (self._lex_rows["nlex"][nk], 1.0)]
        word = np.concatenate([np.flatnonzero(r >= 0) for r, _ in hits])
        rows = np.concatenate([r[r >= 0] for r, _ in hits])
        vals = np.concatenate([np.full(int((r >= 0).sum()), v) for r, v in hits])
        z = np.zeros((n, len(self.labels)))
        if len(rows):
            # every (word, label, weight) the hits carry, gathered at once
            start, cnt = self.indptr[rows], self.counts[rows]
            entry = np.repeat(start - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt) + np.arange(cnt.sum())
            flat = np.repeat(word, cnt) * len(self.labels) + self.cols[entry]  # bincount beats add.at
            z += np.bincount(flat, np.repeat(vals, cnt) * self.vals[entry], minlength=z.size).reshape(z.shape)
        return z

    def _pair(self, kind: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The feature row of each bigram (a[i], b[i]) of template ``kind``, -1 where none."""
        keys, rows = self._pairs[kind]
        out = np.full(len(a), -1, dtype=np.int64)
        if not len(keys):
            return out
        q = a * (self._unknown + 1) + b
        at = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
        hit = (keys[at] == q) & (a != self._unknown) & (b != self._unknown)
        out[hit] = rows[at[hit]]
        return out

    def probs_reference(self, text: str, pieces: tuple[np.ndarray, np.ndarray] | None = None
              ) -> tuple[list[tuple[int, int, str]], np.ndarray]:
        """``probs`` computed word by word from the feature names of ``feature_columns``, as
        training vectorises them: the reference the indexed ``probs_many`` is tested against."""
        ws = words(text)
        z = np.tile(self.bias, (len(ws), 1))
        if self.piece_tables is not None:
            if pieces is None:
                raise ValueError("this word tagger reads word pieces: pass the tokenizer's ids and offsets")
            z += dense_logits(ws, pieces[0], pieces[1], self.piece_tables, self._side_by_side)
        index = self.index
        hit_word, hit_row, hit_val = [], [], []
        for names, vals in feature_columns(ws, text, self.lexicon):
            rows = np.fromiter(map(index.get, names, repeat(-1)), dtype=np.int64, count=len(names))
            keep = (rows >= 0) & (vals != 0)
            hit_word.append(np.flatnonzero(keep))
            hit_row.append(rows[keep])
            hit_val.append(vals[keep])
        rows = np.concatenate(hit_row) if hit_row else np.zeros(0, dtype=np.int64)
        if len(rows):
            # every (word, label, weight) the hits carry, gathered at once
            start, n = self.indptr[rows], self.counts[rows]
            entry = np.repeat(start - np.concatenate([[0], np.cumsum(n)[:-1]]), n) + np.arange(n.sum())
            word = np.repeat(np.concatenate(hit_word), n)
            flat = word * len(self.labels) + self.cols[entry]  # bincount sums far faster than add.at
            z += np.bincount(flat, np.repeat(np.concatenate(hit_val), n) * self.vals[entry],
                             minlength=z.size).reshape(z.shape)
        return ws, 1.0 / (1.0 + np.exp(-z))

    def save(self, path: Path, **meta: float) -> None:
        rows = np.repeat(np.arange(len(self.vocab)), self.counts)
        tables = {} if self.piece_tables is None else {"piece_tables": self.piece_tables.astype(np.float16)}
        if self.lexicon:
            tables["lexicon"] = pack_strings([f"{w}\t{k}" for w, k in sorted(self.lexicon.items())])
        save_npz(path, self.vocab, self.labels, meta, rows=rows.astype(np.int32), cols=self.cols.astype(np.int8),
              vals=self.vals.astype(np.float16), bias=self.bias.astype(np.float32), **tables)

    @classmethod
    def load(cls, path: Path) -> tuple[WordTagger, dict[str, float]]:
        vocab, labels, a, meta = load_npz(path, ("rows", "cols", "vals", "bias"), optional=("piece_tables", "lexicon"))
        lexicon = dict(line.split("\t", 1) for line in unpack_strings(a["lexicon"])) if "lexicon" in a else None
        return cls(vocab, a["rows"], a["cols"], a["vals"], a["bias"], labels, piece_tables=a.get("piece_tables"),
                   lexicon=lexicon), meta


def piece_means(ws: Sequence[tuple[int, int, str]], ids: np.ndarray, offsets: np.ndarray,
                table: np.ndarray) -> np.ndarray:
    """(words, columns): for each word, the mean of ``table``'s rows of the word pieces that begin
    inside it (zeros for a word with none)."""
    out = np.zeros((len(ws), table.shape[1]), dtype=np.float64)
    if not len(ws) or not len(ids):
        return out
    starts = np.fromiter((w[0] for w in ws), dtype=np.int64, count=len(ws))
    ends = np.fromiter((w[1] for w in ws), dtype=np.int64, count=len(ws))
    a = np.asarray(offsets)[:, 0].astype(np.int64)
    k = np.searchsorted(starts, a, side="right") - 1
    inside = (k >= 0) & (a < ends[np.clip(k, 0, None)])
    k, rows = k[inside], np.asarray(ids)[inside]
    if not len(k):
        return out
    # pieces come in text order, so each word's pieces are one run of k: sum the runs at once
    first = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    words_hit = k[first]
    n = np.diff(np.r_[first, len(k)])
    out[words_hit] = np.add.reduceat(table[rows], first, axis=0) / n[:, None]
    return out


def dense_features(ws: Sequence[tuple[int, int, str]], ids: np.ndarray, offsets: np.ndarray,
                   table: np.ndarray) -> np.ndarray:
    """(words, 3k): the mean piece vectors (``table``: pieces x k) of each word, of the word before
    and of the word after (zeros at the ends): what the piece tables of a tagger are fitted on."""
    own = piece_means(ws, ids, offsets, table)
    zero = np.zeros((1, own.shape[1]))
    return np.hstack([own, np.vstack([zero, own[:-1]])[: len(own)], np.vstack([own[1:], zero])[: len(own)]])


def dense_logits(ws: Sequence[tuple[int, int, str]], ids: np.ndarray, offsets: np.ndarray,
                 tables: np.ndarray, side_by_side: np.ndarray | None = None) -> np.ndarray:
    """(words, labels) logits of the piece tables (3, pieces, labels): the same numbers as
    ``dense_features(...) @ weight`` with each table = piece vectors @ that position's weight.
    ``side_by_side``: the tables as one (pieces, 3 x labels) array, when the caller keeps one."""
    k = tables.shape[2]
    if side_by_side is None:
        side_by_side = tables.transpose(1, 0, 2).reshape(tables.shape[1], -1)
    return _with_neighbours(piece_means(ws, ids, offsets, side_by_side), k)


def _with_neighbours(means: np.ndarray, k: int, is_first: np.ndarray | None = None,
                     is_last: np.ndarray | None = None) -> np.ndarray:
    """Each word's own logits (columns [0, k) of ``means``) plus the previous word's "next-word"
    part ([k, 2k)) and the next word's "previous-word" part ([2k, 3k)); a word flagged
    ``is_first`` / ``is_last`` (a text's first or last, texts laid end to end) has no such
    neighbour."""
    out = means[:, :k].copy()
    prev, nxt = means[:-1, k : 2 * k], means[1:, 2 * k :]
    if is_first is not None:
        prev = np.where(is_first[1:, None], 0.0, prev)
    if is_last is not None:
        nxt = np.where(is_last[:-1, None], 0.0, nxt)
    out[1:] += prev
    out[:-1] += nxt
    return out
