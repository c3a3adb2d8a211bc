"""Load reference tables: verify checksums and schemas once, then serve a Parquet cache.

Cache layout (under ``settings.cache_dir / "reference"``)::

    checksums.json                  sha256 per source file, keyed by size + mtime
    <dataset>/<table>.parquet       the validated table
    <dataset>/<table>.json          manifest: declaration digest + sha256 of every source file

A table is served from Parquet while its manifest matches the declaration and the source files'
checksums (recomputed only when a file's size or mtime changed). Every cache file is written to a
temporary file and renamed, so a failed or interrupted load never leaves a half-written cache.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ilteo.core.errors import DataUnavailableError, IlteoError, InvalidInputError
from ilteo.core.settings import Settings, get_settings
from ilteo.reference._atomic import atomic_path, read_json, write_json
from ilteo.reference._checksums import ChecksumCache
from ilteo.reference._readers import FileProblem, read_data_file
from ilteo.reference.datasets import get_dataset, list_datasets
from ilteo.reference.schemas import TableLoad
from ilteo.reference.spec import DataFile, Dataset

#: Bump when the way files are read changes, so every cached table is rebuilt.
READER_VERSION = 1
#: Name of the manifest ``ilteo reference fetch`` writes into each dataset folder.
FETCH_MANIFEST = "FETCHED.json"

#: ``progress(done, total, label)``: how far a long operation is (the CLI draws a bar from it).
ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class ReferencePaths:
    """Where the sources are read from and where the validated cache is written."""

    root: Path
    cache: Path

    @classmethod
    def of(cls, settings: Settings) -> ReferencePaths:
        """Resolve the reference folder and cache folder of ``settings``."""
        return cls(reference_root(settings), settings.cache_dir / "reference")


def reference_root(settings: Settings) -> Path:
    """The reference folder: ``ILTEO_REFERENCE_DIR``, else ``$ILTEO_HOME/reference`` after a fetch.

    Raises:
        DataUnavailableError: Neither is there.
    """
    if settings.reference_dir is not None:
        return settings.reference_dir
    fetched = settings.home / "reference"
    if fetched.is_dir():
        return fetched
    raise DataUnavailableError(
        "기준 데이터 폴더가 없습니다. ILTEO_REFERENCE_DIR를 shared/data 형식의 폴더로 설정하거나 "
        "`ilteo reference fetch`로 내려받으세요. / No reference data folder: set "
        "ILTEO_REFERENCE_DIR to a folder laid out like shared/data, or run "
        "`ilteo reference fetch`.",
    )


def unavailable(dataset: Dataset, path: str | None, ko: str, en: str) -> DataUnavailableError:
    """A :class:`DataUnavailableError` naming the dataset, the file, the problem and the remedy."""
    where = f"{dataset.folder}/{path}" if path else dataset.folder
    return DataUnavailableError(
        f"데이터셋 '{dataset.id}' ({dataset.title_ko}) — {where}: {ko}. "
        f"`ilteo reference fetch {dataset.id}`로 받거나 ILTEO_REFERENCE_DIR를 확인하세요. / "
        f"Dataset '{dataset.id}' ({dataset.title_en}) — {where}: {en}. Get it with "
        f"`ilteo reference fetch {dataset.id}` or set ILTEO_REFERENCE_DIR to a folder laid out "
        "like shared/data.",
        dataset=dataset.id,
        file=where,
        problem=en,
    )


def table_names(dataset: str) -> list[str]:
    """The table names of a dataset, in declaration order."""
    return list(get_dataset(dataset).tables())


def resolve_table(spec: Dataset, table: str | None) -> str:
    """The table to load: ``table`` itself, or the only table when it is omitted.

    Raises:
        InvalidInputError: The table is unknown, or omitted for a dataset with several tables.
    """
    tables = spec.tables()
    if table is None:
        if len(tables) == 1:
            return next(iter(tables))
        raise InvalidInputError(
            f"데이터셋 '{spec.id}'에는 표가 여러 개입니다: 표 이름을 지정하세요. / Dataset "
            f"'{spec.id}' has {len(tables)} tables; name one of: {', '.join(tables)}.",
            dataset=spec.id,
        )
    if table not in tables:
        raise InvalidInputError(
            f"데이터셋 '{spec.id}'에 표 '{table}'이(가) 없습니다. / Dataset '{spec.id}' has no "
            f"table '{table}'; tables: {', '.join(tables)}.",
            dataset=spec.id,
        )
    return table


def declaration_digest(spec: Dataset, table: str) -> str:
    """A digest of everything that decides a table's content (files, checksums, schema)."""
    parts = [f"reader={READER_VERSION}", spec.id, table]
    parts += [repr(f) for f in spec.tables()[table]]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def fetched_checksums(folder: Path) -> dict[str, str]:
    """``path → sha256`` of the files ``ilteo reference fetch`` converted into ``folder``."""
    manifest = read_json(folder / FETCH_MANIFEST)
    outputs = manifest.get("outputs") if isinstance(manifest, dict) else None
    if not isinstance(outputs, dict):
        return {}
    return {
        path: entry["sha256"]
        for path, entry in outputs.items()
        if isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
    }


