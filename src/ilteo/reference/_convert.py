"""Turn downloaded origin files into the exact files of the shared layout.

One converter per origin kind (raw text, xlsx sheet, R data frame, O*NET text member); every
delimited output is written with the declared separator, encoding, line end and final line end.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ilteo.reference._rdata import RDataError, data_frame, read_rdata
from ilteo.reference._xlsx import XlsxError, format_number, read_sheet
from ilteo.reference.spec import DataFile, OnetTextMember, RawFile, RdaObject, XlsxSheet


class ConversionError(ValueError):
    """An origin file cannot be turned into the declared file."""


#: Columns of the O*NET Excel edition that the text edition leaves out, and where to find them:
#: column → (look-up member, key column here, key column there, value column there).
ONET_JOINS: dict[str, tuple[str, str, str, str]] = {
    "Title": ("Occupation Data", "O*NET-SOC Code", "O*NET-SOC Code", "Title"),
    "Related Title": ("Occupation Data", "Related O*NET-SOC Code", "O*NET-SOC Code", "Title"),
    "Scale Name": ("Scales Reference", "Scale ID", "Scale ID", "Scale Name"),
    "Element Name": ("Content Model Reference", "Element ID", "Element ID", "Element Name"),
    "Task": ("Task Statements", "Task ID", "Task ID", "Task"),
    "DWA Title": ("DWA Reference", "DWA ID", "DWA ID", "DWA Title"),
    "IWA Title": ("IWA Reference", "IWA ID", "IWA ID", "IWA Title"),
    "Commodity Title": ("UNSPSC Reference", "Commodity Code", "Commodity Code", "Commodity Title"),
}


def write_delimited(path: Path, rows: Sequence[Sequence[str]], data_file: DataFile) -> None:
    """Write rows (header first) with the file's declared separator, encoding and line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=data_file.separator, lineterminator=data_file.newline)
    writer.writerows(rows)
    text = buffer.getvalue()
    if not data_file.final_newline and text.endswith(data_file.newline):
        text = text[: -len(data_file.newline)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(data_file.encoding))


