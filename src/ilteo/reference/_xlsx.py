"""A small reader for ``.xlsx`` worksheets (Office Open XML), enough to convert published tables.

Cells come back as text the way a spreadsheet library would print them: shared and inline strings
as they are, numbers as integers when whole and otherwise as Python's shortest ``repr``, booleans
as ``TRUE``/``FALSE``. Styles (and so dates) are ignored: the published tables here carry none.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


class XlsxError(ValueError):
    """The workbook is not a readable ``.xlsx`` or lacks the requested sheet."""


def _parse(data: bytes) -> ET.Element:
    # The standard library's expat parser resolves no external entities and, since expat 2.4.1,
    # limits entity expansion, so parsing a downloaded workbook part is safe here.
    return ET.fromstring(data)  # noqa: S314 - see the comment above


def format_number(text: str) -> str:
    """Print a numeric cell value as a whole number when it is one, else as Python's ``repr``.

    >>> format_number("3"), format_number("3.0"), format_number("0.125"), format_number("1E-3")
    ('3', '3', '0.125', '0.001')
    >>> format_number("0.82000000000000006")
    '0.8200000000000001'
    """
    stripped = text.strip()
    if re.fullmatch(r"-?\d+", stripped):
        return str(int(stripped))
    value = float(stripped)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def column_index(ref: str) -> int:
    """Zero-based column of a cell reference.

    >>> column_index("A1"), column_index("Z9"), column_index("AA10")
    (0, 25, 26)
    """
    match = _CELL_REF.match(ref)
    if match is None:
        raise XlsxError(f"bad cell reference {ref!r}")
    index = 0
    for letter in match.group(1):
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def sheet_names(path: Path) -> list[str]:
    """Names of the worksheets, in workbook order."""
    with zipfile.ZipFile(path) as book:
        return [name for name, _ in _sheets(book)]


def _sheets(book: zipfile.ZipFile) -> list[tuple[str, str]]:
    try:
        workbook = _parse(book.read("xl/workbook.xml"))
        rels = _parse(book.read("xl/_rels/workbook.xml.rels"))
    except KeyError as exc:
        raise XlsxError(f"not an xlsx workbook ({exc})") from exc
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    sheets = []
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        sheets.append((sheet.get("name", ""), posixpath.normpath(part)))
    return sheets


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    try:
        root = _parse(book.read("xl/sharedStrings.xml"))
    except KeyError:
        return []
    strings = []
    for item in root.iter(f"{_MAIN}si"):
        # Phonetic runs (rPh) are reading aids, not part of the text.
        texts = [t.text or "" for t in item.iter(f"{_MAIN}t")]
        phonetic = {id(t) for ph in item.iter(f"{_MAIN}rPh") for t in ph.iter(f"{_MAIN}t")}
        if phonetic:
            texts = [t.text or "" for t in item.iter(f"{_MAIN}t") if id(t) not in phonetic]
        strings.append("".join(texts))
    return strings


def _cell_text(cell: ET.Element, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{_MAIN}t"))
    value = cell.find(f"{_MAIN}v")
    text = value.text if value is not None and value.text is not None else ""
    if kind == "s":
        return shared[int(text)] if text else ""
    if kind == "b":
        return "TRUE" if text.strip() == "1" else "FALSE"
    if kind == "n" and text:
        return format_number(text)
    return text


def read_sheet(path: Path, sheet: str | None = None) -> list[list[str]]:
    """All rows of a worksheet as text (gaps filled with ``""``; empty trailing rows dropped).

    Args:
        path: The ``.xlsx`` file.
        sheet: Worksheet name; the first worksheet when ``None``.

    Raises:
        XlsxError: Not an xlsx file, or no such sheet.
    """
    try:
        book = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise XlsxError(f"not an xlsx workbook ({exc})") from exc
    with book:
        sheets = _sheets(book)
        if not sheets:
            raise XlsxError("the workbook has no worksheet")
        if sheet is None:
            part = sheets[0][1]
        else:
            parts = dict(sheets)
            if sheet not in parts:
                names = ", ".join(name for name, _ in sheets)
                raise XlsxError(f"no worksheet {sheet!r} (worksheets: {names})")
            part = parts[sheet]
        shared = _shared_strings(book)
        root = _parse(book.read(part))
    rows: list[list[str]] = []
    for row in root.iter(f"{_MAIN}row"):
        number = int(row.get("r", len(rows) + 1))
        while len(rows) < number - 1:
            rows.append([])
        values: list[str] = []
        for position, cell in enumerate(row.iter(f"{_MAIN}c")):
            ref = cell.get("r")
            index = column_index(ref) if ref else position
            while len(values) < index:
                values.append("")
            values.append(_cell_text(cell, shared))
        rows.append(values)
    while rows and not any(rows[-1]):
        rows.pop()
    return rows
