"""``ilteo reference fetch`` end to end against a real local HTTP server (no mocks).

The server serves files *in each origin's own format*, built here from the shared copies: the O*NET
text-database zip with O*NET's file names (tab-delimited, without the Excel-only columns, numbers as
the text edition prints them), ``.xlsx`` workbooks for the spreadsheet origins, gzip'd R ``.rda``
files for KSIC, and the raw files at their pinned-commit paths.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import struct
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

import pytest
from typer.testing import CliRunner

from ilteo.cli import reference as reference_cli
from ilteo.core.db import upgrade
from ilteo.core.errors import DataUnavailableError, InvalidInputError
from ilteo.core.settings import Settings
from ilteo.reference import fetch_datasets, list_datasets, list_events, load
from ilteo.reference.spec import DataFile, Dataset, OnetTextMember, RawFile, RdaObject, XlsxSheet

# --- origin files, built from the shared copies -----------------------------------------------


def _rows(path: Path, separator: str) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))


def _is_number(value: str) -> bool:
    """Values a spreadsheet would hold as numbers (and print back exactly the same)."""
    if re.fullmatch(r"-?(0|[1-9]\d{0,14})", value):
        return True
    try:
        number = float(value)
    except ValueError:
        return False
    return "." in value and repr(number) == value and abs(number) < 1e15


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xlsx(sheets: dict[str, list[list[str]]]) -> bytes:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    shared: dict[str, int] = {}

    def cell(ref: str, value: str) -> str:
        if value == "":
            return ""
        if value in ("TRUE", "FALSE"):
            return f'<c r="{ref}" t="b"><v>{int(value == "TRUE")}</v></c>'
        if _is_number(value):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="s"><v>{shared.setdefault(value, len(shared))}</v></c>'

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        entries, rels = [], []
        for number, (name, rows) in enumerate(sheets.items(), start=1):
            body = "".join(
                f'<row r="{r}">'
                + "".join(cell(f"{_column(c)}{r}", v) for c, v in enumerate(row))
                + "</row>"
                for r, row in enumerate(rows, start=1)
            )
            book.writestr(
                f"xl/worksheets/sheet{number}.xml",
                f'<worksheet xmlns="{main}"><sheetData>{body}</sheetData></worksheet>',
            )
            entries.append(f'<sheet name="{escape(name)}" sheetId="{number}" r:id="rId{number}"/>')
            rels.append(
                f'<Relationship Id="rId{number}" Type="{rel}/worksheet" '
                f'Target="worksheets/sheet{number}.xml"/>'
            )
        strings = "".join(
            f'<si><t xml:space="preserve">{escape(s, {chr(13): "&#13;"})}</t></si>' for s in shared
        )
        book.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}">{strings}</sst>')
        rels.append(
            f'<Relationship Id="rIdS" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
        )
        book.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}">'
            f"<sheets>{''.join(entries)}</sheets></workbook>",
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels)
            + "</Relationships>",
        )
    return buffer.getvalue()


class _RWriter:
    """Writes a data frame the way R's ``save()`` does (XDR, version 2, gzip)."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.refs: dict[str, int] = {}

    def int(self, value: int) -> None:
        self.out += struct.pack(">i", value)

    def char(self, text: str | None) -> None:
        if text is None:
            self.int(9)
            self.int(-1)
            return
        raw = text.encode()
        self.int(9 | (1 << 18 if text.isascii() else 1 << 15))  # ASCII or UTF-8 mark
        self.int(len(raw))
        self.out += raw

    def symbol(self, name: str) -> None:
        if name in self.refs:
            self.int((self.refs[name] << 8) | 255)
            return
        self.int(1)
        self.char(name)
        self.refs[name] = len(self.refs) + 1

    def strings(self, values: list[str | None]) -> None:
        self.int(16)
        self.int(len(values))
        for value in values:
            self.char(value)

    def attributes(self, pairs: list[tuple[str, Any]]) -> None:
        for name, write in pairs:
            self.int(2 | (1 << 10))
            self.symbol(name)
            write()
        self.int(254)

    def column(self, values: list[str], kind: str) -> None:
        if kind == "int":
            self.int(13)
            self.int(len(values))
            for value in values:
                self.int(int(value) if value else -(2**31))
        elif kind == "factor":
            levels = sorted(set(values))
            self.int(13 | (1 << 8) | (1 << 9))
            self.int(len(values))
            for value in values:
                self.int(levels.index(value) + 1)
            self.attributes([("levels", lambda: self.strings(list(levels))),
                             ("class", lambda: self.strings(["factor"]))])  # fmt: skip
        else:
            self.strings([v if v != "" else None for v in values])

    def data_frame(self, name: str, header: list[str], rows: list[list[str]],
                   kinds: dict[str, str]) -> bytes:  # fmt: skip
        self.out += b"RDX2\nX\n"
        for value in (2, 0x040203, 0x020300):
            self.int(value)
        self.int(2 | (1 << 10))
        self.symbol(name)
        self.int(19 | (1 << 8) | (1 << 9))
        self.int(len(header))
        for index, column in enumerate(header):
            self.column([row[index] for row in rows], kinds.get(column, "str"))
        self.attributes([
            ("names", lambda: self.strings(list(header))),
            ("class", lambda: self.strings(["data.frame"])),
            ("row.names", lambda: (self.int(13), self.int(2), self.int(-(2**31)),
                                   self.int(-len(rows)))),
        ])  # fmt: skip
        self.int(254)
        return gzip.compress(bytes(self.out))


