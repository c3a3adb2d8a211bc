"""Time-based one-time passwords (RFC 6238, 30-second steps, 6 digits) with replay refusal."""

from __future__ import annotations

import hmac
from datetime import datetime

#: Seconds per TOTP time step.
STEP_SECONDS = 30
#: Steps accepted either side of now, for clock drift.
DRIFT_STEPS = 1
#: Issuer shown by authenticator apps.
ISSUER = "ilteo 일터"


def new_secret() -> str:
    """A fresh random base32 TOTP secret (160 bits)."""
    import pyotp

    return pyotp.random_base32(32)


def provisioning_uri(secret: str, login: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from a QR code."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """Return the time step ``code`` is valid for, or ``None``.

    A step at or before ``last_step`` is refused, so a code seen once cannot be replayed, even
    within its own window.
    """
    import pyotp

    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None
