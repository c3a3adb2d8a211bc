"""Each machine-checkable guideline rule on a document that follows it and one that breaks it."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from ilteo.core.errors import InvalidInputError
from ilteo.guideline import RULES, check_document, load_document

FIXTURES = Path(__file__).parent / "fixtures"

#: Where ``fixtures/bad.yaml`` breaks each rule (every location the report must name).
BROKEN_AT: dict[str, tuple[str, list[str]]] = {
    "VER-01": ("fail", ["/Members/{memberId}"]),
    "NAM-01": ("fail", ["/Members/{memberId}"]),
    "NAM-03": (
        "fail",
        ["GET /Members/{memberId} parameter memberId", "components.schemas.Member.displayName"],
    ),
    "NAM-04": ("fail", ["GET /v1/old-members"]),
    "NAM-05": ("fail", ["GET /Members/{memberId}"]),
    "DOC-01": ("fail", ["GET /Members/{memberId}", "GET /v1/members"]),
    "VER-03": ("fail", ["GET /v1/old-members responses.200"]),
    "ERR-01": ("fail", ["GET /Members/{memberId} responses.404"]),
    "ERR-04": ("warn", ["(document)"]),
    "PAG-01": ("fail", ["GET /v1/members", "GET /v1/old-members"]),
    "DAT-01": (
        "fail",
        ["components.schemas.Member.joined_at", "components.schemas.Member.birth_date"],
    ),
    "CAC-01": ("warn", ["GET /Members/{memberId} responses.200"]),
    "AUT-01": ("fail", ["components.securitySchemes"]),
    "AUT-02": ("fail", ["GET /Members/{memberId}", "GET /v1/members", "GET /v1/old-members"]),
    "QUO-01": ("fail", ["GET /v1/members responses", "GET /v1/old-members responses"]),
    "QUO-02": ("fail", ["GET /v1/members responses.200", "GET /v1/old-members responses.200"]),
    "PII-01": (
        "fail",
        [
            "GET /Members/{memberId} parameter jumin_no",
            "components.schemas.Member.resident_registration_number",
        ],
    ),
    "PII-02": ("fail", ["GET /v1/members parameter email"]),
    "LIC-01": ("fail", ["info.license"]),
    "LIC-02": ("fail", ["info.contact"]),
}


@pytest.fixture(scope="module")
def good() -> dict[str, Any]:
    return load_document(str(FIXTURES / "good.yaml"))


def _results(document: dict[str, Any]) -> dict[str, Any]:
    return {result.rule.id: result for result in check_document(document)}


def test_every_rule_has_a_breaking_fixture() -> None:
    assert [rule.id for rule in RULES] == list(BROKEN_AT)


@pytest.mark.parametrize("rule_id", list(BROKEN_AT))
def test_rule_passes_on_the_good_document(rule_id: str, good: dict[str, Any]) -> None:
    result = _results(good)[rule_id]
    # The good document keeps one operational probe (/healthz) outside /v1: a warning, by design.
    assert result.status == ("warn" if rule_id == "VER-01" else "pass"), result.findings


@pytest.mark.parametrize("rule_id", list(BROKEN_AT))
def test_rule_fails_where_the_bad_document_breaks_it(rule_id: str) -> None:
    result = _results(load_document(str(FIXTURES / "bad.yaml")))[rule_id]
    status, where = BROKEN_AT[rule_id]
    assert result.status == status
    assert [finding.where for finding in result.findings] == where


def test_version_prefix_in_the_server_url_counts(good: dict[str, Any]) -> None:
    document = copy.deepcopy(good)
    document["paths"]["/courses"] = document["paths"].pop("/v1/training-courses")
    assert _results(document)["VER-01"].status == "fail"
    document["servers"] = [{"url": "https://api.example.go.kr/v1"}]
    assert _results(document)["VER-01"].status == "pass"


def test_hashed_rrn_is_allowed_but_the_number_is_not(good: dict[str, Any]) -> None:
    document = copy.deepcopy(good)
    properties = document["components"]["schemas"]["Course"]["properties"]
    assert _results(document)["PII-01"].status == "pass"  # learner_rrn_hmac is a keyed hash
    properties["learner_rrn"] = {"type": "string"}
    findings = _results(document)["PII-01"].findings
    assert [f.where for f in findings] == ["components.schemas.Course.learner_rrn"]


def test_public_operations_must_say_so(good: dict[str, Any]) -> None:
    document = copy.deepcopy(good)
    del document["paths"]["/v1/training-courses/{course_id}"]["get"]["security"]
    findings = _results(document)["AUT-02"].findings
    assert [f.where for f in findings] == ["GET /v1/training-courses/{course_id}"]
    document["security"] = []  # a document-wide "public" also states it
    assert _results(document)["AUT-02"].status == "pass"


def test_array_response_makes_a_list_operation(good: dict[str, Any]) -> None:
    document = copy.deepcopy(good)
    get = document["paths"]["/v1/training-courses"]["get"]
    get["operationId"] = "training_courses"  # not named like a list...
    get["parameters"] = [{"name": "limit", "in": "query", "schema": {"type": "integer"}}]
    content = get["responses"]["200"]["content"]["application/json"]
    content["schema"] = {"type": "object"}
    assert _results(document)["PAG-01"].status == "pass"
    content["schema"] = {"type": "array", "items": {"type": "string"}}  # ...but shaped like one
    findings = _results(document)["PAG-01"].findings
    assert [f.message for f in findings] == ["list operation without cursor"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "swagger: '2.0'\npaths: {}\n",
            "not an OpenAPI 3.x document (the 'openapi' field is swagger 2.0)",
        ),
        ("[1, 2]", "not a JSON or YAML object"),
        ('{"title": "x", "paths": {}}', "the 'openapi' field is missing"),
        ("openapi: 3.1.0\npaths: [a]\n", "'paths' is not an object"),
        ("{ not: json: nor: yaml", "neither JSON nor YAML"),
        ("<html><body>hello</body></html>", "not an OpenAPI document"),
    ],
)
def test_documents_that_are_not_openapi_are_refused(
    text: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        load_document(str(path))


def test_other_url_schemes_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="only http"):
        load_document("ftp://example.go.kr/openapi.json")
