"""The machine-checkable rules of the Open API guideline (``docs/guideline/checklist.md``).

One function per rule. Each takes a parsed OpenAPI 3.x document and returns its findings: a
location (``GET /v1/things responses.404``) and a message, each a failure or a warning. A rule
with no finding passes. :func:`check_document` runs them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ilteo.guideline._document import Operation, operations, resolve, schemas

Status = Literal["pass", "fail", "warn"]
Document = dict[str, Any]

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_VERSION_SEGMENT = re.compile(r"^v[0-9]+$")
_PATH_SEGMENT = re.compile(r"^([a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)?|\{[a-z][a-z0-9_]*\})$")
#: Resident registration number spellings (주민등록번호) in field and parameter names.
_RRN = re.compile(r"(^|_)(rrn|jumin|juminno|ssn)(_|$)|resident_?registration|주민", re.IGNORECASE)
#: A hashed or tokenised form of an identifier, which is allowed (keyed hash, not the number).
_HASHED = re.compile(r"hash|hmac|digest|token|pseudonym", re.IGNORECASE)
#: Personal data that must never travel in a URL (query strings end up in logs).
_URL_PII = re.compile(
    r"(^|_)(e_?mail|phone|mobile|tel|birth_?date|date_of_birth|birthday|passport)(_|$)",
    re.IGNORECASE,
)
_DATETIME_NAME = re.compile(r"(_at|_time|^timestamp|_timestamp|^datetime|_datetime)$")
_DATE_NAME = re.compile(r"(^|_)(date|day)$")
_LIST_NAME = re.compile(r"^(list|search)(_|$)")
#: Operational probes that may live outside the version prefix.
_PROBES = {"/healthz", "/livez", "/readyz", "/health", "/ping"}
_PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Finding:
    """One place where a rule is broken (``fail``) or should be looked at (``warn``)."""

    where: str
    message: str
    status: Literal["fail", "warn"] = "fail"


@dataclass(frozen=True)
class Rule:
    """A machine-checkable rule of the guideline."""

    id: str
    title_ko: str
    title_en: str
    check: Callable[[Document], list[Finding]]


@dataclass
class RuleResult:
    """The outcome of one rule over one document."""

    rule: Rule
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """``fail`` when any finding fails, ``warn`` when only warnings, else ``pass``."""
        if any(f.status == "fail" for f in self.findings):
            return "fail"
        return "warn" if self.findings else "pass"

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON data."""
        return {
            "rule": self.rule.id,
            "title_ko": self.rule.title_ko,
            "title_en": self.rule.title_en,
            "status": self.status,
            "locations": [
                {"where": f.where, "message": f.message, "status": f.status} for f in self.findings
            ],
        }


RULES: list[Rule] = []


def _rule(
    rule_id: str, title_ko: str, title_en: str
) -> Callable[[Callable[[Document], list[Finding]]], Callable[[Document], list[Finding]]]:
    def register(func: Callable[[Document], list[Finding]]) -> Callable[[Document], list[Finding]]:
        RULES.append(Rule(rule_id, title_ko, title_en, func))
        return func

    return register


def check_document(document: Document) -> list[RuleResult]:
    """Run every machine-checkable rule over ``document``, in checklist order."""
    return [RuleResult(rule, rule.check(document)) for rule in RULES]


def _is_snake(name: str) -> bool:
    """Whether ``name`` is lower snake_case.

    >>> _is_snake("created_at"), _is_snake("createdAt"), _is_snake("Created")
    (True, False, False)
    """
    return bool(_SNAKE.match(name))


def _is_string(type_: Any) -> bool:
    """Whether a schema ``type`` allows a string (3.1 allows a list of types).

    >>> _is_string("string"), _is_string(["string", "null"]), _is_string("integer")
    (True, True, False)
    """
    return type_ == "string" or (isinstance(type_, list) and "string" in type_)


def _responses(op: Operation, document: Document) -> Iterator[tuple[str, dict[str, Any]]]:
    for status, response in (op.node.get("responses") or {}).items():
        response = resolve(document, response)
        if isinstance(response, dict):
            yield str(status), response


def _headers(response: dict[str, Any]) -> set[str]:
    return {str(name).lower() for name in (response.get("headers") or {})}


def _is_keyed(op: Operation, document: Document) -> bool:
    security = op.node.get("security", document.get("security"))
    return isinstance(security, list) and any(bool(req) for req in security)


