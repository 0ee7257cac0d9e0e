"""The LLM reader: an analyser that asks an OpenAI-compatible endpoint to explain, verify or replace.

It runs last in the pipeline (``slant.llm.attach``), so it sees every layer the learned heads
wrote. For each batch of articles it plans the questions of each configured use
(``slant.llm.uses``), answers what it can from the cache, sends the rest to the endpoint
``concurrency`` at a time, validates each answer against its schema (an invalid one is asked again
once, with the reason; still invalid, it is reported on the article), and writes records in
``Article.llm`` (and, for ``replace``, the replaced layer).

Failures never stop the analysis: an endpoint that is down, slow or answers garbage gives each
affected use an ``LLMRecord`` with ``error`` set, the articles go on with every other layer, and
``problems`` lists each distinct failure of the endpoint or the cache once, for the command line
to report (answers still invalid after their retry are the model's failing, not the endpoint's:
they are on the articles and counted in the summary). ``usage`` is the run
summary: calls, answers from the cache, retries, tokens and time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any

from ..analysers.base import Analyser
from ..article import Article
from ..errors import ConfigError, SlantError
from . import prompts as prompts_mod
from .cache import Cache, cache_key, input_hash
from .client import DEFAULT_KEY_ENV, Client, LLMError
from .uses import PLANNERS, REPLACEABLE, REPLACES_LAYERS, USES, Job, Settings, decode

DEFAULT_CACHE = "slant-llm-cache.db"


@dataclass
class Outcome:
    answer: Any = None
    text: str = ""
    error: str | None = None
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cached: bool = False
    invalid: bool = False  # the answer was still invalid after one retry


def _uses(options: dict) -> tuple[list[str], tuple[str, ...]]:
    """(planner keys, replaced targets) from ``uses`` and ``replace``; ConfigError when wrong."""
    uses = options.get("uses", ["explain"])
    if isinstance(uses, str):
        uses = [u.strip() for u in uses.split(",") if u.strip()]
    if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
        raise ConfigError("[llm] uses must be a list of names: explain, verify, replace")
    replace = options.get("replace", [])
    if isinstance(replace, str):
        replace = [r.strip() for r in replace.split(",") if r.strip()]
    keys: list[str] = []
    targets: list[str] = []
    for use in uses:
        base, _, target = use.partition(":")
        if base not in USES:
            raise ConfigError(f"[llm] uses: unknown use {use!r}; known: explain, verify, replace[:techniques|:narratives]")
        if base == "replace":
            for t in [target] if target else (replace or []):
                if t not in REPLACEABLE:
                    raise ConfigError(f"[llm] replace: cannot replace {t!r}; replaceable: {', '.join(REPLACEABLE)}")
                targets.append(t)
            if not target and not replace:
                raise ConfigError("[llm] uses names replace but not what: set replace = [\"techniques\"] "
                                  "or use replace:techniques")
        elif base not in keys:
            keys.append(base)
    targets = list(dict.fromkeys(targets))
    return keys + [f"replace:{t}" for t in targets], tuple(targets)


class LLMReader(Analyser):
    """Optional LLM reader over an OpenAI-compatible endpoint: explain, verify, replace."""

    name = "llm"
    needs = ("paragraphs", "sentences")
    adds = ("llm",)
    version = "1"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if "key" in options or "api_key" in options:
            raise ConfigError("[llm]: put no key in the config (it is stored with every run); name the "
                              f"environment variable that holds it with key_env (default {DEFAULT_KEY_ENV})")
        self.keys, self.replaces = _uses(options)
        try:
            self.settings = Settings(
                uses=tuple(self.keys), replace=self.replaces,
                verify_below=float(options.get("verify_below", 0.5)), verify_max=int(options.get("verify_max", 8)),
                max_chars=int(options.get("max_chars", 6000)))
            self.client = Client(
                str(options.get("url") or ""), str(options.get("model") or ""),
                key_env=str(options.get("key_env") or DEFAULT_KEY_ENV), timeout=float(options.get("timeout", 60)),
                retries=int(options.get("retries", 2)), backoff=float(options.get("backoff", 1.0)),
                concurrency=int(options.get("concurrency", 4)),
                response_format=str(options.get("response_format", "auto")))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"[llm]: {exc}") from None
        # replace fills the layers of the heads it stands in for; declare them (the pipeline checks).
        self.adds = ("llm",) + tuple(layer for t in self.replaces for layer in REPLACES_LAYERS[t])
        self.cache_db = options.get("cache", DEFAULT_CACHE)
        self.prompts_dir = options.get("prompts") or None
        self.cache: Cache | None = None
        self.problems: list[str] = []
        self._prompts: dict[str, prompts_mod.Prompt] = {}
        self._loaded = False

    @property
    def usage(self):  # noqa: ANN201 - slant.llm.client.Usage
        return self.client.usage

    @property
    def identity(self) -> str:
        """The model as the cache keys it: its name, or the endpoint's default at this URL."""
        return str(self.options.get("model") or f"(default model at {self.client.url})")

    def problem(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    def load(self) -> None:
        if self._loaded:
            return
        for key in self.keys:
            name = PLANNERS[key][0]
            self._prompts[name] = prompts_mod.load(name, self.prompts_dir)
        if self.cache_db:
            try:
                self.cache = Cache.open(str(self.cache_db))
            except SlantError as exc:
                self.problem(f"llm cache: {exc}; answers are not cached this run")
        self._loaded = True

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
            self.cache = None

    # --- running -------------------------------------------------------------------------------
    def pipe(self, articles: Iterable[Article], batch_size: int = 32) -> Iterator[Article]:
        self.load()
        it = iter(articles)
        while batch := list(islice(it, batch_size)):
            self._run(batch)
            yield from batch

    def plan(self, art: Article) -> list[Job]:
        jobs: list[Job] = []
        for key in self.keys:
            name, planner = PLANNERS[key]
            jobs.extend(planner(art, self._prompts[name], self.settings))
        return jobs

    def _run(self, batch: list[Article]) -> None:
        jobs = [job for art in batch for job in self.plan(art)]
        outcomes: list[Outcome | None] = [self._from_cache(job) for job in jobs]
        todo = [i for i, o in enumerate(outcomes) if o is None]
        if todo:
            with ThreadPoolExecutor(max_workers=self.client.concurrency) as pool:
                for i, outcome in zip(todo, pool.map(self._ask, [jobs[i] for i in todo])):
                    outcomes[i] = outcome
        for job, outcome in zip(jobs, outcomes):
            assert outcome is not None
            if outcome.error and not outcome.invalid:
                self.problem(f"llm: {outcome.error}")
            elif outcome.error:
                pass  # the model's fault, not the endpoint's: on the article, and counted in the summary
            elif not outcome.cached and self.cache is not None:
                self._store(job, outcome)
            job.apply(outcome.answer, outcome.error, outcome.model or self.client.model or self.identity)
        model = self.client.model or self.identity
        for art in batch:
            art.record("llm", self.name, self.version, model=model)
            for target in self.replaces:
                for layer in REPLACES_LAYERS[target]:
                    art.record(layer, self.name, self.version, model=f"{model} ({target}@llm)")

    def _from_cache(self, job: Job) -> Outcome | None:
        if self.cache is None:
            return None
        job.extra["digest"] = digest = input_hash(job.messages)
        job.extra["key"] = key = cache_key(job.prompt.id, self.identity, digest)
        try:
            hit = self.cache.get(key)
        except SlantError as exc:
            self.problem(f"llm cache: {exc}; answers are not cached this run")
            self.cache = None
            return None
        if hit is None:
            return None
        answer, why = decode(hit.answer, job.answer_type)
        if answer is None or job.check(answer) is not None:
            return None  # cannot happen for answers this version stored; ask again rather than fail
        self.usage.add(cached=1)
        return Outcome(answer=answer, text=hit.answer, model=hit.model, cached=True)

    def _store(self, job: Job, outcome: Outcome) -> None:
        if "key" not in job.extra:
            return
        try:
            self.cache.put(job.extra["key"], prompt=job.prompt.id, model=outcome.model or self.identity,
                           digest=job.extra["digest"], answer=outcome.text, prompt_tokens=outcome.prompt_tokens,
                           completion_tokens=outcome.completion_tokens, seconds=outcome.seconds)
        except SlantError as exc:
            self.problem(f"llm cache: {exc}; answers are not cached this run")
            self.cache = None

    def _ask(self, job: Job) -> Outcome:
        """Ask, validate, and ask once more with the reason when the answer is invalid."""
        prompt = job.prompt
        ask = dict(max_tokens=prompt.max_tokens, temperature=prompt.temperature, schema=job.schema,
                   schema_name=prompt.name)
        try:
            reply = self.client.chat(job.messages, **ask)
        except LLMError as exc:
            return Outcome(error=str(exc))
        answer, why = decode(reply.text, job.answer_type)
        if answer is not None:
            why = job.check(answer)
        tokens = (reply.prompt_tokens, reply.completion_tokens, reply.seconds)
        if why:
            self.usage.add(invalid_retries=1)
            again = job.messages + [
                {"role": "assistant", "content": reply.text[:4000]},
                {"role": "user", "content": f"That answer is not valid: {why}. Answer again with only the JSON "
                                            "object the instructions describe."},
            ]
            try:
                reply = self.client.chat(again, **ask)
            except LLMError as exc:
                return Outcome(error=str(exc))
            answer, why = decode(reply.text, job.answer_type)
            if answer is not None:
                why = job.check(answer)
            tokens = (tokens[0] + reply.prompt_tokens, tokens[1] + reply.completion_tokens, tokens[2] + reply.seconds)
            if why:
                self.usage.add(invalid=1)
                return Outcome(error=f"invalid answer after one retry: {why}", model=reply.model, invalid=True)
        return Outcome(answer=answer, text=reply.text, model=reply.model, prompt_tokens=tokens[0],
                       completion_tokens=tokens[1], seconds=tokens[2])

    # --- reporting -----------------------------------------------------------------------------
    def summary(self) -> str:
        model = self.client.model or "the endpoint's default model"
        return f"llm: {self.client.url} ({model}): {self.usage.line()}"
