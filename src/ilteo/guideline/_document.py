"""Load an OpenAPI 3.x document from a URL or a file and walk its operations and schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ilteo.core.errors import InvalidInputError

#: HTTP methods that carry an OpenAPI operation object.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: The largest document accepted (bytes): larger is almost certainly not an API description.
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Operation:
    """One operation of the document with its path and merged parameters."""

    method: str
    path: str
    node: dict[str, Any]
    parameters: list[dict[str, Any]]

    @property
    def where(self) -> str:
        """Where the operation is, for a report: ``GET /v1/things``."""
        return f"{self.method.upper()} {self.path}"


def load_document(source: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """Read and parse an OpenAPI 3.x document from an http(s) URL or a file path.

    Args:
        source: An ``http://`` or ``https://`` URL, or a path to a JSON or YAML file.
        timeout: Seconds to wait for the server (connect and each read).

    Returns:
        The parsed document.

    Raises:
        InvalidInputError: The source cannot be read, is not JSON or YAML, or is not OpenAPI 3.x.
    """
    if source.startswith(("http://", "https://")):
        text = _fetch(source, timeout)
    elif "://" in source:
        raise InvalidInputError(f"{source}: only http(s) URLs and file paths can be checked")
    else:
        path = Path(source)
        if not path.is_file():
            raise InvalidInputError(f"{source}: no such file")
        if path.stat().st_size > MAX_BYTES:
            raise InvalidInputError(f"{source}: larger than {MAX_BYTES // 1024 // 1024} MB")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"{source}: cannot be read as UTF-8 text ({exc})") from exc
    return _parse(text, source)


def _fetch(url: str, timeout: float) -> str:
    import httpx

    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise InvalidInputError(f"{url}: unreachable ({type(exc).__name__}: {exc})") from exc
    if response.status_code != 200:
        raise InvalidInputError(f"{url}: the server answered HTTP {response.status_code}")
    if len(response.content) > MAX_BYTES:
        raise InvalidInputError(f"{url}: larger than {MAX_BYTES // 1024 // 1024} MB")
    return response.text


def _parse(text: str, source: str) -> dict[str, Any]:
    import yaml

    document: Any
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidInputError(f"{source}: neither JSON nor YAML ({exc})") from exc
    if not isinstance(document, dict):
        raise InvalidInputError(f"{source}: not an OpenAPI document (not a JSON or YAML object)")
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        if "swagger" in document:
            found = f"is swagger {document['swagger']}"
        else:
            found = "is missing" if version is None else f"is {version!r}"
        raise InvalidInputError(
            f"{source}: not an OpenAPI 3.x document (the 'openapi' field {found})"
        )
    if not isinstance(document.get("paths", {}), dict):
        raise InvalidInputError(f"{source}: 'paths' is not an object")
    return document


def resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref`` pointers (``#/components/...``) until a real node is reached.

    >>> resolve({"a": {"b": 1}}, {"$ref": "#/a/b"})
    1
    """
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
        ref: str = node["$ref"]
        if not ref.startswith("#/"):
            return {}  # a remote reference is out of scope: treat it as an empty node
        target: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        node = target if target is not None else {}
        seen += 1
    return node


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    """Every operation of the document, with path-level parameters merged in."""
    for path, item in (document.get("paths") or {}).items():
        item = resolve(document, item)
        if not isinstance(item, dict):
            continue
        shared = [resolve(document, p) for p in item.get("parameters") or []]
        for method in METHODS:
            node = item.get(method)
            if not isinstance(node, dict):
                continue
            own = [resolve(document, p) for p in node.get("parameters") or []]
            names = {(p.get("name"), p.get("in")) for p in own if isinstance(p, dict)}
            merged = own + [
                p
                for p in shared
                if isinstance(p, dict) and (p.get("name"), p.get("in")) not in names
            ]
            yield Operation(method, str(path), node, [p for p in merged if isinstance(p, dict)])


def schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the document (components and inline), with where it is.

    ``$ref`` nodes are not followed: the component they point at is visited once, by name.
    """
    roots: list[tuple[str, Any]] = [
        (f"components.schemas.{name}", schema)
        for name, schema in ((document.get("components") or {}).get("schemas") or {}).items()
    ]
    for op in operations(document):
        for param in op.parameters:
            roots.append((f"{op.where} parameter {param.get('name')}", param.get("schema")))
        body = resolve(document, op.node.get("requestBody"))
        for media, content in ((body or {}).get("content") or {}).items():
            roots.append((f"{op.where} requestBody {media}", (content or {}).get("schema")))
        for status, response in (op.node.get("responses") or {}).items():
            response = resolve(document, response)
            for media, content in ((response or {}).get("content") or {}).items():
                roots.append((f"{op.where} {status} {media}", (content or {}).get("schema")))
    for where, root in roots:
        yield from _walk(where, root, 0)


def _walk(where: str, node: Any, depth: int) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(node, dict) or "$ref" in node or depth > 30:
        return
    yield where, node
    for name, child in (node.get("properties") or {}).items():
        yield from _walk(f"{where}.{name}", child, depth + 1)
    for key in ("items", "additionalProperties", "not"):
        yield from _walk(f"{where}[]" if key == "items" else where, node.get(key), depth + 1)
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        for child in node.get(key) or []:
            yield from _walk(where, child, depth + 1)
