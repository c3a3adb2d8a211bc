"""Generate the synthetic country: every source extract plus its ground truth, block by block."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from ilteo import __version__
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings, get_settings
from ilteo.synth._benefits import job_seeking_allowance
from ilteo.synth._calibration import load_calibration
from ilteo.synth._careers import simulate_careers
from ilteo.synth._insurance import employment_insurance, industrial_accidents
from ilteo.synth._jobseekers import job_seekers, registrations
from ilteo.synth._lexicon import load_lexicon
from ilteo.synth._params import SynthParams, load_params
from ilteo.synth._people import make_people
from ilteo.synth._records import LINK_SCHEMA, Extract, link_rows
from ilteo.synth._requests import requests
from ilteo.synth._shock import Shock, parse_month
from ilteo.synth._training import training
from ilteo.synth._world import STREAM_BLOCK, Window, World, build_world
from ilteo.synth._writers import Outputs, check_output_dir, file_entries, staged_directory

#: ``progress(done, total, label)``: persons done so far, all persons, what is happening.
ProgressCallback = Callable[[int, int, str], None]

MANIFEST_PATH = "ground_truth/manifest.json"
SHOCKS_PATH = "ground_truth/shocks.json"
MAX_MONTHS = 240


def validate_persons(persons: object, maximum: int) -> int:
    """Return ``persons`` as an int or raise a bilingual error.

    >>> validate_persons(10, 100)
    10
    >>> validate_persons(0, 100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ilteo.core.errors.InvalidInputError: 사람 수는 1 이상 100 이하의 정수여야 합니다 / ...
    """
    if isinstance(persons, int) and not isinstance(persons, bool) and 1 <= persons <= maximum:
        return persons
    raise InvalidInputError(
        f"사람 수는 1 이상 {maximum:,} 이하의 정수여야 합니다 / persons must be an integer "
        f"from 1 to {maximum:,}, got {persons!r}"
    )


def _validate(seed: int, months: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise InvalidInputError(
            "시드는 0 이상의 정수여야 합니다 / the seed must be a non-negative integer, "
            f"got {seed!r}"
        )
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise InvalidInputError(
            f"기간은 1~{MAX_MONTHS}개월이어야 합니다 / months must be 1 to {MAX_MONTHS}, "
            f"got {months!r}"
        )


def _block(world: World, index: int) -> Extract:
    """All source records and ground truth of one block of persons."""
    size = world.params.block_persons
    first = index * size
    n = min(size, world.persons - first)
    rng = world.rng(STREAM_BLOCK, index)
    people = make_people(rng, first, n, world.window.start, world.params.population, world.lexicon)
    careers = simulate_careers(rng, people, world)
    out = Extract()
    employment_insurance(out, rng, index, people, careers, world)
    accidents = industrial_accidents(out, rng, index, people, careers, world)
    regs = registrations(rng, people, careers, world)
    job_seekers(out, rng, index, people, regs, world)
    claims = job_seeking_allowance(out, rng, index, people, careers, regs, world)
    enrolments = training(out, rng, index, people, careers, regs, world)
    requests(out, rng, index, people, careers, accidents, enrolments, claims, world)
    out.add("ground_truth/persons.parquet", _person_truth(people.frame))
    out.add("ground_truth/spells.parquet", _spell_truth(careers.spells, world))
    return out


def _person_truth(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "person_id",
        "rrn",
        "name",
        "surname",
        "given_name",
        "surname_latin",
        "sex",
        "birth_date",
        "phone",
        "phone_old",
        "sido_code",
        "road_address",
        "jibun_address",
    )


def _spell_truth(spells: pl.DataFrame, world: World) -> pl.DataFrame:
    codes = pl.Series(world.calibration.occupations.codes)
    return spells.select(
        "person_id",
        pl.col("workplace").alias("workplace_id"),
        pl.col("occupation")
        .map_batches(lambda s: codes.gather(s), return_dtype=pl.Utf8)
        .alias("ksco_code"),
        "start",
        "end",
        pl.col("reason").alias("loss_reason_code"),
        "shock_excess",
        "fixed_term",
        pl.col("hours").alias("hours_share"),
        pl.col("base").round(0).cast(pl.Int64).alias("monthly_wage_2024_won"),
    )


def _workplace_tables(outputs: Outputs, world: World) -> None:
    frame = world.workplaces.frame
    registry = frame.select(
        "workplace_mgmt_no",
        "brn",
        "name",
        "ksic_code",
        "ksic_name",
        pl.col("industry_major").alias("insurance_industry_major"),
        pl.col("industry_middle").alias("insurance_industry"),
        "size_band",
        "employees_declared",
        "sido_code",
        "address",
        "opened_on",
        "closed_on",
    )
    outputs.add("workplaces/workplaces.parquet", registry)
    outputs.add(
        "ground_truth/workplaces.parquet",
        frame.select(
            "workplace_id",
            "workplace_mgmt_no",
            "brn",
            "name",
            "ksic_code",
            "industry_major",
            "industry_middle",
            "size_band",
            "employees_declared",
            "sido_code",
            "address",
            "opened_on",
            "closed_on",
            "accident_rate",
        ),
    )
    ids = frame["workplace_mgmt_no"]
    outputs.add(
        "ground_truth/record_links.parquet",
        link_rows("workplaces", ids, None, frame["workplace_id"]),
    )


def generate(
    out_dir: Path,
    persons: int,
    seed: int = 0,
    *,
    start: str | date = "2023-01",
    months: int = 36,
    shocks: Sequence[Shock] = (),
    params: SynthParams | None = None,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write a synthetic country of ``persons`` persons into ``out_dir`` and return its manifest.

    The same seed, persons, window, shocks and parameters give byte-identical files. Files are
    written into ``out_dir/.partial-<pid>`` and moved into place only when everything succeeded.

    Args:
        out_dir: Output folder (created; must not already hold outputs unless ``overwrite``).
        persons: Number of persons, 1 to ``params.max_persons``.
        seed: Random seed (non-negative integer).
        start: First month of the window (``YYYY-MM``).
        months: Length of the window in months.
        shocks: AI shocks to inject (see :func:`ilteo.synth.parse_shock`).
        params: Parameters (defaults: ``params.yaml``).
        settings: Where the reference data is (defaults: :func:`get_settings`).
        progress: Called as ``progress(done, total, label)`` after each block.
        overwrite: Replace outputs already in ``out_dir``.

    Returns:
        The manifest (also written to ``ground_truth/manifest.json``).

    Raises:
        InvalidInputError: For invalid persons, seed, window or an occupied output folder.
        DataUnavailableError: When the reference data cannot be read.
    """
    params = params or load_params()
    persons = validate_persons(persons, params.max_persons)
    _validate(seed, months)
    window = Window.of(parse_month(start), months)
    check_output_dir(Path(out_dir), overwrite)
    settings = settings or get_settings()
    report = progress or (lambda done, total, label: None)
    report(0, persons, "참조 데이터 / reference data")
    calibration = load_calibration(settings, params)
    with staged_directory(Path(out_dir), overwrite) as root:
        world = build_world(
            seed, persons, window, tuple(shocks), params, calibration, load_lexicon()
        )
        outputs = Outputs(root, params.flush_rows)
        _workplace_tables(outputs, world)
        blocks = math.ceil(persons / params.block_persons)
        for index in range(blocks):
            extract = _block(world, index)
            for relpath, tables in extract.tables.items():
                for table in tables:
                    outputs.add(relpath, table)
            links = pl.concat([frame.cast(LINK_SCHEMA) for frame in extract.links])
            outputs.add("ground_truth/record_links.parquet", links)
            done = min((index + 1) * params.block_persons, persons)
            report(done, persons, f"{index + 1}/{blocks}")
        rows = outputs.close()
        (root / SHOCKS_PATH).write_text(_shocks_json(world.shocks), encoding="utf-8")
        files = file_entries(root, {**rows, SHOCKS_PATH: len(world.shocks)})
        manifest = _manifest(world, params, files, calibration_summary(world))
        (root / MANIFEST_PATH).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return manifest


def ensure_generated(
    out_dir: Path,
    persons: int,
    seed: int = 0,
    *,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Return the manifest of ``out_dir`` if it already holds this country, else generate it.

    A country is reused when its manifest names the same persons, seed, generator version and
    has every file it lists with the recorded size; anything else is regenerated in place.
    This is what makes a second ``ilteo demo`` fast.
    """
    params = load_params()
    try:
        manifest: dict[str, Any] = json.loads((Path(out_dir) / MANIFEST_PATH).read_text("utf-8"))
    except (OSError, ValueError):
        manifest = {}
    current = (
        manifest.get("persons") == persons
        and manifest.get("seed") == seed
        and manifest.get("generator_version") == f"{__version__}+params.{params.version}"
        and not manifest.get("shocks")
        and all(
            (Path(out_dir) / name).is_file()
            and (Path(out_dir) / name).stat().st_size == entry.get("bytes")
            for name, entry in manifest.get("files", {}).items()
        )
    )
    if current and manifest.get("files"):
        if progress:
            progress(persons, persons, "캐시 / cached")
        return manifest
    return generate(
        out_dir, persons, seed, settings=settings, progress=progress, overwrite=True, params=params
    )


def _shocks_json(shocks: tuple[Shock, ...]) -> str:
    data = [s.model_dump(mode="json") for s in shocks]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def calibration_summary(world: World) -> dict[str, Any]:
    """What the distributions were built from (recorded in the manifest)."""
    occ = world.calibration.occupations
    methods = {m: int((occ.match_method == m).sum()) for m in ("exact", "token", "fallback")}
    return {
        "accident_statistics_year": world.params.accidents.year,
        "industry_cells": len(world.calibration.industries.major),
        "ksco_units": len(occ.codes),
        "ksco_isco_title_matches": methods,
        "kdt_course_runs": world.calibration.courses.height,
        "workplaces": len(world.workplaces),
    }


def _manifest(
    world: World, params: SynthParams, files: dict[str, Any], calibration: dict[str, Any]
) -> dict[str, Any]:
    last = world.window.month_start[-2].astype("datetime64[M]")
    return {
        "generator": "ilteo.synth",
        "generator_version": f"{__version__}+params.{params.version}",
        "params_version": params.version,
        "synthetic": True,
        "seed": world.seed,
        "persons": world.persons,
        "block_persons": params.block_persons,
        "start_month": world.window.start.strftime("%Y-%m"),
        "end_month": str(last),
        "months": world.window.months,
        "shocks": [s.model_dump(mode="json") for s in world.shocks],
        "calibration": calibration,
        "files": files,
    }
