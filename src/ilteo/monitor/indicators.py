"""Monthly labour-market indicators from the lake's master records, built month by month.

What is counted (method also in ``docs/monitor-indicators.md``), per KSCO 8 unit group x KSIC
section x 시도 x age band x sex x month:

* **employment**: insured jobs open on the month's last day. A job (*spell*) is an 고용보험
  acquisition paired with the next loss of the same person (RRN hash) at the same workplace; the
  loss date is the 상실일, the first day no longer insured, so a job lost on the 1st of the next
  month still counts. The job's occupation, industry, 시도 and wage are those its acquisition
  reported; age is the person's age on the month's last day.
* **hires**, **separations** (and by reason: ``sep_voluntary`` 11-12, ``sep_business`` 22-23,
  ``sep_misconduct`` 26, ``sep_retirement`` 31, ``sep_contract_end`` 32, ``sep_other`` the rest):
  acquisitions and losses dated in the month.
* **jsa_claims**: 구직급여 claims filed in the month, counted under the job that ended last at the
  claim's workplace (else the person's last ended job): "by last occupation".
* **training_enrolments**: K-Digital Training enrolments starting in the month; the trainee has no
  RRN in that system, so the enrolment reaches its person through the lake's master person ID
  and is counted under the job held (or last ended) when the course started.
* **wage_sum**: the monthly wages of the jobs in ``employment`` (mean wage = wage_sum /
  employment).

**Incremental.** Each month's rows are one Parquet file. A month's fingerprint chains the previous
month's fingerprint with the digest of every input row dated in that month (record id and batch),
so a new month, or a late report for an earlier month, recomputes that month and the ones after
it, and nothing else. The first month also carries every event dated before the window (jobs
already held when the extract starts).

Nothing here is an official statistic: on the demo the lake holds a synthetic country.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from ilteo.core.errors import DataUnavailableError, InvalidInputError
from ilteo.core.settings import Settings
from ilteo.reference.codes import KSIC11_SECTIONS

if TYPE_CHECKING:
    import duckdb

#: The cell dimensions, in the order rows are stored.
DIMENSIONS: Final = ("ksco", "ksic_section", "sido", "age_band", "sex")
#: Extra ``by`` names: the KSCO major, sub-major and minor group (1-3 digit prefixes).
KSCO_LEVELS: Final = {"ksco1": 1, "ksco2": 2, "ksco3": 3}
#: Age bands on the month's last day (the event day for flows).
AGE_BANDS: Final = ("15-29", "30-39", "40-49", "50-59", "60+")
#: Counts per cell-month.
MEASURES: Final = (
    "employment",
    "hires",
    "separations",
    "sep_voluntary",
    "sep_business",
    "sep_misconduct",
    "sep_retirement",
    "sep_contract_end",
    "sep_other",
    "jsa_claims",
    "training_enrolments",
    "wage_sum",
)
#: Korean labels of the measures (pages, report, API descriptions).
MEASURE_LABELS: Final = {
    "employment": "피보험 고용 / insured employment",
    "hires": "취득(채용) / hires",
    "separations": "상실(이직) / separations",
    "sep_voluntary": "자발적 이직(11·12) / voluntary quits",
    "sep_business": "경영상 이직(22·23) / business closures and layoffs",
    "sep_misconduct": "귀책 해고(26) / dismissals for misconduct",
    "sep_retirement": "정년(31) / retirement",
    "sep_contract_end": "계약만료(32) / end of contract",
    "sep_other": "기타(41·42 등) / other",
    "jsa_claims": "구직급여 신청 / job-seeking allowance claims",
    "training_enrolments": "K-디지털 훈련 개강 / K-Digital Training enrolments",
    "wage_sum": "보수 합계(원) / wage sum (won)",
}
#: Derived columns :func:`read_indicators` adds.
DERIVED: Final = (
    "exposure_weighted",
    "profiled_employment",
    "high_exposure_employment",
    "high_exposure_share",
)
#: High exposure: KSCO units whose combined score is in the top fifth of all profiled units
#: (the Bank of Korea's "AI 노출 상위 20% 직업" definition, on ilteo's combined index).
HIGH_EXPOSURE_QUANTILE: Final = 0.8
#: Bump when the method changes: every month is recomputed.
METHOD_VERSION: Final = "indicators-1"
UNKNOWN: Final = "unknown"

_REASONS: Final = {
    "sep_voluntary": ("11", "12"),
    "sep_business": ("22", "23"),
    "sep_misconduct": ("26",),
    "sep_retirement": ("31",),
    "sep_contract_end": ("32",),
}

ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class IndicatorBuild:
    """What one build did."""

    months: list[date]
    computed: list[date]
    reused: list[date]
    rows: int
    seconds: float
    removed: list[date] = field(default_factory=list)


def indicators_dir(settings: Settings) -> Path:
    """Where the monthly files and the build state live."""
    return settings.lake_dir / "monitor" / "indicators"


def _state_path(settings: Settings) -> Path:
    return indicators_dir(settings) / "state.json"


def _month_path(settings: Settings, month: date) -> Path:
    return indicators_dir(settings) / f"{month:%Y-%m}.parquet"


def _section_case(column: str) -> str:
    """A SQL ``CASE`` mapping a KSIC code's division to its section letter."""
    arms = " ".join(
        f"WHEN TRY_CAST(LEFT({column}, 2) AS INTEGER) BETWEEN {first} AND {last} THEN '{letter}'"
        for letter, (first, last) in KSIC11_SECTIONS.items()
    )
    return f"CASE {arms} ELSE '{UNKNOWN}' END"


