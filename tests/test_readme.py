"""The README is the front door: short, and every link and picture in it leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
pytestmark = pytest.mark.skipif(not README.is_file(), reason="no README.md beside the tests (installed package)")


def test_readme_is_short():
    assert len(README.read_text("utf-8").splitlines()) <= 150


def test_every_relative_link_and_image_of_the_readme_exists():
    text = README.read_text("utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [t.split("#")[0] for t in targets if "://" not in t and not t.startswith("#")]
    assert len(local) >= 10 and any(t.endswith(".png") for t in local)
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"


def test_every_command_the_readme_names_is_a_slant_command():
    import typer

    from slant.cli import app

    known = set(typer.main.get_command(app).commands)
    text = README.read_text("utf-8")
    shell = "\n".join(re.findall(r"```sh\n(.*?)```", text, flags=re.S))
    used = set(re.findall(r"^(?:.*\| )?slant ([a-z]+)", shell, flags=re.M))
    used |= set(re.findall(r"`slant ([a-z]+)", text))
    assert used and used <= known, used - known
