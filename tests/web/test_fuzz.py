"""The API fuzzed from its own OpenAPI spec (schemathesis) over real HTTP: never a 5xx, always the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from .conftest import LiveServer

pytestmark = pytest.mark.slow

#: Examples per operation and mode (valid, then invalid input): each is a real HTTP request.
EXAMPLES = 20


def test_api_answers_every_generated_request_without_a_server_error(live_server: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server.base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert {"/health", "/api/level", "/api/signals", "/api/history", "/api/series/{series_id}"} <= paths
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    calls: dict[str, int] = {}
    for op in operations:
        _fuzz(op, GenerationMode.POSITIVE, checks, calls)
        if list(op.iter_parameters()):  # an operation without parameters has no invalid input
            _fuzz(op, GenerationMode.NEGATIVE, checks, calls)
    assert set(calls) == {op.label for op in operations}


def _fuzz(op: Any, mode: GenerationMode, checks: list[Any], calls: dict[str, int]) -> None:
    @given(case=op.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        case.call_and_validate(checks=checks, timeout=60)
        calls[op.label] = calls.get(op.label, 0) + 1

    fuzz()