def _age_band_sql(birth: str, day: str) -> str:
    age = (
        f"(year({day}) - year({birth}) - CASE WHEN month({birth}) > month({day}) OR "
        f"(month({birth}) = month({day}) AND day({birth}) > day({day})) THEN 1 ELSE 0 END)"
    )
    return (
        f"CASE WHEN {birth} IS NULL THEN '{UNKNOWN}' WHEN {age} < 30 THEN '15-29' "
        f"WHEN {age} < 40 THEN '30-39' WHEN {age} < 50 THEN '40-49' "
        f"WHEN {age} < 60 THEN '50-59' ELSE '60+' END"
    )


def spells_sql(con: duckdb.DuckDBPyConnection, master_id: str | None = None) -> None:
    """Create the temp view ``monitor_spells``: one row per insured job (see the module doc).

    Columns: ``master_id, rrn_hash, workplace_mgmt_no, ksco, ksic_section, sido, birth_date, sex,
    start_date, end_date, loss_reason_code, loss_ksco, monthly_wage_won``.

    Args:
        con: A lake connection.
        master_id: Keep one master person's jobs only (a person's history: the events are
            filtered before the spells are formed).

    Raises:
        InvalidInputError: ``master_id`` is not of the form ``P`` + digits.
    """
    person = ""
    if master_id is not None:
        if not re.fullmatch(r"P\d{6,12}", master_id):
            raise InvalidInputError(f"not a master person id: {master_id!r}")
        person = f" AND l.master_id = '{master_id}'"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW monitor_events AS
        SELECT e.record_id, e._batch_id, e.event_type, e.event_date, e.rrn_hash,
               e.rrn_birth_date AS birth_date, e.rrn_sex AS sex, e.workplace_mgmt_no,
               e.ksco_code, e.ksic_code, e.sido_code, e.monthly_wage_won, e.loss_reason_code,
               l.master_id
        FROM curated_ei_events e
        LEFT JOIN master_person_links l ON l.source = 'ei_events' AND l.record_id = e.record_id
        WHERE e.rrn_hash IS NOT NULL AND e.event_date IS NOT NULL{person};

        CREATE OR REPLACE TEMP VIEW monitor_spells AS
        WITH numbered AS (
            SELECT *, SUM(CASE WHEN event_type = 'acquisition' THEN 1 ELSE 0 END) OVER (
                PARTITION BY rrn_hash, workplace_mgmt_no
                ORDER BY event_date, CASE WHEN event_type = 'acquisition' THEN 0 ELSE 1 END,
                         record_id
                ROWS UNBOUNDED PRECEDING) AS spell_no
            FROM monitor_events
        )
        SELECT any_value(master_id) AS master_id, rrn_hash, workplace_mgmt_no,
               COALESCE(max(ksco_code) FILTER (WHERE event_type = 'acquisition'), '{UNKNOWN}')
                   AS ksco,
               {_section_case("max(ksic_code)")} AS ksic_section,
               COALESCE(max(sido_code), '{UNKNOWN}') AS sido,
               any_value(birth_date) AS birth_date, COALESCE(any_value(sex), '{UNKNOWN}') AS sex,
               min(event_date) FILTER (WHERE event_type = 'acquisition') AS start_date,
               min(event_date) FILTER (WHERE event_type = 'loss') AS end_date,
               arg_min(loss_reason_code, event_date) FILTER (WHERE event_type = 'loss')
                   AS loss_reason_code,
               arg_min(ksco_code, event_date) FILTER (WHERE event_type = 'loss') AS loss_ksco,
               max(monthly_wage_won) FILTER (WHERE event_type = 'acquisition')
                   AS monthly_wage_won
        FROM numbered
        GROUP BY rrn_hash, workplace_mgmt_no, spell_no
        """  # noqa: S608 - constants of this module and a master id checked above
    )


def _window(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """First and last month of the data: the months the monthly wage extract covers."""
    row = con.execute("SELECT min(wage_month), max(wage_month) FROM curated_ei_wages").fetchone()
    if row is None or row[0] is None:
        row = con.execute(
            "SELECT date_trunc('month', min(event_date) FILTER (WHERE event_type = 'loss')), "
            "date_trunc('month', max(event_date)) FROM curated_ei_events"
        ).fetchone()
    if row is None or row[0] is None or row[1] is None:
        return None
    return _first_of(row[0]), _first_of(row[1])


def _first_of(value: date) -> date:
    return date(value.year, value.month, 1)


def month_text(month: date) -> str:
    """``YYYY-MM``."""
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(text: str, name: str = "month") -> date:
    """``YYYY-MM`` → the first day of that month; every door reads months with this.

    Raises:
        InvalidInputError: Not a ``YYYY-MM`` month (``parameter`` names the input).

    >>> parse_month("2025-03")
    datetime.date(2025, 3, 1)
    """
    try:
        year, month = text.strip().split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(text)
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise InvalidInputError(
            f"{name}은 YYYY-MM 형식이어야 합니다 / {name} must be a month, YYYY-MM: {text!r}",
            parameter=name,
        ) from exc


def shift(month: date, months: int) -> date:
    """The first day of the month ``months`` after ``month`` (negative: before)."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _months(first: date, last: date) -> list[date]:
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [shift(first, n) for n in range(max(count, 0))]


