"""Take-up and non-claim of the job-seeking allowance on a lake, and the scan's counts per rule.

Runs :func:`ilteo.benefits.scan.scan` on the lake of ``--home`` and reports the persons separated,
eligible for 구직급여, claimed, not claiming (eligible, no claim, separated at least the scan's
``no_claim_days`` ago) and the take-up rate (claimed / eligible), in total and broken down by
separation reason (상실사유), age band at separation, 시도 and days since separation. The
breakdowns come from the scan's own per-person facts and formulas (``lake_facts``, ``columns``,
``evaluate``), checked against the scan's totals. Then the findings per scan rule
(``summary()["rules"]``), when the scan has them. Cells under 5 persons are suppressed.

Run: ``uv run python evals/benefits/takeup.py --home HOME [--as-of 2025-12-31]
[--out evals/benefits/takeup.md]`` (the reference data: ``ILTEO_REFERENCE_DIR`` or
``--reference-dir``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ilteo.benefits import scan as scanning
from ilteo.core.settings import Settings
from ilteo.lake.codes import EI_LOSS_REASONS, SIDO_NAMES

HERE = Path(__file__).resolve().parent
SMALL = 5
AGE_BANDS = ((0, 29, "-29"), (30, 39, "30-39"), (40, 49, "40-49"), (50, 59, "50-59"))
AGE_BANDS += ((60, 64, "60-64"), (65, 200, "65+"))
DAY_BANDS = ((0, 13, "0-13"), (14, 30, "14-30"), (31, 90, "31-90"), (91, 180, "91-180"))
DAY_BANDS += ((181, 365, "181-365"), (366, 100_000, "366+"))


def _band(values: np.ndarray, bands: tuple[tuple[int, int, str], ...]) -> np.ndarray:
    out = np.full(len(values), "?", dtype=object)
    for low, high, label in bands:
        out[(values >= low) & (values <= high)] = label
    return out


def persons(settings: Settings, as_of: date, no_claim_days: int) -> pl.DataFrame:
    """One row per separated person: the breakdown keys and the four flags."""
    facts = scanning.lake_facts(settings, as_of)
    if facts.height == 0:
        return pl.DataFrame()
    cols = scanning.columns(facts, as_of)
    answer = scanning.evaluate(cols, facts.height, as_of.isoformat())
    eligible = np.asarray(answer["eligible"], dtype=bool)
    claimed = facts["claimed_at"].is_not_null().to_numpy()
    days = np.asarray(cols["days_since_separation"])
    codes = facts["loss_reason_code"].to_list()
    sido = facts["sido"].to_list()
    return pl.DataFrame(
        {
            "reason": [f"{c} {EI_LOSS_REASONS.get(c, '?')}" for c in codes],
            "age_band": _band(np.asarray(cols["age_at_separation"]), AGE_BANDS).tolist(),
            "sido": [f"{s} {SIDO_NAMES.get(s, '?')}" if s else "? (unknown)" for s in sido],
            "days_band": _band(days, DAY_BANDS).tolist(),
            "eligible": eligible,
            "claimed": eligible & claimed,
            "not_claiming": eligible & ~claimed & (days >= no_claim_days),
        }
    )


def _cell(n: int) -> str:
    return f"<{SMALL}" if n < SMALL else f"{n:,}"


def _rate(claimed: int, eligible: int) -> str:
    if eligible < SMALL or claimed < SMALL or eligible - claimed < SMALL:
        return "-"  # a rate would disclose a small cell
    return f"{claimed / eligible:.1%}"


def breakdown(
    frame: pl.DataFrame, key: str, title: str, bands: tuple[tuple[int, int, str], ...] = ()
) -> list[str]:
    """A Markdown table of the counts by ``key`` (in the order of ``bands`` when given)."""
    rank = {label: i for i, (_, _, label) in enumerate(bands)}
    table = (
        frame.group_by(key)
        .agg(
            pl.len().alias("separated"),
            pl.col("eligible").sum(),
            pl.col("claimed").sum(),
            pl.col("not_claiming").sum(),
        )
        .with_columns(
            pl.col(key).replace_strict(rank, default=len(rank), return_dtype=pl.Int64).alias("_o")
        )
        .sort("_o", key)
    )
    lines = [
        f"### By {title}",
        "",
        f"| {title} | separated | eligible | claimed | not claiming | take-up |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in table.iter_rows(named=True):
        lines.append(
            f"| {row[key]} | {_cell(row['separated'])} | {_cell(row['eligible'])} | "
            f"{_cell(row['claimed'])} | {_cell(row['not_claiming'])} | "
            f"{_rate(row['claimed'], row['eligible'])} |"
        )
    return [*lines, ""]


def rules_section(result: Any) -> list[str]:
    """The findings per scan rule (the job-seeking rule only when the scan has no findings)."""
    summary = result.summary()
    lines = ["## Findings per scan rule", ""]
    counts: dict[str, int] | None = summary.get("rules")
    findings = getattr(result, "findings", None)
    if counts is None:
        lines += [
            "The scan has no `rules` counts yet; the job-seeking rule only:",
            "",
            "| rule | persons found |",
            "|---|---:|",
            f"| job_seeking_not_claimed | {_cell(result.not_claiming.height)} |",
            "",
        ]
        return lines
    from ilteo.benefits.rules import RULES

    lines += [
        "| rule | programme | label | findings | total amount (원) |",
        "|---|---|---|---:|---:|",
    ]
    for rule, n in counts.items():
        amount = "-"
        if isinstance(findings, pl.DataFrame) and n >= SMALL and "amount_krw" in findings.columns:
            total = findings.filter(pl.col("rule") == rule)["amount_krw"].sum()
            amount = f"{int(total or 0):,}"
        known = RULES.get(rule)
        programme = known.programme if known else "?"
        label = known.label_ko if known else "?"
        lines.append(f"| {rule} | {programme} | {label} | {_cell(int(n))} | {amount} |")
    notes: dict[str, str] = summary.get("notes") or {}
    if notes:
        lines += ["", "Notes of the scan:", ""]
        lines += [f"- `{rule}`: {text}" for rule, text in notes.items()]
    return [*lines, ""]


def report(settings: Settings, as_of: date, no_claim_days: int, command: str) -> tuple[str, int]:
    """The Markdown report, and 1 when the breakdowns do not add up to the scan's totals."""
    result = scanning.scan(settings, as_of, no_claim_days=no_claim_days)
    frame = persons(settings, as_of, no_claim_days)
    summary = result.summary()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    totals = {
        "separated": frame.height,
        "eligible": int(frame["eligible"].sum()) if frame.height else 0,
        "claimed": int(frame["claimed"].sum()) if frame.height else 0,
        "not_claiming": int(frame["not_claiming"].sum()) if frame.height else 0,
    }
    scan_totals = {
        "separated": result.persons_separated,
        "eligible": result.eligible,
        "claimed": result.claimed,
        "not_claiming": result.not_claiming.height,
    }
    same = totals == scan_totals
    lines = [
        "# Benefits: take-up and non-claim of 구직급여 on the demo lake",
        "",
        f"Generated {now} on {platform.node()} (Python {platform.python_version()}):",
        "",
        f"```\n{command}\n```",
        "",
        f"Home `{settings.home}`, scan day {as_of.isoformat()}, a person is *not claiming* when "
        f"eligible, without a claim and separated at least {no_claim_days} days before. The data "
        "are **synthetic** (`ilteo synth`): the figures show what the report looks like and how "
        f"the scan behaves, not the country. Cells under {SMALL} persons are shown as `<{SMALL}` "
        "(and their rates as `-`). Scan time: "
        f"{summary['seconds']} s.",
        "",
        "## Totals",
        "",
        "| separated | eligible for 구직급여 | claimed | not claiming | take-up rate |",
        "|---:|---:|---:|---:|---:|",
        f"| {_cell(result.persons_separated)} | {_cell(result.eligible)} | "
        f"{_cell(result.claimed)} | {_cell(result.not_claiming.height)} | "
        f"{_rate(result.claimed, result.eligible)} |",
        "",
        "Breakdowns recomputed from the scan's per-person facts and formulas: "
        + ("they add up to the scan's totals." if same else f"**they differ**: {totals}."),
        "",
        "Eligible persons who claimed within the first days are counted as claimed; eligible "
        f"persons separated fewer than {no_claim_days} days before the scan day and not yet "
        "claiming are in *eligible* but neither *claimed* nor *not claiming*.",
        "",
        "## Breakdowns",
        "",
    ]
    if frame.height:
        lines += breakdown(frame, "reason", "separation reason (상실사유)")
        lines += breakdown(frame, "age_band", "age at separation", AGE_BANDS)
        lines += breakdown(frame, "sido", "시도")
        lines += breakdown(frame, "days_band", "days since separation", DAY_BANDS)
    lines += rules_section(result)
    return "\n".join(lines), 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the scan, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="ILTEO_HOME with a built lake")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 12, 31))
    parser.add_argument("--out", type=Path, default=HERE / "takeup.md")
    parser.add_argument("--no-claim-days", type=int, default=scanning.NO_CLAIM_DAYS)
    parser.add_argument(
        "--reference-dir", type=Path, default=os.environ.get("ILTEO_REFERENCE_DIR") or None
    )
    args = parser.parse_args(argv)
    settings = Settings(env="dev", home=args.home, reference_dir=args.reference_dir)
    command = "uv run python evals/benefits/takeup.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    text, code = report(settings, args.as_of, args.no_claim_days, command)
    args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(f"report: {args.out}\n")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
