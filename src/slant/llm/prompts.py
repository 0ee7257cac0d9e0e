"""Prompts are data: one TOML file per prompt in ``slant/llm/prompts/``, versioned.

A prompt file holds its ``name``, a ``version`` (bump it whenever the wording changes: the version
is part of the cache key, so old answers are never served for a new prompt), generation settings
(``max_tokens``, ``temperature``) and the ``system`` and ``user`` messages as ``string.Template``
text (``$article``, ``$techniques``, ...; JSON examples in the text need no escaping). The answer's
JSON Schema is not in the file: it is generated from the answer type in ``slant.llm.uses``, which
also validates the answer, so the two cannot drift apart.

``[llm] prompts = "folder"`` in the config reads prompt files from another folder first (same
names), for trying a new wording without editing the package.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from ..errors import ConfigError

PACKAGED = files("slant.llm").joinpath("prompts")


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str
    max_tokens: int = 256
    temperature: float = 0.0
    source: str = ""

    @property
    def id(self) -> str:
        """``name@version``: what records and the cache name the prompt by."""
        return f"{self.name}@{self.version}"

    def messages(self, **values: str) -> list[dict]:
        """The chat messages with ``values`` filled in (a missing value is a bug, not a blank)."""
        try:
            system = string.Template(self.system).substitute(values)
            user = string.Template(self.user).substitute(values)
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"prompt {self.source}: cannot fill in {exc}") from None
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def load(name: str, folder: str | Path | None = None) -> Prompt:
    """The prompt ``name``: from ``folder`` when it has ``name.toml``, else the packaged one."""
    if folder is not None and Path(folder, f"{name}.toml").is_file():
        path = Path(folder, f"{name}.toml")
        text, source = path.read_text("utf-8"), str(path)
    else:
        res = PACKAGED.joinpath(f"{name}.toml")
        if not res.is_file():
            raise ConfigError(f"no prompt named {name!r} (looked in {folder or 'the package'})")
        text, source = res.read_text("utf-8"), f"slant/llm/prompts/{name}.toml"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    missing = [k for k in ("name", "version", "system", "user") if not isinstance(raw.get(k), str)]
    if missing:
        raise ConfigError(f"{source}: missing {', '.join(missing)}")
    if raw["name"] != name:
        raise ConfigError(f"{source}: names itself {raw['name']!r}, expected {name!r}")
    return Prompt(name=raw["name"], version=raw["version"], system=raw["system"].strip(), user=raw["user"].strip(),
                  max_tokens=int(raw.get("max_tokens", 256)), temperature=float(raw.get("temperature", 0.0)),
                  source=source)