def _digests(con: duckdb.DuckDBPyConnection, first: date) -> dict[date, str]:
    """Per month, a digest of every input row dated in it (earlier rows count in ``first``)."""
    start = f"DATE '{first.isoformat()}'"
    query = f"""
        WITH rows AS (
            SELECT greatest(date_trunc('month', event_date), {start}) AS month,
                   hash(e.record_id, e._batch_id, l.master_id) AS h
            FROM curated_ei_events e
            LEFT JOIN master_person_links l
                ON l.source = 'ei_events' AND l.record_id = e.record_id
            WHERE e.event_date IS NOT NULL
            UNION ALL
            SELECT greatest(date_trunc('month', claimed_at), {start}),
                   hash(claim_id, _batch_id)
            FROM curated_benefit_claims WHERE claimed_at IS NOT NULL
            UNION ALL
            SELECT greatest(date_trunc('month', k."개강일"), {start}),
                   hash(k."수강번호", k._batch_id, l.master_id)
            FROM curated_kdt_enrolments k
            LEFT JOIN master_person_links l
                ON l.source = 'kdt_enrolments' AND l.record_id = k."수강번호"
            WHERE k."개강일" IS NOT NULL
        )
        SELECT month, count(*), bit_xor(h), sum(h % 1000003) FROM rows GROUP BY month
    """  # noqa: S608 - a date literal made from a date
    return {
        _first_of(month): f"{count}:{xor}:{total}"
        for month, count, xor, total in con.execute(query).fetchall()
    }


