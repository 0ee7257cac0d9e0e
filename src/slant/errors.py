"""Errors a user can act on. Each carries the input it is about and the reason, in one line."""

from __future__ import annotations


class SlantError(Exception):
    """Base of every error slant reports to the user as one line (the CLI shows no traceback)."""


class InputError(SlantError):
    """An input could not be read as an article: names the input and the reason."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class ConfigError(SlantError):
    """The pipeline configuration is wrong: an unknown analyser, a missing layer, bad TOML."""
