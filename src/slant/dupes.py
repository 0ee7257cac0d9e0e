"""Near-duplicates and retellings: the same story copied, lightly edited, or re-run by other outlets.

Each article gets a MinHash signature of its word 5-shingles at ingest; a MinHash LSH index over
the stored signatures finds the earlier articles it resembles, and the article joins the group of
the most similar one whose estimated Jaccard similarity is at least ``threshold``. A group is named
by the id of its first-stored member; ``groups`` lists them with each member's similarity to the
group's earliest article (by date, then by storage order).

Notes:
    Broder, "On the resemblance and containment of documents" (1997): shingling and MinHash.
    Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3: banded LSH over signatures.
    Exact copies share a content hash and are stored once, so groups hold near-copies only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH
from datasketch.minhash import _fmix  # the scheme's input mix; datasketch>=2,<3

NUM_PERM = 64
SHINGLE = 5
THRESHOLD = 0.7
_SEED = 1
# Permutations are drawn once, not per signature (datasketch draws them in every constructor).
_PERMS = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme="affine32").permutations


# Bytes that belong to words: ASCII letters and digits, and every byte of a non-ASCII character.
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[[*range(48, 58), *range(97, 123), *range(128, 256)]] = True
_R = np.uint64(0x100000001B3)  # odd, so invertible modulo 2**64
_R_INV = np.uint64(pow(int(_R), -1, 1 << 64))
_Q = np.uint64(0x9E3779B97F4A7C15)


def _identity(value):  # noqa: ANN001, ANN202 - the values are hashed already
    return value


_POWERS: list[np.ndarray] = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """R**i and R**-i modulo 2**64 for i < n: constants, computed once up to the longest text seen."""
    if _POWERS[0].size < n:
        size = max(n, 2 * _POWERS[0].size, 1 << 16)
        for k, base in enumerate((_R, _R_INV)):
            p = np.full(size, base, dtype=np.uint64)
            p[0] = 1
            _POWERS[k] = np.cumprod(p)  # wraps modulo 2**64, as intended
    return _POWERS[0][:n], _POWERS[1][:n]


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the word 5-shingles of ``text``, lower-cased, punctuation ignored.

    Vectorised (polynomial prefix hashes over the bytes, then over the words): a Python loop per
    word costs more than the whole analysis of an article by the default pipeline.
    """
    data = np.frombuffer(text.lower().encode("utf-8"), dtype=np.uint8)
    if data.size == 0:
        return np.zeros(1, dtype=np.uint32)
    word = _WORD_BYTE[data]
    edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if starts.size == 0:
        return np.zeros(1, dtype=np.uint32)
    n = data.size
    powers, inv = _powers(n + 1)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    prefix[1:] = np.cumsum((data.astype(np.uint64) + np.uint64(1)) * powers[:n])
    words = (prefix[ends] - prefix[starts]) * inv[starts]  # hash of each word, position-free
    k = min(SHINGLE, words.size)
    m = words.size - k + 1
    sh = np.zeros(m, dtype=np.uint64)
    for j in range(k):
        sh = sh * _Q + words[j : j + m]
    # Not de-duplicated: a repeated shingle cannot change a minimum, and sorting costs more.
    return (sh >> np.uint64(32)).astype(np.uint32)


def minhash(text: str) -> MinHash:
    """MinHash signature of the word 5-shingles of ``text``."""
    m = MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=_identity, permutations=_PERMS, scheme="affine32")
    # What MinHash.update_batch does for the affine32 scheme, without its Python loop over values.
    hv = _fmix(shingle_hashes(text).reshape(-1, 1), 32)
    a, b = _PERMS
    m.hashvalues = np.minimum(m.hashvalues, (hv * a + b).min(axis=0))
    return m


def to_bytes(m: MinHash) -> bytes:
    return m.hashvalues.astype("<u4").tobytes()


def from_bytes(data: bytes) -> MinHash:
    values = np.frombuffer(data, dtype="<u4").astype(np.uint64)
    return MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=_identity, permutations=_PERMS, hashvalues=values, scheme="affine32")


class DupeIndex:
    """The LSH index of a store's signatures, grown as a run stores articles."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.sigs: dict[str, MinHash] = {}
        self.group: dict[str, str | None] = {}

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, bytes | None, str | None]], threshold: float = THRESHOLD) -> DupeIndex:
        index = cls(threshold)
        for aid, sig, group in rows:
            if sig:
                index._insert(aid, from_bytes(sig), group)
        return index

    def _insert(self, aid: str, m: MinHash, group: str | None) -> None:
        self.lsh.insert(aid, m, check_duplication=False)
        self.sigs[aid] = m
        self.group[aid] = group

    def add(self, aid: str, m: MinHash) -> tuple[str | None, float | None, tuple[str, str, float] | None]:
        """Index ``aid``; returns its group, its similarity to the best match, and the update the
        matched article needs when it was alone until now (it becomes the group's first member)."""
        if aid in self.sigs:
            return self.group[aid], None, None
        best, best_sim = None, 0.0
        for cand in self.lsh.query(m):
            sim = m.jaccard(self.sigs[cand])
            if sim > best_sim or (sim == best_sim and best is not None and cand < best):
                best, best_sim = cand, sim
        self._insert(aid, m, None)
        if best is None or best_sim < self.threshold:
            return None, None, None
        promote = None
        group = self.group[best]
        if group is None:
            group = best
            self.group[best] = best
            promote = (best, best, 1.0)
        self.group[aid] = group
        return group, round(best_sim, 4), promote


@dataclass
class Member:
    id: str
    title: str | None
    source: str | None
    date: str | None
    similarity: float  # estimated Jaccard similarity to the group's earliest article


@dataclass
class Group:
    id: str
    earliest: Member
    members: list[Member]  # earliest first


def groups(store) -> list[Group]:  # noqa: ANN001 - slant.store.Store
    """Near-duplicate groups of a store, largest first, each with its earliest article."""
    from sqlalchemy import select

    from .store import schema

    a = schema.articles
    q = (select(a.c.id, a.c.title, a.c.source, a.c.date, a.c.minhash, a.c.dupe_group, a.c.num)
         .where(a.c.dupe_group.is_not(None)).order_by(a.c.num))
    by_group: dict[str, list] = {}
    with store.connect() as conn:
        for row in conn.execute(q):
            by_group.setdefault(row.dupe_group, []).append(row)
    out = []
    for gid, rows in by_group.items():
        rows.sort(key=lambda r: (r.date or "9999", r.num))
        first = from_bytes(rows[0].minhash) if rows[0].minhash else None
        members = []
        for r in rows:
            sim = 1.0 if r is rows[0] or first is None or not r.minhash else round(first.jaccard(from_bytes(r.minhash)), 3)
            members.append(Member(r.id, r.title, r.source, r.date, sim))
        out.append(Group(gid, members[0], members))
    out.sort(key=lambda g: (-len(g.members), g.earliest.date or "9999", g.id))
    return out