def _chain(months: list[date], digests: dict[date, str], first: date) -> dict[date, str]:
    fingerprints: dict[date, str] = {}
    previous = f"{METHOD_VERSION}|{first.isoformat()}"
    for month in months:
        previous = hashlib.sha256(
            f"{previous}|{month.isoformat()}|{digests.get(month, '')}".encode()
        ).hexdigest()
        fingerprints[month] = previous
    return fingerprints


_STATES: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}


def _load_state(settings: Settings) -> dict[str, Any]:
    """The build state (read-only: copy before changing), parsed again only when the file is.

    Every read of the indicators asks for it; one ``stat`` instead of a read and a parse.
    """
    path = _state_path(settings)
    try:
        info = path.stat()
    except OSError:
        return {"months": {}}
    stamp = (info.st_mtime_ns, info.st_ino)
    found = _STATES.get(str(path))
    if found is not None and found[0] == stamp:
        return found[1]
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"months": {}}
    _STATES[str(path)] = (stamp, state)
    return state


def _save_state(settings: Settings, state: dict[str, Any]) -> None:
    path = _state_path(settings)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def _cells_sql() -> str:
    """SQL of every cell-month row (needs ``monitor_spells`` and ``target_months``)."""
    dims = ", ".join(DIMENSIONS)
    flows_dims = (
        "COALESCE(NULLIF(s.ksco, 'unknown'), s.loss_ksco, 'unknown') AS ksco, "
        "s.ksic_section, s.sido, {age} AS age_band, s.sex"
    )
    zero = dict.fromkeys(MEASURES, "0")

    def select(values: dict[str, str]) -> str:
        merged = {**zero, **values}
        return ", ".join(f"CAST({merged[name]} AS BIGINT) AS {name}" for name in MEASURES)

    reasons = {
        name: f"CASE WHEN s.loss_reason_code IN ({', '.join(repr(c) for c in codes)}) "
        "THEN 1 ELSE 0 END"
        for name, codes in _REASONS.items()
    }
    other_codes = ", ".join(repr(c) for codes in _REASONS.values() for c in codes)
    reasons["sep_other"] = (
        f"CASE WHEN s.loss_reason_code IS NULL OR s.loss_reason_code NOT IN ({other_codes}) "
        "THEN 1 ELSE 0 END"
    )
    month_end = "last_day(t.month)"
    return f"""
        WITH stock AS (
            SELECT t.month, s.ksco, s.ksic_section, s.sido,
                   {_age_band_sql("s.birth_date", month_end)} AS age_band, s.sex,
                   {select({"employment": "1", "wage_sum": "COALESCE(s.monthly_wage_won, 0)"})}
            FROM monitor_spells s
            JOIN target_months t
              ON s.start_date <= {month_end}
             AND (s.end_date IS NULL OR s.end_date > {month_end})
        ),
        hires AS (
            SELECT t.month, {flows_dims.format(age=_age_band_sql("s.birth_date", "s.start_date"))},
                   {select({"hires": "1"})}
            FROM monitor_spells s
            JOIN target_months t ON date_trunc('month', s.start_date) = t.month
        ),
        losses AS (
            SELECT t.month, {flows_dims.format(age=_age_band_sql("s.birth_date", "s.end_date"))},
                   {select({"separations": "1", **reasons})}
            FROM monitor_spells s
            JOIN target_months t ON date_trunc('month', s.end_date) = t.month
        ),
        claims AS (
            SELECT t.month, c.claim_id, c.claimed_at, c.rrn_hash,
                   c.last_workplace_mgmt_no, c.rrn_birth_date, c.rrn_sex
            FROM curated_benefit_claims c
            JOIN target_months t ON date_trunc('month', c.claimed_at) = t.month
            WHERE c.program = 'job_seeking_allowance'
        ),
        claim_jobs AS (
            SELECT c.month, c.claim_id, c.claimed_at, c.rrn_birth_date, c.rrn_sex,
                   s.ksco, s.loss_ksco, s.ksic_section, s.sido
            FROM claims c
            LEFT JOIN monitor_spells s
              ON s.rrn_hash = c.rrn_hash AND s.end_date IS NOT NULL
             AND s.end_date <= c.claimed_at
            QUALIFY row_number() OVER (
                PARTITION BY c.claim_id
                ORDER BY (s.workplace_mgmt_no = c.last_workplace_mgmt_no) DESC NULLS LAST,
                         s.end_date DESC NULLS LAST) = 1
        ),
        jsa AS (
            SELECT month,
                   COALESCE(NULLIF(ksco, 'unknown'), loss_ksco, 'unknown') AS ksco,
                   COALESCE(ksic_section, 'unknown') AS ksic_section,
                   COALESCE(sido, 'unknown') AS sido,
                   {_age_band_sql("rrn_birth_date", "claimed_at")} AS age_band,
                   COALESCE(rrn_sex, 'unknown') AS sex,
                   {select({"jsa_claims": "1"})}
            FROM claim_jobs
        ),
        enrolments AS (
            SELECT t.month, k."수강번호" AS enrolment_id, k."개강일" AS starts,
                   COALESCE(k."생년월일", p.birth_date) AS birth_date,
                   COALESCE(p.sex, '{UNKNOWN}') AS sex, p.sido_code, l.master_id
            FROM curated_kdt_enrolments k
            JOIN target_months t ON date_trunc('month', k."개강일") = t.month
            LEFT JOIN master_person_links l
              ON l.source = 'kdt_enrolments' AND l.record_id = k."수강번호"
            LEFT JOIN master_persons p ON p.master_id = l.master_id
        ),
        enrolment_jobs AS (
            SELECT e.month, e.enrolment_id, e.starts, e.birth_date, e.sex, e.sido_code,
                   s.ksco, s.ksic_section, s.sido
            FROM enrolments e
            LEFT JOIN monitor_spells s
              ON e.master_id IS NOT NULL AND s.master_id = e.master_id
             AND s.start_date <= e.starts
            QUALIFY row_number() OVER (
                PARTITION BY e.enrolment_id
                ORDER BY (s.end_date IS NULL OR s.end_date > e.starts) DESC NULLS LAST,
                         s.end_date DESC NULLS FIRST, s.start_date DESC NULLS LAST) = 1
        ),
        training AS (
            SELECT month, COALESCE(ksco, 'unknown') AS ksco,
                   COALESCE(ksic_section, 'unknown') AS ksic_section,
                   COALESCE(sido, sido_code, 'unknown') AS sido,
                   {_age_band_sql("birth_date", "starts")} AS age_band, sex,
                   {select({"training_enrolments": "1"})}
            FROM enrolment_jobs
        ),
        everything AS (
            SELECT * FROM stock UNION ALL BY NAME SELECT * FROM hires
            UNION ALL BY NAME SELECT * FROM losses UNION ALL BY NAME SELECT * FROM jsa
            UNION ALL BY NAME SELECT * FROM training
        )
        SELECT month, {dims}, {", ".join(f"CAST(sum({m}) AS BIGINT) AS {m}" for m in MEASURES)}
        FROM everything
        GROUP BY month, {dims}
        ORDER BY month, {dims}
    """  # noqa: S608 - every interpolated name is a constant of this module


