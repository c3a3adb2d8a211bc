"""The citizen's pages of the one window: ask a question, report a workplace, follow a request.

- ``GET /desk``: what the window is and the ways in - "ask a question" (an inquiry, no sign-in),
  "report a workplace" (a complaint, sign-in needed: a sign-in link that comes back here),
  "check a request" (a tracking number) and, signed in, "my requests".
- The form, **one question per page** (the GOV.UK "one thing per page" pattern with KRDS looks):
  ``GET /desk/new/{kind}/topic`` starts it; each step is posted to its own address
  (``POST /desk/new/{kind}/{step}``), which checks that step's question and answers with the next
  step (or the same step again, status 422, with an error summary at the top and what was typed
  kept). The steps (:data:`STEPS`): an inquiry asks the topic, the text and an optional contact;
  a complaint (signed in) the topic, the workplace's name (and optional 사업자등록번호), its
  address and the text. The last page, "check your answers", lists every answer with a
  "change" button and takes the attachments; ``POST /desk/new/{kind}/send`` (multipart) files
  the request with :func:`ilteo.desk.intake.submit` and redirects (303) to the receipt.
  Earlier answers travel as hidden fields: nothing is stored before "send".
- ``GET /desk/requests/{number}``: the receipt and status page - the tracking number, the
  deadline and its basis, the office, the state and its time-stamped history, the answer once
  given (:func:`ilteo.desk.intake.status_of`: an inquiry filed without sign-in is shown to anyone
  with its number; any other only to its signed-in owner; a 404 page otherwise, the same as for
  an unknown number).
- ``GET /desk/status``: a form for a tracking number; a valid one redirects (303) to its page.
- ``GET /desk/mine`` (signed in): the account's requests, newest first.

Every POST is CSRF-checked; every text comes from ``messages/{ko,en}/desk.yaml``; the pages are
``Cache-Control: no-store``. Request bodies are capped before they are read
(:data:`MAX_STEP_BODY`, :data:`MAX_SEND_BODY`: a 413 page states the limits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from ilteo.api.routers.identity import CurrentAccount, require_account
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.desk.attachments import KINDS as FILE_KINDS
from ilteo.desk.attachments import MAX_BYTES, MAX_FILES, MAX_TOTAL
from ilteo.desk.intake import MAX_TEXT, SEOUL
from ilteo.desk.taxonomy import CATEGORIES
from ilteo.identity.accounts import AccountPublic
from ilteo.web.i18n import Translator
from ilteo.web.rendering import request_language
from ilteo.web.views.identity import csrf_ok, forbidden, identity_page

router = APIRouter(include_in_schema=False)
SignedIn = Annotated[AccountPublic, Depends(require_account)]

#: The questions of each kind of request, in order; ``check`` is the last page.
STEPS: Final[dict[str, tuple[str, ...]]] = {
    "inquiry": ("topic", "text", "contact", "check"),
    "complaint": ("topic", "workplace", "address", "text", "check"),
}
#: The form fields each step asks (the answers carried as hidden fields on later pages).
STEP_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "topic": ("service_code",),
    "workplace": ("workplace_name", "workplace_brn"),
    "address": ("workplace_address",),
    "text": ("text",),
    "contact": ("contact",),
}
#: Every carried answer.
FIELDS: Final = ("service_code", "workplace_name", "workplace_brn", "workplace_address", "text",
                 "contact")  # fmt: skip
#: The topic choice that leaves the category to the automatic triage.
UNSURE: Final = "unsure"
#: Organisations in the order the topic page groups the categories.
ORGANISATIONS: Final = ("labour_office", "labour_commission", "comwel", "job_centre", "ministry")
#: Longest workplace name, address and contact (as :mod:`ilteo.desk.intake` accepts them).
MAX_NAME: Final = 200
MAX_ADDRESS: Final = 300
MAX_CONTACT: Final = 200
#: Largest body of a step's POST: a text at the limit plus room for one typed far over it
#: (a million Hangul characters are about 9 MB once form-encoded), so it can be shown back.
MAX_STEP_BODY: Final = 12 * 1024 * 1024
#: Largest body of the final POST: the attachments' limit plus the carried answers.
MAX_SEND_BODY: Final = MAX_TOTAL + MAX_STEP_BODY
#: Requests listed on "my requests".
MINE_LIMIT: Final = 100
#: A tracking number: the Asia/Seoul day and six Crockford base-32 characters.
NUMBER: Final = re.compile(r"\d{4}-\d{4}-[0-9A-HJKMNP-TV-Z]{6}")
#: How :func:`ilteo.desk.intake.process` words the automatic sorting's event.
AUTO_SORTED: Final = "자동 분류:"
_PHONE: Final = re.compile(r"0\d{8,10}")
_EMAIL: Final = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24}")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _session(request: Request) -> Any:
    from ilteo.core.db import session_scope

    return session_scope(_settings(request))


def _in_lang(lang: str, text: str) -> str:
    """The part of a service message written "Korean / English" in the page language.

    >>> _in_lang("en", "a.pdf: 빈 파일 / an empty file"), _in_lang("ko", "x / y")
    ('a.pdf: an empty file', 'x')
    >>> _in_lang("en", "attachments: 최대 5개 / at most 5 files")
    'at most 5 files'
    """
    head, _, rest = text.partition(": ")
    body = rest if rest else head
    prefix = f"{head}: " if rest and head not in (*FIELDS, "attachments") else ""
    parts = body.split(" / ", 1)
    return prefix + (parts[1] if lang == "en" and len(parts) == 2 else parts[0])


def normalise_number(raw: str) -> str | None:
    """A tracking number as typed (spaces, lower case, no dashes), or ``None`` if it is not one.

    >>> normalise_number(" 2026-1121-k7qx4d "), normalise_number("20261121K7QX4D")
    ('2026-1121-K7QX4D', '2026-1121-K7QX4D')
    >>> normalise_number("2026-1121-K7QX4") is None, normalise_number("x" * 99) is None
    (True, True)
    """
    text = re.sub(r"\s", "", raw or "")[:40].upper()
    if re.fullmatch(r"\d{8}[0-9A-Z]{6}", text):
        text = f"{text[:4]}-{text[4:8]}-{text[8:]}"
    return text if NUMBER.fullmatch(text) else None


# ----------------------------------------------------------------------------- checking answers


@dataclass(frozen=True)
class Problem:
    """One field's problem: the message key (``desk.problems.<key>``) and its parameters."""

    field: str
    key: str
    params: tuple[tuple[str, str], ...] = ()
    text: str | None = None  # a service message (an attachment's), already in the page language


