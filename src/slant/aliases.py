"""Analysts' own alias lists: a YAML file that ties names, nicknames and epithets to actors.

The file maps each actor's canonical name to what the text may call it::

    Alexander Lukashenko:            # canonical name
      type: PERSON                   # optional: PERSON, ORG, GPE, LOC, NORP, FAC (default PERSON)
      aliases: [Batka, Lukashenka, Europe's last dictator]
    Russia: [the Kremlin regime]     # a list is the aliases alone (type taken from the gazetteer)
    Wagner Group: Wagner             # one alias as a plain string

Every alias is looked for in the text as written (whole words, letter case kept), so an epithet
the NER model never tags ("Batka") still becomes a mention of its actor. A name given here wins
over slant's built-in gazetteer. Mistakes are reported with the file and line they are on:
the file is parsed with PyYAML's node composer, whose nodes keep their line marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import InputError

TYPES = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC")


@dataclass
class AliasEntry:
    name: str
    type: str | None = None
    aliases: list[str] = field(default_factory=list)
    line: int = 0  # 1-based line of the entry in its file


@dataclass
class AliasTable:
    """The entries of one aliases file, with a lookup from every written form to its entry."""

    entries: list[AliasEntry] = field(default_factory=list)
    source: str = ""

    def forms(self) -> dict[str, AliasEntry]:
        """Every alias and canonical name, as written, to its entry."""
        out: dict[str, AliasEntry] = {}
        for e in self.entries:
            out.setdefault(e.name, e)
            for a in e.aliases:
                out.setdefault(a, e)
        return out


def load_aliases(path: str | Path) -> AliasTable:
    """Read an aliases file; a malformed one raises InputError naming ``file:line`` and the reason."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read the aliases file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "the aliases file is not UTF-8 text") from None
    return parse_aliases(text, str(path))


def parse_aliases(text: str, source: str = "<aliases>") -> AliasTable:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        reason = (exc.problem or exc.context or "not valid YAML").strip()
        raise InputError(f"{source}:{line}", f"not valid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        raise InputError(source, f"not valid YAML: {exc}") from None
    table = AliasTable(source=source)
    if root is None:
        return table
    if not isinstance(root, yaml.MappingNode):
        raise InputError(_where(source, root), "expected a mapping of actor names to their aliases")
    owner: dict[str, tuple[str, int]] = {}
    for key, value in root.value:
        line = key.start_mark.line + 1
        name = _string(key, source, "an actor name")
        entry = AliasEntry(name=name, line=line)
        if isinstance(value, yaml.ScalarNode):
            if value.tag != "tag:yaml.org,2002:null" and value.value.strip():
                entry.aliases = [_string(value, source, "an alias")]
        elif isinstance(value, yaml.SequenceNode):
            entry.aliases = [_string(v, source, "an alias") for v in value.value]
        elif isinstance(value, yaml.MappingNode):
            for k, v in value.value:
                field_name = _string(k, source, "a field name")
                if field_name == "type":
                    t = _string(v, source, "an entity type").upper()
                    if t not in TYPES:
                        raise InputError(_where(source, v), f"unknown type {t!r} for {name!r}; use one of {', '.join(TYPES)}")
                    entry.type = t
                elif field_name == "aliases":
                    if isinstance(v, yaml.SequenceNode):
                        entry.aliases = [_string(x, source, "an alias") for x in v.value]
                    else:
                        entry.aliases = [_string(v, source, "an alias")]
                else:
                    raise InputError(_where(source, k), f"unknown field {field_name!r} under {name!r}; expected type or aliases")
        else:
            raise InputError(_where(source, value), f"aliases of {name!r} must be a list of names")
        for form in (name, *entry.aliases):
            prev = owner.get(form)
            if prev is not None and prev[0] != name:
                raise InputError(
                    f"{source}:{line}", f"{form!r} is given for both {prev[0]!r} (line {prev[1]}) and {name!r}"
                )
            owner[form] = (name, line)
        table.entries.append(entry)
    return table


def _where(source: str, node: yaml.Node) -> str:
    return f"{source}:{node.start_mark.line + 1}"


def _string(node: yaml.Node, source: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        raise InputError(_where(source, node), f"expected {what} (a plain string) here")
    value = " ".join(node.value.split())
    if not value:
        raise InputError(_where(source, node), f"expected {what}, found an empty string")
    return value