def build_indicators(
    settings: Settings,
    *,
    until: date | None = None,
    progress: ProgressCallback | None = None,
    memory_limit: str | None = None,
) -> IndicatorBuild:
    """Build (or bring up to date) the monthly indicator files from the lake.

    Args:
        settings: Whose lake.
        until: Build months up to and including this one (default: the last month of data).
        progress: Called as ``progress(done, total, label)``.
        memory_limit: DuckDB memory limit, e.g. ``"6GB"`` (large builds spill to disk).

    Returns:
        The months built, those recomputed and those kept.

    Raises:
        DataUnavailableError: The lake holds no employment-insurance events yet.
        InvalidInputError: ``until`` is before the first month of data.
    """
    from ilteo.lake.engine import connect

    started = time.perf_counter()
    con = connect(settings, memory_limit=memory_limit)
    try:
        window = _window(con)
        if window is None:
            raise DataUnavailableError(
                "레이크에 고용보험 자료가 없습니다 / the lake holds no employment-insurance "
                "events yet: run `ilteo lake build DIR` first"
            )
        first, last = window
        if until is not None:
            until = _first_of(until)
            if until < first:
                raise InvalidInputError(
                    f"{until:%Y-%m}은 자료 기간({first:%Y-%m}-{last:%Y-%m}) 이전입니다 / "
                    f"{until:%Y-%m} is before the data ({first:%Y-%m} to {last:%Y-%m})"
                )
            last = min(last, until)
        months = _months(first, last)
        fingerprints = _chain(months, _digests(con, first), first)
        state = _load_state(settings)
        known: dict[str, str] = dict(state.get("months", {}))
        todo = [
            m
            for m in months
            if known.get(m.isoformat()) != fingerprints[m] or not _month_path(settings, m).exists()
        ]
        folder = indicators_dir(settings)
        folder.mkdir(parents=True, exist_ok=True)
        removed = [
            date.fromisoformat(key) for key in known if date.fromisoformat(key) not in fingerprints
        ]
        total = len(todo) + 1
        if progress:
            progress(0, total, "spells")
        spells_sql(con)
        rows = 0
        if todo:
            # Spells are materialised once per build: every month's join reads them.
            con.execute("CREATE TEMP TABLE monitor_spells_t AS SELECT * FROM monitor_spells")
            con.execute(
                "CREATE OR REPLACE TEMP VIEW monitor_spells AS SELECT * FROM monitor_spells_t"
            )
        if progress:
            progress(1, total, "spells")
        # Months in chunks of 12: one query each keeps the range join's memory bounded.
        for start in range(0, len(todo), 12):
            chunk = todo[start : start + 12]
            con.execute("CREATE OR REPLACE TEMP TABLE target_months (month DATE)")
            con.executemany("INSERT INTO target_months VALUES (?)", [(m,) for m in chunk])
            frame: pl.DataFrame = con.sql(_cells_sql()).pl()
            for month in chunk:
                part = frame.filter(pl.col("month") == month)
                path = _month_path(settings, month)
                tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
                part.write_parquet(tmp, compression="zstd")
                tmp.replace(path)
                rows += part.height
                known[month.isoformat()] = fingerprints[month]
            if progress:
                progress(1 + start + len(chunk), total, f"{chunk[-1]:%Y-%m}")
        for month in removed:
            _month_path(settings, month).unlink(missing_ok=True)
            known.pop(month.isoformat(), None)
        state = {
            "method": METHOD_VERSION,
            "first": first.isoformat(),
            "last": last.isoformat(),
            "months": {k: known[k] for k in sorted(known)},
            "built_at": time.time(),
        }
        _save_state(settings, state)
    finally:
        con.close()
    _CACHE.clear()
    reused = [m for m in months if m not in set(todo)]
    return IndicatorBuild(
        months=months,
        computed=todo,
        reused=reused,
        rows=rows,
        seconds=round(time.perf_counter() - started, 3),
        removed=removed,
    )