def _topic(values: dict[str, str]) -> list[Problem]:
    code = values.get("service_code", "")
    return (
        [] if code == UNSURE or code in CATEGORIES else [Problem("service_code", "topic_missing")]
    )


def _too_long(name: str, limit: int) -> Problem:
    return Problem(name, "too_long", (("n", f"{limit:,}"),))


def _workplace(values: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    name = values.get("workplace_name", "").strip()
    if not name:
        problems.append(Problem("workplace_name", "name_missing"))
    elif len(name) > MAX_NAME:
        problems.append(_too_long("workplace_name", MAX_NAME))
    brn = values.get("workplace_brn", "").strip()
    if brn and (len(re.sub(r"\D", "", brn)) != 10 or not re.fullmatch(r"[\d\s-]{10,14}", brn)):
        problems.append(Problem("workplace_brn", "brn_bad"))
    return problems


def _address(values: dict[str, str]) -> list[Problem]:
    address = values.get("workplace_address", "").strip()
    if not address:
        return [Problem("workplace_address", "address_missing")]
    return [_too_long("workplace_address", MAX_ADDRESS)] if len(address) > MAX_ADDRESS else []


def _text(values: dict[str, str]) -> list[Problem]:
    text = values.get("text", "").strip()
    if not text:
        return [Problem("text", "text_empty")]
    if len(text) > MAX_TEXT:
        sizes = (("max", f"{MAX_TEXT:,}"), ("n", f"{len(text):,}"))
        return [Problem("text", "text_too_long", sizes)]
    if not any(ch.isalnum() for ch in text):  # the triage cannot read symbols or emoji alone
        return [Problem("text", "text_no_words")]
    return []


def _contact(values: dict[str, str]) -> list[Problem]:
    contact = values.get("contact", "").strip()
    digits = re.sub(r"[\s()-]", "", contact)
    if len(contact) > MAX_CONTACT:
        return [_too_long("contact", MAX_CONTACT)]
    if contact and not (_PHONE.fullmatch(digits) or _EMAIL.fullmatch(contact)):
        return [Problem("contact", "contact_bad")]
    return []


_CHECKS: Final = {
    "topic": _topic,
    "workplace": _workplace,
    "address": _address,
    "text": _text,
    "contact": _contact,
}


def check_step(step: str, values: dict[str, str]) -> list[Problem]:
    """The problems of one step's answers (empty when the step is answered).

    >>> check_step("topic", {"service_code": "wage_arrears"})
    []
    >>> [p.key for p in check_step("text", {"text": "  "})]
    ['text_empty']
    >>> [p.key for p in check_step("contact", {"contact": "010-0000-1234"})]
    []
    """
    check = _CHECKS.get(step)
    return check(values) if check is not None else []


def first_unanswered(kind: str, values: dict[str, str]) -> tuple[str, list[Problem]] | None:
    """The first step of ``kind`` whose answers do not pass, and its problems (``None``: all do)."""
    for step in STEPS[kind][:-1]:
        if problems := check_step(step, values):
            return step, problems
    return None


# ----------------------------------------------------------------------------- rendering


def _page(
    request: Request,
    template: str,
    *,
    title_key: str = "",
    page_title: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    t = Translator(request_language(request))
    return identity_page(
        request,
        template,
        page_title=page_title if page_title is not None else t(title_key),
        current="desk",
        status_code=status_code,
        **context,
    )


def _topics(lang: str) -> list[dict[str, Any]]:
    """The categories grouped by organisation, in plain words, for the topic page."""
    groups = []
    for organisation in ORGANISATIONS:
        codes = [c.code for c in CATEGORIES.values() if c.organisation == organisation]
        groups.append({"organisation": organisation, "codes": codes})
    return groups


def _step_page(
    request: Request,
    kind: str,
    step: str,
    values: dict[str, str],
    *,
    problems: list[Problem] | None = None,
    return_to: str = "",
    account: AccountPublic | None = None,
) -> Response:
    """One question of the form (or the check page), the other answers as hidden fields."""
    lang = request_language(request)
    t = Translator(lang)
    problems = problems or []
    messages = [
        {"field": p.field, "message": p.text or t(f"desk.problems.{p.key}", **dict(p.params))}
        for p in problems
    ]
    steps = STEPS[kind]
    index = steps.index(step)
    asked = STEP_FIELDS.get(step, ())
    hidden = {k: values.get(k, "") for k in FIELDS if k not in asked and values.get(k, "")}
    title_key = {"topic": f"desk.steps.topic.{kind}", "text": "desk.steps.text.title_inquiry"}
    title = t(
        title_key[step] if step in title_key and (step, kind) != ("text", "complaint")
        else f"desk.steps.{step}.title"
    )  # fmt: skip
    if problems:
        title = t("desk.form.error_title", title=title)
    return _page(
        request,
        f"desk/step_{step}.html",
        page_title=title,
        status_code=422 if problems else 200,
        kind=kind,
        step=step,
        steps=steps,
        number=index + 1,
        total=len(steps),
        previous=steps[index - 1] if index else None,
        values={k: values.get(k, "") for k in FIELDS},
        hidden=hidden,
        problems=messages,
        problem_of={m["field"]: m for m in messages},
        return_to=return_to,
        topics=_topics(lang),
        unsure=UNSURE,
        max_text=f"{MAX_TEXT:,}",
        text_length=f"{len(values.get('text', '')):,}",
        file_kinds=", ".join(exts[0].lstrip(".").upper() for exts, _ in FILE_KINDS.values()),
        file_accept=",".join(sorted({e for exts, _ in FILE_KINDS.values() for e in exts})),
        max_files=MAX_FILES,
        max_mb=MAX_BYTES // 1024 // 1024,
        total_mb=MAX_TOTAL // 1024 // 1024,
        account=account,
        summary=_summary(t, kind, values, account) if step == "check" else [],
    )


def _summary(
    t: Translator, kind: str, values: dict[str, str], account: AccountPublic | None
) -> list[dict[str, str]]:
    """The rows of "check your answers": question, answer, the step that changes it."""
    rows = []
    for step in STEPS[kind][:-1]:
        for name in STEP_FIELDS[step]:
            value = values.get(name, "").strip()
            if name == "service_code":
                value = (
                    t("desk.topics.unsure.label")
                    if value == UNSURE
                    else t.label("desk.topics", f"{value}.label")
                )
            elif not value:
                value = t("desk.check.none")
            rows.append(
                {"name": name, "question": t(f"desk.check.rows.{name}"), "answer": value,
                 "step": step}
            )  # fmt: skip
    if kind == "complaint" and account is not None:
        rows.append(
            {"name": "account", "question": t("desk.check.rows.account"),
             "answer": account.display_name, "step": ""}
        )  # fmt: skip
    return rows


def _too_large(request: Request, limit: int) -> Response:
    return _page(
        request,
        "desk/too_large.html",
        title_key="desk.too_large.title",
        status_code=413,
        limit_mb=limit // 1024 // 1024,
        max_files=MAX_FILES,
        max_mb=MAX_BYTES // 1024 // 1024,
        total_mb=MAX_TOTAL // 1024 // 1024,
    )


def _body_too_large(request: Request, limit: int) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > limit


def _kind_or_404(kind: str) -> str:
    if kind not in STEPS:
        raise NotFoundError(f"desk: {kind[:20]}")
    return kind


def _sign_in_first(kind: str) -> Response:
    """A complaint needs a sign-in: to the sign-in page, back to the form's first question."""
    return RedirectResponse(
        "/sign-in?next=" + quote(f"/desk/new/{kind}/topic", safe="/"), status_code=303
    )


# ----------------------------------------------------------------------------- pages


@router.get("/desk", response_class=HTMLResponse, name="web_desk")
def start_page(request: Request, account: CurrentAccount) -> Response:
    """What the window is and the ways in."""
    return _page(
        request,
        "desk/start.html",
        title_key="desk.start.title",
        account=account,
        complaint_sign_in="/sign-in?next=" + quote("/desk/new/complaint/topic", safe="/"),
    )


@router.get("/desk/new/{kind}/{step}", response_class=HTMLResponse, name="web_desk_step")
def step_form(request: Request, account: CurrentAccount, kind: str, step: str) -> Response:
    """The first question of a new request; a later one without its answers goes back to it."""
    _kind_or_404(kind)
    if kind == "complaint" and account is None:
        return _sign_in_first(kind)
    if step not in STEPS[kind]:
        raise NotFoundError(f"desk: {step[:20]}")
    if step != STEPS[kind][0]:  # nothing is stored: the answers so far travel in the POST
        return RedirectResponse(f"/desk/new/{kind}/{STEPS[kind][0]}", status_code=303)
    return _step_page(request, kind, step, {}, account=account)


async def _form_values(request: Request, limit: int) -> tuple[dict[str, str], list[UploadFile]]:
    """The posted text fields (the carried answers, the CSRF token, the buttons) and files."""
    form = await request.form(max_part_size=limit, max_files=MAX_FILES + 20, max_fields=100)
    values: dict[str, str] = {}
    files: list[UploadFile] = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, value[:128] if key == "csrf" else value)
        elif isinstance(value, UploadFile) and key == "attachments":
            files.append(value)
    return values, files


@router.post("/desk/new/{kind}/send", response_class=HTMLResponse, name="web_desk_send")
async def send(request: Request, account: CurrentAccount, kind: str) -> Response:
    """File the request (answers and attachments) and go to its receipt (303)."""
    from starlette.concurrency import run_in_threadpool

    _kind_or_404(kind)
    if _body_too_large(request, MAX_SEND_BODY):
        return _too_large(request, MAX_SEND_BODY)
    values, uploads = await _form_values(request, MAX_SEND_BODY)
    if not await run_in_threadpool(csrf_ok, request, values.get("csrf", "")):
        return await run_in_threadpool(forbidden, request)
    if kind == "complaint" and account is None:
        return _sign_in_first(kind)
    values = {k: values.get(k, "") for k in FIELDS}
    if (failed := first_unanswered(kind, values)) is not None:
        return _step_page(request, kind, failed[0], values, problems=failed[1], account=account)
    lang = request_language(request)
    files: list[tuple[str, bytes]] = []
    for upload in uploads:
        if not upload.filename:
            continue  # an empty file input
        files.append((upload.filename, await upload.read(MAX_BYTES + 1)))
    return await run_in_threadpool(_file_request, request, kind, values, files, account, lang)


def _file_request(
    request: Request,
    kind: str,
    values: dict[str, str],
    files: list[tuple[str, bytes]],
    account: AccountPublic | None,
    lang: str,
) -> Response:
    from ilteo.desk.intake import submit

    service_code = values["service_code"]
    try:
        receipt = submit(
            _settings(request),
            text=values["text"],
            channel="web",
            kind=kind,
            account_id=account.id if account is not None else None,
            contact=(values["contact"].strip() or None) if kind == "inquiry" else None,
            workplace_name=values["workplace_name"].strip() or None,
            workplace_address=values["workplace_address"].strip() or None,
            workplace_brn=values["workplace_brn"].strip() or None,
            service_code=service_code if service_code in CATEGORIES else None,
            attachments=files,
        )
    except InvalidInputError as error:
        fields = list(error.extra.get("fields") or [])
        if "attachments" in fields:
            problem = Problem("attachments", "attachment", text=_in_lang(lang, error.detail))
            return _step_page(request, kind, "check", values, problems=[problem], account=account)
        step = next(
            (s for s in STEPS[kind][:-1] if set(STEP_FIELDS[s]) & set(fields)), STEPS[kind][0]
        )
        field = next((f for f in STEP_FIELDS[step] if f in fields), STEP_FIELDS[step][0])
        problem = Problem(field, "refused", text=_in_lang(lang, error.detail))
        return _step_page(request, kind, step, values, problems=[problem], account=account)
    return RedirectResponse(f"/desk/requests/{receipt.tracking_number}?sent=1", status_code=303)


@router.post("/desk/new/{kind}/{step}", response_class=HTMLResponse, name="web_desk_step_answer")
async def step_answer(request: Request, account: CurrentAccount, kind: str, step: str) -> Response:
    """Check this step's answer: the next question, or this one again (422) with the problems.

    The buttons say what to do: ``go=next`` (the default) checks the answer; ``go=show`` shows
    this step with the answers carried (a "change" button of the check page); ``go=back`` shows
    the step before, keeping what was typed here.
    """
    from starlette.concurrency import run_in_threadpool

    _kind_or_404(kind)
    if _body_too_large(request, MAX_STEP_BODY):
        return _too_large(request, MAX_STEP_BODY)
    posted, _files = await _form_values(request, MAX_STEP_BODY)
    if not await run_in_threadpool(csrf_ok, request, posted.get("csrf", "")):
        return await run_in_threadpool(forbidden, request)
    if kind == "complaint" and account is None:
        return _sign_in_first(kind)
    if step not in STEPS[kind] or step == "check":
        raise NotFoundError(f"desk: {step[:20]}")
    values = {k: posted.get(k, "") for k in FIELDS}
    return_to = "check" if posted.get("return_to") == "check" else ""
    go = posted.get("go", "next")
    steps = STEPS[kind]
    if go == "show":
        return _step_page(request, kind, step, values, return_to=return_to, account=account)
    if go == "back":
        previous = steps[max(steps.index(step) - 1, 0)]
        return _step_page(request, kind, previous, values, account=account)
    if problems := check_step(step, values):
        return _step_page(
            request, kind, step, values, problems=problems, return_to=return_to, account=account
        )
    following = steps[steps.index(step) + 1]
    if return_to == "check":  # back to the summary unless a later answer is still missing
        failed = first_unanswered(kind, values)
        following = failed[0] if failed is not None else "check"
    return _step_page(request, kind, following, values, account=account)


# ----------------------------------------------------------------------------- following up


def _deadline_view(category: str | None, received_at: datetime, due: str | None) -> dict[str, Any]:
    """The deadline of a request, the rule it comes from, and whether it is provisional."""
    from ilteo.desk.deadlines import add_working_days, deadline
    from ilteo.identity.accounts import as_utc

    rule = deadline(category or "other", received_at)
    received = as_utc(received_at).astimezone(SEOUL).date()
    return {
        "calendar": add_working_days(received, rule.working_days) != rule.due,
        "due": due or rule.due.isoformat(),
        "working_days": rule.working_days,
        "basis_ko": rule.basis_ko,
        "reference": rule.reference,
        "provisional": due is None,
    }


def _local(stamp: str) -> str:
    """An ISO instant as Asia/Seoul wall-clock time, to the minute."""
    return datetime.fromisoformat(stamp).astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")


def _reason(t: Translator, reason: str) -> str:
    """An event's reason in the page language; the automatic sorting named in plain words."""
    if reason.startswith(AUTO_SORTED):
        code = reason.removeprefix(AUTO_SORTED).strip()
        return t("desk.request.auto_sorted", topic=t.label("desk.topics", f"{code}.label"))
    return _in_lang(t.lang, reason)


def _not_found_page(request: Request, number: str) -> Response:
    return _page(
        request,
        "desk/not_found.html",
        title_key="desk.not_found.title",
        status_code=404,
        number=number,
    )


@router.get("/desk/requests/{number}", response_class=HTMLResponse, name="web_desk_request")
def request_page(
    request: Request, account: CurrentAccount, number: str, sent: str = ""
) -> Response:
    """The receipt and status of a request, for whoever may read it (else the 404 page)."""
    from ilteo.desk.attachments import attachments_of
    from ilteo.desk.intake import status_of
    from ilteo.desk.models import Request as DeskRequest

    wanted = normalise_number(number)
    if wanted is None:
        return _not_found_page(request, number[:40])
    if wanted != number:
        return RedirectResponse(f"/desk/requests/{wanted}", status_code=303)
    with _session(request) as session:
        try:
            status = status_of(session, wanted, account.id if account is not None else None)
        except NotFoundError:
            return _not_found_page(request, wanted)
        row = session.get(DeskRequest, wanted)
        assert row is not None  # noqa: S101 - status_of found it
        files = [{"filename": a.filename, "size": a.size} for a in attachments_of(session, wanted)]
        route = row.route or {}
        details = {
            "text": row.text_masked,
            "workplace_name": row.workplace_name,
            "workplace_address": row.workplace_address,
            "service_code": row.service_code,
            "triage_error": bool(row.triage_error),
            "route_reason": route.get("reason_en" if request_language(request) == "en"
                                      else "reason_ko"),
            "signed_in": row.account_id is not None,
        }  # fmt: skip
        received_at = row.received_at
    t = Translator(request_language(request))
    history = [
        {"at": _local(e["at"]), "status": e["status"], "reason": _reason(t, e["reason"])}
        for e in reversed(status["history"])
    ]
    return _page(
        request,
        "desk/request.html",
        page_title=t("desk.request.title", number=wanted),
        status=status,
        details=details,
        files=files,
        history=history,
        received=_local(status["received_at"]),
        deadline=_deadline_view(status["category"], received_at, status["deadline"]),
        sent=sent == "1",
    )


@router.get("/desk/status", response_class=HTMLResponse, name="web_desk_status")
def status_form(request: Request, number: str | None = None) -> Response:
    """The tracking-number form; a valid number goes to its page (303)."""
    if number is None:
        return _page(
            request, "desk/status.html", title_key="desk.status_form.title", number="", problem=None
        )
    wanted = normalise_number(number)
    if wanted is not None:
        return RedirectResponse(f"/desk/requests/{wanted}", status_code=303)
    t = Translator(request_language(request))
    return _page(
        request,
        "desk/status.html",
        page_title=t("desk.form.error_title", title=t("desk.status_form.title")),
        status_code=422,
        number=number[:40],
        problem="number_empty" if not number.strip() else "number_bad",
    )


@router.get("/desk/mine", response_class=HTMLResponse, name="web_desk_mine")
def mine_page(request: Request, account: SignedIn) -> Response:
    """The signed-in account's requests, newest first (a sign-in first otherwise)."""
    from sqlalchemy import select

    from ilteo.desk.models import Request as DeskRequest
    from ilteo.identity.accounts import as_utc

    with _session(request) as session:
        rows = [
            {
                "number": r.id,
                "kind": r.kind,
                "received": _local(as_utc(r.received_at).isoformat()),
                "status": r.status,
                "category": r.category,
                "deadline": r.deadline.isoformat() if isinstance(r.deadline, date) else None,
            }
            for r in session.scalars(
                select(DeskRequest)
                .where(DeskRequest.account_id == account.id)
                .order_by(DeskRequest.received_at.desc(), DeskRequest.id.desc())
                .limit(MINE_LIMIT)
            )
        ]  # fmt: skip
    return _page(request, "desk/mine.html", title_key="desk.mine.title", rows=rows)
