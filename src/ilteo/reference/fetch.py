"""``ilteo reference fetch``: download datasets from their public origins into the shared layout.

For each dataset: every origin URL is streamed to a staging folder inside the destination (with
its sha256 and byte count checked against ``Content-Length``), converted into the declared files,
and each file is checked — byte for byte against the declared sha256 where the conversion is
byte-stable, else by schema and row count (its new checksum is recorded). Only then is the staged
folder, with a ``FETCHED.json`` manifest, renamed into place. A failure leaves the destination as
it was: nothing is ever half-written.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from ilteo.core.errors import DataUnavailableError, IlteoError, InvalidInputError
from ilteo.core.settings import Settings, get_settings
from ilteo.reference._atomic import write_json
from ilteo.reference._checksums import sha256_file
from ilteo.reference._convert import ConversionError, Converter
from ilteo.reference._readers import FileProblem, read_data_file
from ilteo.reference.datasets import dataset_ids, get_dataset
from ilteo.reference.loading import FETCH_MANIFEST, ProgressCallback, unavailable
from ilteo.reference.schemas import FetchedFile, FetchResult
from ilteo.reference.spec import Dataset

if TYPE_CHECKING:
    import httpx

USER_AGENT = "ilteo-reference-fetch (+https://github.com/ilteo)"
_CHUNK = 1 << 16


def rewrite_url(url: str, mirror: str | None) -> str:
    """Send ``url`` to ``mirror``: its scheme and host replace the origin's, the path is kept.

    >>> rewrite_url("https://raw.githubusercontent.com/o/r/c/a%20b.csv", "http://127.0.0.1:8080")
    'http://127.0.0.1:8080/o/r/c/a%20b.csv'
    >>> rewrite_url("https://www.onetcenter.org/dl/x.zip", "http://mirror.local/base/")
    'http://mirror.local/base/dl/x.zip'
    """
    if not mirror:
        return url
    target, origin = urlsplit(mirror), urlsplit(url)
    return urlunsplit(
        (target.scheme, target.netloc, target.path.rstrip("/") + origin.path, origin.query, "")
    )


def check_mirror(mirror: str | None) -> None:
    """Refuse a mirror that is not an ``http(s)://host`` URL.

    Raises:
        InvalidInputError: The mirror URL is malformed.
    """
    if mirror is None:
        return
    parts = urlsplit(mirror)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInputError(
            f"미러 주소가 올바르지 않습니다: '{mirror}'. / The mirror must be an http(s)://host "
            f"URL, not '{mirror}'."
        )


def _download(client: httpx.Client, spec: Dataset, url: str, target: Path,
              progress: ProgressCallback | None) -> str:  # fmt: skip
    """Stream ``url`` to ``target``; return its sha256. Truncation and HTTP errors are errors."""
    import httpx

    label = f"{spec.id}: {unquote(urlsplit(url).path.rsplit('/', 1)[-1])}"
    digest = hashlib.sha256()
    received = 0
    try:
        with client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as response:
            if response.status_code != 200:
                raise unavailable(
                    spec, None, f"내려받기 실패 (HTTP {response.status_code}): {url}",
                    f"download failed with HTTP {response.status_code}: {url}",
                )  # fmt: skip
            expected = int(response.headers.get("Content-Length") or 0) or None
            with target.open("wb") as handle:
                for chunk in response.iter_raw(_CHUNK):
                    handle.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    if progress is not None:
                        progress(received, expected or received, label)
    except httpx.HTTPError as exc:
        raise unavailable(
            spec, None, f"내려받기가 중단되었거나 잘렸습니다 ({type(exc).__name__}): {url}",
            f"the download was interrupted or truncated ({type(exc).__name__}: {exc}): {url}",
        ) from exc  # fmt: skip
    if expected is not None and received != expected:
        raise unavailable(
            spec, None, f"내려받은 파일이 잘렸습니다 ({received}/{expected} 바이트): {url}",
            f"the download is truncated ({received} of {expected} bytes): {url}",
        )  # fmt: skip
    return digest.hexdigest()


def _provenance(spec: Dataset, downloads: dict[str, str]) -> str:
    lines = [
        f"# {spec.title_en}", "", f"{spec.title_ko}", "",
        "Written by `ilteo reference fetch` from the declaration in `ilteo.reference.datasets`.",
        "", f"- Dataset id: `{spec.id}`", f"- Version: {spec.version}",
        f"- Licence: {spec.licence}", f"- Cite: {spec.citation}", f"- Origin: {spec.origin}",
        "", "## Downloads", "",
        *(f"- {url} (sha256 `{sha}`)" for url, sha in downloads.items()),
    ]  # fmt: skip
    if spec.evaluation_only:
        lines += ["", "Evaluation only: never a feature, training input or tuning target."]
    return "\n".join(lines) + "\n"


def _check_output(spec: Dataset, staged: Path, path: str) -> FetchedFile:
    data_file = next(f for f in spec.files if f.path == path)
    target = staged / path
    sha = sha256_file(target)
    if sha == data_file.sha256:
        return FetchedFile(path=path, sha256=sha, rows=data_file.rows, matches_declaration=True)
    if data_file.byte_stable:
        raise unavailable(
            spec, path,
            f"내려받은 파일의 체크섬이 선언과 다릅니다 (기대 {data_file.sha256[:12]}…, 실제 "
            f"{sha[:12]}…): 손상되었거나 다른 판입니다",
            f"the downloaded file has the wrong sha256 (expected {data_file.sha256[:12]}…, got "
            f"{sha[:12]}…): it is corrupt or another version",
        )  # fmt: skip
    rows = None
    if data_file.format != "text":
        try:
            rows = read_data_file(target, data_file).height
        except FileProblem as problem:
            raise unavailable(
                spec, path, f"변환된 파일이 선언과 다릅니다: {problem.ko}",
                f"the converted file does not match its declaration: {problem.en}",
            ) from problem  # fmt: skip
    return FetchedFile(path=path, sha256=sha, rows=rows, matches_declaration=False)


def _swap_in(staged: Path, target: Path, scratch: Path) -> None:
    """Replace ``target`` by ``staged`` with two renames (``target`` restored on failure)."""
    previous = scratch / "previous"
    if target.exists():
        target.rename(previous)
    try:
        staged.rename(target)
    except OSError:
        if previous.exists():
            previous.rename(target)
        raise


def fetch_dataset(spec: Dataset, dest: Path, *, client: httpx.Client, mirror: str | None,
                  progress: ProgressCallback | None = None) -> FetchResult:  # fmt: skip
    """Fetch one dataset into ``dest / spec.folder`` (see the module docstring)."""
    dest.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".fetch-{spec.id}-", dir=dest))
    try:
        downloaded: dict[str, Path] = {}
        checksums: dict[str, str] = {}
        for number, url in enumerate(spec.urls()):
            requested = rewrite_url(url, mirror)
            downloaded[url] = scratch / f"download-{number}"
            checksums[requested] = _download(client, spec, requested, downloaded[url], progress)
        staged = scratch / spec.folder
        converter = Converter(downloaded)
        for data_file in spec.files:
            try:
                converter.convert(data_file, staged / data_file.path)
            except ConversionError as exc:
                raise unavailable(
                    spec, data_file.path, f"변환할 수 없습니다 ({exc})",
                    f"cannot be converted from {data_file.origin.url} ({exc})",
                ) from exc  # fmt: skip
        files = [_check_output(spec, staged, f.path) for f in spec.files]
        write_json(staged / FETCH_MANIFEST, {
            "dataset": spec.id, "version": spec.version,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "downloads": [{"url": url, "sha256": sha} for url, sha in checksums.items()],
            "outputs": {f.path: {"sha256": f.sha256, "rows": f.rows,
                                 "matches_declaration": f.matches_declaration} for f in files},
        })  # fmt: skip
        existing = dest / spec.folder / "PROVENANCE.md"
        if existing.is_file():
            shutil.copy2(existing, staged / "PROVENANCE.md")
        else:
            (staged / "PROVENANCE.md").write_text(_provenance(spec, checksums), encoding="utf-8")
        _swap_in(staged, dest / spec.folder, scratch)
        return FetchResult(dataset=spec.id, folder=str(dest / spec.folder),
                           downloads=checksums, files=files)  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def fetch_datasets(
    ids: Sequence[str] | None = None,
    *,
    dest: Path | None = None,
    mirror: str | None = None,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
    timeout: float = 120.0,
) -> list[FetchResult]:
    """Download datasets from their public origins and convert them into the shared layout.

    Args:
        ids: Dataset ids; every dataset when empty or ``None``.
        dest: Folder to write into; ``ILTEO_REFERENCE_DIR`` or ``$ILTEO_HOME/reference``.
        mirror: Send every request to this ``http(s)://host[/prefix]`` instead of the origin's
            host (the path is kept): for a local mirror, or tests.
        settings: Settings to use; the process settings by default.
        progress: Called as ``progress(bytes_done, bytes_total, label)`` while downloading.
        timeout: Seconds to wait for the network on each request.

    Returns:
        One :class:`FetchResult` per dataset.

    Raises:
        InvalidInputError: An unknown dataset id or a malformed mirror URL.
        DataUnavailableError: A download failed, was truncated, or did not convert into files
            with the declared checksum or schema (every failed dataset is named; the others
            were written).
    """
    import httpx

    settings = settings or get_settings()
    wanted = list(dict.fromkeys(ids or dataset_ids()))
    unknown = [i for i in wanted if i not in dataset_ids()]
    if unknown:
        raise InvalidInputError(
            f"알 수 없는 데이터셋: {', '.join(unknown)}. / Unknown dataset(s): "
            f"{', '.join(unknown)} (known: {', '.join(dataset_ids())})."
        )
    check_mirror(mirror)
    target = dest or settings.reference_dir or settings.home / "reference"
    results: list[FetchResult] = []
    failures: list[str] = []
    headers = {"User-Agent": USER_AGENT}
    with httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client:
        for dataset_id in wanted:
            spec = get_dataset(dataset_id)
            try:
                result = fetch_dataset(spec, target, client=client, mirror=mirror,
                                       progress=progress)  # fmt: skip
            except IlteoError as exc:
                failures.append(exc.detail)
                continue
            except OSError as exc:
                failures.append(unavailable(spec, None, f"쓰기 실패 ({exc})",
                                            f"cannot write ({exc})").detail)  # fmt: skip
                continue
            results.append(result)
            _record(settings, spec, result, mirror)
    if failures:
        done = ", ".join(r.dataset for r in results) or "-"
        raise DataUnavailableError(
            f"{len(failures)}개 데이터셋을 받지 못했습니다 (완료: {done}) / {len(failures)} "
            f"dataset(s) failed (written: {done}):\n" + "\n".join(f"- {f}" for f in failures),
            failures=failures,
            written=[r.dataset for r in results],
        )
    return results


def _record(settings: Settings, spec: Dataset, result: FetchResult, mirror: str | None) -> None:
    from ilteo.reference.history import record_event

    rows = {f.path: f.rows or 0 for f in result.files}
    for url, sha in result.downloads.items():
        produced = [rows[f.path] for f in spec.files if rewrite_url(f.origin.url, mirror) == url]
        record_event(settings, dataset=spec, action="fetch", sha256=sha,
                     rows=sum(produced), source_url=url)  # fmt: skip
