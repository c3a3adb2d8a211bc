"""Which reference datasets are present, intact and cached (cheap: no table is parsed)."""

from __future__ import annotations

from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings, get_settings
from ilteo.reference._atomic import read_json
from ilteo.reference._checksums import ChecksumCache
from ilteo.reference.datasets import list_datasets
from ilteo.reference.loading import ReferencePaths, declaration_digest, reference_root, verify_file
from ilteo.reference.schemas import DatasetStatus
from ilteo.reference.spec import Dataset


def _cached_rows(paths: ReferencePaths, spec: Dataset, sources: dict[str, str]) -> int | None:
    """Rows over all tables when every table's cache is current, else ``None``."""
    total = 0
    for table, files in spec.tables().items():
        parquet = paths.cache / spec.id / f"{table}.parquet"
        manifest = read_json(parquet.with_suffix(".json"))
        if not (
            isinstance(manifest, dict)
            and parquet.is_file()
            and manifest.get("declaration") == declaration_digest(spec, table)
            and manifest.get("sources") == {f.path: sources.get(f.path) for f in files}
            and isinstance(manifest.get("rows"), int)
        ):
            return None
        total += manifest["rows"]
    return total


def _one(spec: Dataset, paths: ReferencePaths | None, checksums: ChecksumCache | None,
         problem: str | None) -> DatasetStatus:  # fmt: skip
    present = checksum_ok = False
    rows: int | None = None
    message = problem or ""
    if paths is not None and checksums is not None:
        folder = paths.root / spec.folder
        present = folder.is_dir() and all((folder / f.path).is_file() for f in spec.files)
        sources: dict[str, str] = {}
        try:
            for data_file in spec.files:
                sources[data_file.path] = verify_file(spec, data_file, folder, checksums)
            checksum_ok = True
        except DataUnavailableError as exc:
            message = exc.detail
        if checksum_ok:
            rows = _cached_rows(paths, spec, sources)
    cached = rows is not None
    if checksum_ok and not cached:
        message = (
            "검증 전입니다: `ilteo reference load`를 실행하세요. / Not validated and cached yet: "
            f"run `ilteo reference load {spec.id}`."
        )
    elif checksum_ok:
        message = "정상 / ok"
    declared = sum(f.rows or 0 for f in spec.files)
    return DatasetStatus(
        id=spec.id,
        title_ko=spec.title_ko,
        title_en=spec.title_en,
        version=spec.version,
        licence=spec.licence,
        folder=spec.folder,
        present=present,
        checksum_ok=checksum_ok,
        valid=checksum_ok and cached,
        rows=rows if cached else declared,
        tables=list(spec.tables()),
        cached=cached,
        evaluation_only=spec.evaluation_only,
        message=message,
    )


def dataset_status(settings: Settings | None = None) -> list[DatasetStatus]:
    """The status of every declared dataset, in registry order.

    Checksums are recomputed only for files whose size or mtime changed since they were last
    hashed; ``valid`` means the checksums are right and every table passed schema validation
    into the cache.
    """
    settings = settings or get_settings()
    paths: ReferencePaths | None = None
    checksums: ChecksumCache | None = None
    problem: str | None = None
    try:
        reference_root(settings)
        paths = ReferencePaths.of(settings)
        checksums = ChecksumCache(paths.cache / "checksums.json")
    except DataUnavailableError as exc:
        problem = exc.detail
    try:
        return [_one(spec, paths, checksums, problem) for spec in list_datasets()]
    finally:
        if checksums is not None:
            checksums.save()
