"""Loading: checksum and schema validation, the Parquet cache and its warm path, clear errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from ilteo.core.db import upgrade
from ilteo.core.errors import DataUnavailableError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.reference import list_datasets, list_events, load, load_all, table_names
from ilteo.reference.datasets import get_dataset


def _copy_dataset(settings: Settings, dataset: str, to: Path) -> Path:
    assert settings.reference_dir is not None
    folder = get_dataset(dataset).folder
    shutil.copytree(settings.reference_dir / folder, to / folder)
    return to / folder


def _cache(settings: Settings, dataset: str) -> Path:
    return settings.cache_dir / "reference" / dataset


def test_load_keeps_source_columns_and_reads_codes_as_strings(settings: Settings) -> None:
    ksco = load("ksco8", settings=settings)
    assert ksco.columns == ["code", "title_ko", "level", "parent_code", "name_en"]
    assert ksco.schema["code"] == pl.Utf8
    assert ksco.height == 728
    crosswalk = load("crosswalks", "isco2008_soc2010", settings=settings)
    assert "0110" in crosswalk["isco2008"].to_list()  # leading zero kept
    ksic = load("ksic", "ksic11_codes_full", settings=settings)
    assert "01110" in ksic["code"].to_list()
    skills = load("onet", "skills", settings=settings)
    assert skills.schema["Data Value"] == pl.Float64
    assert skills.schema["O*NET-SOC Code"] == pl.Utf8


def test_first_load_writes_the_cache_and_later_loads_read_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load("onet", "occupation_data", settings=settings)
    parquet = _cache(settings, "onet") / "occupation_data.parquet"
    assert parquet.is_file()
    assert not list(parquet.parent.glob(".*.part"))  # no temporary files left behind
    written = parquet.stat().st_mtime_ns

    def no_parsing(*_args: object) -> None:
        raise AssertionError("a warm load must not parse the source file")

    monkeypatch.setattr("ilteo.reference.loading.read_data_file", no_parsing)
    again = load("onet", "occupation_data", settings=settings)
    assert again.equals(first)
    assert parquet.stat().st_mtime_ns == written


def test_touching_a_source_rehashes_but_keeps_the_cache(settings: Settings, tmp_path: Path) -> None:
    reference = tmp_path / "ref"
    folder = _copy_dataset(settings, "ksco8", reference)
    local = Settings(env="dev", home=tmp_path / "home", reference_dir=reference)
    load("ksco8", settings=local)
    parquet = _cache(local, "ksco8") / "ksco8_codes_4level_with_en.parquet"
    written = parquet.stat().st_mtime_ns
    source = folder / "ksco8_codes_4level_with_en.csv"
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10**9))

    assert load("ksco8", settings=local).height == 728
    assert parquet.stat().st_mtime_ns == written  # same content: served from cache


def test_wrong_checksum_names_dataset_and_file_and_leaves_no_cache(
    settings: Settings, tmp_path: Path
) -> None:
    reference = tmp_path / "ref"
    folder = _copy_dataset(settings, "ksco8", reference)
    source = folder / "ksco8_codes_4level_with_en.csv"
    source.write_bytes(source.read_bytes().replace(b"Legislators", b"Legislature"))
    local = Settings(env="dev", home=tmp_path / "home", reference_dir=reference)

    with pytest.raises(DataUnavailableError) as caught:
        load("ksco8", settings=local)

    message = caught.value.detail
    assert "ksco8" in message
    assert "ksco8_codes_4level_with_en.csv" in message
    assert "checksum" in message
    assert "ilteo reference fetch ksco8" in message
    assert not _cache(local, "ksco8").exists()


def test_a_file_changed_after_caching_is_caught(settings: Settings, tmp_path: Path) -> None:
    reference = tmp_path / "ref"
    folder = _copy_dataset(settings, "ksco8", reference)
    local = Settings(env="dev", home=tmp_path / "home", reference_dir=reference)
    load("ksco8", settings=local)
    source = folder / "ksco8_codes_4level_with_en.csv"
    source.write_bytes(source.read_bytes() + b"9999,x,unit,999,X\n")

    with pytest.raises(DataUnavailableError, match="checksum"):
        load("ksco8", settings=local)


def test_missing_folder_and_missing_file(settings: Settings, tmp_path: Path) -> None:
    empty = Settings(env="dev", home=tmp_path / "home", reference_dir=tmp_path / "nothing")
    with pytest.raises(DataUnavailableError, match=r"onet-30\.1.*folder is missing"):
        load("onet", "skills", settings=empty)

    reference = tmp_path / "ref"
    folder = _copy_dataset(settings, "crosswalks", reference)
    (folder / "soc2010_soc2018.csv").unlink()
    local = Settings(env="dev", home=tmp_path / "home2", reference_dir=reference)
    with pytest.raises(DataUnavailableError, match=r"soc2010_soc2018\.csv: the file is missing"):
        load("crosswalks", "soc2010_soc2018", settings=local)
    assert load("crosswalks", "soc2018_all", settings=local).height == 1447  # others still load


def test_no_reference_folder_at_all_says_how_to_get_one(tmp_path: Path) -> None:
    bare = Settings(env="dev", home=tmp_path / "home", reference_dir=None, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(DataUnavailableError, match="ILTEO_REFERENCE_DIR"):
        load("ksco8", settings=bare)


def _bless(folder: Path, path: str) -> None:
    """Record a file's current checksum in a fetch manifest, as `ilteo reference fetch` does."""
    from ilteo.reference._atomic import write_json
    from ilteo.reference._checksums import sha256_file

    sha = sha256_file(folder / path)
    write_json(folder / "FETCHED.json", {"outputs": {path: {"sha256": sha}}})


