"""Bad input: each is refused with a clear reason, nothing of it is kept, the ledger says why."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ilteo.core.settings import Settings
from ilteo.lake.ingest import BatchResult, ingest_path
from ilteo.lake.layout import LakePaths
from ilteo.lake.ledger import get_batch, list_batches
from ilteo.lake.readers import read_file
from ilteo.lake.sources import get_source


def _copy(country: Path, relative: str, folder: Path, data: bytes | None = None) -> Path:
    target = folder / Path(relative).name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((country / relative).read_bytes() if data is None else data)
    return target


def _rejected(settings: Settings, path: Path, *words: str) -> BatchResult:
    (result,) = ingest_path(path, settings=settings)
    assert result.status == "rejected"
    assert result.reason is not None
    for word in words:
        assert word in result.reason, result.reason
    assert (result.received_rows, result.accepted_rows, result.quarantined_rows) == (0, 0, 0)
    assert get_batch(settings, result.id).status == "rejected"
    leftovers = [p for p in LakePaths.of(settings).root.rglob("*") if p.is_file()]
    assert leftovers == [], leftovers  # nothing of a rejected batch is kept, not even a tmp file
    return result


def test_a_truncated_csv_is_rejected(country: Path, lake_settings: Settings) -> None:
    data = (country / "training/kdt_enrolments.csv").read_bytes()
    cut = data[: data.rfind(b",", 0, len(data) - 40)]  # stop inside the last line
    path = _copy(country, "training/kdt_enrolments.csv", lake_settings.home / "in", cut)
    _rejected(lake_settings, path, "truncated", "잘렸습니다")


def test_a_truncated_json_lines_file_is_rejected(country: Path, lake_settings: Settings) -> None:
    data = (country / "job_seekers/registrations.jsonl").read_bytes()
    path = _copy(country, "job_seekers/registrations.jsonl", lake_settings.home / "in", data[:-25])
    _rejected(lake_settings, path, "truncated", "is not complete JSON")


def test_a_truncated_parquet_file_is_rejected(country: Path, lake_settings: Settings) -> None:
    data = (country / "benefits/claims.parquet").read_bytes()
    path = _copy(
        country, "benefits/claims.parquet", lake_settings.home / "in", data[: len(data) // 2]
    )
    _rejected(lake_settings, path, "Parquet", "truncated or corrupt")


def test_a_csv_in_the_wrong_encoding_is_rejected(country: Path, lake_settings: Settings) -> None:
    text = (country / "training/kdt_enrolments.csv").read_bytes().decode("cp949")
    path = _copy(country, "training/kdt_enrolments.csv", lake_settings.home / "in", text.encode())
    _rejected(lake_settings, path, "looks UTF-8", "declares CP949")


def test_a_csv_with_bytes_that_are_not_its_encoding_is_rejected(
    country: Path, lake_settings: Settings
) -> None:
    data = (country / "training/kdt_enrolments.csv").read_bytes()
    lines = data.split(b"\r\n")
    lines[5] = lines[5].replace(b",", b",\xff", 1)  # 0xFF never appears in CP949
    path = _copy(
        country, "training/kdt_enrolments.csv", lake_settings.home / "in", b"\r\n".join(lines)
    )
    _rejected(lake_settings, path, "line 6 is not valid CP949")


def test_missing_columns_reject_the_batch_with_their_names(
    country: Path, lake_settings: Settings
) -> None:
    frame = pl.read_parquet(country / "employment_insurance/qualification_events.parquet")
    path = lake_settings.home / "in" / "qualification_events.parquet"
    path.parent.mkdir(parents=True)
    frame.drop("ksco_code", "loss_reason").write_parquet(path)
    _rejected(lake_settings, path, "missing columns ['ksco_code', 'loss_reason']")


def test_extra_columns_reject_the_batch_with_their_names(
    country: Path, lake_settings: Settings
) -> None:
    frame = pl.read_ndjson(country / "job_seekers/registrations.jsonl", infer_schema_length=None)
    path = lake_settings.home / "in" / "registrations.jsonl"
    path.parent.mkdir(parents=True)
    frame.with_columns(pl.lit("x").alias("nickname")).write_ndjson(path)
    _rejected(lake_settings, path, "unexpected columns ['nickname']", "스키마 변경")


def test_a_csv_with_a_renamed_header_is_rejected(country: Path, lake_settings: Settings) -> None:
    data = (country / "training/kdt_enrolments.csv").read_bytes()
    renamed = data.replace("휴대폰번호".encode("cp949"), "전화번호".encode("cp949"), 1)
    path = _copy(country, "training/kdt_enrolments.csv", lake_settings.home / "in", renamed)
    _rejected(
        lake_settings, path, "missing columns ['휴대폰번호']", "unexpected columns ['전화번호']"
    )


def test_a_rejected_batch_is_tried_again_not_duplicated(
    country: Path, lake_settings: Settings
) -> None:
    data = (country / "benefits/claims.parquet").read_bytes()
    path = _copy(country, "benefits/claims.parquet", lake_settings.home / "in", data[:1000])
    first = _rejected(lake_settings, path)
    again = _rejected(lake_settings, path)
    assert again.id == first.id
    assert not again.already_ingested
    assert len(list_batches(lake_settings)) == 1


def test_an_unknown_file_or_folder_is_refused(lake_settings: Settings) -> None:
    from ilteo.core.errors import InvalidInputError

    stray = lake_settings.home / "notes.txt"
    stray.write_text("hello", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="cannot tell the source"):
        ingest_path(stray, settings=lake_settings)
    with pytest.raises(InvalidInputError, match="no source extract"):
        ingest_path(lake_settings.home, settings=lake_settings)
    with pytest.raises(InvalidInputError, match="no such file"):
        ingest_path(lake_settings.home / "absent", settings=lake_settings)


@pytest.mark.slow
def test_a_two_million_row_csv_is_read_in_bounded_chunks(tmp_path: Path) -> None:
    rows = 2_000_000
    frame = pl.DataFrame(
        {
            "rrn": pl.repeat("9001011234568", rows, eager=True),
            "workplace_mgmt_no": pl.repeat("12345678910", rows, eager=True),
            "wage_month": pl.repeat("2024-01-01", rows, eager=True),
            "days_worked": pl.int_range(0, rows, eager=True) % 31,
            "wage_won": pl.int_range(0, rows, eager=True),
        }
    )
    path = tmp_path / "monthly_wages.csv"
    frame.write_csv(path)
    del frame

    heights = [chunk.frame.height for chunk in read_file(path, get_source("ei_wages"))]

    assert sum(heights) == rows
    assert len(heights) > 4
    assert max(heights) < 500_000  # one 16 MiB block at a time, never the whole file
