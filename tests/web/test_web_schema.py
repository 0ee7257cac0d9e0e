"""schemathesis against the server's own OpenAPI document: generated requests never get a 5xx.

The operations are driven with Hypothesis directly (``APIOperation.as_strategy``), a bounded number
of cases each, against the running ``slant serve``.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

CASES = 10


@pytest.fixture(scope="module")
def operations(server):
    spec = schemathesis.openapi.from_url(server + "/openapi.json")
    ops = [result.ok() for result in spec.get_all_operations()]
    assert len(ops) >= 6
    return ops


def test_generated_requests_get_no_server_error(operations, server):
    seen: dict[str, set[int]] = {}
    for op in operations:

        @settings(max_examples=CASES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case) -> None:  # noqa: ANN001
            response = case.call(base_url=server, timeout=60)
            seen.setdefault(f"{op.method.upper()} {op.path}", set()).add(response.status_code)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}")
            assert "application/json" in str(response.headers.get("content-type"))

        run()
    assert len(seen) == len(operations)
    print(seen)
