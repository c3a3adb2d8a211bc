"""The establishment-year table: OSHA's 300A summary layout, read with clear errors.

One row per establishment and year, in the column layout of OSHA's published establishment-level
300A summaries (Injury Tracking Application data): ``establishment_id``, ``year_filing_for``,
``naics_code``, ``size``, ``annual_average_employees``, ``total_hours_worked``, ``total_deaths``,
``total_dafw_cases``, ``total_djtr_cases``, ``total_other_cases`` (and ``state``). A Korean table
may carry ``ksic_code`` instead of ``naics_code`` and ``sido_code`` or ``region`` instead of
``state``. Optional columns, used when present: ``opened_year``, ``hires``, ``separations``
(employment-insurance flows), ``inspection`` (``random``, ``targeted``, ``complaint``, empty for
none), ``findings``, ``hazard_requests``, ``imminent_requests``. The synthetic panel adds
``sim_expected`` and ``sim_effect``, which only a simulation knows.

:func:`read_table` reads CSV or Parquet, renames to the canonical names of :data:`CANONICAL` and
checks the table. It refuses (``InvalidInputError``, naming the columns and rows) a table with
missing required columns, values that are not numbers, negative counts, duplicate establishment
years, hours worked that look like employees (or the other way round), too many unknown industry
codes, or too few years. It warns, in :attr:`Table.warnings`, about what it keeps but cannot use
fully: some unknown industry codes, implausible hours on some rows (dropped from hours features),
years with no death or days-away case at all (not used as an outcome year: a year without a single
case is far likelier a year not loaded than a safe year).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import polars as pl

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings

__all__ = [
    "CANONICAL",
    "OPTIONAL",
    "REQUIRED",
    "Table",
    "industry_sector",
    "read_table",
    "validate",
    "write_table",
]

#: Canonical name → the names a supplied table may use for it (the first is the OSHA name).
CANONICAL: Final[dict[str, tuple[str, ...]]] = {
    "establishment_id": ("establishment_id", "workplace_id", "master_id"),
    "year": ("year_filing_for", "year"),
    "naics_code": ("naics_code",),
    "ksic_code": ("ksic_code",),
    "size": ("size", "size_band"),
    "employees": ("annual_average_employees", "employees"),
    "hours": ("total_hours_worked", "hours_worked"),
    "deaths": ("total_deaths", "deaths"),
    "dafw": ("total_dafw_cases", "dafw_cases"),
    "djtr": ("total_djtr_cases", "djtr_cases"),
    "other": ("total_other_cases", "other_cases"),
    "region": ("state", "sido_code", "region"),
    "opened_year": ("opened_year",),
    "hires": ("hires",),
    "separations": ("separations",),
    "inspection": ("inspection",),
    "findings": ("findings",),
    "hazard_requests": ("hazard_requests",),
    "imminent_requests": ("imminent_requests",),
    "sim_expected": ("sim_expected",),
    "sim_effect": ("sim_effect",),
}
#: Needed to learn and evaluate anything (the industry code is ``naics_code`` or ``ksic_code``).
REQUIRED: Final = ("establishment_id", "year", "employees", "deaths", "dafw")
OPTIONAL: Final = tuple(k for k in CANONICAL if k not in REQUIRED)
_COUNTS: Final = ("deaths", "dafw", "djtr", "other", "hires", "separations", "findings",
                  "hazard_requests", "imminent_requests")  # fmt: skip
_NUMBERS: Final = ("year", "employees", "hours", "opened_year", "sim_expected", "sim_effect")
#: Columns of OSHA's ITA files that identify an establishment when it has no establishment_id.
ITA_IDENTITY: Final = ("establishment_name", "ein", "zip_code")
INSPECTION_KINDS: Final = frozenset({"random", "targeted", "complaint", "manual"})
#: Annual hours per employee outside this range are not hours of that many employees.
HOURS_PER_EMPLOYEE: Final = (200.0, 5_000.0)
#: Above this share of unknown industry codes the table is refused.
MAX_UNKNOWN_INDUSTRY: Final = 0.5
MIN_YEARS: Final = 3

#: KSIC sections by 2-digit division (한국표준산업분류 대분류).
_KSIC_SECTIONS: Final = (
    ("A", 1, 3), ("B", 5, 8), ("C", 10, 34), ("D", 35, 35), ("E", 36, 39), ("F", 41, 42),
    ("G", 45, 47), ("H", 49, 52), ("I", 55, 56), ("J", 58, 63), ("K", 64, 66), ("L", 68, 68),
    ("M", 70, 73), ("N", 74, 76), ("O", 84, 84), ("P", 85, 85), ("Q", 86, 87), ("R", 90, 91),
    ("S", 94, 96), ("T", 97, 98), ("U", 99, 99),
)  # fmt: skip
#: NAICS 2-digit sectors (31-33, 44-45 and 48-49 are one sector each).
_NAICS_SECTORS: Final = {
    "11": "11", "21": "21", "22": "22", "23": "23", "31": "31-33", "32": "31-33", "33": "31-33",
    "42": "42", "44": "44-45", "45": "44-45", "48": "48-49", "49": "48-49", "51": "51", "52": "52",
    "53": "53", "54": "54", "55": "55", "56": "56", "61": "61", "62": "62", "71": "71", "72": "72",
    "81": "81", "92": "92",
}  # fmt: skip


@dataclass(slots=True)
class Table:
    """A checked establishment-year table.

    Attributes:
        frame: Canonical columns (``industry_system`` is ``ksic`` or ``naics``; ``sector`` and
            ``subsector`` are derived from the code, ``unknown`` when the code is not known).
        industry_system: ``ksic`` or ``naics``.
        source: Where it came from (a path, ``synthetic panel`` or ``lake``).
        synthetic: True for the simulated panel (shown wherever its figures are).
        warnings: What was kept but could not be used fully, in plain words.
        outcome_years: Years usable as outcomes (at least one death or days-away case).
    """

    frame: pl.DataFrame
    industry_system: str
    source: str
    synthetic: bool = False
    warnings: list[str] = field(default_factory=list)
    outcome_years: tuple[int, ...] = ()

    @property
    def years(self) -> tuple[int, ...]:
        """The years in the table, ascending."""
        return tuple(sorted(int(y) for y in self.frame["year"].unique().to_list()))


def industry_sector(code: str | None, system: str) -> tuple[str, str]:
    """(sector, subsector) of an industry code; ``("unknown", "unknown")`` for an unknown one."""
    digits = (code or "").strip()
    if not digits.isdigit() or len(digits) < 2:
        return "unknown", "unknown"
    if system == "naics":
        sector = _NAICS_SECTORS.get(digits[:2])
        return (sector, digits[:3]) if sector else ("unknown", "unknown")
    if len(digits) > 5:  # KSIC codes have at most five digits (a NAICS code is six)
        return "unknown", "unknown"
    division = int(digits[:2])
    for letter, first, last in _KSIC_SECTIONS:
        if first <= division <= last:
            return letter, digits[:2]
    return "unknown", "unknown"


def read_table(path: Path, *, settings: Settings | None = None) -> Table:
    """Read and check a supplied table (CSV in UTF-8, CP949 or Latin-1; or Parquet).

    Raises:
        InvalidInputError: The file is missing or unreadable, or the table fails a check (the
            message names the columns, values and rows).
    """
    if not path.is_file():
        raise InvalidInputError(
            f"파일이 없습니다 / no such file: {path}", fields={"table": "missing"}
        )
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            raw = pl.read_parquet(path)
        elif suffix in {".csv", ".txt"}:
            raw = _read_csv(path)
        else:
            raise InvalidInputError(
                f"CSV 또는 Parquet 파일만 읽습니다 / only .csv or .parquet tables: {path.name}",
                fields={"table": "format"},
            )
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InvalidInputError(
            f"표를 읽을 수 없습니다 / cannot read the table {path.name}: {exc}",
            fields={"table": "unreadable"},
        ) from exc
    return validate(raw, source=str(path), settings=settings)


def _read_csv(path: Path) -> pl.DataFrame:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp949", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return pl.read_csv(text.encode("utf-8"), infer_schema=False)
    raise InvalidInputError(f"문자 인코딩을 알 수 없습니다 / unknown text encoding: {path.name}")


def validate(
    raw: pl.DataFrame,
    *,
    source: str,
    synthetic: bool = False,
    settings: Settings | None = None,
) -> Table:
    """Rename a table to the canonical columns and check it (see the module's description)."""
    lower = {c.lower().strip(): c for c in raw.columns}
    derived_id = False
    if not any(name in lower for name in CANONICAL["establishment_id"]) and all(
        name in lower for name in ITA_IDENTITY
    ):
        # ITA files number rows (``id``), not establishments: the establishment across years is
        # its name, EIN and ZIP code, as users of the public files identify it.
        raw = raw.with_columns(
            pl.concat_str(
                [pl.col(lower[n]).cast(pl.String).str.strip_chars().str.to_uppercase()
                 for n in ITA_IDENTITY],
                separator="|",
                ignore_nulls=True,
            ).alias("establishment_id")
        )  # fmt: skip
        lower["establishment_id"] = "establishment_id"
        derived_id = True
    picked: dict[str, str] = {}
    for canonical, names in CANONICAL.items():
        for name in names:
            if name in lower:
                picked[canonical] = lower[name]
                break
    missing = [c for c in REQUIRED if c not in picked]
    if "naics_code" not in picked and "ksic_code" not in picked:
        missing.append("industry")
    if missing:
        wanted = ", ".join(
            "naics_code or ksic_code" if c == "industry" else " or ".join(CANONICAL[c])
            for c in missing
        )
        raise InvalidInputError(
            f"필수 열이 없습니다 / the table lacks required columns: {wanted} "
            f"(it has: {', '.join(raw.columns[:30])})",
            fields={"table": "missing-columns"},
            missing=missing,
        )
    system = "ksic" if "ksic_code" in picked else "naics"
    code_col = f"{system}_code"
    keep = {k: v for k, v in picked.items() if k not in {"naics_code", "ksic_code"}}
    frame = raw.select(
        [pl.col(v).alias(k) for k, v in keep.items()] + [pl.col(picked[code_col]).alias("code")]
    )
    frame = _cast(frame)
    warnings: list[str] = []
    if derived_id:
        warnings.append(
            "사업장 식별자가 없어 사업장명·EIN·우편번호로 만들었습니다 / no establishment_id: "
            "establishments are identified across years by establishment_name, ein and zip_code"
        )
    frame = _check_values(frame, warnings)
    frame = _check_hours(frame, warnings)
    frame = _industry(frame, system, warnings, settings)
    outcome_years = _check_years(frame, warnings)
    return Table(
        frame=frame.sort("establishment_id", "year"),
        industry_system=system,
        source=source,
        synthetic=synthetic or "sim_expected" in picked,
        warnings=warnings,
        outcome_years=outcome_years,
    )


def _cast(frame: pl.DataFrame) -> pl.DataFrame:
    exprs: list[pl.Expr] = [
        pl.col("establishment_id").cast(pl.String).str.strip_chars(),
        pl.col("code").cast(pl.String).str.strip_chars(),
    ]
    bad: dict[str, str] = {}
    for name in (*_COUNTS, *_NUMBERS):
        if name not in frame.columns:
            continue
        column = frame[name]
        if column.dtype == pl.String:
            cleaned = column.str.strip_chars().str.replace_all(",", "")
            parsed = cleaned.cast(pl.Float64, strict=False)
            wrong = (parsed.is_null() & cleaned.is_not_null() & (cleaned != "")).arg_true()
            if len(wrong):
                rows = ", ".join(str(int(i) + 2) for i in wrong[:5].to_list())
                examples = ", ".join(repr(v) for v in column.gather(wrong[:3]).to_list())
                bad[name] = f"{len(wrong):,} rows (file lines {rows}), e.g. {examples}"
            exprs.append(pl.lit(parsed).alias(name))
        else:
            exprs.append(pl.col(name).cast(pl.Float64, strict=False))
    if bad:
        detail = "; ".join(f"{k}: {v}" for k, v in bad.items())
        raise InvalidInputError(
            f"숫자가 아닌 값이 있습니다 / values that are not numbers: {detail}",
            fields=dict.fromkeys(bad, "not-a-number"),
        )
    for name in ("size", "region", "inspection"):
        if name in frame.columns:
            exprs.append(pl.col(name).cast(pl.String).str.strip_chars())
    return frame.with_columns(exprs)


def _check_values(frame: pl.DataFrame, warnings: list[str]) -> pl.DataFrame:
    problems: dict[str, str] = {}
    if frame["establishment_id"].null_count() or (frame["establishment_id"] == "").any():
        problems["establishment_id"] = "empty establishment ids"
    for name in REQUIRED[1:]:
        nulls = frame[name].null_count()
        if nulls:
            problems[name] = f"{nulls:,} empty values (a missing count is not zero)"
    for name in (*_COUNTS, "employees", "hours"):
        if name in frame.columns and (frame[name] < 0).any():
            problems[name] = f"{int((frame[name] < 0).sum()):,} negative values"
    if not problems:
        years = frame["year"]
        if ((years < 1970) | (years > 2100) | (years != years.round())).any():
            problems["year"] = "years must be whole numbers between 1970 and 2100"
        elif (frame["employees"] == 0).any():
            zero = int((frame["employees"] == 0).sum())
            warnings.append(
                f"직원 수가 0인 행 {zero:,}개는 제외했습니다 / {zero:,} rows with zero annual "
                "average employees were left out (no one to be injured or to inspect)"
            )
    dupes = frame.select("establishment_id", "year").is_duplicated().sum()
    if dupes:
        problems["establishment_id"] = f"{dupes:,} rows repeat an establishment and year"
    if problems:
        detail = "; ".join(f"{k}: {v}" for k, v in problems.items())
        raise InvalidInputError(
            f"표의 값이 올바르지 않습니다 / the table has invalid values: {detail}",
            fields=dict.fromkeys(problems, "invalid"),
        )
    frame = frame.filter(pl.col("employees") > 0).with_columns(pl.col("year").cast(pl.Int64))
    return _check_inspections(frame)


def _check_inspections(frame: pl.DataFrame) -> pl.DataFrame:
    if "inspection" in frame.columns:
        kinds = frame["inspection"].drop_nulls()
        kinds = kinds.filter(kinds != "")
        unknown = sorted(set(kinds.unique().to_list()) - INSPECTION_KINDS)
        if unknown:
            raise InvalidInputError(
                f"알 수 없는 점검 종류 / unknown inspection kinds: {', '.join(unknown[:5])} "
                f"(known: {', '.join(sorted(INSPECTION_KINDS))}, empty for none)",
                fields={"inspection": "unknown"},
            )
        frame = frame.with_columns(
            pl.when(pl.col("inspection") == "").then(None).otherwise(pl.col("inspection"))
            .alias("inspection")
        )  # fmt: skip
    return frame


def _check_hours(frame: pl.DataFrame, warnings: list[str]) -> pl.DataFrame:
    if "hours" not in frame.columns:
        warnings.append(
            "근로시간 열이 없어 초과근로 신호를 쓰지 않습니다 / no hours-worked column: no "
            "overtime signal and rates per employee instead of per 200,000 hours"
        )
        return frame
    known = frame.filter(pl.col("hours").is_not_null() & (pl.col("hours") > 0))
    if known.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("hours"))
    per = known["hours"] / known["employees"]
    low, high = HOURS_PER_EMPLOYEE
    median = float(per.median() or 0.0)  # type: ignore[arg-type]
    swapped = float((known["hours"] < known["employees"]).mean() or 0.0)  # type: ignore[arg-type]
    if swapped > 0.5 or median < low:
        raise InvalidInputError(
            "근로시간과 직원 수의 단위가 맞지 않습니다 / total_hours_worked looks like a head "
            f"count: the median is {median:,.1f} hours per employee a year (expected {low:,.0f} "
            f"to {high:,.0f}) and hours are below employees on {swapped:.0%} of rows. Are the "
            "columns swapped, or are hours in thousands?",
            fields={"hours": "units"},
        )
    if median > high:
        raise InvalidInputError(
            "근로시간 단위가 맞지 않습니다 / total_hours_worked is too large: the median is "
            f"{median:,.0f} hours per employee a year (expected {low:,.0f} to {high:,.0f}). "
            "Are they minutes, or is annual_average_employees in hundreds?",
            fields={"hours": "units"},
        )
    ratio = pl.col("hours") / pl.col("employees")
    implausible = frame.select(((ratio < low) | (ratio > high)).fill_null(False).sum()).item()
    if implausible:
        warnings.append(
            f"근로시간이 비현실적인 행 {implausible:,}개는 근로시간을 쓰지 않았습니다 / "
            f"{implausible:,} rows have hours worked outside {low:,.0f} to {high:,.0f} per "
            "employee a year: their hours are not used (their cases are)"
        )
        frame = frame.with_columns(
            pl.when((ratio < low) | (ratio > high)).then(None).otherwise(pl.col("hours"))
            .alias("hours")
        )  # fmt: skip
    return frame


