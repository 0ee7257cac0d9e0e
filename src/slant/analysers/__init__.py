"""Analysers: each reads some layers of an Article and adds others. One module per analyser."""

from .base import Analyser

__all__ = ["Analyser"]