def _text_number(value: str) -> str:
    """A number as the O*NET text edition prints it (at least two decimals, zero-padded)."""
    if not value or ("." not in value and not value.lstrip("-").isdigit()):
        return value
    whole, _, fraction = value.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def _onet_member(source: Path, data_file: DataFile) -> str:
    rows = _rows(source, "\t")
    header = rows[0]
    drop = set()
    if data_file.path != "occupation_data.tsv" and "O*NET-SOC Code" in header:
        drop |= {"Title", "Related Title"}
    if data_file.path != "scales_reference.tsv" and "Scale ID" in header:
        drop.add("Scale Name")
    floats = {c.name for c in data_file.columns if c.type == "float"}
    keep = [i for i, name in enumerate(header) if name not in drop]
    lines = ["\t".join(header[i] for i in keep)]
    for row in rows[1:]:
        cells = []
        for i in keep:
            value = row[i]
            if header[i] in floats:
                value = _text_number(value)
            if header[i] == "Not Relevant" and value == "":
                value = "n/a"
            cells.append(value)
        lines.append("\t".join(cells))
    return "\r\n".join(lines) + "\r\n"


def build_origins(root: Path, datasets: list[Dataset], shared: Path) -> None:
    """Write every origin file of ``datasets`` (from the copies in ``shared``) under ``root``."""
    books: dict[str, dict[str, list[list[str]]]] = {}
    archives: dict[str, dict[str, str]] = {}

    def target(url: str) -> Path:
        path = root / unquote(urlsplit(url).path).lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    for spec in datasets:
        for data_file in spec.files:
            source = shared / spec.folder / data_file.path
            origin = data_file.origin
            if isinstance(origin, RawFile):
                data = source.read_bytes()
                target(origin.url).write_bytes(
                    data.replace(b"\n", b"\r\n") if origin.crlf_to_lf else data
                )
            elif isinstance(origin, XlsxSheet) and origin.columns is None:
                rows = _rows(source, data_file.separator)
                if data_file.path.startswith("bls_onet_soc_to_nem"):
                    rows = [["O*NET-SOC to NEM crosswalk"], ["as of 9/6/2023"], [""], [""], *rows]
                books.setdefault(origin.url, {})[origin.sheet or "Sheet1"] = rows
            elif isinstance(origin, RdaObject):
                rows = _rows(source, ",")
                kinds = {c.name: "int" for c in data_file.columns if c.type == "int"}
                kinds["ksic_C"] = "factor"
                data = _RWriter().data_frame(origin.name, rows[0], rows[1:], kinds)
                target(origin.url).write_bytes(data)
            elif isinstance(origin, OnetTextMember):
                text = (
                    source.read_text(encoding="utf-8")
                    if data_file.format == "text"
                    else _onet_member(source, data_file)
                )
                archives.setdefault(origin.url, {})[origin.member] = text
    for url, sheets in books.items():
        target(url).write_bytes(_xlsx(sheets))
    for url, members in archives.items():
        with zipfile.ZipFile(target(url), "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for member, text in members.items():
                archive.writestr(member, text.encode("utf-8"))


# --- a real HTTP server on 127.0.0.1 ---------------------------------------------------------


@dataclass
class OriginServer:
    """A local mirror of the origins; ``truncate`` paths are cut short mid-body."""

    root: Path
    shared: Path
    url: str = ""
    truncate: set[str] = field(default_factory=set)

    def build(self, dataset_ids: list[str] | None = None) -> list[Dataset]:
        chosen = [d for d in list_datasets() if dataset_ids is None or d.id in dataset_ids]
        build_origins(self.root, chosen, self.shared)
        return chosen

    def path_of(self, url: str) -> Path:
        return self.root / unquote(urlsplit(url).path).lstrip("/")


@pytest.fixture
def origin_server(tmp_path: Path, settings: Settings) -> Iterator[OriginServer]:
    assert settings.reference_dir is not None
    server_state = OriginServer(tmp_path / "origin", settings.reference_dir)
    server_state.root.mkdir()

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(server_state.root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            if path not in server_state.truncate:
                super().do_GET()
                return
            data = (server_state.root / path.lstrip("/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server_state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _leftovers(dest: Path) -> list[Path]:
    return [p for p in dest.iterdir() if p.name.startswith(".")] if dest.exists() else []


# --- tests ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_fetch_every_dataset_and_load_it_like_the_shared_copy(
    tmp_path: Path, settings: Settings, origin_server: OriginServer
) -> None:
    datasets = origin_server.build()
    dest = tmp_path / "dest"

    results = fetch_datasets(None, dest=dest, mirror=origin_server.url, settings=settings)

    assert {r.dataset for r in results} == {d.id for d in datasets}
    assert not _leftovers(dest)
    fetched = Settings(env="dev", home=tmp_path / "fetched-home", reference_dir=dest)
    for spec in datasets:
        assert (dest / spec.folder / "FETCHED.json").is_file()
        assert (dest / spec.folder / "PROVENANCE.md").is_file()
        for table in spec.tables():
            mine, shared = load(spec.id, table, fetched), load(spec.id, table, settings)
            assert mine.equals(shared), f"{spec.id}/{table} differs from the shared copy"
    by_id = {r.dataset: r for r in results}
    # Byte-stable origins and the O*NET conversion reproduce the shared files exactly.
    for dataset_id in ("ksco8", "onet", "crosswalks", "eloundou_gpts", "petitions", "kdt_courses"):
        data_files = [f for f in by_id[dataset_id].files if not f.path.endswith(".txt")]
        assert all(f.matches_declaration for f in data_files), dataset_id
    ksic11 = next(f for f in by_id["ksic"].files if f.path == "ksic11_codes_full.csv")
    assert ksic11.matches_declaration  # CRLF in the origin, LF in the layout


def test_fetch_replaces_a_folder_and_keeps_its_provenance(
    tmp_path: Path, settings: Settings, origin_server: OriginServer
) -> None:
    origin_server.build(["ksco8"])
    upgrade(settings)
    dest = tmp_path / "dest"
    folder = dest / "ksco8-korean-occupation-codes"
    folder.mkdir(parents=True)
    (folder / "PROVENANCE.md").write_text("curated provenance\n", encoding="utf-8")
    (folder / "stale.csv").write_text("old\n", encoding="utf-8")

    [result] = fetch_datasets(["ksco8"], dest=dest, mirror=origin_server.url, settings=settings)

    assert result.files[0].matches_declaration
    assert (folder / "PROVENANCE.md").read_text(encoding="utf-8") == "curated provenance\n"
    assert not (folder / "stale.csv").exists()
    [event] = list_events(settings, dataset="ksco8")
    assert event.action == "fetch"
    assert event.source_url is not None
    assert event.source_url.startswith(origin_server.url)
    assert event.sha256 == result.files[0].sha256
    assert event.rows == 728
    assert (
        load("ksco8", settings=Settings(env="dev", home=tmp_path / "h", reference_dir=dest)).height
        == 728
    )


def test_truncated_download_is_a_clear_error_and_writes_nothing(
    tmp_path: Path, settings: Settings, origin_server: OriginServer
) -> None:
    [spec] = origin_server.build(["ksco8"])
    origin_server.truncate.add(unquote(urlsplit(spec.files[0].origin.url).path))
    dest = tmp_path / "dest"

    with pytest.raises(DataUnavailableError) as caught:
        fetch_datasets(["ksco8"], dest=dest, mirror=origin_server.url, settings=settings)

    message = caught.value.detail
    assert "ksco8" in message
    assert "truncated" in message or "interrupted" in message
    assert not (dest / spec.folder).exists()
    assert not _leftovers(dest)


def test_corrupted_origin_fails_the_checksum_and_writes_nothing(
    tmp_path: Path, settings: Settings, origin_server: OriginServer
) -> None:
    [spec] = origin_server.build(["ksco8"])
    served = origin_server.path_of(spec.files[0].origin.url)
    served.write_bytes(served.read_bytes().replace("관리자".encode(), "관리사".encode(), 1))
    dest = tmp_path / "dest"

    with pytest.raises(DataUnavailableError, match=r"ksco8.*wrong sha256"):
        fetch_datasets(["ksco8"], dest=dest, mirror=origin_server.url, settings=settings)

    assert not (dest / spec.folder).exists()
    assert not _leftovers(dest)


def test_missing_origin_file_is_named(
    tmp_path: Path, settings: Settings, origin_server: OriginServer
) -> None:
    with pytest.raises(DataUnavailableError, match=r"HTTP 404"):
        fetch_datasets(["ksco8"], dest=tmp_path / "d", mirror=origin_server.url, settings=settings)


def test_unknown_dataset_and_bad_mirror_are_invalid_input(
    settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError, match="nope"):
        fetch_datasets(["nope"], dest=tmp_path, settings=settings)
    with pytest.raises(InvalidInputError, match="mirror"):
        fetch_datasets(["ksco8"], dest=tmp_path, mirror="ftp://x", settings=settings)


def test_cli_fetch_with_mirror_prints_json(
    tmp_path: Path, settings: Settings, origin_server: OriginServer
) -> None:
    origin_server.build(["ksic"])
    dest = tmp_path / "dest"

    result = CliRunner().invoke(
        reference_cli.app,
        ["fetch", "ksic", "--dest", str(dest), "--mirror", origin_server.url, "--json"],
        obj=settings,
    )

    assert result.exit_code == 0, result.output
    assert '"dataset": "ksic"' in result.stdout
    assert (dest / "ksic-korean-industry-codes" / "ksic_codes_rev9_rev10.csv").is_file()
