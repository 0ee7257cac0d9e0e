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


class SlantWarning(UserWarning):
    """Something slant read or did that the user should know of, though it went on: one line."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class DecodeWarning(SlantWarning):
    """An input was decoded, but not cleanly: bytes replaced, or a legacy encoding guessed."""
