"""Shared fixtures. Paths to the project's own fixtures and to ../shared when it is present."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def sample_path() -> Path:
    """The project's own sample article (always present)."""
    return EXAMPLES / "harbour-deal-2023.txt"


@pytest.fixture
def shared_example() -> Path:
    """The shared model input, ../shared/examples/belarus-putin-2020.txt; skips when absent."""
    path = SHARED / "examples" / "belarus-putin-2020.txt"
    if not path.is_file():
        pytest.skip(f"shared example not found at {path} (the project's ../shared folder is absent)")
    return path


@pytest.fixture
def shared_data() -> Path:
    """The annotated corpora (../shared/data or $SLANT_DATA); skips when absent."""
    from slant.corpora import data_dir

    path = data_dir(required=False)
    if path is None:
        pytest.skip("annotated corpora not found: set SLANT_DATA or put them at ../shared/data")
    return path