def available_months(settings: Settings) -> list[date]:
    """The months built (first days), oldest first; empty before the first build."""
    state = _load_state(settings)
    return sorted(
        date.fromisoformat(key)
        for key in state.get("months", {})
        if _month_path(settings, date.fromisoformat(key)).exists()
    )


def build_stamp(settings: Settings) -> object:
    """Changes whenever the indicators are rebuilt: a cache key for results derived from them."""
    return _load_state(settings).get("built_at")


def _combined_scores(settings: Settings) -> dict[str, float]:
    from ilteo.monitor.ksco import ksco_index

    return {code: p.combined for code, p in ksco_index(settings).profiles.items()}


def high_exposure_codes(settings: Settings) -> frozenset[str]:
    """KSCO units whose combined exposure score is in the top fifth of profiled units."""
    scores = _combined_scores(settings)
    if not scores:
        return frozenset()
    ordered = sorted(scores.values())
    cut = ordered[min(len(ordered) - 1, int(HIGH_EXPOSURE_QUANTILE * len(ordered)))]
    return frozenset(code for code, score in scores.items() if score >= cut)


_CACHE: dict[tuple[Any, ...], pl.DataFrame] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 256


def _check_filter(name: str, value: str | None, allowed: Sequence[str] | None = None) -> None:
    if value is None:
        return
    if not value or len(value) > 16:
        raise InvalidInputError(f"{name} 값이 올바르지 않습니다 / invalid {name}: {value!r}")
    if allowed is not None and value not in allowed:
        raise InvalidInputError(
            f"{name} '{value}'는 없는 값입니다 / unknown {name} '{value}' "
            f"(가능한 값 / one of: {', '.join(allowed)})"
        )


