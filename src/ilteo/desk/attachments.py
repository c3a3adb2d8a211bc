"""Attachments of a request: type and size checked by their content, stored sealed by hash.

A file is accepted only when its **bytes** are one of the kinds below (the name's extension must
agree; the browser's declared type is ignored): PDF, PNG, JPEG, HWP (한글 OLE), HWPX, DOCX,
XLSX and plain UTF-8 text. Refused, with a message that names the file and the reason:

- executables and scripts (``MZ``, ELF, Mach-O, ``#!``), HTML and SVG (they can carry scripts),
  archives other than the office formats above, anything else not recognised;
- office files with macros (``vbaProject.bin``, OLE ``Macros``/``VBA`` streams), PDFs with
  JavaScript, launch actions or embedded files;
- zip containers that expand too far (over :data:`MAX_EXPANDED` or a ratio over
  :data:`MAX_RATIO`: zip bombs), or with paths that climb out (``../``);
- more than :data:`MAX_FILES` files, one over :data:`MAX_BYTES`, or over :data:`MAX_TOTAL`.

There are no antivirus signatures on this machine (no download at run time): the checks are
structural, and an office that opens a file does so in its own sandboxed viewer. Accepted files
are stored **sealed** (AES-GCM, purpose ``desk.attachment``) under
``<home>/desk/attachments/<sha[:2]>/<sha>``, named by the SHA-256 of the clear bytes; the row in
``desk_attachments`` keeps the cleaned file name, the kind, the size and the hash.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.desk.models import Attachment

#: Largest single file (bytes).
MAX_BYTES: Final = 10 * 1024 * 1024
#: Largest total per request (bytes).
MAX_TOTAL: Final = 20 * 1024 * 1024
#: Most files per request.
MAX_FILES: Final = 5
#: Largest expanded size of an office zip container (bytes), and the largest expansion ratio.
MAX_EXPANDED: Final = 100 * 1024 * 1024
MAX_RATIO: Final = 100
#: Purpose under which attachment bytes are sealed.
SEAL_PURPOSE: Final = "desk.attachment"

#: Accepted kinds: extension(s) and the content type they are served as.
KINDS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "pdf": ((".pdf",), "application/pdf"),
    "png": ((".png",), "image/png"),
    "jpeg": ((".jpg", ".jpeg"), "image/jpeg"),
    "hwp": ((".hwp",), "application/x-hwp"),
    "hwpx": ((".hwpx",), "application/hwp+zip"),
    "docx": (
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "text": ((".txt",), "text/plain; charset=utf-8"),
}
#: Most entries of an office zip container.
MAX_ENTRIES: Final = 10_000
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z0-9])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Checked:
    """A file that passed the checks: its cleaned name, kind, served type, size and hash."""

    filename: str
    kind: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def clean_name(filename: str) -> str:
    r"""The last path part, without control or bidi characters, at most 100 characters.

    >>> clean_name("../../etc/진정서\u202egpj.pdf")
    '진정서gpj.pdf'
    """
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(
        ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C"
    ).strip(" .")
    if len(name) > 100:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 100 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else name[:100]
    return name


def _climbs_out(name: str) -> bool:
    """Whether a zip entry's name is absolute (a slash, a backslash, ``C:``) or climbs (``..``)."""
    return bool(re.match(r"^([\\/]|[A-Za-z]:)", name)) or ".." in re.split(r"[\\/]", name)


