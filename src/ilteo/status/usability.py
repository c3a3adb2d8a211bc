"""Usability logs: privacy-safe task funnels, their report and the staff page (/status/usability).

A *task* is something a person comes to do (make an API key, sign in with a password, later file
a request at the desk or apply for a benefit): an ordered list of *steps*, registered in
:data:`TASKS` with Korean and English names. Each attempt at a task gets a **visit token**: 32
random hex characters made by :func:`new_visit` when the task's first form is shown, carried in a
short-lived cookie scoped to the task's path (:func:`track_task`) and deleted when the task is
done. Every step an attempt reaches is one :class:`~ilteo.status.models.UsabilityEvent` row
``(at, task, step, visit)``.

Why a row cannot be linked to a person:

- The visit token is drawn from :func:`secrets.token_hex`; it is derived from nothing (no account
  id, no address, no session) and is never stored next to one. The cookie lives at most
  :data:`VISIT_MAX_AGE` seconds, only on the task's path, and is deleted at the last step; a new
  attempt after that gets a new token, so two attempts of one person are not linked either.
- ``at`` is cut to the start of its UTC hour, so a row cannot be matched second by second with
  the audit log (which records who signed in and when).
- The table has no client address, no user agent, no form content and no account column.

The report (:func:`usability_report`) counts distinct visits per task and step in one
``GROUP BY`` query (the ``(task, at)`` index bounds the scan), so it stays fast at national scale;
counts below 5 are published only as the band ``"<5"`` (the rule of
:mod:`ilteo.identity.funnel_report`), and a rate or a drop-off point is withheld when a count it
needs is banded.

New tasks (the desk request form, the benefit application) call :func:`register_task` at import
time of their view module and :func:`track_task` in their views; nothing here changes.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ilteo.api.routers.identity import require_staff
from ilteo.core.errors import InvalidInputError
from ilteo.identity.accounts import AccountPublic, as_utc, utcnow
from ilteo.identity.funnel_report import SMALL_BAND, SMALL_COUNT_THRESHOLD
from ilteo.status.models import UsabilityEvent

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ilteo.core.settings import Settings

_log = logging.getLogger(__name__)

#: Default and largest report periods, in days.
DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 400
#: Seconds a visit cookie lives: an attempt left longer than this starts afresh.
VISIT_MAX_AGE: Final = 1800
#: Cookie names are this prefix and the task id with ``.`` as ``_``.
COOKIE_PREFIX: Final = "ilteo_uv_"
_VISIT_RE: Final = re.compile(r"[0-9a-f]{32}")
#: Staff roles that may read the page.
STAFF_ROLES: Final = ("analyst", "administrator")


@dataclass(frozen=True)
class Step:
    """One step of a task; an ``optional`` one is reached by some attempts only (a branch)."""

    id: str
    name_ko: str
    name_en: str
    optional: bool = False


@dataclass(frozen=True)
class Task:
    """A task people come to do: its steps in order, and the path its visit cookie is sent to."""

    id: str
    name_ko: str
    name_en: str
    path: str
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step:
        """The step named ``step_id``.

        Raises:
            ValueError: The task has no such step (a programming error).
        """
        for step in self.steps:
            if step.id == step_id:
                return step
        raise ValueError(f"task {self.id!r} has no step {step_id!r}")

    @property
    def first(self) -> Step:
        """The step that starts an attempt."""
        return self.steps[0]

    @property
    def last(self) -> Step:
        """The step that completes the task."""
        return self.steps[-1]


#: Every task with a funnel, by id (tasks of later issues are added with :func:`register_task`).
TASKS: dict[str, Task] = {}


def register_task(task: Task) -> Task:
    """Add ``task`` to :data:`TASKS` (registering the same definition twice is harmless).

    Raises:
        ValueError: Another task has the id, the first or last step is optional, or a step id
            repeats.
    """
    known = TASKS.get(task.id)
    if known is not None and known != task:
        raise ValueError(f"task {task.id!r} is already registered differently")
    ids = [step.id for step in task.steps]
    if len(ids) < 2 or len(set(ids)) != len(ids):
        raise ValueError(f"task {task.id!r} needs two or more distinct steps")
    if task.first.optional or task.last.optional:
        raise ValueError(f"task {task.id!r}: the first and last steps cannot be optional")
    TASKS[task.id] = task
    return task


register_task(
    Task(
        "api_key.create",
        "API 키 만들기",
        "Create an API key",
        "/account/api-keys",
        (
            Step("form_viewed", "만들기 양식 보기", "Form viewed"),
            Step("key_created", "키 발급", "Key created"),
        ),
    )
)
register_task(
    Task(
        "sign_in.password",
        "비밀번호로 로그인",
        "Sign in with a password",
        "/sign-in",
        (
            Step("form_viewed", "로그인 양식 보기", "Form viewed"),
            Step("password_ok", "비밀번호 확인", "Password accepted"),
            Step("totp_asked", "인증 앱 코드 요청 (해당 계정만)", "TOTP code asked (some)", True),
            Step("signed_in", "로그인 완료", "Signed in"),
        ),
    )
)


def get_task(task: str) -> Task:
    """The registered task ``task``.

    Raises:
        ValueError: No such task (a programming error).
    """
    try:
        return TASKS[task]
    except KeyError:
        raise ValueError(f"unknown usability task {task!r}") from None


def new_visit() -> str:
    """A fresh visit token: 32 random hex characters, derived from nothing."""
    return secrets.token_hex(16)


def record_step(
    session: Session, task: str, step: str, visit: str, now: datetime | None = None
) -> None:
    """Record that the attempt ``visit`` reached ``step`` of ``task`` (``at`` cut to the hour).

    Raises:
        ValueError: An unknown task or step, or a visit that is not a :func:`new_visit` token.
    """
    get_task(task).step(step)
    if not _VISIT_RE.fullmatch(visit):
        raise ValueError("a visit is 32 lowercase hex characters from new_visit()")
    at = as_utc(now or utcnow()).replace(minute=0, second=0, microsecond=0)
    session.add(UsabilityEvent(at=at, task=task, step=step, visit=visit))


def cookie_name(task: str) -> str:
    """The name of the visit cookie of ``task``.

    >>> cookie_name("sign_in.password")
    'ilteo_uv_sign_in_password'
    """
    return COOKIE_PREFIX + task.replace(".", "_")


def track_task(request: Request, response: Response, task: str, *steps: str) -> Response:
    """Record ``steps`` of ``task`` for the attempt in progress and keep its visit cookie.

    The first step starts an attempt (or continues the one whose cookie is still there); a
    later step without a cookie records nothing (the attempt did not start on the form). The last
    step deletes the cookie. A store error is logged and never fails the person's task.

    Returns:
        ``response``, with the visit cookie set or deleted.

    Raises:
        ValueError: An unknown task or step (a programming error).
    """
    spec = get_task(task)
    for step in steps:
        spec.step(step)
    given = request.cookies.get(cookie_name(task), "")
    visit = given if _VISIT_RE.fullmatch(given) else None
    if spec.first.id in steps and visit is None:
        visit = new_visit()
    if visit is None:
        return response
    settings: Settings = request.app.state.settings
    try:
        from ilteo.core.db import session_scope

        with session_scope(settings) as session:
            for step in steps:
                record_step(session, task, step, visit)
    except SQLAlchemyError:
        _log.warning("usability event of %s not recorded", task, exc_info=True)
    secure = settings.env != "dev"
    if spec.last.id in steps:
        response.delete_cookie(
            cookie_name(task), path=spec.path, httponly=True, samesite="lax", secure=secure
        )
    else:
        response.set_cookie(
            cookie_name(task),
            visit,
            max_age=VISIT_MAX_AGE,
            path=spec.path,
            httponly=True,
            samesite="lax",
            secure=secure,
        )
    return response


# -- the report ---------------------------------------------------------------------------------


class StepCount(BaseModel):
    """How many attempts reached one step, and how many of the previous step's went on."""

    step: str
    name_ko: str
    name_en: str
    optional: bool = Field(description="A branch only some attempts take (no drop-off there).")
    reached: int | None = Field(description="Distinct attempts that reached it; null if banded.")
    reached_band: str | None = Field(description="`<5` when fewer than 5 (count not shown).")
    conversion: float | None = Field(
        description="reached / reached of the previous required step (3 decimals); null for the "
        "first step or when either count is banded."
    )
    lost: int | None = Field(
        description="Attempts of the previous required step that did not reach this one; null "
        "when either count is banded or the step is optional."
    )
    drop_off: bool = Field(description="True for the step with the largest loss of the task.")


