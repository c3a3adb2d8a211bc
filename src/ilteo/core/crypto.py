"""Secrets kept at rest: sealed with AES-256-GCM under a key derived from the server's secret key.

A value that must be read back (a TOTP seed, a stored client secret) is never written in clear:
:func:`seal` derives a purpose-bound key with HKDF-SHA256 from ``ILTEO_SECRET_KEY``, encrypts
with a fresh 96-bit nonce, and returns ``v1.<base64url(nonce + ciphertext + tag)>``. The purpose
is also the associated data, so a value sealed for one purpose does not open for another.
Rotating the secret key makes sealed values unreadable: re-enrolment is the recovery.
"""

from __future__ import annotations

import base64
import os

from ilteo.core.errors import IlteoError

_VERSION = "v1"
_NONCE_BYTES = 12


class SealedValueError(IlteoError):
    """A sealed value is malformed, tampered with, or sealed under another key or purpose."""


def _derive(key: str, purpose: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ilteo.seal", info=purpose.encode())
    return hkdf.derive(key.encode())


def seal(key: str, purpose: str, plaintext: str) -> str:
    """Encrypt ``plaintext`` for ``purpose`` under ``key``.

    >>> sealed = seal("k" * 32, "totp", "JBSWY3DPEHPK3PXP")
    >>> sealed.startswith("v1.") and "JBSWY3DP" not in sealed
    True
    >>> unseal("k" * 32, "totp", sealed)
    'JBSWY3DPEHPK3PXP'
    """
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(_NONCE_BYTES)
    body = AESGCM(_derive(key, purpose)).encrypt(nonce, plaintext.encode(), purpose.encode())
    return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + body).decode().rstrip('=')}"


def unseal(key: str, purpose: str, sealed: str) -> str:
    """Decrypt a value made by :func:`seal`.

    Raises:
        SealedValueError: When the value is malformed, tampered with, or sealed under another
            key or purpose.

    >>> unseal("k" * 32, "other", seal("k" * 32, "totp", "x"))
    Traceback (most recent call last):
    ...
    ilteo.core.crypto.SealedValueError: 봉인된 값을 열 수 없습니다 / a sealed value does not open
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    version, _, payload = sealed.partition(".")
    try:
        if version != _VERSION:
            raise ValueError(version)
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        nonce, body = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        plain = AESGCM(_derive(key, purpose)).decrypt(nonce, body, purpose.encode())
    except (ValueError, InvalidTag) as error:
        raise SealedValueError(
            "봉인된 값을 열 수 없습니다 / a sealed value does not open"
        ) from error
    return plain.decode()


def seal_bytes(key: str, purpose: str, data: bytes) -> bytes:
    """Encrypt a file's bytes for ``purpose`` (nonce + ciphertext + tag; same key derivation).

    >>> unseal_bytes("k" * 32, "file", seal_bytes("k" * 32, "file", b"%PDF-1.7"))
    b'%PDF-1.7'
    """
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(_derive(key, purpose)).encrypt(nonce, data, purpose.encode())


def unseal_bytes(key: str, purpose: str, sealed: bytes) -> bytes:
    """Decrypt bytes made by :func:`seal_bytes`.

    Raises:
        SealedValueError: When the bytes are tampered with, or sealed under another key or purpose.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(_derive(key, purpose)).decrypt(
            sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], purpose.encode()
        )
    except (ValueError, InvalidTag) as error:
        raise SealedValueError(
            "봉인된 파일을 열 수 없습니다 / a sealed file does not open"
        ) from error