def _industry(
    frame: pl.DataFrame, system: str, warnings: list[str], settings: Settings | None
) -> pl.DataFrame:
    codes = frame["code"].unique().to_list()
    known: frozenset[str] | None = None
    if system == "ksic" and settings is not None:
        from ilteo.lake.codes import code_values

        try:
            known = code_values("ksic11", settings)
        except Exception:  # no reference data: fall back to the section check
            known = None
    mapping: dict[str, tuple[str, str]] = {}
    for code in codes:
        pair = industry_sector(code, system)
        if known is not None and code is not None and len(code) == 5 and code not in known:
            pair = ("unknown", "unknown")
        mapping[str(code)] = pair
    sectors = pl.DataFrame(
        {
            "code": list(mapping),
            "sector": [p[0] for p in mapping.values()],
            "subsector": [p[1] for p in mapping.values()],
        }
    )
    frame = frame.with_columns(pl.col("code").fill_null("")).join(sectors, on="code", how="left")
    unknown = frame.filter(pl.col("sector") == "unknown")
    share = unknown.height / max(frame.height, 1)
    if unknown.height:
        examples = ", ".join(repr(c) for c in unknown["code"].unique().sort().to_list()[:5])
        label = "KSIC" if system == "ksic" else "NAICS"
        message = (
            f"알 수 없는 산업 코드 / {unknown.height:,} rows ({share:.1%}) have {label} codes "
            f"that are not known, e.g. {examples}"
        )
        if share > MAX_UNKNOWN_INDUSTRY:
            raise InvalidInputError(
                message + f": more than {MAX_UNKNOWN_INDUSTRY:.0%}. Is it the right code system?",
                fields={"industry": "unknown-codes"},
            )
        warnings.append(message + ": they are kept as industry 'unknown'")
    return frame.rename({"code": "industry_code"}).with_columns(
        pl.lit(system).alias("industry_system")
    )