def verify_file(spec: Dataset, data_file: DataFile, folder: Path, checksums: ChecksumCache) -> str:
    """Check that a source file exists and has an accepted checksum; return that checksum.

    A file whose conversion is not byte-stable is also accepted with the checksum ``fetch``
    recorded for it in ``FETCHED.json`` (its schema and row count were validated then).

    Raises:
        DataUnavailableError: The folder or file is missing, or the checksum is wrong.
    """
    if not folder.is_dir():
        raise unavailable(spec, None, "폴더가 없습니다", "the dataset folder is missing")
    path = folder / data_file.path
    if not path.is_file():
        raise unavailable(spec, data_file.path, "파일이 없습니다", "the file is missing")
    actual = checksums.checksum(path)
    if actual == data_file.sha256:
        return actual
    if not data_file.byte_stable and fetched_checksums(folder).get(data_file.path) == actual:
        return actual
    raise unavailable(
        spec,
        data_file.path,
        f"체크섬이 다릅니다 (기대 {data_file.sha256[:12]}…, 실제 {actual[:12]}…): 손상되었거나 "
        "다른 판입니다",
        f"wrong sha256 checksum (expected {data_file.sha256[:12]}…, found {actual[:12]}…): the "
        "file is corrupt or another version",
    )


@dataclass(frozen=True, slots=True)
class LoadedTable:
    """A loaded table and how it was obtained."""

    frame: pl.DataFrame
    from_cache: bool
    sources: dict[str, str]


def load_table(paths: ReferencePaths, spec: Dataset, table: str) -> LoadedTable:
    """Load one table: from the Parquet cache when still valid, else validate and cache it."""
    checksums = ChecksumCache(paths.cache / "checksums.json")
    folder = paths.root / spec.folder
    files = spec.tables()[table]
    try:
        sources = {f.path: verify_file(spec, f, folder, checksums) for f in files}
    finally:
        checksums.save()
    parquet = paths.cache / spec.id / f"{table}.parquet"
    manifest_path = parquet.with_suffix(".json")
    digest = declaration_digest(spec, table)
    manifest = read_json(manifest_path)
    if (
        isinstance(manifest, dict)
        and manifest.get("declaration") == digest
        and manifest.get("sources") == sources
        and parquet.is_file()
    ):
        try:
            return LoadedTable(pl.read_parquet(parquet), True, sources)
        except (OSError, pl.exceptions.PolarsError):
            pass  # an unreadable cache file is rebuilt below
    frames = []
    for data_file in files:
        try:
            frames.append(read_data_file(folder / data_file.path, data_file))
        except FileProblem as problem:
            raise unavailable(
                spec, data_file.path, f"형식이 선언과 다릅니다: {problem.ko}",
                f"does not match its schema: {problem.en}",
            ) from problem  # fmt: skip
    frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
    with atomic_path(parquet) as temporary:
        frame.write_parquet(temporary)
    write_json(
        manifest_path,
        {"declaration": digest, "sources": sources, "rows": frame.height, "dataset": spec.id,
         "version": spec.version, "table": table, "root": str(folder)},
    )  # fmt: skip
    return LoadedTable(frame, False, sources)


def load(dataset: str, table: str | None = None, settings: Settings | None = None) -> pl.DataFrame:
    """Load a reference table as a polars frame (validated on first use, then cached).

    Args:
        dataset: Dataset id (``ksco8``, ``onet``, ``crosswalks`` ...).
        table: Table name (file stem, lowercased, non-alphanumerics as ``_``); may be omitted
            when the dataset has one table.
        settings: Settings to use; the process settings by default.

    Returns:
        The table, with the source's column names; code columns are strings.

    Raises:
        NotFoundError: Unknown dataset.
        InvalidInputError: Unknown or omitted table.
        DataUnavailableError: A folder or file is missing, or a checksum or schema is wrong.
    """
    settings = settings or get_settings()
    spec = get_dataset(dataset)
    name = resolve_table(spec, table)
    loaded = load_table(ReferencePaths.of(settings), spec, name)
    if not loaded.from_cache:
        _record_load(settings, spec, name, loaded)
    return loaded.frame


def load_all(
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
    *,
    datasets: Iterable[str] | None = None,
) -> list[TableLoad]:
    """Validate and cache every table of every (or the named) dataset.

    Every table is attempted; tables that fail are reported together at the end.

    Args:
        settings: Settings to use; the process settings by default.
        progress: Called as ``progress(done, total, label)`` after each table.
        datasets: Dataset ids to load; all declared datasets by default.

    Returns:
        One :class:`TableLoad` per table.

    Raises:
        NotFoundError: An unknown dataset id.
        DataUnavailableError: One or more tables could not be loaded (all are named).
    """
    settings = settings or get_settings()
    specs = [get_dataset(d) for d in datasets] if datasets is not None else list_datasets()
    work = [(spec, table) for spec in specs for table in spec.tables()]
    paths = ReferencePaths.of(settings)
    results: list[TableLoad] = []
    failures: list[str] = []
    for done, (spec, table) in enumerate(work, start=1):
        started = time.perf_counter()
        try:
            loaded = load_table(paths, spec, table)
        except IlteoError as exc:
            failures.append(exc.detail)
        else:
            if not loaded.from_cache:
                _record_load(settings, spec, table, loaded)
            results.append(
                TableLoad(
                    dataset=spec.id,
                    table=table,
                    rows=loaded.frame.height,
                    columns=loaded.frame.width,
                    from_cache=loaded.from_cache,
                    seconds=round(time.perf_counter() - started, 4),
                )
            )
        if progress is not None:
            progress(done, len(work), f"{spec.id}/{table}")
    if failures:
        raise DataUnavailableError(
            f"{len(failures)}개 표를 불러오지 못했습니다 / {len(failures)} table(s) failed:\n"
            + "\n".join(f"- {f}" for f in failures),
            failures=failures,
        )
    return results


def _record_load(settings: Settings, spec: Dataset, table: str, loaded: LoadedTable) -> None:
    from ilteo.reference.history import combined_sha256, record_event

    record_event(
        settings,
        dataset=spec,
        action="load",
        sha256=combined_sha256(loaded.sources),
        rows=loaded.frame.height,
        table=table,
    )
