"""Check digits of Korean identifiers: resident registration and business registration numbers.

Both the synthetic country (which must produce valid numbers) and the lake (which must reject
typing errors) use these functions, so they live in ``core``. They check *form*, never existence:
a number that passes is well formed, not necessarily issued to anyone.

Resident registration numbers (주민등록번호, RRN) are ``YYMMDD-SNNNNNC``: birth date, a digit for
sex and century (1/2: born 1900-1999, 3/4: 2000-2099, 5-8 the same for registered foreigners,
9/0: 1800-1899), five further digits and a check digit. Numbers issued since October 2020 are not
guaranteed to satisfy the check-digit formula, so the lake treats a failed check as a reason for
review, not as proof that a number is false.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

__all__ = [
    "BRN_WEIGHTS",
    "RRN_WEIGHTS",
    "brn_check_digit",
    "format_brn",
    "format_rrn",
    "hash_rrn",
    "is_valid_brn",
    "is_valid_rrn",
    "mask_rrn",
    "rrn_birth_date",
    "rrn_check_digit",
    "rrn_hasher",
]

#: Weights of the first twelve RRN digits.
RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
#: Weights of the first nine business-registration digits.
BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)

_CENTURY = {"1": 1900, "2": 1900, "3": 2000, "4": 2000, "5": 1900, "6": 1900, "7": 2000}
_CENTURY |= {"8": 2000, "9": 1800, "0": 1800}


def _digits(value: str, length: int, separators: tuple[int, ...]) -> str | None:
    """Strip hyphens at the usual places; return the digits or ``None`` when malformed."""
    text = value.strip()
    if len(text) == length + len(separators):
        if any(text[i] != "-" for i in separators):
            return None
        text = "".join(ch for i, ch in enumerate(text) if i not in separators)
    if len(text) != length or not text.isascii() or not text.isdigit():
        return None
    return text


def rrn_check_digit(first12: str) -> int:
    """Return the check digit of a resident registration number from its first twelve digits.

    Args:
        first12: Twelve ASCII digits (birth date, sex digit, five further digits).

    Returns:
        The 13th digit: ``(11 - Σ dᵢ·wᵢ mod 11) mod 10`` with weights 2…9, 2…5.

    Raises:
        ValueError: When ``first12`` is not twelve digits.

    >>> rrn_check_digit("900101123456")
    8
    """
    if len(first12) != 12 or not first12.isascii() or not first12.isdigit():
        raise ValueError("expected twelve digits")
    total = sum(int(d) * w for d, w in zip(first12, RRN_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def rrn_birth_date(value: str) -> date | None:
    """Return the birth date an RRN encodes, or ``None`` when its date part is impossible.

    >>> rrn_birth_date("900101-1234568")
    datetime.date(1990, 1, 1)
    >>> rrn_birth_date("0502293234560") is None  # 2005 was not a leap year
    True
    """
    digits = _digits(value, 13, (6,))
    if digits is None:
        return None
    century = _CENTURY[digits[6]]
    try:
        return date(century + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return None


def is_valid_rrn(value: str, *, check_date: bool = True) -> bool:
    """Tell whether ``value`` is a well-formed RRN with a correct check digit.

    Args:
        value: Thirteen digits, with or without the hyphen after the sixth.
        check_date: Also require the birth date part to be a real calendar date.

    Returns:
        ``True`` when the form, the check digit and (optionally) the date are valid.

    >>> is_valid_rrn("900101-1234568")
    True
    >>> is_valid_rrn("9001011234568")
    True
    >>> is_valid_rrn("900101-1234567")  # one digit off
    False
    >>> is_valid_rrn("900101-2134568")  # two digits swapped
    False
    >>> is_valid_rrn("90010-11234568")
    False
    """
    digits = _digits(value, 13, (6,))
    if digits is None:
        return False
    if check_date and rrn_birth_date(digits) is None:
        return False
    return rrn_check_digit(digits[:12]) == int(digits[12])


def format_rrn(value: str) -> str:
    """Return an RRN as ``YYMMDD-SNNNNNC``.

    >>> format_rrn("9001011234568")
    '900101-1234568'
    """
    digits = _digits(value, 13, (6,))
    if digits is None:
        raise ValueError("expected thirteen digits")
    return f"{digits[:6]}-{digits[6:]}"


def brn_check_digit(first9: str) -> int:
    """Return the check digit of a business registration number (사업자등록번호).

    Args:
        first9: The first nine digits: tax-office code (3), type (2), serial (4).

    Returns:
        The 10th digit: with weights 1,3,7,1,3,7,1,3,5, ``s = Σ dᵢ·wᵢ + ⌊5·d₉ / 10⌋`` and the
        check is ``(10 - s mod 10) mod 10``.

    Raises:
        ValueError: When ``first9`` is not nine digits.

    >>> brn_check_digit("123456789")
    1
    """
    if len(first9) != 9 or not first9.isascii() or not first9.isdigit():
        raise ValueError("expected nine digits")
    total = sum(int(d) * w for d, w in zip(first9, BRN_WEIGHTS, strict=True))
    total += int(first9[8]) * 5 // 10
    return (10 - total % 10) % 10


def is_valid_brn(value: str) -> bool:
    """Tell whether ``value`` is a well-formed business registration number.

    Args:
        value: Ten digits, bare or as ``NNN-NN-NNNNN``.

    >>> is_valid_brn("123-45-67891")
    True
    >>> is_valid_brn("1234567891")
    True
    >>> is_valid_brn("123-45-67890")
    False
    >>> is_valid_brn("12345678")
    False
    """
    digits = _digits(value, 10, (3, 6))
    if digits is None:
        return False
    return brn_check_digit(digits[:9]) == int(digits[9])


def format_brn(value: str) -> str:
    """Return a business registration number as ``NNN-NN-NNNNN``.

    >>> format_brn("1234567891")
    '123-45-67891'
    """
    digits = _digits(value, 10, (3, 6))
    if digits is None:
        raise ValueError("expected ten digits")
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def rrn_hasher(key: str | bytes) -> hmac.HMAC:
    """Return a keyed HMAC-SHA256 state to ``copy()`` per value (the key is absorbed once).

    The lake hashes millions of numbers; copying a prepared state skips re-deriving the key pads
    for every value. :func:`hash_rrn` is the one-value form.
    """
    secret = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(secret, digestmod=hashlib.sha256)


def hash_rrn(value: str, key: str | bytes) -> str:
    """Return the keyed hash that replaces a resident registration number everywhere it is kept.

    HMAC-SHA256 with ``key`` (``settings.secret_key``) over the thirteen digits without the
    hyphen, as 64 lower-case hex characters. With the same key, the same number always gives the
    same hash (so records still join), and without the key the hash cannot be reversed by trying
    every possible number.

    Args:
        value: An RRN, with or without the hyphen (other text is hashed as given, stripped).
        key: The secret key.

    >>> hash_rrn("900101-1234568", "k") == hash_rrn("9001011234568", "k")
    True
    >>> len(hash_rrn("9001011234568", "k")), hash_rrn("9001011234568", "k") != hash_rrn(
    ...     "9001011234568", "other")
    (64, True)
    """
    digits = _digits(value, 13, (6,)) or value.strip()
    state = rrn_hasher(key).copy()
    state.update(digits.encode("ascii", errors="replace"))
    return state.hexdigest()


def mask_rrn(value: str | None) -> str | None:
    """Show an RRN as its birth date and sex digit only: ``900101-1******``.

    Anything that is not thirteen digits keeps at most its first seven characters.

    >>> mask_rrn("9001011234568"), mask_rrn("900101-1234568"), mask_rrn("12345"), mask_rrn(None)
    ('900101-1******', '900101-1******', '12345', None)
    """
    if value is None:
        return None
    digits = _digits(value, 13, (6,))
    if digits is not None:
        return f"{digits[:6]}-{digits[6]}******"
    text = value.strip()
    return text[:7] + "*" * max(0, len(text) - 7)