class TaskFunnel(BaseModel):
    """One task's funnel over the period."""

    task: str
    name_ko: str
    name_en: str
    started: int | None
    started_band: str | None
    completed: int | None
    completed_band: str | None
    completion_rate: float | None = Field(description="completed / started; null when banded.")
    drop_off_step: str | None = Field(
        description="The required step with the largest loss; null when no step loses attempts "
        "or a count it needs is banded."
    )
    steps: list[StepCount]


class UsabilityReport(BaseModel):
    """Every task's funnel over the last ``days`` days."""

    days: int
    starts_at: datetime
    ends_at: datetime
    generated_at: datetime
    small_count_threshold: int = SMALL_COUNT_THRESHOLD
    counting: str = Field(
        default="Counts are distinct attempts (visit tokens), not people: an attempt is one run "
        "of a task from its first form, and a person trying again after finishing or after 30 "
        "minutes counts twice. Event times are cut to the hour, so attempts near the period's "
        "edges may count for one step and not the next. Counts below 5 are shown as the band `<5`"
        " and the rates and drop-off points that need them are withheld.",
    )
    tasks: list[TaskFunnel]


def check_days(days: object) -> int:
    """Return ``days`` as a whole number of days in 1..:data:`MAX_DAYS`.

    Raises:
        InvalidInputError: For anything else.

    >>> check_days("7")
    7
    """
    try:
        number = int(str(days).strip())
    except ValueError:
        raise InvalidInputError(f"days must be a whole number from 1 to {MAX_DAYS}") from None
    if not 1 <= number <= MAX_DAYS:
        raise InvalidInputError(f"days must be a whole number from 1 to {MAX_DAYS}")
    return number


