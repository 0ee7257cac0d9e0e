"""The optional LLM reader: any OpenAI-compatible endpoint can explain, check or replace a head.

Nothing in slant's default path imports this package; it is loaded when an endpoint is configured
(``--llm URL`` or ``[llm] url`` in slant.toml). Modules, one job each:

- ``client``: the HTTP client (key from an environment variable, timeouts, retries with backoff,
  a concurrency limit, structured output), and the run's usage counts;
- ``prompts`` and ``prompts/*.toml``: the prompts, as versioned data files;
- ``uses``: explain, verify and replace: the questions asked of an Article and the records made of
  the answers, with the answer types that validate them;
- ``grounding``: quoted sentences located in the text as character offsets;
- ``cache``: answers by (prompt version, model, input hash), in the store;
- ``reader``: the analyser that runs it all over batches of articles.

Scoring the LLM on the shared tasks (``slant eval techniques --llm URL``) is shared-task code and
lives in :mod:`slant.tasks.llm`, which imports this package (never the other way round).
"""

from __future__ import annotations

from typing import Any

from ..config import merge


def settings(config: dict, **overrides: Any) -> dict:
    """The [llm] table of ``config`` with command-line ``overrides`` (None values ignored) on top."""
    table = dict(config.get("llm") or {})
    return merge(table, {k: v for k, v in overrides.items() if v is not None})


def attach(nlp, **overrides: Any):  # noqa: ANN001, ANN201 - slant.pipeline.Pipeline -> LLMReader
    """Append the LLM reader to ``nlp``, configured from its [llm] table and ``overrides``
    (url, model, uses, ...), and return it. It checks that no head in the pipeline fills a layer
    the LLM is told to replace."""
    from ..errors import ConfigError
    from ..pipeline import check_order
    from .reader import LLMReader
    from .uses import REPLACES_ANALYSERS

    options = settings(nlp.config, **overrides)
    reader = LLMReader(**options)
    for target in reader.replaces:
        clash = [n for n in nlp.names if n in REPLACES_ANALYSERS[target]]
        if clash:
            raise ConfigError(f"[llm] replace {target}: the {clash[0]} analyser is in the pipeline too; drop it "
                              "(-a ...) to let the LLM replace it, or use verify to check it")
    check_order([*nlp.analysers, reader])
    nlp.analysers.append(reader)
    nlp.config.setdefault("llm", {}).update({k: v for k, v in options.items()})
    return reader


__all__ = ["attach", "settings"]
