"""Shared fixtures. Paths to the project's own fixtures and to ../shared when it is present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"

# Tests that do not name their analysers run the segmenter only (the packaged default pipeline runs
# every model, which tests of that pipeline ask for by unsetting this); subprocesses inherit it.
os.environ["SLANT_CONFIG"] = str(FIXTURES / "segment-only.toml")


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
    from slant.tasks.corpora import data_dir

    path = data_dir(required=False)
    if path is None:
        pytest.skip("annotated corpora not found: set SLANT_DATA or put them at ../shared/data")
    return path


# --- the corpus store: a real PostgreSQL cluster and a local Ray cluster, one each per session ---------
@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster (tests/_services.py); skips when the server binaries are absent."""
    from _services import PgCluster, pg_unavailable

    reason = pg_unavailable()
    if reason:
        pytest.skip(reason)
    cluster = PgCluster()
    yield cluster
    cluster.destroy()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database: a SQLite file, then a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "slant.db")
    cluster = request.getfixturevalue("pg_cluster")
    import uuid

    return cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray cluster with two CPUs, shared by every Ray test; skips when Ray is not installed."""
    import os

    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray = pytest.importorskip("ray", reason="Ray not installed (pip install 'slant[scale]')")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()
