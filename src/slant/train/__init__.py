"""``slant train TASK``: rebuild slant's shipped models from the annotated corpora.

Training needs the optional training stack (``pip install 'slant[train]'``: torch, transformers);
inference never does. ``TRAINERS`` maps a task name to the dotted path of
``fn(data_dir: Path, out_dir: Path | None, **options) -> None``, imported only when asked for, so
that nothing in the analysis path imports torch.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from ..errors import SlantError

TRAINERS: dict[str, str] = {}


def trainer(task: str) -> str:
    """The ``module:function`` that trains ``task``; an unknown name is an error listing the known ones."""
    try:
        return TRAINERS[task]
    except KeyError:
        known = ", ".join(sorted(TRAINERS)) or "none yet"
        raise SlantError(f"unknown training task {task!r}; known: {known}") from None


def train(task: str, data_dir: Path, out_dir: Path | None = None, **options) -> None:
    module, _, attr = trainer(task).partition(":")
    try:
        fn = getattr(import_module(module), attr)
    except ImportError as exc:
        raise SlantError(f"training needs the training extras (pip install 'slant[train]'): {exc}") from exc
    fn(data_dir, out_dir, **options)


# The techniques model: multilingual-e5-small on every labelled language (resumable, in stages);
# "techniques-en" is the English MiniLM recipe it replaces, kept to reproduce the comparison.
TRAINERS["techniques"] = "slant.train.multilingual:train"
TRAINERS["techniques-en"] = "slant.train.techniques:train"
# The attribution tagger over the shared encoder pass, trained on PolNeAR train (resumable, in stages).
TRAINERS["attributions"] = "slant.train.attributions:train"
RESUMABLE = ("techniques", "techniques-en", "attributions")  # trained in stages (--stages), resumable (--resume)
TRAINERS["roles"] = "slant.train.roles:train"
TRAINERS["subjectivity"] = "slant.train.subjectivity:train"
TRAINERS["claims"] = "slant.train.claims:train"
TRAINERS["genre"] = "slant.train.genre:train"
TRAINERS["frames"] = "slant.train.frames:train"
TRAINERS["narratives"] = "slant.train.narratives:train"
# The quotes analyser's cue lexicon, harvested from PolNeAR train (spaCy only, no training stack).
TRAINERS["quotes"] = "slant.train.quotes:train"
# Story similarity over the shared encoder pass (SemEval-2022 Task 8); features cached per article.
TRAINERS["similarity"] = "slant.train.stories:train"
TRAINERS["stories"] = "slant.train.stories:train"