def read_indicators(
    settings: Settings,
    *,
    by: Sequence[str] = (),
    months: tuple[date, date] | None = None,
    ksco: str | None = None,
    ksic_section: str | None = None,
    sido: str | None = None,
    age_band: str | None = None,
    sex: str | None = None,
    suppress: bool = True,
) -> pl.DataFrame:
    """Indicators per month and the ``by`` dimensions, with filters.

    Args:
        settings: Whose lake.
        by: Dimensions to keep (of :data:`DIMENSIONS` and ``ksco1``-``ksco3``); the rest are
            summed over.
        months: First and last month (inclusive); default every month built.
        ksco: Keep KSCO units starting with this prefix (1-4 digits).
        ksic_section: Keep one KSIC section (A-U).
        sido: Keep one 시도 (two-digit code).
        age_band: Keep one of :data:`AGE_BANDS`.
        sex: ``M`` or ``F``.
        suppress: Blank counts below ``settings.monitor_min_cell`` (disclosure control) and flag
            the row ``suppressed``.

    Returns:
        One row per month x ``by`` values: every measure, the derived exposure columns and
        ``suppressed``.

    Raises:
        InvalidInputError: An unknown dimension or filter value, or months outside the data.
        DataUnavailableError: No indicators built yet.
    """
    built = available_months(settings)
    if not built:
        raise DataUnavailableError(
            "월별 지표가 아직 없습니다 / no monthly indicators built yet: run "
            "`ilteo monitor indicators build` (or `ilteo demo`)"
        )
    allowed = (*DIMENSIONS, *KSCO_LEVELS)
    unknown = [name for name in by if name not in allowed]
    if unknown or len(set(by)) != len(by):
        raise InvalidInputError(
            f"알 수 없는 차원 / unknown or repeated dimension(s) {unknown or list(by)}; "
            f"가능한 값 / one of: {', '.join(allowed)}"
        )
    if ksco is not None and not (ksco.isdigit() and 1 <= len(ksco) <= 4):
        raise InvalidInputError(
            f"KSCO 코드는 숫자 1-4자리입니다 / a KSCO filter is 1 to 4 digits: {ksco!r}"
        )
    _check_filter("ksic_section", ksic_section, (*KSIC11_SECTIONS, UNKNOWN))
    _check_filter("age_band", age_band, AGE_BANDS)
    _check_filter("sex", sex, ("M", "F"))
    if sido is not None and not (sido.isdigit() and len(sido) == 2):
        raise InvalidInputError(f"시도 코드는 두 자리 숫자입니다 / sido is two digits: {sido!r}")
    first, last = built[0], built[-1]
    if months is not None:
        low, high = _first_of(months[0]), _first_of(months[1])
        if low > high or high < first or low > last:
            raise InvalidInputError(
                f"요청한 기간 {low:%Y-%m}-{high:%Y-%m}은 자료 기간({first:%Y-%m}-{last:%Y-%m}) "
                f"밖입니다 / months {low:%Y-%m} to {high:%Y-%m} are outside the data "
                f"({first:%Y-%m} to {last:%Y-%m})"
            )
        first, last = max(first, low), min(last, high)
    state = _load_state(settings)
    key = (
        str(settings.lake_dir),
        state.get("built_at"),
        tuple(by),
        first,
        last,
        ksco,
        ksic_section,
        sido,
        age_band,
        sex,
        suppress,
        settings.monitor_min_cell,
    )
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    frame = _read(
        settings,
        by,
        [m for m in built if first <= m <= last],
        ksco=ksco,
        ksic_section=ksic_section,
        sido=sido,
        age_band=age_band,
        sex=sex,
    )
    if suppress:
        frame = suppress_small(frame, settings.monitor_min_cell)
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = frame
    return frame