def _check_years(frame: pl.DataFrame, warnings: list[str]) -> tuple[int, ...]:
    by_year = (
        frame.group_by("year")
        .agg(pl.len().alias("rows"), (pl.col("deaths") + pl.col("dafw")).sum().alias("serious"))
        .sort("year")
    )
    years = by_year["year"].to_list()
    if len(years) < MIN_YEARS:
        raise InvalidInputError(
            f"연도가 {MIN_YEARS}개 이상 필요합니다 / at least {MIN_YEARS} years are needed (train "
            f"on earlier years, evaluate on a later one); the table has {len(years)}: "
            f"{', '.join(str(y) for y in years)}",
            fields={"year": "too-few"},
        )
    gaps = [y for y in range(years[0], years[-1] + 1) if y not in years]
    if gaps:
        warnings.append(
            f"빠진 연도 / years missing between {years[0]} and {years[-1]}: "
            f"{', '.join(str(g) for g in gaps)} (history over them is unknown, not zero)"
        )
    empty = by_year.filter(pl.col("serious") == 0)
    for row in empty.iter_rows(named=True):
        warnings.append(
            f"{row['year']}년에는 사망·휴업 재해가 한 건도 없습니다 / {row['year']} has "
            f"{row['rows']:,} establishments and not one death or days-away case: a year not "
            "loaded is likelier than a safe one, so it is not used as an outcome year"
        )
    usable = tuple(int(y) for y in by_year.filter(pl.col("serious") > 0)["year"].to_list())
    if len(usable) < 2:
        raise InvalidInputError(
            "사망·휴업 재해가 있는 연도가 2개 이상 필요합니다 / at least two years with death or "
            "days-away cases are needed to learn and evaluate; the table has "
            f"{len(usable)}",
            fields={"year": "no-cases"},
        )
    return usable


def write_table(table: Table | pl.DataFrame, path: Path) -> Path:
    """Write a table in the OSHA column names (CSV or Parquet by the suffix)."""
    frame = table.frame if isinstance(table, Table) else table
    osha = {k: v[0] for k, v in CANONICAL.items()}
    if "industry_code" in frame.columns:
        system = str(frame["industry_system"][0]) if "industry_system" in frame.columns else "ksic"
        frame = frame.rename({"industry_code": f"{system}_code"})
    if "ksic_code" in frame.columns:
        osha["region"] = "sido_code"
    renames = {c: osha[c] for c in frame.columns if c in osha}
    out = frame.drop([c for c in ("industry_system", "sector", "subsector") if c in frame.columns])
    out = out.rename(renames)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        out.write_parquet(path)
    else:
        out.write_csv(path)
    return path
