"""Password hashing with argon2id (RFC 9106) and a dummy verify against user enumeration.

Parameters: argon2id, memory 19 MiB (19456 KiB), 2 iterations, parallelism 1, 16-byte salt,
32-byte tag. These are the OWASP Password Storage Cheat Sheet minimum for argon2id and keep a
sign-in near 20-40 ms on one core, so guessing is expensive and the server is not.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

#: argon2id cost parameters (stated in docs/security.md).
MEMORY_COST_KIB = 19456
TIME_COST = 2
PARALLELISM = 1
SALT_LEN = 16
HASH_LEN = 32
#: The shortest password accepted (OWASP ASVS 2.1.1: at least 12 characters).
MIN_PASSWORD_LENGTH = 12


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    """The argon2id hasher with the stated parameters (built on first use)."""
    from argon2 import PasswordHasher, Type

    return PasswordHasher(
        time_cost=TIME_COST,
        memory_cost=MEMORY_COST_KIB,
        parallelism=PARALLELISM,
        hash_len=HASH_LEN,
        salt_len=SALT_LEN,
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    """Hash ``password`` with argon2id.

    Raises:
        ValueError: When the password is shorter than :data:`MIN_PASSWORD_LENGTH`.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password shorter than {MIN_PASSWORD_LENGTH} characters")
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check ``password`` against ``stored_hash``; without a hash, verify a dummy one.

    The dummy verify makes an unknown account cost the same time as a known one, so response
    timing does not tell which logins exist.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    target = stored_hash or _dummy_hash()
    try:
        ok = hasher().verify(target, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored_hash is not None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash("ilteo-dummy-password-for-timing")
