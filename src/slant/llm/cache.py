"""The cache of LLM answers, in the store: re-running the same article costs no call.

A row is keyed by (prompt name@version, model, input hash), the input hash being the SHA-256 of the
exact messages sent, so any change to the article, the prompt's wording or the items asked about
is a new key, and an answer is only ever served for the question it answered. Only answers that
passed validation are stored. The table is ``slant.store.schema.llm_cache`` (store revision
``0002_llm_cache``), so the cache lives in the same database as the corpus (``--db``), or in its own
SQLite file (``[llm] cache``, default ``slant-llm-cache.db``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..errors import SlantError
from ..store.schema import llm_cache


def input_hash(messages: list[dict]) -> str:
    return hashlib.sha256(json.dumps(messages, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def cache_key(prompt: str, model: str, digest: str) -> str:
    return hashlib.sha256(f"{prompt}\x00{model}\x00{digest}".encode("utf-8")).hexdigest()


@dataclass
class Hit:
    answer: str
    model: str
    prompt_tokens: int
    completion_tokens: int


class Cache:
    """Answers by key in an open store (``slant.store.open_store``), which it closes when done."""

    def __init__(self, store):  # noqa: ANN001 - slant.store.Store, imported lazily
        self.store = store

    @classmethod
    def open(cls, db: str) -> Cache:
        from ..store import open_store

        return cls(open_store(db))

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise SlantError(f"llm cache {self.store.display}: {reason}") from None

    def get(self, key: str) -> Hit | None:
        with self._errors(), self.store.engine.connect() as conn:
            row = conn.execute(select(llm_cache.c.answer, llm_cache.c.model, llm_cache.c.prompt_tokens,
                                      llm_cache.c.completion_tokens).where(llm_cache.c.key == key)).first()
        return Hit(row.answer, row.model, row.prompt_tokens, row.completion_tokens) if row else None

    def put(self, key: str, *, prompt: str, model: str, digest: str, answer: str, prompt_tokens: int,
            completion_tokens: int, seconds: float) -> None:
        with self._errors():
            try:
                with self.store.engine.begin() as conn:
                    conn.execute(insert(llm_cache).values(
                        key=key, prompt=prompt, model=model, input_hash=digest, answer=answer,
                        prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, seconds=seconds,
                        created_at=datetime.now(timezone.utc)))
            except IntegrityError:  # another run stored the same answer first
                pass

    def count(self) -> int:
        with self._errors(), self.store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(llm_cache)).scalar_one())

    def close(self) -> None:
        self.store.close()
