"""Property tests of the OpenAPI schema against the live server: generated
requests (valid and not) never get a 5xx, and responses match the schema.

Schemathesis is driven through Hypothesis directly (its pytest plugin's
lazy-fixture loader does not work with this pytest version)."""

import schemathesis
from hypothesis import HealthCheck, given, settings


def test_every_operation_conforms_to_its_schema(server):
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(timeout=60)

        check()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert {"POST /v1/classify", "POST /v1/summarize", "POST /v1/process", "GET /healthz", "GET /readyz", "GET /metrics"} <= set(checked)
