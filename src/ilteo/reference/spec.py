"""The shape of a dataset declaration: files, schemas and how ``fetch`` rebuilds each file.

The declarations themselves live in :mod:`ilteo.reference.datasets` (the one registry); this module
only defines the types, so it imports nothing heavy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "int", "float", "bool"]
FileFormat = Literal["csv", "tsv", "jsonl", "text"]
Encoding = Literal["utf-8", "utf-8-sig"]


def table_name_for(path: str) -> str:
    """The table name of a file: its stem lowercased, every non ``[a-z0-9]`` run replaced by ``_``.

    >>> table_name_for("accidents_by_industry_size_2021-2023.csv")
    'accidents_by_industry_size_2021_2023'
    >>> table_name_for("onet-30.1/Occupation Data.txt")
    'occupation_data'
    """
    name = path.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return re.sub(r"[^a-z0-9]+", "_", stem.lower())


@dataclass(frozen=True, slots=True)
class Column:
    """A required column: its exact source name and the type it is read as.

    Codes are ``str`` so leading zeros survive (``01110``, ``0110``).
    """

    name: str
    type: ColumnType = "str"


# --- origins: how `ilteo reference fetch` rebuilds a file from its public source -----------------


@dataclass(frozen=True, slots=True)
class RawFile:
    """A text file downloaded as it is (a pinned-commit raw URL).

    Attributes:
        url: Where the publisher or the pinned repository serves the file.
        byte_stable: The shared copy is byte-identical to the download, so its sha256 must match.
        crlf_to_lf: The origin uses CRLF line ends that the shared copy turned into LF.
    """

    url: str
    byte_stable: bool = True
    crlf_to_lf: bool = False


@dataclass(frozen=True, slots=True)
class XlsxSheet:
    """One worksheet of an ``.xlsx`` workbook, written out as delimited text.

    Attributes:
        url: The workbook.
        sheet: The worksheet name; ``None`` is the first sheet.
        columns: Keep only these columns (in this order); ``None`` keeps all.
        distinct: Drop repeated rows (keeping the first), after selecting ``columns``.
        trim_trailing_empty: Drop empty cells at the end of each row, as the shared copy did.
    """

    url: str
    sheet: str | None = None
    columns: tuple[str, ...] | None = None
    distinct: bool = False
    trim_trailing_empty: bool = False


@dataclass(frozen=True, slots=True)
class RdaObject:
    """A data frame saved in an R ``.rda`` file (R's XDR serialisation), written out as CSV."""

    url: str
    name: str


@dataclass(frozen=True, slots=True)
class OnetTextMember:
    """A member of the O*NET text-database zip (tab-delimited, O*NET's own file names).

    The text edition leaves out some columns the Excel edition carries (``Title``, ``Scale Name``);
    ``fetch`` joins them back from the look-up files of the same release.
    """

    url: str
    member: str


Origin = RawFile | XlsxSheet | RdaObject | OnetTextMember


@dataclass(frozen=True, slots=True)
class DataFile:
    """One file of a dataset folder.

    Attributes:
        path: Path inside the dataset folder (``/``-separated).
        sha256: Checksum of the shared copy.
        origin: How ``fetch`` rebuilds the file.
        format: ``csv``, ``tsv``, ``jsonl`` or ``text`` (not a table).
        rows: Expected number of data rows (``None`` for text files).
        columns: Required columns and their types.
        encoding: ``utf-8`` or ``utf-8-sig`` (with a byte-order mark).
        newline: Line end of the shared copy.
        final_newline: Whether the shared copy ends with a line end.
        table: Table name when it differs from :func:`table_name_for` (files sharing a table).
        partition: ``(column, value)`` added to every row on load (files sharing a table).
    """

    path: str
    sha256: str
    origin: Origin
    format: FileFormat
    rows: int | None = None
    columns: tuple[Column, ...] = ()
    encoding: Encoding = "utf-8"
    newline: Literal["\n", "\r\n"] = "\n"
    final_newline: bool = True
    table: str | None = None
    partition: tuple[str, str] | None = None

    @property
    def table_name(self) -> str | None:
        """The table this file belongs to, or ``None`` for a text file."""
        if self.format == "text":
            return None
        return self.table or table_name_for(self.path)

    @property
    def separator(self) -> str:
        """Field separator of a delimited file."""
        return "\t" if self.format == "tsv" else ","

    @property
    def byte_stable(self) -> bool:
        """Whether ``fetch`` must reproduce the declared sha256 exactly."""
        return isinstance(self.origin, RawFile) and self.origin.byte_stable


@dataclass(frozen=True, slots=True)
class Dataset:
    """One reference dataset: a folder of files under ``ILTEO_REFERENCE_DIR``.

    Attributes:
        id: Stable identifier other rooms code against (``onet``, ``ksco8`` ...).
        title_ko: Korean title.
        title_en: English title.
        version: Release or revision of the content.
        licence: Licence or terms, in short.
        citation: How to cite or attribute it.
        folder: Folder name under the reference directory.
        origin: Public page of the publisher's release or the pinned commit.
        files: The files, each with checksum, schema and origin.
        evaluation_only: Ground truth for evaluation: never a feature or training input.
    """

    id: str
    title_ko: str
    title_en: str
    version: str
    licence: str
    citation: str
    folder: str
    origin: str
    files: tuple[DataFile, ...]
    evaluation_only: bool = False
    notes: str = ""
    _tables: dict[str, tuple[DataFile, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def tables(self) -> dict[str, tuple[DataFile, ...]]:
        """Table name → the files it is read from, in declaration order."""
        if not self._tables:
            grouped: dict[str, list[DataFile]] = {}
            for data_file in self.files:
                if data_file.table_name is not None:
                    grouped.setdefault(data_file.table_name, []).append(data_file)
            self._tables.update({name: tuple(files) for name, files in grouped.items()})
        return dict(self._tables)

    def urls(self) -> tuple[str, ...]:
        """Every distinct download URL, in first-use order."""
        return tuple(dict.fromkeys(f.origin.url for f in self.files))
