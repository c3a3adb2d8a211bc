"""Source contracts: each :class:`~ilteo.lake.spec.SourceSpec` as a pandera schema, by chunk.

A chunk goes through four steps, all on whole columns:

1. **parse** the text (or stored) values into the declared types; a value that does not parse
   fails ``type.<dtype>``;
2. **validate** the typed chunk with a pandera ``DataFrameSchema`` built from the declaration,
   lazily so that every failure of every row is collected: ``required.<field>``, ``code.<system>``
   (KSCO 8, KSIC 11, 시도, NCS, codes of loss and rejection reasons, the workplace number),
   ``enum.<field>``, ``rrn.format`` / ``rrn.check_digit`` / ``rrn.birth_date``,
   ``brn.check_digit``, ``range.<field>``, ``date.future`` and ``date.<later>_before_<earlier>``;
   rules that need the whole batch (``date.loss_before_acquisition``) are computed beforehand by
   :func:`sequence_violations` and joined in;
3. **protect**: the clear RRN is replaced by its keyed hash and the birth date and sex it encodes
   (:func:`ilteo.lake.protect.protect_rrn`), failure values of personal fields are masked;
4. **split** into accepted rows (typed, the staged layout) and quarantined rows (as received, as
   text, with their failures), so that ``accepted + quarantined == received`` for every chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Final

import polars as pl

from ilteo.core.settings import Settings
from ilteo.lake.codes import code_values, get_code_system
from ilteo.lake.protect import (
    brn_digits,
    brn_ok,
    derived_columns,
    mask_expr,
    protect_rrn,
    rrn_birth_date,
    rrn_check_digit_ok,
    rrn_digits,
    rrn_format_ok,
    workplace_no_ok,
)
from ilteo.lake.rows import DTYPES, KOREA, as_text, parse_column, today_in_korea
from ilteo.lake.spec import FieldSpec, SourceSpec

if TYPE_CHECKING:
    import pandera.polars as pa

__all__ = [
    "CheckedChunk",
    "Contract",
    "get_contract",
    "sequence_violations",
]

#: Columns every failure row has.
FAILURE_SCHEMA: Final = {
    "_row_number": pl.Int64(),
    "rule": pl.Utf8(),
    "column": pl.Utf8(),
    "value": pl.Utf8(),
}


@dataclass
class CheckedChunk:
    """One chunk after its contract: accepted rows, quarantined rows, failures and counts.

    Attributes:
        accepted: Rows that passed, in the staged layout (:func:`staged_schema`).
        quarantined: Rows that failed, as text, in the quarantine layout.
        failures: One row per failure: ``_row_number``, ``rule``, ``column``, masked ``value``.
        received: Rows in the chunk (``accepted.height + quarantined.height``).
        present: Non-null values per field.
        failed: Rows failing any rule per field.
    """

    accepted: pl.DataFrame
    quarantined: pl.DataFrame
    failures: pl.DataFrame
    received: int
    present: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)


def _column_check(
    rule: str, make: Callable[[pl.Expr], pl.Expr], *, per_value: bool = False
) -> pa.Check:
    """A pandera check of one column; ``per_value`` evaluates ``make`` once per distinct value.

    Identifier checks (RRN, BRN) cost a dozen string operations per value, and a wage extract
    repeats each person's number every month: they are computed on the distinct values and joined
    back, which gives the same result per row.
    """
    import pandera.polars as pa
    from pandera.api.polars.types import PolarsData

    def check(data: PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        if not per_value:
            return data.lazyframe.select(make(col).alias(data.key))
        column = data.lazyframe.select(col)
        distinct = column.unique().with_columns(make(col).alias("_ok"))
        joined = column.join(distinct, on=data.key, how="left", maintain_order="left")
        return joined.select(pl.col("_ok").alias(data.key))

    return pa.Check(check, name=rule, error=rule)


def _frame_check(rule: str, expr: pl.Expr) -> pa.Check:
    import pandera.polars as pa
    from pandera.api.polars.types import PolarsData

    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(expr.alias("ok"))

    return pa.Check(check, name=rule, error=rule)


class Contract:
    """The contract of one source: a pandera schema plus the RRN and type steps around it.

    Args:
        spec: The source declaration.
        settings: Where the reference code lists and the secret key come from.
        today: The clock for ``date.future`` (today in Korea by default).
    """

    def __init__(self, spec: SourceSpec, settings: Settings, today: date | None = None) -> None:
        self.spec = spec
        self.today = today or today_in_korea()
        secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
        self._key = secret.encode("utf-8")
        self._settings = settings
        self._frame_rules: dict[str, str] = {}
        self.schema = self._build_schema()

    @property
    def rrn_fields(self) -> list[str]:
        """Fields that hold resident registration numbers."""
        return [f.name for f in self.spec.fields if f.personal == "rrn"]

    def _field_checks(self, spec: FieldSpec) -> list[pa.Check]:
        checks: list[pa.Check] = []
        system = spec.code_system
        if system == "rrn":
            checks += [
                _column_check("rrn.format", rrn_format_ok),
                _column_check("rrn.check_digit", rrn_check_digit_ok, per_value=True),
                _column_check(
                    "rrn.birth_date",
                    lambda c: ~rrn_format_ok(c) | rrn_birth_date(c).is_not_null(),
                    per_value=True,
                ),
            ]
        elif system == "brn":
            checks.append(
                _column_check("brn.check_digit", lambda c: brn_ok(brn_digits(c)), per_value=True)
            )
        elif system == "workplace_no":
            checks.append(_column_check("code.workplace_no", workplace_no_ok, per_value=True))
        elif system is not None:
            checks.append(self._code_check(system))
        if spec.allowed:
            allowed = list(spec.allowed)
            checks.append(_column_check(f"enum.{spec.name}", lambda c: c.is_in(allowed)))
        low, high = spec.min_value, spec.max_value
        if spec.dtype in {"int", "float"} and (low is not None or high is not None):
            low_v = float("-inf") if low is None else low
            high_v = float("inf") if high is None else high
            checks.append(
                _column_check(f"range.{spec.name}", lambda c: c.is_between(low_v, high_v))
            )
        if spec.dtype in {"date", "datetime"} and not spec.future_allowed:
            today = self.today
            if spec.dtype == "date":
                checks.append(_column_check("date.future", lambda c: c <= today))
            else:
                checks.append(
                    _column_check(
                        "date.future",
                        lambda c: c.dt.convert_time_zone(str(KOREA)).dt.date() <= today,
                    )
                )
        return checks

    def _code_check(self, system: str) -> pa.Check:
        values = code_values(system, self._settings)
        if values is not None:
            listed = sorted(values)
            return _column_check(f"code.{system}", lambda c: c.is_in(listed))
        pattern = get_code_system(system).pattern or ".*"
        return _column_check(f"code.{system}", lambda c: c.str.contains(f"^(?:{pattern})$"))

    def _build_schema(self) -> pa.DataFrameSchema:
        import pandera.polars as pa

        columns = {
            f.name: pa.Column(
                DTYPES[f.dtype], nullable=not f.required, checks=self._field_checks(f)
            )
            for f in self.spec.fields
        }
        frame_checks = []
        for earlier, later in self.spec.date_rules:
            rule = f"date.{later}_before_{earlier}"
            self._frame_rules[rule] = later
            frame_checks.append(_frame_check(rule, pl.col(later) >= pl.col(earlier)))
        return pa.DataFrameSchema(columns, checks=frame_checks, strict=True, name=self.spec.id)

    def parse(self, raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Return ``(text, typed)``: the chunk as text and in the declared types.

        RRN fields stay text in ``typed``, as bare digits, until :meth:`check` hashes them.
        """
        names = [f.name for f in self.spec.fields]
        text = raw.select(as_text(n, raw.schema[n]).alias(n) for n in names)
        columns = []
        for f in self.spec.fields:
            source = raw.schema[f.name]
            if f.personal == "rrn":
                expr, frame = rrn_digits(pl.col(f.name)), text
            elif (
                source == pl.Utf8
                or source.is_nested()
                or isinstance(source, pl.Categorical | pl.Enum)
            ):
                expr, frame = parse_column(f.name, pl.Utf8(), DTYPES[f.dtype]), text
            else:
                expr, frame = parse_column(f.name, source, DTYPES[f.dtype]), raw
            columns.append(frame.select(expr.alias(f.name)).to_series())
        return text, pl.DataFrame(columns)

    def _type_failures(self, text: pl.DataFrame, typed: pl.DataFrame) -> list[pl.DataFrame]:
        out = []
        for f in self.spec.fields:
            bad = text.get_column(f.name).is_not_null() & typed.get_column(f.name).is_null()
            if bad.any():
                positions = pl.int_range(0, text.height, eager=True, dtype=pl.Int64).filter(bad)
                out.append(
                    pl.DataFrame({"_position": positions}).with_columns(
                        pl.lit(f"type.{f.dtype}").alias("rule"), pl.lit(f.name).alias("column")
                    )
                )
        return out

    def _schema_failures(self, typed: pl.DataFrame) -> list[pl.DataFrame]:
        from pandera.errors import SchemaErrors

        try:
            self.schema.validate(typed, lazy=True)
        except SchemaErrors as exc:
            cases = exc.failure_cases
        else:
            return []
        if cases.get_column("index").is_null().any():
            whole = cases.filter(pl.col("index").is_null()).select("column", "check").rows()
            raise RuntimeError(f"contract {self.spec.id}: a whole-column check failed: {whole}")
        rules = self._frame_rules
        return [
            cases.select(
                pl.col("index").cast(pl.Int64).alias("_position"),
                pl.when(pl.col("check") == "not_nullable")
                .then(pl.format("required.{}", pl.col("column")))
                .otherwise(pl.col("check"))
                .alias("rule"),
                pl.when(pl.col("check").is_in(list(rules)))
                .then(pl.col("check").replace_strict(rules, default=None))
                .otherwise(pl.col("column"))
                .alias("column"),
            )
        ]

    def check(
        self,
        raw: pl.DataFrame,
        first_row: int,
        batch_id: str,
        *,
        flagged: pl.DataFrame | None = None,
        prior: pl.DataFrame | None = None,
    ) -> CheckedChunk:
        """Apply the contract to one chunk.

        Args:
            raw: The rows as read (every declared column).
            first_row: Position of the chunk's first row in the batch.
            batch_id: The batch, written into every output row.
            flagged: Batch-wide failures (``_row_number``, ``rule``, ``column``) to join in.
            prior: For a quarantine retry, aligned with ``raw``: ``_row_number`` (kept from the
                first batch), ``_failures`` and, per RRN field, the hash, birth date and sex
                kept at arrival. An RRN that is null in ``raw`` but hashed in ``prior`` keeps its
                hash and its ``rrn.*`` failures: it cannot be checked again without the clear
                number, which is never kept.

        Returns:
            The accepted and quarantined rows and the failures.
        """
        text, typed = self.parse(raw)
        rows = (
            prior.get_column("_row_number").cast(pl.Int64)
            if prior is not None
            else pl.int_range(first_row, first_row + raw.height, eager=True, dtype=pl.Int64)
        ).alias("_row_number")
        local = [*self._type_failures(text, typed), *self._schema_failures(typed)]
        if flagged is not None and flagged.height:
            positions = pl.DataFrame({"_row_number": rows}).with_row_index("_position")
            here = flagged.join(positions, on="_row_number").select(
                pl.col("_position").cast(pl.Int64), "rule", "column"
            )
            local.append(here)
        failures = _without_double_counts(
            pl.concat(local, how="vertical_relaxed") if local else _empty_failures()
        )
        failures = self._attach_values(failures, text)
        typed, text, carried = self._protect(typed, text, prior)
        if prior is not None and carried.height:
            failures = _merge_carried(failures, carried, prior)
        failures = failures.with_columns(rows.gather(failures.get_column("_position")))
        return self._split(typed, text, failures.drop("_position"), rows, batch_id)

    def _attach_values(self, failures: pl.DataFrame, text: pl.DataFrame) -> pl.DataFrame:
        """Add the (masked) value of each failure, read from the chunk as text."""
        personal = {f.name: f.personal for f in self.spec.fields}
        parts = []
        for (column,), group in failures.group_by("column", maintain_order=True):
            name = str(column)
            values = text.get_column(name).gather(group.get_column("_position"))
            masked = pl.select(mask_expr(pl.lit(values), personal.get(name, "none"))).to_series()
            parts.append(group.with_columns(masked.cast(pl.Utf8).alias("value")))
        if not parts:
            return failures.with_columns(pl.lit(None, dtype=pl.Utf8).alias("value"))
        return pl.concat(parts, how="vertical")

    def _protect(
        self, typed: pl.DataFrame, text: pl.DataFrame, prior: pl.DataFrame | None
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """Hash every RRN field in both frames; return them and the rows whose RRN is carried."""
        carried = pl.DataFrame(schema={"_position": pl.Int64, "column": pl.Utf8})
        for name in self.rrn_fields:
            hashed, birth, sex = derived_columns(name)
            typed = protect_rrn(typed, name, self._key)
            position = text.columns.index(name)
            text = text.drop(name)
            for offset, column in enumerate((hashed, birth, sex)):
                text = text.insert_column(position + offset, typed.get_column(column))
            if prior is None or hashed not in prior.columns:
                continue
            keep = typed.get_column(hashed).is_null() & prior.get_column(hashed).is_not_null()
            if not keep.any():
                continue
            for column in (hashed, birth, sex):
                merged = pl.select(
                    pl.when(pl.lit(keep))
                    .then(pl.lit(prior.get_column(column)))
                    .otherwise(pl.lit(typed.get_column(column)))
                ).to_series()
                typed = typed.with_columns(merged.alias(column))
                text = text.with_columns(merged.alias(column))
            positions = pl.int_range(0, typed.height, eager=True, dtype=pl.Int64).filter(keep)
            carried = pl.concat(
                [carried, pl.DataFrame({"_position": positions, "column": name})], how="vertical"
            )
        return typed, text, carried

    def _split(
        self,
        typed: pl.DataFrame,
        text: pl.DataFrame,
        failures: pl.DataFrame,
        rows: pl.Series,
        batch_id: str,
    ) -> CheckedChunk:
        failures = failures.select("_row_number", "rule", "column", "value").unique(
            maintain_order=True
        )
        bad = rows.is_in(failures.get_column("_row_number").unique().implode())
        lineage = [pl.lit(batch_id).alias("_batch_id"), rows]
        accepted = typed.with_columns(lineage).filter(~bad)
        accepted = accepted.select("_batch_id", "_row_number", *typed.columns)
        grouped = failures.group_by("_row_number", maintain_order=True).agg(
            pl.struct("rule", "column", "value").alias("_failures")
        )
        quarantined = (
            text.with_columns(lineage)
            .filter(bad)
            .join(grouped, on="_row_number", how="left", maintain_order="left")
            .select("_batch_id", "_row_number", "_failures", *text.columns)
        )
        present = {}
        for f in self.spec.fields:
            column = derived_columns(f.name)[0] if f.personal == "rrn" else f.name
            present[f.name] = int(text.get_column(column).is_not_null().sum())
        failed = {
            str(column): int(count)
            for column, count in failures.group_by("column")
            .agg(pl.col("_row_number").n_unique())
            .iter_rows()
        }
        received = typed.height
        if accepted.height + quarantined.height != received:  # pragma: no cover - invariant
            raise RuntimeError(f"{self.spec.id}: accepted + quarantined != received")
        return CheckedChunk(accepted, quarantined, failures, received, present, failed)


def _empty_failures() -> pl.DataFrame:
    return pl.DataFrame(schema={"_position": pl.Int64, "rule": pl.Utf8, "column": pl.Utf8})


def _without_double_counts(failures: pl.DataFrame) -> pl.DataFrame:
    """Drop ``required.x`` where ``x`` failed to parse (it is null because of ``type.*``)."""
    typed = failures.filter(pl.col("rule").str.starts_with("type.")).select("_position", "column")
    required = failures.filter(pl.col("rule").str.starts_with("required.")).join(
        typed, on=["_position", "column"], how="semi"
    )
    return failures.join(required, on=failures.columns, how="anti", nulls_equal=True)


def _merge_carried(
    failures: pl.DataFrame, carried: pl.DataFrame, prior: pl.DataFrame
) -> pl.DataFrame:
    """Swap fresh failures of a carried RRN for the ``rrn.*`` failures found at arrival."""
    failures = failures.join(carried, on=["_position", "column"], how="anti")
    old = (
        prior.select("_failures")
        .with_row_index("_position")
        .with_columns(pl.col("_position").cast(pl.Int64))
        .join(carried, on="_position")
        .explode("_failures")
        .select(
            "_position",
            "column",
            pl.col("_failures").struct.field("rule").alias("rule"),
            pl.col("_failures").struct.field("column").alias("_failed_column"),
            pl.col("_failures").struct.field("value").alias("value"),
        )
        .filter(
            (pl.col("_failed_column") == pl.col("column")) & pl.col("rule").str.starts_with("rrn.")
        )
        .select("_position", "rule", "column", "value")
    )
    return pl.concat([failures, old], how="vertical_relaxed")


_CONTRACTS: dict[tuple[str, date, str, str, int], Contract] = {}


def get_contract(spec: SourceSpec, settings: Settings, today: date | None = None) -> Contract:
    """The contract of ``spec`` for ``today``, built once per process and settings."""
    today = today or today_in_korea()
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    key = (spec.id, today, str(settings.reference_dir), str(settings.cache_dir), hash(secret))
    contract = _CONTRACTS.get(key)
    if contract is None or contract.spec != spec:
        if len(_CONTRACTS) > 64:
            _CONTRACTS.clear()
        contract = _CONTRACTS[key] = Contract(spec, settings, today)
    return contract


def sequence_violations(spec: SourceSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """Rows breaking a :class:`~ilteo.lake.spec.SequenceRule` of ``spec`` in a whole batch.

    Args:
        spec: The source.
        frame: ``_row_number`` and, as read, the columns the rules use (all rows of the batch).

    Returns:
        ``_row_number``, ``rule``, ``column`` (the date field) of every violating row.

    >>> from ilteo.lake.sources import get_source
    >>> rows = pl.DataFrame({"_row_number": [0, 1, 2], "rrn": ["a", "a", "b"],
    ...     "workplace_mgmt_no": ["w", "w", "w"], "event_type": ["acquisition", "loss", "loss"],
    ...     "event_date": ["2024-03-01", "2024-02-01", "2024-01-01"]})
    >>> sequence_violations(get_source("ei_events"), rows)["_row_number"].to_list()
    [1]
    """
    out = [pl.DataFrame(schema={"_row_number": pl.Int64, "rule": pl.Utf8, "column": pl.Utf8})]
    for rule in spec.sequence_rules:
        source = frame.schema[rule.date_field]
        day = parse_column(rule.date_field, source, pl.Date()).alias("_date")
        group = pl.struct(list(rule.group)).hash().alias("_group")
        events = frame.select("_row_number", group, pl.col(rule.kind_field).alias("_kind"), day)
        first = (
            events.filter(pl.col("_kind") == rule.first)
            .group_by("_group")
            .agg(pl.col("_date").min().alias("_first"))
        )
        bad = events.filter(pl.col("_kind") == rule.then).join(first, on="_group")
        bad = bad.filter(pl.col("_date") < pl.col("_first"))
        out.append(
            bad.select(
                pl.col("_row_number").cast(pl.Int64),
                pl.lit(rule.rule).alias("rule"),
                pl.lit(rule.date_field).alias("column"),
            )
        )
    return pl.concat(out, how="vertical")