def _published(count: int) -> tuple[int | None, str | None]:
    if count < SMALL_COUNT_THRESHOLD:
        return None, SMALL_BAND
    return count, None


def _funnel(task: Task, counts: dict[str, int]) -> TaskFunnel:
    rows: list[StepCount] = []
    previous: int | None = None  # raw count of the previous required step
    losses: dict[str, int] = {}
    hidden = False  # a count the drop-off point needs is banded
    for step in task.steps:
        raw = counts.get(step.id, 0)
        reached, band = _published(raw)
        conversion = lost = None
        if previous is not None:
            both = raw >= SMALL_COUNT_THRESHOLD and previous >= SMALL_COUNT_THRESHOLD
            if both:
                conversion = round(raw / previous, 3)
            if not step.optional:
                hidden = hidden or not both
                losses[step.id] = max(previous - raw, 0)
                lost = losses[step.id] if both else None
        rows.append(
            StepCount(
                step=step.id,
                name_ko=step.name_ko,
                name_en=step.name_en,
                optional=step.optional,
                reached=reached,
                reached_band=band,
                conversion=conversion,
                lost=lost,
                drop_off=False,
            )
        )
        if not step.optional:
            previous = raw
    drop = None
    if not hidden and losses and max(losses.values()) > 0:
        drop = max(losses, key=lambda name: losses[name])  # the first of equal losses
        for row in rows:
            row.drop_off = row.step == drop
    started_raw, completed_raw = counts.get(task.first.id, 0), counts.get(task.last.id, 0)
    started, started_band = _published(started_raw)
    completed, completed_band = _published(completed_raw)
    rate = None
    if started is not None and completed is not None:
        rate = round(completed / started, 3)
    return TaskFunnel(
        task=task.id,
        name_ko=task.name_ko,
        name_en=task.name_en,
        started=started,
        started_band=started_band,
        completed=completed,
        completed_band=completed_band,
        completion_rate=rate,
        drop_off_step=drop,
        steps=rows,
    )


def count_steps(session: Session, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
    """Distinct visits per (task, step) with ``start <= at < end``: one aggregate query."""
    query = (
        select(
            UsabilityEvent.task, UsabilityEvent.step, func.count(UsabilityEvent.visit.distinct())
        )
        .where(UsabilityEvent.at >= start, UsabilityEvent.at < end)
        .group_by(UsabilityEvent.task, UsabilityEvent.step)
    )
    return {(str(task), str(step)): int(n) for task, step, n in session.execute(query)}


def usability_report(
    settings: Settings, *, days: object = DEFAULT_DAYS, now: datetime | None = None
) -> UsabilityReport:
    """Every registered task's funnel over the last ``days`` days (up to ``now``).

    Raises:
        InvalidInputError: ``days`` is not a whole number from 1 to :data:`MAX_DAYS`.
    """
    from ilteo.core.db import session_scope

    number = check_days(days)
    now = as_utc(now or utcnow())
    start = now - timedelta(days=number)
    end = now + timedelta(microseconds=1)
    with session_scope(settings) as session:
        counts = count_steps(session, start, end)
    funnels = []
    for task in TASKS.values():
        mine = {step: n for (name, step), n in counts.items() if name == task.id}
        funnels.append(_funnel(task, mine))
    return UsabilityReport(
        days=number, starts_at=start, ends_at=now, generated_at=now, tasks=funnels
    )


# -- the staff page -----------------------------------------------------------------------------

router = APIRouter(include_in_schema=False)

StaffReader = Annotated[AccountPublic, Depends(require_staff(*STAFF_ROLES))]


@router.get("/status/usability", response_class=HTMLResponse, name="status_usability")
def usability_page(request: Request, account: StaffReader, days: str | None = None) -> Response:
    """Each task's steps with counts, conversion and the drop-off point (staff only)."""
    from ilteo.web.rendering import render

    settings: Settings = request.app.state.settings
    report: UsabilityReport | None = None
    error = False
    try:
        report = usability_report(settings, days=DEFAULT_DAYS if days is None else days)
    except InvalidInputError:
        error = True
    response = render(
        request,
        "status/usability.html",
        title_key="usability.title",
        status_code=422 if error else 200,
        report=report,
        error=error,
        days_value=(days or "")[:10] if error else str(report.days if report else ""),
        max_days=MAX_DAYS,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def install_usability(app: FastAPI, settings: Settings) -> None:
    """Add the staff page ``/status/usability`` to ``app``."""
    del settings  # the page reads the app's settings per request
    app.include_router(router)
