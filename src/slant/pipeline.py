"""A pipeline: readers' Articles through named analysers, in the order the config gives.

The pipeline checks before it runs that each analyser finds the layers it needs among the base
layers and those added by analysers before it, and loads models once, on first use.

Each article goes only through the analysers that can read its language (``meta.language``; see
``Analyser.skip_reason``). An analyser that cannot is not run on it: its layers stay empty and the
article's provenance says so, with the reason ("no spaCy pipeline for Ukrainian"). An analyser
that needs a layer skipped that way is skipped too ("needs actors, not run: ..."), so roles never
reads actors that were not found.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from . import registry
from .analysers.base import Analyser
from .article import BASE_LAYERS, LAYERS, Article, Meta
from .config import load_config
from .errors import ConfigError


class Pipeline:
    def __init__(self, analysers: list[Analyser], batch_size: int = 32, config: dict | None = None):
        self.analysers = analysers
        self.batch_size = batch_size
        self.config = config or {}
        self._loaded = False
        check_order(analysers)

    @classmethod
    def from_config(cls, config: dict[str, Any] | None = None, **overrides: Any) -> Pipeline:
        config = config if config is not None else load_config()
        pipe_cfg = config.get("pipeline", {})
        names = overrides.pop("analysers", None) or pipe_cfg.get("analysers", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError("[pipeline] analysers must be a list of analyser names")
        options = config.get("analysers", {})
        analysers = [registry.get(n)(**options.get(n, {})) for n in names]
        return cls(analysers, batch_size=int(pipe_cfg.get("batch_size", 32)), config=config)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.analysers]

    def load(self) -> None:
        if not self._loaded:
            for a in self.analysers:
                a.load()
            self._loaded = True

    def pipe(self, articles: Iterable[Article], batch_size: int | None = None) -> Iterator[Article]:
        """Run every analyser over ``articles``, a batch at a time; yields articles in input order."""
        self.load()
        size = batch_size or self.batch_size
        it = iter(articles)
        while batch := list(islice(it, size)):
            plans: dict[str | None, list[str | None]] = {}
            reasons = [plans.setdefault(a.meta.language, self.skips(a.meta.language)) for a in batch]
            stream: Iterable[Article] = batch
            for k, a in enumerate(self.analysers):
                skipped = [r[k] for r in reasons]
                if any(skipped):
                    stream = _run_some(a, stream, skipped, size)
                else:
                    stream = a.pipe(stream, batch_size=size)
            yield from stream

    def skips(self, language: str | None) -> list[str | None]:
        """For each analyser, in order, why it is not run on an article in ``language`` (None: it
        runs). An analyser that cannot read the language says why; one that needs a layer that an
        analyser skipped before it (and no other added) is skipped with that analyser's reason."""
        missing: dict[str, str] = {}  # layer -> the first cause of its absence
        out: list[str | None] = []
        for a in self.analysers:
            reason = cause = a.skip_reason(language)
            if reason is None:
                gap = next((layer for layer in a.needs if layer in missing), None)
                if gap is not None:
                    cause = missing[gap]
                    reason = f"needs {gap}, not run: {cause}"
            out.append(reason)
            for layer in a.adds:
                if cause is None:
                    missing.pop(layer, None)
                else:
                    missing.setdefault(layer, cause)
        return out

    def __call__(self, item: str | Path | Article) -> Article:
        """Analyse one article: an Article, a path to a file, or the text itself."""
        if isinstance(item, Article):
            art = item
        elif isinstance(item, Path):
            from .readers import read_path

            art = next(iter(read_path(item)))
        else:
            from .readers.plain import parse_plain

            art = parse_plain(item, source="<text>")
        return next(self.pipe([art]))

    def describe(self) -> list[dict[str, Any]]:
        return [
            {"name": a.name, "needs": list(a.needs), "adds": list(a.adds), "version": a.version,
             "summary": a.describe()}
            for a in self.analysers
        ]


def _run_some(a: Analyser, articles: Iterable[Article], skipped: list[str | None], size: int) -> Iterator[Article]:
    """``a`` over the articles whose ``skipped`` entry is None; the others get a provenance note
    per layer ``a`` adds (or under its own name when it only fills others' layers, as roles does)
    instead. Yields every article, in order."""
    arts = list(articles)
    done = iter(a.pipe([art for art, why in zip(arts, skipped, strict=True) if why is None], batch_size=size))
    for art, why in zip(arts, skipped, strict=True):
        if why is None:
            yield next(done)
            continue
        for layer in a.adds or (a.name,):
            art.skip(layer, a.name, a.version, why)
        yield art
    if next(done, None) is not None:  # also lets the analyser's generator finish (its cleanup)
        raise RuntimeError(f"analyser {a.name!r} yielded more articles than it was given")


def check_order(analysers: list[Analyser]) -> None:
    have = set(BASE_LAYERS)
    for a in analysers:
        unknown = [layer for layer in (*a.needs, *a.adds) if layer not in BASE_LAYERS + LAYERS]
        if unknown:
            raise ConfigError(f"analyser {a.name!r} names unknown layers: {', '.join(unknown)}")
        missing = [layer for layer in a.needs if layer not in have]
        if missing:
            raise ConfigError(
                f"analyser {a.name!r} needs {', '.join(missing)}, which no analyser before it adds"
            )
        have.update(a.adds)


def load(config: str | Path | dict | None = None, **overrides: Any) -> Pipeline:
    """The pipeline of ``config`` (a path or a dict), else of slant.toml / the defaults."""
    if isinstance(config, dict):
        cfg = config
    else:
        cfg = load_config(config)
    return Pipeline.from_config(cfg, **overrides)


__all__ = ["Pipeline", "load", "Article", "Meta"]