def test_fetched_conversions_are_accepted_but_still_schema_checked(
    settings: Settings, tmp_path: Path
) -> None:
    reference = tmp_path / "ref"
    folder = _copy_dataset(settings, "felten_aioe", reference)
    name = "aioe_by_occupation_soc2010.csv"
    text = (folder / name).read_text(encoding="utf-8")
    (folder / name).write_text(text.replace("1.334246", "1.5"), encoding="utf-8")
    local = Settings(env="dev", home=tmp_path / "home", reference_dir=reference)
    with pytest.raises(DataUnavailableError, match="checksum"):
        load("felten_aioe", "aioe_by_occupation_soc2010", settings=local)

    _bless(folder, name)  # a non-byte-stable conversion recorded by fetch is accepted
    frame = load("felten_aioe", "aioe_by_occupation_soc2010", settings=local)
    assert frame.filter(pl.col("SOC Code") == "11-1011")["AIOE"].item() == 1.5

    (folder / name).write_text(text.replace("AIOE", "Exposure", 1), encoding="utf-8")
    _bless(folder, name)
    with pytest.raises(DataUnavailableError, match=r"does not match its schema.*'AIOE'"):
        load("felten_aioe", "aioe_by_occupation_soc2010", settings=local)
    parquet = _cache(local, "felten_aioe") / "aioe_by_occupation_soc2010.parquet"
    assert "Exposure" not in pl.read_parquet(parquet).columns  # the failed load wrote nothing


def test_byte_stable_files_ignore_fetch_manifests(settings: Settings, tmp_path: Path) -> None:
    reference = tmp_path / "ref"
    folder = _copy_dataset(settings, "ksco8", reference)
    name = "ksco8_codes_4level_with_en.csv"
    (folder / name).write_bytes((folder / name).read_bytes().replace(b"Legislators", b"Lawmakers"))
    _bless(folder, name)
    local = Settings(env="dev", home=tmp_path / "home", reference_dir=reference)
    with pytest.raises(DataUnavailableError, match="checksum"):
        load("ksco8", settings=local)


def test_table_arguments(settings: Settings) -> None:
    assert "occupation_data" in table_names("onet")
    assert "kosha_guidance_links_by_accident_type" in table_names("kr_accidents")
    with pytest.raises(InvalidInputError, match="tables"):
        load("onet", settings=settings)  # several tables: one must be named
    with pytest.raises(InvalidInputError, match="no table"):
        load("onet", "nope", settings=settings)
    with pytest.raises(NotFoundError, match="Unknown dataset"):
        load("nope", settings=settings)


def test_accident_type_files_are_one_table(settings: Settings) -> None:
    frame = load("kr_accidents", "kosha_guidance_links_by_accident_type", settings=settings)
    assert frame.columns == ["제목", "링크", "날짜", "accident_type"]
    assert frame["accident_type"].n_unique() == 24
    assert frame.filter(pl.col("accident_type") == "떨어짐").height == 100


def test_load_all_caches_everything_and_records_first_loads(db_settings: Settings) -> None:
    settings = db_settings
    upgrade(settings)
    seen: list[tuple[int, int, str]] = []

    results = load_all(settings, progress=lambda *args: seen.append(args))

    assert len(results) == sum(len(d.tables()) for d in list_datasets())
    assert seen[-1][0] == seen[-1][1] == len(results)
    assert not any(r.from_cache for r in results)
    events = list_events(settings, limit=1000)
    assert {e.action for e in events} == {"load"}
    assert len(events) == len(results)
    assert all(len(e.sha256) == 64 for e in events)

    warm = load_all(settings)
    assert all(r.from_cache for r in warm)
    assert len(list_events(settings, limit=1000)) == len(results)  # warm loads are not recorded


def test_an_unmigrated_store_does_not_fail_a_load(settings: Settings) -> None:
    assert load("ksco8", settings=settings).height == 728  # no `upgrade`: recording is skipped
