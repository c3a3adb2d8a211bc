"""Events of the public sign-in drop-off report: who starts and who finishes each path.

Each sign-in method and each identity-proofing path records ``funnel.started`` when a person
opens its first form and ``funnel.finished`` when they get through, with the path's name (one of
:data:`PATHS`). The report counts them per ISO week; only counts are published, never who.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from ilteo.identity.accounts import record_audit

#: The sign-in methods and proofing paths the report follows.
PATHS: tuple[str, ...] = (
    "sign_in.password",
    "sign_in.passkey",
    "sign_in.counter_code",
    "sign_in.phone",
    "sign_in.oidc",
    "proofing.id_card",
    "proofing.social_worker_voucher",
    "proofing.oidc",
    "recovery.in_person",
    "recovery.recovery_code",
)

Stage = Literal["started", "finished"]


def record_funnel(
    session: Session,
    path: str,
    stage: Stage,
    *,
    account_id: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> None:
    """Record that someone started or finished ``path`` (an audit entry ``funnel.<stage>``).

    Raises:
        ValueError: For a path not in :data:`PATHS` (a programming error).
    """
    if path not in PATHS:
        raise ValueError(f"unknown funnel path: {path!r}")
    record_audit(
        session, f"funnel.{stage}", account_id=account_id, client=client, now=now, path=path
    )
