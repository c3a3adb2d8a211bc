"""Attachments: each accepted kind by its bytes, each refusal with its reason, names cleaned.

Every file here is built in the test (a PDF by hand, a PNG with zlib and struct, a JPEG header,
DOCX/XLSX/HWPX with zipfile). A real HWP is an OLE compound file that only 한글 writes; the
test builds an OLE header with the HWP file-header signature (what :func:`sniff` reads) and checks
that any other OLE document (a Word 97 ``.doc``) and one with macros are refused.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.desk.attachments import (
    MAX_BYTES,
    MAX_FILES,
    attachments_of,
    check,
    check_all,
    clean_name,
    read,
    sniff,
    store,
)
from ilteo.desk.intake import receive

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NOW = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)


def pdf(body: bytes = b"/Type /Catalog /Pages 2 0 R") -> bytes:
    return (
        b"%PDF-1.7\n1 0 obj\n<< " + body + b" >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def pdf_stream(content: bytes) -> bytes:
    """A PDF with one Flate-compressed stream (a page's content, or an object stream)."""
    packed = zlib.compress(content)
    return (
        b"%PDF-1.7\n3 0 obj\n<< /Type /ObjStm /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\n%%EOF\n"
    )


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xd9"


def zipped(entries: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(stored_first, entries[stored_first], zipfile.ZIP_STORED)
        for name, data in entries.items():
            if name != stored_first:
                archive.writestr(name, data)
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="urn:x"/>'


def docx(**extra: bytes) -> bytes:
    return zipped(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "word/document.xml": "<w:document><w:body>진정서</w:body></w:document>".encode(),
            **extra,
        }
    )


def xlsx() -> bytes:
    return zipped({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"})


def hwpx() -> bytes:
    return zipped(
        {
            "mimetype": b"application/hwp+zip",
            "Contents/section0.xml": "<hs:sec>진정 내용</hs:sec>".encode(),
        },
        stored_first="mimetype",
    )


def hwp() -> bytes:
    """An OLE header and the HWP 5 file-header stream's signature (not a whole document)."""
    name = "FileHeader".encode("utf-16-le")
    return OLE + b"\x00" * 504 + name + b"\x00" * 54 + b"HWP Document File" + b"\x00" * 15


ACCEPTED = [
    ("진정서.pdf", pdf(), "pdf", "application/pdf"),
    ("압축.pdf", pdf_stream(b"BT /F1 12 Tf (wages) Tj ET"), "pdf", "application/pdf"),
    ("사진.png", png(), "png", "image/png"),
    ("사진.JPG", jpeg(), "jpeg", "image/jpeg"),
    ("사진.jpeg", jpeg(), "jpeg", "image/jpeg"),
    ("진정서.hwp", hwp(), "hwp", "application/x-hwp"),
    ("진정서.hwpx", hwpx(), "hwpx", "application/hwp+zip"),
    (
        "진정서.docx",
        docx(),
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "임금.xlsx",
        xlsx(),
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "메모.txt",
        "9월 임금 0원, 10월 임금 0원 <- 체불".encode(),
        "text",
        "text/plain; charset=utf-8",
    ),
]


@pytest.mark.parametrize(("name", "data", "kind", "content_type"), ACCEPTED)
def test_each_accepted_kind_by_its_bytes(
    name: str, data: bytes, kind: str, content_type: str
) -> None:
    checked = check(name, data)
    assert (checked.kind, checked.content_type, checked.size) == (kind, content_type, len(data))
    assert checked.filename == name
    assert len(checked.sha256) == 64


def _bomb() -> bytes:
    # 5 MB of zeros deflate to about 5 KB: a ratio near 1,000 (over MAX_RATIO)
    return docx(**{"word/media/zeros.xml": b"\x00" * (5 * 1024 * 1024)})


REFUSED = [
    ("setup.exe", b"MZ\x90\x00\x03" + b"\x00" * 200, "executables"),
    ("급여명세.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "executables"),
    ("run", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "executables"),
    ("a.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "executables"),
    ("mac.txt", b"\xcf\xfa\xed\xfe" + b"\x00" * 100, "executables"),
    ("run.txt", b"#!/bin/sh\nrm -rf ~\n", "executables"),
    ("page.txt", b"<!DOCTYPE html><html><body>hi</body></html>", "HTML"),
    ("page.txt", b"  < script >alert(1)</script>", "HTML"),
    ("late.txt", b"a" * 10_000 + b"<script>alert(1)</script>", "HTML"),
    ("logo.txt", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
    ("img.svg", b'<svg onload="alert(1)"/>', "SVG"),
    ("js.pdf", pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "scripts"),
    ("js2.pdf", pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"), "scripts"),
    ("hidden.pdf", pdf_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>"), "scripts"),
    ("launch.pdf", pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>"), "launch"),
    ("embed.pdf", pdf(b"/Names << /EmbeddedFiles 3 0 R >>"), "embedded"),
    ("macro.docx", docx(**{"word/vbaProject.bin": b"\x00" * 64}), "macros"),
    ("macro2.docx", docx(**{"word/VBAPROJECT.BIN": b"\x00" * 64}), "macros"),
    ("bomb.docx", _bomb(), "zip bomb"),
    ("climb.docx", docx(**{"../../evil.sh": b"echo"}), "climbs out"),
    ("climb2.docx", docx(**{"..\\..\\evil.bat": b"echo"}), "climbs out"),
    ("root.docx", docx(**{"/etc/cron.d/x": b"* * * * *"}), "climbs out"),
    ("plain.zip", zipped({"a.txt": b"hello"}), "archives"),
    ("plain.docx", zipped({"a.txt": b"hello"}), "archives"),
    ("broken.docx", b"PK\x03\x04" + b"\x00" * 50, "damaged"),
    ("word97.hwp", OLE + b"\x00" * 504 + "WordDocument".encode("utf-16-le"), "only HWP"),
    ("macro.hwp", hwp() + "_VBA_PROJECT".encode("utf-16-le"), "macros"),
    ("fake.pdf", png(), "extension"),
    ("image.png", pdf(), "extension"),
    ("note.pdf", "그냥 글입니다".encode(), "extension"),
    ("doc.docx.exe", docx(), "extension"),
    ("noext", docx(), "extension"),
    ("utf16.txt", "임금".encode("utf-16"), "unrecognised"),
    ("bin.txt", bytes(range(256)), "unrecognised"),
    ("nul.txt", b"abc\x00def", "unrecognised"),
    ("word97.doc", OLE + b"\x00" * 504 + "Macros".encode("utf-16-le") + b"\x00\x00", "macros"),
    ("empty.pdf", b"", "empty"),
    ("huge.txt", b"a" * (MAX_BYTES + 1), "over 10 MB"),
]


@pytest.mark.parametrize(("name", "data", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_each_refusal_names_the_file_and_the_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        check(name, data)
    message = str(error.value)
    assert reason in message
    assert message.startswith(clean_name(name) or "file")


def test_a_legitimate_large_document_is_not_a_bomb() -> None:
    # ordinary XML compresses 5-20 times: well under the ratio
    text = "".join(
        f"<w:p>제{i}조 근로자는 임금을 받을 권리가 있다 {i * 7919 % 104729}</w:p>"
        for i in range(20_000)
    )
    assert check("긴문서.docx", docx(**{"word/document.xml": text.encode()})).kind == "docx"


def test_the_count_and_total_size_are_limited() -> None:
    files = [(f"메모{i}.txt", f"내용 {i}".encode()) for i in range(MAX_FILES)]
    assert len(check_all(files)) == MAX_FILES
    with pytest.raises(InvalidInputError) as many:
        check_all([*files, ("하나더.txt", b"more")])
    assert many.value.extra["fields"] == ["attachments"]
    assert f"at most {MAX_FILES} files" in str(many.value)
    big = [(f"큰{i}.txt", b"a" * (8 * 1024 * 1024)) for i in range(3)]  # 24 MB in all
    with pytest.raises(InvalidInputError) as total:
        check_all(big)
    assert "20 MB in all" in str(total.value)
    with pytest.raises(InvalidInputError) as bad:
        check_all([("ok.txt", b"fine"), ("setup.exe", b"MZ" + b"\x00" * 10)])
    assert bad.value.extra["fields"] == ["attachments"]
    assert "setup.exe" in str(bad.value)
    assert check_all([]) == []


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("../../etc/진정서\u202egpj.pdf", "진정서gpj.pdf"),  # path and a right-to-left override
        ("C:\\Users\\me\\임금명세.pdf", "임금명세.pdf"),
        ("a\u200fb\u2066c\u2069.txt", "abc.txt"),  # bidi marks and isolates
        ("tab\tnew\nline.txt", "tabnewline.txt"),
        ("  ..hidden.txt. ", "hidden.txt"),
        ("한글" * 80 + ".hwpx", "한글" * 47 + "한.hwpx"),  # 100 characters, the extension kept
        ("e\u0301.txt", "\u00e9.txt"),  # NFC
    ],
)
def test_names_are_cleaned(given: str, cleaned: str) -> None:
    assert clean_name(given) == cleaned
    assert len(clean_name(given)) <= 100


@pytest.mark.parametrize("given", ["", "../", "\u202e", " . "])
def test_a_file_without_a_name_is_refused(given: str) -> None:
    with pytest.raises(InvalidInputError, match="no name"):
        check(given, b"text")


def test_sniff_ignores_the_name() -> None:
    assert sniff(pdf()) == "pdf"
    assert sniff(png()) == "png"


def test_stored_sealed_and_read_back(tmp_path: Path) -> None:
    settings = Settings(env="test", home=tmp_path / "home")
    upgrade(settings)
    data = png()
    checked = check("사진.png", data)
    with session_scope(settings) as session:
        receipt = receive(session, settings, text="체불 증거 사진입니다", channel="web", now=NOW)
        row = store(session, settings, receipt.tracking_number, checked, NOW)
        again = store(session, settings, receipt.tracking_number, checked, NOW)  # same bytes
        attachment_id = row.id
    stored = list((settings.home / "desk" / "attachments").rglob("*"))
    files = [p for p in stored if p.is_file()]
    assert len(files) == 1  # one sealed copy per hash
    assert data not in files[0].read_bytes()  # sealed, not clear
    with session_scope(settings) as session:
        found, clear = read(session, settings, attachment_id)
        assert clear == data
        assert found.filename == "사진.png"
        assert [a.id for a in attachments_of(session, receipt.tracking_number)] == [
            attachment_id,
            again.id,
        ]