def _has_macros(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """VBA projects by entry name, or declared by the package's content types."""
    if any("vba" in n.lower() and n.lower().endswith(".bin") for n in names):
        return True
    if "[Content_Types].xml" in names:
        with archive.open("[Content_Types].xml") as types:
            declared = types.read(1024 * 1024).lower()
        return b"vbaproject" in declared or b"macroenabled" in declared
    return False


def _zip_kind(data: bytes, label: str) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise InvalidInputError(f"{label}: 손상된 파일 / a damaged file") from error
    names = {info.filename for info in infos}
    expanded = sum(info.file_size for info in infos)
    if (
        len(infos) > MAX_ENTRIES
        or expanded > MAX_EXPANDED
        or expanded > MAX_RATIO * max(len(data), 1)
    ):
        raise InvalidInputError(f"{label}: 압축이 비정상적으로 큽니다 / expands too far (zip bomb)")
    if any(_climbs_out(n) for n in names):
        raise InvalidInputError(f"{label}: 비정상 경로 / a path that climbs out of the file")
    try:
        if _has_macros(archive, names):
            raise InvalidInputError(f"{label}: 매크로가 든 문서 / a document with macros")
        if "mimetype" in names:
            with archive.open("mimetype") as entry:  # bounded: a declared size may lie
                mimetype = entry.read(64).strip()
            if mimetype == b"application/hwp+zip":
                return "hwpx"
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as error:
        raise InvalidInputError(f"{label}: 손상된 파일 / a damaged file") from error
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise InvalidInputError(f"{label}: 압축 파일은 받지 않습니다 / archives are not accepted")


def _pdf_active(data: bytes) -> bool:
    """Whether a PDF holds JavaScript, launch actions, embedded files, rich media or XFA.

    Names are read with their ``#xx`` escapes decoded (``/J#61vaScript`` is ``/JavaScript``),
    and inside compressed (Flate) streams too - object streams can hide the dictionaries - with
    at most :data:`MAX_EXPANDED` bytes inflated in all.
    """

    def active(chunk: bytes) -> bool:
        return (
            _PDF_ACTIVE.search(_PDF_NAME_ESCAPE.sub(lambda m: bytes.fromhex(m[1].decode()), chunk))
            is not None
        )

    if active(data):
        return True
    budget = MAX_EXPANDED
    for match in _PDF_STREAM.finditer(data):
        if budget <= 0:
            return True  # more compressed content than any complaint needs: refuse, unread
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(match[1], budget)
        except zlib.error:
            continue  # not Flate (an image, say): nothing to read
        budget -= len(inflated)
        if active(inflated):
            return True
    return False


def _text_kind(data: bytes, label: str) -> str:
    """``text`` for UTF-8 text without NUL bytes, HTML, SVG or scripts; refused otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInputError(
            f"{label}: 받을 수 없는 형식 / an unrecognised file type (accepted: PDF, PNG, JPEG, "
            "HWP, HWPX, DOCX, XLSX, TXT)"
        ) from error
    if "\x00" in text:
        raise InvalidInputError(
            f"{label}: 받을 수 없는 형식 / an unrecognised file type (binary content in text)"
        )
    if re.search(r"(?i)<\s*(script|html|svg|!doctype|iframe|object|embed)\b", text):
        raise InvalidInputError(
            f"{label}: HTML·SVG·스크립트는 받지 않습니다 / HTML, SVG and scripts are refused"
        )
    return "text"


def sniff(data: bytes, label: str = "file") -> str:
    r"""The kind of ``data`` by its bytes.

    Raises:
        InvalidInputError: A refused or unrecognised kind (the message says which and why).

    >>> sniff(b"%PDF-1.7\n1 0 obj<<>>endobj")
    'pdf'
    >>> sniff("임금체불 진정 내용".encode())
    'text'
    """
    head = data[:16]
    if head.startswith(b"%PDF-"):
        if _pdf_active(data):
            raise InvalidInputError(
                f"{label}: 스크립트·실행 동작이 든 PDF / a PDF with scripts, launch actions or "
                "embedded files"
            )
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(_OLE):
        if re.search(
            rb"(?i)_?V\x00?B\x00?A\x00?_\x00?P\x00?R\x00?O\x00?J|M\x00?a\x00?c\x00?r\x00?o\x00?s\x00?\x00",
            data,
        ):
            raise InvalidInputError(f"{label}: 매크로가 든 문서 / a document with macros")
        if b"H\x00W\x00P\x00" in data or b"HWP Document File" in data:
            return "hwp"
        raise InvalidInputError(
            f"{label}: 한글(HWP) 외 OLE 문서는 받지 않습니다 / only HWP among OLE documents"
        )
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data, label)
    if head.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")):
        raise InvalidInputError(f"{label}: 실행 파일은 받지 않습니다 / executables are refused")
    return _text_kind(data, label)


def check(filename: str, data: bytes) -> Checked:
    """Check one file: size, kind by content, and an extension that agrees.

    Raises:
        InvalidInputError: The reason, naming the file.
    """
    name = clean_name(filename)
    label = name or "file"
    if not name:
        raise InvalidInputError("file: 파일 이름이 없습니다 / the file has no name")
    if not data:
        raise InvalidInputError(f"{label}: 빈 파일 / an empty file")
    if len(data) > MAX_BYTES:
        raise InvalidInputError(
            f"{label}: {MAX_BYTES // 1024 // 1024} MB를 넘습니다 / over "
            f"{MAX_BYTES // 1024 // 1024} MB"
        )
    kind = sniff(data, label)
    extensions, content_type = KINDS[kind]
    if not name.lower().endswith(extensions):
        raise InvalidInputError(
            f"{label}: 파일 이름의 확장자가 내용({kind})과 다릅니다 / the extension does not "
            f"match the content ({kind}; expected {', '.join(extensions)})"
        )
    return Checked(name, kind, content_type, len(data), sha256(data).hexdigest(), data)


def check_all(files: list[tuple[str, bytes]]) -> list[Checked]:
    """Check every file of one request, and the count and total size.

    Raises:
        InvalidInputError: The first problem found (``fields`` is ``["attachments"]``).
    """
    if len(files) > MAX_FILES:
        raise InvalidInputError(
            f"attachments: 최대 {MAX_FILES}개 / at most {MAX_FILES} files", fields=["attachments"]
        )
    total = sum(len(data) for _, data in files)
    if total > MAX_TOTAL:
        raise InvalidInputError(
            f"attachments: 합계 {MAX_TOTAL // 1024 // 1024} MB 이내 / at most "
            f"{MAX_TOTAL // 1024 // 1024} MB in all",
            fields=["attachments"],
        )
    checked = []
    for filename, data in files:
        try:
            checked.append(check(filename, data))
        except InvalidInputError as error:
            raise InvalidInputError(str(error), fields=["attachments"]) from error
    return checked


def _path(settings: Settings, digest: str) -> Path:
    return settings.home / "desk" / "attachments" / digest[:2] / digest


def _key(settings: Settings) -> str:
    return settings.secret_key.get_secret_value() if settings.secret_key else ""


def store(
    session: Session, settings: Settings, request_id: str, file: Checked, now: datetime
) -> Attachment:
    """Write the sealed bytes (once per hash) and the row; the caller commits."""
    from ilteo.core.crypto import seal_bytes

    path = _path(settings, file.sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(seal_bytes(_key(settings), SEAL_PURPOSE, file.data))
        partial.replace(path)
    row = Attachment(
        request_id=request_id,
        filename=file.filename,
        content_type=file.content_type,
        size=file.size,
        sha256=file.sha256,
        received_at=now,
    )
    session.add(row)
    session.flush()
    return row


def attachments_of(session: Session, request_id: str) -> list[Attachment]:
    """The request's attachments, in the order received."""
    return list(
        session.scalars(
            select(Attachment).where(Attachment.request_id == request_id).order_by(Attachment.id)
        )
    )


def read(session: Session, settings: Settings, attachment_id: int) -> tuple[Attachment, bytes]:
    """The row and the clear bytes of one attachment (callers check who may read it).

    Raises:
        NotFoundError: Unknown attachment or missing file.
    """
    from ilteo.core.crypto import unseal_bytes

    row = session.get(Attachment, attachment_id)
    path = _path(settings, row.sha256) if row is not None else None
    if row is None or path is None or not path.exists():
        raise NotFoundError(f"첨부 파일이 없습니다 / no such attachment: {attachment_id}")
    return row, unseal_bytes(_key(settings), SEAL_PURPOSE, path.read_bytes())
