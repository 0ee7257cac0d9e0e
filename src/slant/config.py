"""Configuration is data: one TOML file names the analysers, their order and their options.

``load_config()`` reads the packaged ``default.toml`` and merges the user's file over it (the one
given, else ``slant.toml`` in the working directory when present, else the file named by
``$SLANT_CONFIG``).
"""

from __future__ import annotations

import os
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

from .errors import ConfigError

USER_CONFIG = "slant.toml"
ENV = "SLANT_CONFIG"


def default_config() -> dict[str, Any]:
    return tomllib.loads(files("slant").joinpath("default.toml").read_text("utf-8"))


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    config = default_config()
    if path is None and Path(USER_CONFIG).is_file():
        path = USER_CONFIG
    if path is None and os.environ.get(ENV):
        path = os.environ[ENV]
    if path is not None:
        p = Path(path)
        try:
            user = tomllib.loads(p.read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{p}: config file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from None
        config = merge(config, user)
    return config


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out
