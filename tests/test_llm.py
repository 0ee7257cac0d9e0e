"""The LLM reader against small real HTTP servers on loopback (tests/llm_servers.py): a sensible
OpenAI-compatible endpoint, one that is down, one that answers garbage, one that is slow, one that
fails before it recovers, one that refuses a response_format spelling. The llama.cpp server tests
are in test_llm_llama.py."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from conftest import EXAMPLES
from llm_servers import Endpoint, closed_port

from slant import pipeline
from slant.article import Article, LLMRecord, Span, TechniqueSpan
from slant.errors import ConfigError
from slant.llm import attach
from slant.llm.grounding import locate
from slant.readers.plain import parse_plain

SAMPLE = EXAMPLES / "harbour-deal-2023.txt"


@pytest.fixture
def endpoint():
    servers = []

    def make(mode: str = "ok", **kw) -> Endpoint:
        ep = Endpoint(mode, **kw)
        servers.append(ep)
        return ep

    yield make
    for ep in servers:
        ep.close()


def _reader(tmp_path, url: str, analysers=("segment",), **options):
    nlp = pipeline.load({}, analysers=list(analysers))
    options.setdefault("model", "stub-model")
    options.setdefault("cache", str(tmp_path / "llm-cache.db"))
    options.setdefault("backoff", 0.05)
    return nlp, attach(nlp, url=url, **options)


def _sample() -> Article:
    return parse_plain(SAMPLE.read_text("utf-8"), source=str(SAMPLE))


def _records(art: Article, use: str) -> list[LLMRecord]:
    return [r for r in art.llm if r.use == use]


# --- explain, grounding, cache -------------------------------------------------------------------
def test_explain_is_grounded_in_sentences_located_by_offsets(tmp_path, endpoint):
    ep = endpoint()
    nlp, reader = _reader(tmp_path, ep.url)
    art = next(nlp.pipe([_sample()]))
    (rec,) = _records(art, "explain")
    assert rec.error is None and rec.model == "stub-model" and rec.prompt == "explain@2"
    assert rec.label == "The deal is a scandal" and rec.text.startswith("The article frames")
    assert "Port Selka" in ep.chat_requests[0]["body"]["messages"][1]["content"]  # the article was sent
    # the stub names sentences [2] and [3] of the prompt: the article's second and third sentences
    prompt = ep.chat_requests[0]["body"]["messages"][1]["content"]
    first = " ".join(art.text[art.sentences[0].start : art.sentences[0].end].split())
    assert f"\n[1] {first}\n" in prompt and "[3] " in prompt
    assert rec.evidence == [Span(start=s.start, end=s.end) for s in art.sentences[1:3]]
    assert any(p.layer == "llm" and p.analyser == "llm" for p in art.provenance)
    # The record survives the JSON round trip of the Article.
    assert Article.from_json(art.to_json()).llm == art.llm
    assert "1 calls, 0 answers from the cache" in reader.summary()


def test_a_cached_rerun_of_the_same_article_makes_zero_calls(tmp_path, endpoint):
    ep = endpoint()
    nlp, reader = _reader(tmp_path, ep.url, uses="explain,verify")
    art = _sample()
    art.techniques = []  # nothing to verify here: explain only
    first = next(nlp.pipe([art]))
    reader.close()
    n = len(ep.requests)
    assert n == 1 and reader.usage.calls == 1

    nlp2, reader2 = _reader(tmp_path, ep.url, uses="explain,verify")
    second = next(nlp2.pipe([_sample()]))
    reader2.close()
    assert len(ep.requests) == n  # not one request of any kind reached the server
    assert reader2.usage.calls == 0 and reader2.usage.cached == 1
    assert second.llm == first.llm
    assert "0 calls, 1 answers from the cache" in reader2.summary()


def test_a_new_prompt_version_is_not_served_old_answers(tmp_path, endpoint):
    from importlib.resources import files

    ep = endpoint()
    nlp, reader = _reader(tmp_path, ep.url)
    next(nlp.pipe([_sample()]))
    reader.close()
    folder = tmp_path / "prompts"
    folder.mkdir()
    text = files("slant.llm").joinpath("prompts/explain.toml").read_text("utf-8")
    (folder / "explain.toml").write_text(text.replace('version = "2"', 'version = "3"'), "utf-8")
    nlp2, reader2 = _reader(tmp_path, ep.url, prompts=str(folder))
    art = next(nlp2.pipe([_sample()]))
    reader2.close()
    assert len(ep.chat_requests) == 2 and reader2.usage.cached == 0
    assert _records(art, "explain")[0].prompt == "explain@3"


def test_the_cache_lives_in_the_store_and_old_stores_get_the_table(tmp_path):
    from sqlalchemy import inspect, text

    from slant.store import open_store, schema

    db = tmp_path / "corpus.db"
    with open_store(db) as store:  # a store as revision 0001 left it: no llm_cache table
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE llm_cache"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    with open_store(db) as store:
        assert "llm_cache" in inspect(store.engine).get_table_names()
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == schema.REVISION  # the newest


# --- failures: down, garbage, slow, flaky, invalid -----------------------------------------------
def _config(tmp_path, **llm) -> str:
    lines = ["[llm]"] + [f"{k} = {json.dumps(v)}" for k, v in llm.items()]
    path = tmp_path / "slant.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return str(path)


@pytest.fixture
def cli(capsys, monkeypatch):
    """``slant ARGS`` run in this process (the command-line entry point, not a shell): exit status,
    standard output and standard error."""
    from types import SimpleNamespace

    from slant.cli import main

    def run(*args: str, cwd, env=None) -> SimpleNamespace:
        monkeypatch.chdir(cwd)
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return run


def test_endpoint_down_is_one_clear_error_and_the_analysis_completes(tmp_path, cli):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    cfg = _config(tmp_path, retries=1, backoff=0.05, model="m", concurrency=1)
    other = tmp_path / "second.txt"
    other.write_text("Second piece\n\nThe minister resigned on Monday. Nobody was surprised.\n", "utf-8")
    r = cli("analyze", "--llm", url, "-c", cfg, "-f", "jsonl", str(SAMPLE), str(other), cwd=tmp_path)
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("slant: error:")]
    assert errors == [f"slant: error: llm: {url}/chat/completions: cannot connect: connection refused "
                      "(is the server running?) (tried 2 times)"]
    arts = [Article.from_json(line) for line in r.stdout.splitlines()]
    assert len(arts) == 2 and all(a.paragraphs and a.sentences for a in arts)  # the rest is all there
    assert all(_records(a, "explain")[0].error.endswith("(tried 2 times)") for a in arts)
    # the second article is not tried again: the endpoint is down for the rest of the run
    assert "1 failed" in r.stderr and "1 not sent (endpoint down)" in r.stderr


def test_bad_llm_config_is_one_line_and_the_analysis_completes(tmp_path, cli):
    r = cli("analyze", "--llm", "localhost:8080", "-f", "json", str(SAMPLE), cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "slant: error: llm: llm url 'localhost:8080': give the endpoint's base URL, e.g. http://127.0.0.1:8080/v1; "
        "the analysis goes on without the LLM"]
    art = Article.from_json(r.stdout)
    assert art.paragraphs and not art.llm


def test_garbage_answers_are_reported_as_not_an_openai_endpoint(tmp_path, endpoint):
    ep = endpoint("garbage")
    nlp, reader = _reader(tmp_path, ep.url, retries=0, concurrency=1)
    arts = list(nlp.pipe([_sample(), parse_plain("A short one.\n\nIt has two paragraphs, and that is all.")]))
    assert all(a.paragraphs for a in arts)
    errors = [_records(a, "explain")[0].error for a in arts]
    assert "the answer is not JSON, so this is not an OpenAI-compatible endpoint: '<html><body>It works!" in errors[0]
    assert errors[1] == errors[0]
    assert len(ep.chat_requests) == 1  # found broken once; not asked again for the second article
    assert reader.problems == [f"llm: {errors[0]}"]


def test_a_slow_endpoint_times_out(tmp_path, endpoint):
    ep = endpoint(delay=6.0)
    nlp, reader = _reader(tmp_path, ep.url, timeout=0.5, retries=1, backoff=0.05)
    art = next(pipeline.load({}, analysers=["segment"]).pipe([_sample()]))
    start = time.perf_counter()
    out = next(reader.pipe([art]))
    elapsed = time.perf_counter() - start
    assert _records(out, "explain")[0].error == f"{ep.url}/chat/completions: no answer within 0.5 s (timeout) (tried 2 times)"
    assert len(ep.chat_requests) == 2 and reader.usage.retries == 1
    assert 1.0 <= elapsed < 4.0  # two half-second waits and a short backoff, not the server's 6 s


def test_a_flaky_endpoint_is_retried_with_backoff(tmp_path, endpoint):
    ep = endpoint("flaky", fail_first=2)
    nlp, reader = _reader(tmp_path, ep.url, retries=2, backoff=0.2)
    start = time.perf_counter()
    art = next(nlp.pipe([_sample()]))
    elapsed = time.perf_counter() - start
    assert _records(art, "explain")[0].error is None
    assert len(ep.chat_requests) == 3 and reader.usage.retries == 2 and reader.usage.calls == 1
    assert elapsed >= 0.2 + 0.4  # waited backoff, then twice the backoff


def test_an_invalid_answer_is_asked_again_once_then_reported(tmp_path, endpoint):
    ep = endpoint("bad-json")
    nlp, reader = _reader(tmp_path, ep.url)
    art = next(nlp.pipe([_sample()]))
    (rec,) = _records(art, "explain")
    assert rec.error == "invalid answer after one retry: the answer holds no JSON object" and not rec.evidence
    assert len(ep.chat_requests) == 2
    retry = ep.chat_requests[1]["body"]["messages"]
    assert retry[-2]["role"] == "assistant" and retry[-2]["content"].startswith("Sure! Here is")
    assert retry[-1]["content"].startswith("That answer is not valid: the answer holds no JSON object")
    assert reader.usage.invalid_retries == 1 and reader.usage.invalid == 1
    assert reader.problems == []  # the model's failing, not the endpoint's: no error line, exit status 0
    assert "1 invalid answers asked again, 1 still invalid" in reader.summary()
    reader.close()
    # An invalid answer is not cached: the next run asks again.
    nlp2, reader2 = _reader(tmp_path, ep.url)
    next(nlp2.pipe([_sample()]))
    assert len(ep.chat_requests) == 4


def test_an_answer_pointing_at_no_sentence_is_asked_again(tmp_path, endpoint):
    from llm_servers import sensible_answer

    def answer(body):
        if len(body["messages"]) == 2:  # first try: fluent but ungrounded (a server without a grammar)
            return json.dumps({"narrative": "x", "explanation": "y", "evidence": [999]})
        return sensible_answer(body)

    ep = endpoint(answer=answer)
    nlp, reader = _reader(tmp_path, ep.url)
    art = next(nlp.pipe([_sample()]))
    (rec,) = _records(art, "explain")
    assert rec.error is None and rec.evidence and rec.label == "The deal is a scandal"
    assert "evidence [999] names no sentence" in ep.chat_requests[1]["body"]["messages"][-1]["content"]
    assert reader.usage.invalid_retries == 1 and reader.usage.invalid == 0


# --- key, concurrency, response format -------------------------------------------------------------
def test_the_key_comes_from_the_environment_and_is_never_written(tmp_path, endpoint, cli):
    ep = endpoint()
    key = "sk-test-5b1f0c9e77"
    cfg = _config(tmp_path, model="stub-model", cache=str(tmp_path / "c.db"))
    r = cli("--debug", "analyze", "--llm", ep.url, "-c", cfg, "-f", "json", str(SAMPLE), cwd=tmp_path,
             env={"SLANT_LLM_KEY": key})
    assert r.returncode == 0, r.stderr
    assert ep.chat_requests[0]["headers"]["Authorization"] == f"Bearer {key}"
    assert key not in r.stdout and key not in r.stderr
    assert all(key.encode() not in p.read_bytes() for p in tmp_path.glob("c.db*"))
    assert _records(Article.from_json(r.stdout), "explain")[0].evidence


def test_a_key_in_the_config_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="put no key in the config"):
        _reader(tmp_path, "http://127.0.0.1:9/v1", key="sk-oops")


def test_concurrency_is_limited(tmp_path, endpoint):
    ep = endpoint(delay=0.3)
    nlp, reader = _reader(tmp_path, ep.url, uses="verify", concurrency=2, cache="")
    art = next(pipeline.load({}, analysers=["segment"]).pipe([_sample()]))
    art.techniques = [TechniqueSpan(start=s.start, end=s.end, technique="Loaded_Language", confidence=0.2,
                                    paragraph=s.paragraph) for s in art.sentences[:6]]
    start = time.perf_counter()
    out = next(reader.pipe([art]))
    elapsed = time.perf_counter() - start
    assert len(ep.chat_requests) == 6 and ep.max_in_flight == 2
    assert 0.85 <= elapsed < 1.8  # three rounds of two
    assert [r.verdict for r in _records(out, "verify")] == ["agree"] * 6


def test_response_format_falls_back_to_the_servers_spelling(tmp_path, endpoint):
    ep = endpoint("no-json-schema")
    nlp, reader = _reader(tmp_path, ep.url, cache="", concurrency=1)
    arts = list(nlp.pipe([_sample(), _sample()]))
    assert all(_records(a, "explain")[0].error is None for a in arts)
    kinds = [r["body"]["response_format"]["type"] for r in ep.chat_requests]
    assert kinds == ["json_schema", "json_object", "json_object"]  # probed once (no retry), then remembered
    assert reader.usage.retries == 0 and reader.problems == []
    schema = ep.chat_requests[1]["body"]["response_format"]["schema"]
    assert set(schema["required"]) == {"narrative", "explanation", "evidence"}


# --- verify and replace ----------------------------------------------------------------------------
def test_verify_gives_a_second_opinion_beside_the_head_output(tmp_path, endpoint):
    ep = endpoint()
    nlp, reader = _reader(tmp_path, ep.url, uses="verify", verify_below=0.5)
    art = next(pipeline.load({}, analysers=["segment"]).pipe([_sample()]))
    s0, s1 = art.sentences[1], art.sentences[2]
    heads = [TechniqueSpan(start=s0.start, end=s0.end, technique="Doubt", confidence=0.9, paragraph=s0.paragraph),
             TechniqueSpan(start=s1.start, end=s1.end, technique="Loaded_Language", confidence=0.3,
                           paragraph=s1.paragraph)]
    art.techniques = list(heads)
    out = next(reader.pipe([art]))
    assert out.techniques == heads  # untouched
    (rec,) = _records(out, "verify")  # only the low-confidence one is checked
    assert (rec.target, rec.label, rec.verdict) == ("techniques[1]", "Loaded_Language", "agree")
    assert rec.evidence == [Span(start=s1.start, end=s1.end)]
    body = ep.chat_requests[0]["body"]["messages"][1]["content"]
    assert out.text[s1.start : s1.end] in body and "Loaded_Language" in body


def test_replace_fills_the_technique_layers_in_the_heads_own_schema(tmp_path, endpoint):
    from slant import taxonomy

    ep = endpoint()
    nlp, reader = _reader(tmp_path, ep.url, uses="replace:techniques", max_chars=600)
    art = next(nlp.pipe([_sample()]))
    assert len(ep.chat_requests) >= 2  # the article is sent in chunks of paragraphs
    assert art.techniques and all(isinstance(t, TechniqueSpan) and t.technique in taxonomy.names()
                                  for t in art.techniques)
    for t in art.techniques:  # the quoted first words of each chunk, located in the text
        para = art.paragraphs[t.paragraph]
        assert t.start == para.start and art.text[t.start : t.end] == " ".join(art.text[para.start:para.end].split()[:4])
        assert art.paragraph_techniques[t.paragraph].techniques == {"Loaded_Language": 1.0}
    assert len(art.paragraph_techniques) == len(art.paragraphs)
    prov = {p.layer: p for p in art.provenance}
    assert prov["techniques"].analyser == "llm" and prov["paragraph_techniques"].analyser == "llm"
    schema = ep.chat_requests[0]["body"]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["techniques"]["items"]["properties"]["technique"]["enum"] == taxonomy.names()


def test_replace_is_refused_beside_the_head_it_replaces(tmp_path):
    with pytest.raises(ConfigError, match="the techniques analyser is in the pipeline too"):
        _reader(tmp_path, "http://127.0.0.1:9/v1", analysers=("segment", "techniques"), uses="replace:techniques")


def test_replace_narratives_gives_doc_labels(tmp_path, endpoint):
    from importlib.resources import files

    if not files("slant").joinpath("data/narratives-semeval2025.yaml").is_file():
        pytest.skip("the narrative taxonomy data file (slant/data/narratives-semeval2025.yaml) is not there yet")
    ep = endpoint()
    nlp, reader = _reader(tmp_path, ep.url, uses=["replace"], replace=["narratives"])
    art = next(nlp.pipe([_sample()]))
    (lab,) = [lab for lab in art.labels if lab.task == "narratives"]
    assert lab.label == "Other" and lab.evidence and lab.evidence[0].start >= 0
    assert _records(art, "replace")[0].target == "narratives"


@pytest.mark.shared_data
def test_eval_compares_llm_replace_with_the_shipped_model(tmp_path, endpoint, shared_data):
    from slant.tasks.llm import compare_techniques

    ep = endpoint()
    report = compare_techniques(shared_data, url=ep.url, model="stub-model", split="dev", limit=2,
                                cache=str(tmp_path / "c.db"))
    assert "2 articles" in report and "shipped model beside the LLM replacing it: stub-model" in report
    row = next(line for line in report.splitlines() if line.startswith("paragraph micro-F1"))
    assert len(row.split()) == 4 + 6  # P, R, F1 of each
    assert ep.chat_requests and "LLM questions without a usable answer: 0" in report


# --- grounding and the default path ------------------------------------------------------------------
def test_locate_finds_imperfect_quotes():
    text = "He said: \u201cWe will   win.\u201d Then he left \u2013 quickly.\nThe crowd cheered loudly for the mayor."
    assert locate(text, "We will win.") == Span(start=10, end=23)
    assert text[slice(*_se(locate(text, '"we will win"')))] == "We will   win"
    assert text[slice(*_se(locate(text, "then he left - quickly")))] == "Then he left \u2013 quickly"
    sentences = [Span(start=0, end=23), Span(start=24, end=47), Span(start=48, end=len(text))]
    assert locate(text, "The crowd cheered very loudly for the mayor", sentences=sentences) == sentences[2]
    assert locate(text, "Something else entirely was said here", sentences=sentences) is None
    assert locate(text, "the crowd cheered ... for the mayor") is not None


def _se(span):
    return span.start, span.end


def test_the_default_path_never_imports_the_llm_code(tmp_path):
    code = ("import contextlib, io, sys\nfrom slant.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            f"    code = main(['analyze', '-f', 'json', {str(SAMPLE)!r}])\n"
            "assert code == 0 and '\"paragraphs\"' in out.getvalue()\n"
            "print(sorted(m for m in sys.modules if m.startswith('slant.llm')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_an_endpoint_in_slant_toml_turns_the_reader_on_without_flags(tmp_path, endpoint, cli):
    ep = endpoint()
    (tmp_path / "slant.toml").write_text(
        f'[llm]\nurl = "{ep.url}"\nmodel = "stub-model"\nuses = ["explain"]\ncache = ""\n', "utf-8")
    r = cli("analyze", "-f", "json", str(SAMPLE), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert _records(Article.from_json(r.stdout), "explain")[0].evidence
    assert len(ep.chat_requests) == 1 and ep.chat_requests[0]["body"]["model"] == "stub-model"
    assert r.stderr.startswith(f"llm: {ep.url} (stub-model): 1 calls")


@pytest.mark.shared_data
def test_eval_explain_scores_explanations_against_semeval_2025_subtask_3(tmp_path, endpoint, shared_data):
    from slant.tasks.llm import evaluate_explain, token_f1

    assert token_f1("The text accuses Bill Gates", "the text accuses bill gates") == 1.0
    assert token_f1("nothing shared", "completely different") == 0.0
    ep = endpoint()
    report = evaluate_explain(shared_data, limit=2, url=ep.url, model="stub-model", cache="")
    assert "answered (valid, after at most one retry)         2 / 2" in report
    assert "grounded (at least one quote located)             2 / 2" in report
    # as in the task, the dominant narrative is given to the model
    assert "A classifier found the article's dominant narrative to be: CC: " in \
        ep.chat_requests[0]["body"]["messages"][1]["content"]


def test_verify_checks_low_confidence_labels_but_not_shares(tmp_path, endpoint):
    from slant.article import DocLabel

    ep = endpoint()
    nlp, reader = _reader(tmp_path, ep.url, uses="verify", cache="")
    art = next(pipeline.load({}, analysers=["segment"]).pipe([_sample()]))
    s = art.sentences[2]
    art.labels = [DocLabel(task="frames", label="Political", score=0.9),
                  DocLabel(task="frames", label="Economic", score=0.35, evidence=[Span(start=s.start, end=s.end)]),
                  DocLabel(task="subjectivity", label="SUBJ", score=0.2)]  # a share, not a confidence
    out = next(reader.pipe([art]))
    (rec,) = _records(out, "verify")
    assert (rec.target, rec.label, rec.verdict) == ("labels[1]", "frames: Economic", "agree")
    assert rec.evidence == [Span(start=s.start, end=s.end)] and len(ep.chat_requests) == 1
    assert "frames its subject in terms of Economic" in ep.chat_requests[0]["body"]["messages"][1]["content"]


def test_a_server_that_does_not_speak_http(tmp_path):
    from llm_servers import RawGarbage

    raw = RawGarbage()
    url = raw.url
    try:
        nlp, reader = _reader(tmp_path, url, retries=1, backoff=0.05)
        art = next(nlp.pipe([_sample()]))
    finally:
        raw.close()
    (rec,) = _records(art, "explain")
    assert rec.error.startswith(f"{url}/chat/completions: the answer is not HTTP (BadStatusLine")
    assert rec.error.endswith("(tried 2 times)") and raw.connections == 2 and art.paragraphs


@pytest.mark.shared_data
def test_eval_narratives_compares_llm_replace_with_the_shipped_head(tmp_path, endpoint, shared_data, cli):
    ep = endpoint()
    r = cli("eval", "narratives", "--llm", ep.url, "--llm-model", "stub-model", "--limit", "3",
            "--data", str(shared_data.resolve()), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if line.startswith("samples-F1, narratives"))
    assert len(row.split()) == 3 + 5 and len(ep.chat_requests) == 3
    assert "3 (the first 3 by id)" in r.stdout and "stub-model" in r.stdout


def test_explain_prompt_numbers_sentences_by_paragraph_and_stops_before_max_chars():
    from slant.llm.uses import numbered_sentences

    art = next(pipeline.load({}, analysers=["segment"]).pipe([_sample()]))
    text, shown = numbered_sentences(art, max_chars=100_000)
    assert len(shown) == len(art.sentences)
    lines = text.splitlines()
    numbered = [ln for ln in lines if ln.startswith("[")]
    assert [ln.split("]")[0] for ln in numbered] == [f"[{i}" for i in range(1, len(shown) + 1)]
    assert lines.count("") >= len({s.paragraph for s in art.sentences}) - 1  # paragraphs apart
    short, cut = numbered_sentences(art, max_chars=600)
    assert 1 <= len(cut) < len(shown) and len(short) <= 600 + len("\n[...]") and short.endswith("[...]")
    assert cut == shown[: len(cut)]


def test_answers_with_raw_line_breaks_inside_strings_are_read():
    """JSON forbids a raw newline inside a string; llama.cpp's grammar lets Gemma-3-270M write one."""
    from slant.llm.uses import ExplainAnswer, decode

    text = '{"narrative": "The deal is a sell-out.\n- " ,"explanation": "It says so.\tTwice." ,"evidence": [2,5] }'
    ans, err = decode(text, ExplainAnswer)
    assert err is None and ans.evidence == [2, 5] and ans.narrative.startswith("The deal")
    ans, err = decode('{"narrative": "x\n", "explanation": "y", "evidence": ["two"]}', ExplainAnswer)
    assert ans is None and err.startswith("the JSON does not follow the schema")
    ans, err = decode('{"narrative": "x", "explanation": }', ExplainAnswer)
    assert ans is None and err.startswith("not valid JSON")