class Converter:
    """Converts the files of one dataset, parsing each download once."""

    def __init__(self, downloads: dict[str, Path]) -> None:
        self._downloads = downloads
        self._sheets: dict[tuple[str, str | None], list[list[str]]] = {}
        self._rdata: dict[str, dict[str, Any]] = {}
        self._members: dict[tuple[str, str], list[list[str]]] = {}

    def _download(self, url: str) -> Path:
        return self._downloads[url]

    def convert(self, data_file: DataFile, target: Path) -> None:
        """Write ``data_file`` to ``target`` from its origin's download.

        Raises:
            ConversionError: The download does not contain what the declaration expects.
        """
        origin = data_file.origin
        try:
            if isinstance(origin, RawFile):
                self._raw(origin, target)
            elif isinstance(origin, XlsxSheet):
                write_delimited(target, self._xlsx(origin, data_file), data_file)
            elif isinstance(origin, RdaObject):
                write_delimited(target, self._rda(origin), data_file)
            else:
                self._onet(origin, data_file, target)
        except (XlsxError, RDataError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise ConversionError(str(exc)) from exc

    def _raw(self, origin: RawFile, target: Path) -> None:
        data = self._download(origin.url).read_bytes()
        if origin.crlf_to_lf:
            data = data.replace(b"\r\n", b"\n")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def _xlsx(self, origin: XlsxSheet, data_file: DataFile) -> list[list[str]]:
        key = (origin.url, origin.sheet)
        if key not in self._sheets:
            self._sheets[key] = read_sheet(self._download(origin.url), origin.sheet)
        rows = self._sheets[key]
        wanted = [c.name for c in data_file.columns if c.name]
        start = next((i for i, row in enumerate(rows) if all(w in row for w in wanted)), None)
        if start is None:
            raise ConversionError(f"no header row with the columns {wanted} in the worksheet")
        header = list(rows[start])
        while header and header[-1] == "":
            header.pop()
        body = [row[: len(header)] for row in rows[start + 1 :] if any(row)]
        if origin.columns is not None:
            missing = [c for c in origin.columns if c not in header]
            if missing:
                raise ConversionError(f"worksheet lacks the columns {missing}")
            picks = [header.index(c) for c in origin.columns]
            header = list(origin.columns)
            body = [[row[i] if i < len(row) else "" for i in picks] for row in body]
        if origin.distinct:
            body = _distinct(body)
        if origin.trim_trailing_empty:
            body = [_rstrip_empty(row) for row in body]
        else:
            body = [row + [""] * (len(header) - len(row)) for row in body]
        return [header, *body]

    def _rda(self, origin: RdaObject) -> list[list[str]]:
        if origin.url not in self._rdata:
            self._rdata[origin.url] = read_rdata(self._download(origin.url).read_bytes())
        objects = self._rdata[origin.url]
        if origin.name in objects:
            value = objects[origin.name]
        elif len(objects) == 1:
            value = next(iter(objects.values()))
        else:
            raise ConversionError(f"no object {origin.name!r} in the R data file ({list(objects)})")
        names, columns = data_frame(value)
        rows = [
            [_r_text(column[i]) for column in columns]
            for i in range(len(columns[0]) if columns else 0)
        ]
        return [names, *rows]

    def _member(self, url: str, name: str) -> list[list[str]]:
        key = (url, name)
        if key not in self._members:
            with zipfile.ZipFile(self._download(url)) as archive:
                try:
                    text = _decode_text(archive.read(name))
                except KeyError as exc:
                    raise ConversionError(f"the archive has no member {name!r}") from exc
            reader = csv.reader(
                io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE
            )
            self._members[key] = [row for row in reader if row]
        return self._members[key]

    def _onet(self, origin: OnetTextMember, data_file: DataFile, target: Path) -> None:
        if data_file.format == "text":
            with zipfile.ZipFile(self._download(origin.url)) as archive:
                text = _decode_text(archive.read(origin.member))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.replace("\r\n", "\n").encode("utf-8"))
            return
        rows = self._member(origin.url, origin.member)
        if not rows:
            raise ConversionError(f"member {origin.member!r} is empty")
        header, body = rows[0], rows[1:]
        folder = origin.member.rsplit("/", 1)[0]
        columns: list[list[str]] = []
        for column in data_file.columns:
            if column.name in header:
                index = header.index(column.name)
                values = [row[index] if index < len(row) else "" for row in body]
            elif column.name in ONET_JOINS:
                values = self._joined(origin.url, folder, header, body, column.name)
            else:
                raise ConversionError(f"member {origin.member!r} lacks the column {column.name!r}")
            values = ["" if v == "n/a" else v for v in values]
            if column.type in ("int", "float"):
                values = [format_number(v) if v.strip() else "" for v in values]
            columns.append(values)
        out = [[c.name for c in data_file.columns]]
        out += [list(row) for row in zip(*columns, strict=True)]
        write_delimited(target, out, data_file)

    def _joined(self, url: str, folder: str, header: list[str], body: list[list[str]],
                column: str) -> list[str]:  # fmt: skip
        lookup_member, key_here, key_there, value_there = ONET_JOINS[column]
        if key_here not in header:
            raise ConversionError(f"cannot add {column!r}: no {key_here!r} column to join on")
        lookup = self._member(url, f"{folder}/{lookup_member}.txt")
        k, v = lookup[0].index(key_there), lookup[0].index(value_there)
        mapping = {row[k]: row[v] for row in lookup[1:] if len(row) > max(k, v)}
        index = header.index(key_here)
        return [mapping.get(row[index], "") for row in body]


def _decode_text(data: bytes) -> str:
    """Text of an O*NET member: UTF-8 (current releases), else Windows-1252 (older ones).

    >>> _decode_text("café".encode("cp1252")), _decode_text("\ufeffa".encode())
    ('café', 'a')
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _distinct(rows: list[list[str]]) -> list[list[str]]:
    """Rows without repeats, first occurrences in order.

    >>> _distinct([["a"], ["b"], ["a"], ["c"]])
    [['a'], ['b'], ['c']]
    """
    seen: set[tuple[str, ...]] = set()
    kept = []
    for row in rows:
        if tuple(row) not in seen:
            seen.add(tuple(row))
            kept.append(row)
    return kept


def _rstrip_empty(row: list[str]) -> list[str]:
    """A row without its empty trailing cells.

    >>> _rstrip_empty(["a", "", "b", "", ""])
    ['a', '', 'b']
    """
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end]


def _r_text(value: Any) -> str:
    """An R value as CSV text: NA empty, whole doubles as ``1.0`` (as pandas writes them).

    >>> _r_text(None), _r_text(3), _r_text(2.0), _r_text(True), _r_text("가")
    ('', '3', '2.0', 'TRUE', '가')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)
    return str(value)
