"""The persuasion-technique taxonomy: SemEval-2023 Task 3's 23 techniques as data.

The techniques, their coarse categories, definitions and the mapping to the 14 labels of
SemEval-2020 Task 11 live in ``data/techniques.toml``; this module loads them once and answers
questions about them. slant's own layers always use the 2023 names; the 2020 labels appear only in
exports in that task's formats (``slant predict semeval2020-flc``).

Notes: categories and technique names follow Piskorski et al. (2023), "SemEval-2023 Task 3:
Detecting the Category, the Framing, and the Persuasion Techniques in Online News in a
Multi-lingual Setup"; the 2020 labels follow Da San Martino et al. (2020), "SemEval-2020 Task 11:
Detection of Propaganda Techniques in News Articles", where rare techniques were merged into
super-classes ("Whataboutism,Straw_Men,Red_Herring", "Bandwagon,Reductio_ad_hitlerum") and
obfuscation was dropped. Techniques new in 2023 with no 2020 counterpart map to nothing.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .errors import SlantError


@dataclass(frozen=True)
class Technique:
    name: str  # SemEval-2023 Task 3 spelling, e.g. "Name_Calling-Labeling"
    category: str  # coarse category, e.g. "Attack on reputation"
    definition: str
    semeval2020: str | None  # SemEval-2020 Task 11 label, or None when it has no counterpart

    @property
    def label(self) -> str:
        """Human-readable name: "Name Calling / Labeling"."""
        return self.name.replace("_", " ").replace("-", " / ")


@dataclass(frozen=True)
class Taxonomy:
    techniques: tuple[Technique, ...]
    colours: dict[str, str]  # coarse category -> rich style

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.techniques]

    @property
    def categories(self) -> list[str]:
        return list(self.colours)

    def __getitem__(self, name: str) -> Technique:
        for t in self.techniques:
            if t.name == name:
                return t
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(t.name == name for t in self.techniques)

    def __len__(self) -> int:
        return len(self.techniques)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def category(self, name: str) -> str:
        return self[name].category

    def colour(self, name: str) -> str:
        """Report style of a technique: the colour of its coarse category."""
        return self.colours[self.category(name)]

    def to_semeval2020(self, name: str) -> str | None:
        return self[name].semeval2020

    @property
    def semeval2020_labels(self) -> list[str]:
        """The 14 labels of SemEval-2020 Task 11, in taxonomy order."""
        out: list[str] = []
        for t in self.techniques:
            if t.semeval2020 and t.semeval2020 not in out:
                out.append(t.semeval2020)
        return out

    def from_semeval2020(self, label: str) -> list[str]:
        """The 2023 techniques a 2020 label covers (several for the merged super-classes)."""
        return [t.name for t in self.techniques if t.semeval2020 == label]

    def normalise(self, name: str) -> str:
        """The taxonomy spelling of ``name``, repairing small typos in label files.

        The organisers' English paragraph labels hold one corrupted name
        ("Appeal_to_Fear-Prejudi-čce"); a name that is close to exactly one technique is read as
        that technique, anything else is refused rather than guessed.
        """
        name = name.strip()
        if name in self:
            return name
        close = difflib.get_close_matches(name, self.names, n=2, cutoff=0.85)
        if len(close) == 1:
            return close[0]
        raise SlantError(f"unknown persuasion technique {name!r}; known: {', '.join(self.names)}")


@lru_cache(maxsize=1)
def load() -> Taxonomy:
    """The taxonomy shipped in ``slant/data/techniques.toml``."""
    raw = tomllib.loads(resources.files("slant").joinpath("data/techniques.toml").read_text("utf-8"))
    colours = dict(raw["categories"])
    techniques = []
    for name, entry in raw["techniques"].items():
        if entry["category"] not in colours:
            raise SlantError(f"technique {name!r} has unknown category {entry['category']!r} in techniques.toml")
        techniques.append(
            Technique(
                name=name,
                category=entry["category"],
                definition=entry["definition"],
                semeval2020=entry.get("semeval2020") or None,
            )
        )
    return Taxonomy(techniques=tuple(techniques), colours=colours)


def names() -> list[str]:
    return load().names


def category_of(name: str) -> str:
    """Coarse category of a technique (KeyError for an unknown name)."""
    return load().category(name)


def colour_of(name: str) -> str:
    """Report colour of a technique: the colour of its coarse category (KeyError when unknown)."""
    return load().colour(name)