def _read(
    settings: Settings,
    by: Sequence[str],
    months: list[date],
    **filters: str | None,
) -> pl.DataFrame:
    lazy = pl.scan_parquet([_month_path(settings, m) for m in months])
    if filters.get("ksco"):
        lazy = lazy.filter(pl.col("ksco").str.starts_with(str(filters["ksco"])))
    for name in ("ksic_section", "sido", "age_band", "sex"):
        if filters.get(name) is not None:
            lazy = lazy.filter(pl.col(name) == filters[name])
    scores = _combined_scores(settings)
    high = high_exposure_codes(settings)
    exposure = pl.DataFrame(
        {
            "ksco": list(scores),
            "_score": list(scores.values()),
            "_high": [code in high for code in scores],
        },
        schema={"ksco": pl.String, "_score": pl.Float64, "_high": pl.Boolean},
    ).lazy()
    lazy = lazy.join(exposure, on="ksco", how="left")
    keys: list[pl.Expr] = [pl.col("month")]
    for name in by:
        if name in KSCO_LEVELS:
            digits = KSCO_LEVELS[name]
            keys.append(
                pl.when(pl.col("ksco") == UNKNOWN)
                .then(pl.lit(UNKNOWN))
                .otherwise(pl.col("ksco").str.slice(0, digits))
                .alias(name)
            )
        else:
            keys.append(pl.col(name))
    known_job = pl.col("ksco") != UNKNOWN
    frame = (
        lazy.group_by(keys)
        .agg(
            *(pl.col(m).sum() for m in MEASURES),
            (pl.col("employment") * pl.col("_score")).sum().alias("exposure_weighted"),
            pl.col("employment")
            .filter(pl.col("_score").is_not_null())
            .sum()
            .alias("profiled_employment"),
            pl.col("employment")
            .filter(pl.col("_high").fill_null(False))
            .sum()
            .alias("high_exposure_employment"),
            pl.col("employment").filter(known_job).sum().alias("_known_employment"),
        )
        .with_columns(
            pl.when(pl.col("_known_employment") > 0)
            .then(pl.col("high_exposure_employment") / pl.col("_known_employment"))
            .otherwise(None)
            .alias("high_exposure_share")
        )
        .drop("_known_employment")
        .sort([k.meta.output_name() for k in keys])
        .collect()
    )
    return frame


def suppress_small(frame: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Blank non-zero counts below ``threshold`` and flag their rows ``suppressed``.

    A blanked employment count blanks the wage sum and the exposure columns derived from it.

    >>> f = pl.DataFrame({"employment": [3, 40], "hires": [0, 2], "wage_sum": [9, 99]})
    >>> suppress_small(f, 5).to_dicts()[0]
    {'employment': None, 'hires': 0, 'wage_sum': None, 'suppressed': True}
    """
    counts = [m for m in MEASURES if m != "wage_sum" and m in frame.columns]
    small = {m: (pl.col(m) > 0) & (pl.col(m) < threshold) for m in counts}
    derived = [c for c in ("wage_sum", *DERIVED) if c in frame.columns]
    flag = pl.lit(False)
    for expr in small.values():
        flag = flag | expr
    return frame.with_columns(
        *(pl.when(small[m]).then(None).otherwise(pl.col(m)).alias(m) for m in counts),
        *(
            pl.when(small["employment"]).then(None).otherwise(pl.col(c)).alias(c)
            for c in derived
            if "employment" in small
        ),
        flag.alias("suppressed"),
    )