def _version_prefixed_servers(document: Document) -> bool:
    servers = document.get("servers") or []
    return bool(servers) and all(
        _VERSION_SEGMENT.match(str(s.get("url", "")).rstrip("/").rsplit("/", 1)[-1])
        for s in servers
        if isinstance(s, dict)
    )


def _property_names(document: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for where, node in schemas(document):
        for name, child in (node.get("properties") or {}).items():
            yield f"{where}.{name}", str(name), child if isinstance(child, dict) else {}


# --- naming and versioning -------------------------------------------------------------------


@_rule("VER-01", "모든 경로는 /v{N} 아래에 둔다", "Every path is under a /v{N} prefix")
def check_version_prefix(document: Document) -> list[Finding]:
    """VER-01: the first path segment is ``v1``, ``v2``… (or every server URL ends in one)."""
    if _version_prefixed_servers(document):
        return []
    findings = []
    for path in document.get("paths") or {}:
        first = str(path).strip("/").split("/", 1)[0]
        if _VERSION_SEGMENT.match(first):
            continue
        if str(path).rstrip("/") in _PROBES:
            findings.append(Finding(path, "operational probe outside /v{N} (allowed)", "warn"))
        else:
            findings.append(Finding(path, "path is not under a /v{N} version prefix"))
    return findings


@_rule("NAM-01", "경로는 소문자·하이픈, 매개변수는 {snake_case}", "Lowercase kebab-case paths")
def check_path_segments(document: Document) -> list[Finding]:
    """NAM-01: path segments are lowercase words joined by hyphens; templates are snake_case."""
    findings = []
    for path in document.get("paths") or {}:
        bad = [s for s in str(path).strip("/").split("/") if s and not _PATH_SEGMENT.match(s)]
        if bad:
            findings.append(Finding(path, f"segments not lowercase kebab-case: {', '.join(bad)}"))
    return findings


@_rule("NAM-03", "필드·매개변수 이름은 snake_case", "Fields and parameters are snake_case")
def check_snake_case_names(document: Document) -> list[Finding]:
    """NAM-03: every query/path parameter and every schema property is snake_case."""
    findings = []
    for op in operations(document):
        for param in op.parameters:
            name = str(param.get("name", ""))
            if param.get("in") in ("query", "path") and not _is_snake(name):
                findings.append(Finding(f"{op.where} parameter {name}", "not snake_case"))
    seen: set[str] = set()
    for where, name, _ in _property_names(document):
        if not _is_snake(name) and where not in seen:
            seen.add(where)
            findings.append(Finding(where, "property name is not snake_case"))
    return findings


@_rule("NAM-04", "operationId는 모든 작업에 있고 유일하다", "Every operation has a unique id")
def check_operation_ids(document: Document) -> list[Finding]:
    """NAM-04: every operation has an ``operationId`` and no two share one."""
    findings, first = [], dict[str, str]()
    for op in operations(document):
        op_id = op.node.get("operationId")
        if not op_id:
            findings.append(Finding(op.where, "no operationId"))
        elif op_id in first:
            findings.append(Finding(op.where, f"operationId {op_id!r} also on {first[op_id]}"))
        else:
            first[op_id] = op.where
    return findings


@_rule("NAM-05", "operationId는 snake_case 동사구", "operationIds are snake_case")
def check_operation_id_case(document: Document) -> list[Finding]:
    """NAM-05: operation ids are snake_case (``list_occupations``, ``get_occupation``)."""
    return [
        Finding(op.where, f"operationId {op.node['operationId']!r} is not snake_case")
        for op in operations(document)
        if op.node.get("operationId") and not _is_snake(str(op.node["operationId"]))
    ]


@_rule("DOC-01", "모든 작업에 summary와 tags", "Every operation has a summary and tags")
def check_summary_and_tags(document: Document) -> list[Finding]:
    """DOC-01: every operation has a non-empty ``summary`` and at least one tag."""
    findings = []
    for op in operations(document):
        missing = [key for key in ("summary", "tags") if not op.node.get(key)]
        if missing:
            findings.append(Finding(op.where, f"missing {' and '.join(missing)}"))
    return findings


@_rule("VER-03", "폐기 예정 작업은 Deprecation·Sunset 헤더", "Deprecated operations send headers")
def check_deprecation_headers(document: Document) -> list[Finding]:
    """VER-03: a ``deprecated`` operation documents ``Deprecation`` and ``Sunset`` on success."""
    findings = []
    for op in operations(document):
        if not op.node.get("deprecated"):
            continue
        for status, response in _responses(op, document):
            if status.startswith("2"):
                missing = {"deprecation", "sunset"} - _headers(response)
                if missing:
                    names = ", ".join(sorted(m.title() for m in missing))
                    findings.append(Finding(f"{op.where} responses.{status}", f"no {names} header"))
    return findings


# --- errors ----------------------------------------------------------------------------------


@_rule("ERR-01", "4xx·5xx 응답은 application/problem+json", "Errors are problem+json")
def check_problem_json(document: Document) -> list[Finding]:
    """ERR-01: every declared 4xx/5xx response (and ``default``) has problem+json content."""
    findings = []
    for op in operations(document):
        for status, response in _responses(op, document):
            is_error = status[:1] in ("4", "5") or status == "default"
            if is_error and _PROBLEM not in (response.get("content") or {}):
                where = f"{op.where} responses.{status}"
                findings.append(Finding(where, f"no {_PROBLEM} content"))
    return findings


@_rule("ERR-04", "요청 ID 헤더를 문서화한다", "A request id header is documented")
def check_request_id(document: Document) -> list[Finding]:
    """ERR-04: some response documents ``X-Request-Id`` (or ``Request-Id``); a warning if not."""
    for op in operations(document):
        for _, response in _responses(op, document):
            if _headers(response) & {"x-request-id", "request-id"}:
                return []
    return [Finding("(document)", "no response documents an X-Request-Id header", "warn")]


# --- pagination, dates, caching --------------------------------------------------------------


def _returns_array(op: Operation, document: Document) -> bool:
    for status, response in _responses(op, document):
        if status.startswith("2"):
            for content in (response.get("content") or {}).values():
                schema = resolve(document, (content or {}).get("schema"))
                if isinstance(schema, dict) and schema.get("type") == "array":
                    return True
    return False


@_rule("PAG-01", "목록 작업은 limit와 cursor", "List operations take limit and cursor")
def check_pagination(document: Document) -> list[Finding]:
    """PAG-01: GET operations that list (array response, ``list_``/``search_`` id) take a cursor."""
    findings = []
    for op in operations(document):
        op_id = str(op.node.get("operationId", ""))
        if op.method != "get":
            continue
        if not (_LIST_NAME.match(op_id) or _returns_array(op, document)):
            continue
        names = {p.get("name") for p in op.parameters if p.get("in") == "query"}
        missing = [n for n in ("limit", "cursor") if n not in names]
        if missing:
            findings.append(Finding(op.where, f"list operation without {', '.join(missing)}"))
    return findings


@_rule("DAT-01", "날짜·시각 필드는 format: date / date-time", "Dates declare their format")
def check_date_formats(document: Document) -> list[Finding]:
    """DAT-01: ``*_at``/``*_time`` strings are ``date-time``; ``*_date`` strings are ``date``."""
    findings = []
    for where, name, schema in _property_names(document):
        variants = [schema, *(schema.get("anyOf") or []), *(schema.get("oneOf") or [])]
        strings = [v for v in variants if isinstance(v, dict) and _is_string(v.get("type"))]
        if not strings:
            continue
        formats = {v.get("format") for v in strings}
        if _DATETIME_NAME.search(name) and "date-time" not in formats:
            findings.append(Finding(where, "a date-time field without format: date-time"))
        elif _DATE_NAME.search(name) and not formats & {"date", "date-time"}:
            findings.append(Finding(where, "a date field without format: date"))
    return findings


@_rule("CAC-01", "단건 조회는 ETag를 보낸다", "Single-resource reads send an ETag")
def check_etag(document: Document) -> list[Finding]:
    """CAC-01: a GET of one resource (path ends in ``{id}``) documents ``ETag``; a warning."""
    findings = []
    for op in operations(document):
        if op.method != "get" or not op.path.rstrip("/").endswith("}"):
            continue
        ok = [r for s, r in _responses(op, document) if s == "200" and "etag" in _headers(r)]
        if not ok:
            findings.append(Finding(f"{op.where} responses.200", "no ETag header", "warn"))
    return findings


# --- auth and quotas -------------------------------------------------------------------------


@_rule("AUT-01", "보안 스킴을 선언한다", "Security schemes are declared")
def check_security_schemes(document: Document) -> list[Finding]:
    """AUT-01: ``components.securitySchemes`` declares at least one scheme."""
    if (document.get("components") or {}).get("securitySchemes"):
        return []
    return [Finding("components.securitySchemes", "no security scheme declared")]


@_rule("AUT-02", "모든 작업은 security를 밝힌다", "Every operation states its security")
def check_operation_security(document: Document) -> list[Finding]:
    """AUT-02: each operation has ``security`` (its own or the document's); ``[]`` means public.

    A requirement must name a declared scheme.
    """
    declared = set((document.get("components") or {}).get("securitySchemes") or {})
    findings = []
    for op in operations(document):
        security = op.node.get("security", document.get("security"))
        if security is None:
            findings.append(Finding(op.where, "no security; use security: [] for a public one"))
            continue
        for requirement in security:
            for scheme in requirement or {}:
                if scheme not in declared:
                    findings.append(Finding(op.where, f"undeclared security scheme {scheme!r}"))
    return findings


@_rule("QUO-01", "키가 필요한 작업은 429와 Retry-After", "Keyed operations declare 429")
def check_too_many_requests(document: Document) -> list[Finding]:
    """QUO-01: an operation that needs a key declares a 429 response with ``Retry-After``."""
    findings = []
    for op in operations(document):
        if not _is_keyed(op, document):
            continue
        responses = dict(_responses(op, document))
        if "429" not in responses:
            findings.append(Finding(f"{op.where} responses", "no 429 response"))
        elif "retry-after" not in _headers(responses["429"]):
            findings.append(Finding(f"{op.where} responses.429", "no Retry-After header"))
    return findings


@_rule("QUO-02", "키가 필요한 작업은 RateLimit 헤더", "Keyed operations send RateLimit headers")
def check_rate_limit_headers(document: Document) -> list[Finding]:
    """QUO-02: success responses of keyed operations document ``RateLimit-*`` headers."""
    findings = []
    for op in operations(document):
        if not _is_keyed(op, document):
            continue
        for status, response in _responses(op, document):
            if status.startswith("2") and not any(
                h.startswith("ratelimit") for h in _headers(response)
            ):
                where = f"{op.where} responses.{status}"
                findings.append(Finding(where, "no RateLimit-Limit/-Remaining/-Reset headers"))
    return findings


# --- personal data and licence ---------------------------------------------------------------


@_rule("PII-01", "주민등록번호 필드 금지(키 해시만)", "No resident registration numbers")
def check_no_rrn(document: Document) -> list[Finding]:
    """PII-01: no parameter or property is named like an RRN unless it is a hashed form."""
    findings = []
    for op in operations(document):
        for param in op.parameters:
            name = str(param.get("name", ""))
            if _RRN.search(name) and not _HASHED.search(name):
                where = f"{op.where} parameter {name}"
                findings.append(Finding(where, "a resident registration number parameter"))
    for where, name, _ in _property_names(document):
        if _RRN.search(name) and not _HASHED.search(name):
            findings.append(Finding(where, "a resident registration number field"))
    return list({f.where: f for f in findings}.values())


@_rule("PII-02", "개인정보를 URL에 넣지 않는다", "No personal data in URLs")
def check_no_pii_in_urls(document: Document) -> list[Finding]:
    """PII-02: no path or query parameter carries e-mail, phone or birth date."""
    return [
        Finding(f"{op.where} parameter {p.get('name')}", f"personal data in the {p.get('in')}")
        for op in operations(document)
        for p in op.parameters
        if p.get("in") in ("path", "query") and _URL_PII.search(str(p.get("name", "")))
    ]


@_rule("LIC-01", "info.license를 밝힌다", "The document states its licence")
def check_licence(document: Document) -> list[Finding]:
    """LIC-01: ``info.license`` has a name and a URL or SPDX identifier."""
    licence = (document.get("info") or {}).get("license") or {}
    if licence.get("name") and (licence.get("url") or licence.get("identifier")):
        return []
    return [Finding("info.license", "no licence name with a url or identifier")]


@_rule("LIC-02", "info.contact를 밝힌다", "The document states a contact")
def check_contact(document: Document) -> list[Finding]:
    """LIC-02: ``info.contact`` has an e-mail address or a URL."""
    contact = (document.get("info") or {}).get("contact") or {}
    if contact.get("email") or contact.get("url"):
        return []
    return [Finding("info.contact", "no contact email or url")]
