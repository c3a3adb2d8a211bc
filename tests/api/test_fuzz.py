"""Fuzz every ``/v1`` operation with schemathesis against the live OpenAPI document.

The whole app runs under uvicorn (the ``serve`` fixture) on a fresh home with the real reference
data; schemathesis reads ``/v1/openapi.json`` from it and sends generated requests, valid and
invalid, to every operation. Every response must be a documented status with a documented body
and content type, and never a 5xx. Callers: a data steward's API key for every operation (the
lake reads need one); the live ingestion POST gets the source-system token instead, the only
credential it accepts.

The run is bounded for CI: a fixed seed, derandomized generation, no example database, and a few
examples per operation and phase.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.pytest.lazy import get_all_tests
from tests.identity.factories import create_test_account

from ilteo.core.db import session_scope
from ilteo.core.settings import Settings
from ilteo.identity.api_keys import MAX_LIMIT, create_api_key

#: Limits high enough that the run never meets a 429 (the largest a key may have).
UNLIMITED = MAX_LIMIT
SOURCE_TOKEN = "fuzz-source-system-token-0123456789"  # noqa: S105 - a throwaway test token

#: Responses must be what the document promises; these are schemathesis 4's response checks.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)


def _config(key: str) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": 20261121,
            "generation": {"max-examples": 15, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "headers": {"Authorization": f"Bearer {key}"},
            "request-timeout": 30,
            "operations": [
                {
                    # Live ingestion is for source systems only: it takes the ingestion token,
                    # never an account's key, so it is fuzzed with that token.
                    "include-operation-id": "create_lake_batch",
                    "headers": {"Authorization": f"Bearer {SOURCE_TOKEN}"},
                    # A declared source, so generated records reach the contract checks (an
                    # unknown source is a plain 404, covered in tests/lake/test_ingest_api.py).
                    "parameters": {"path.source": "job_seekers"},
                }
            ],
        }
    )


def _steward_key(settings: Settings) -> str:
    """A data steward's key (every read scope) whose limits the fuzzer cannot exhaust."""
    secret_key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login="fuzz-steward", roles=("data_steward",))
        issued = create_api_key(
            session,
            account.id,
            name="fuzz",
            secret_key=secret_key,
            rate_per_minute=UNLIMITED,
            daily_quota=UNLIMITED,
        )
        return issued.token


@pytest.fixture
def live(
    settings: Settings, serve: Callable[[Settings], AbstractContextManager[str]]
) -> Iterator[tuple[str, str]]:
    """The app on a fresh home (it also takes a source-system token): its URL and a steward key."""
    fuzz_settings = Settings(
        env="dev",
        home=settings.home,
        reference_dir=settings.reference_dir,
        lake_ingest_token=SOURCE_TOKEN,
        # The source-system token is no account key: its calls count as anonymous ones.
        api_anonymous_rate_per_minute=UNLIMITED,
    )
    with serve(fuzz_settings) as url:
        key = _steward_key(fuzz_settings)
        # Load the reference tables once, so the first generated case does not pay for it.
        warm = httpx.get(f"{url}/v1/reference/datasets", timeout=120)
        assert warm.status_code == 200, warm.text
        # Build the occupation profiles and the course index once (minutes on a cold process).
        for path, params in (
            ("/v1/pathways/recommendations", {"occupation": "2222", "courses": 1}),
            ("/v1/pathways/courses", {"skills": "Programming"}),
        ):
            warm = httpx.get(f"{url}{path}", params=params, timeout=900)
            assert warm.status_code == 200, warm.text
        yield url, key


def _answers_as_documented(seen: dict[str, set[int]]) -> Callable[[schemathesis.Case], None]:
    """The per-case test: call, run the checks, and note the status in ``seen``."""

    def test(case: schemathesis.Case) -> None:
        response = case.call_and_validate()
        seen.setdefault(case.operation.label, set()).add(response.status_code)

    return test


def test_every_operation_answers_as_documented(live: tuple[str, str]) -> None:
    """Generated requests (valid and invalid) to every operation get documented answers, no 5xx.

    ``schemathesis.pytest.from_fixture`` would give one subtest per operation, but schemathesis
    4.32 sets ``Node._nodeid``, which pytest 9 no longer has; so this test runs the very same
    per-operation Hypothesis tests (``get_all_tests``, what ``parametrize()`` runs) itself and
    reports every failing operation at once.
    """
    url, key = live
    schema = schemathesis.openapi.from_url(f"{url}/v1/openapi.json", config=_config(key))
    document = httpx.get(f"{url}/v1/openapi.json").json()
    expected = {
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
    }
    bounded = hypothesis_settings(
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    tested: set[str] = set()
    seen: dict[str, set[int]] = {}  # operation label -> the statuses it answered
    failures: dict[str, str] = {}
    for result in get_all_tests(
        schema=schema, test_func=_answers_as_documented(seen), settings=bounded, given_kwargs=None
    ):
        operation, run = result.ok()  # a schema error raises here, naming the operation
        tested.add(operation.label)
        try:
            run()
        except (Exception, FailureGroup) as exc:  # every failing operation is reported below
            failures[operation.label] = f"{type(exc).__name__}: {exc}"
    assert tested == expected
    assert set(seen) == expected, "an operation was never called"
    # The credentials work: the steward's key reads the lake, the source token ingests.
    assert 200 in seen["GET /v1/lake/sources"]
    assert seen["POST /v1/lake/sources/{source}/batches"] & {200, 201}
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
