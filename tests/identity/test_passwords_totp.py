"""Password hashing parameters and TOTP codes, replay included."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from argon2 import extract_parameters
from tests.identity.factories import PASSWORD, T0

from ilteo.identity.passwords import hash_password, verify_password
from ilteo.identity.totp import matching_step, new_secret, provisioning_uri


def test_passwords_hash_with_the_stated_argon2id_parameters() -> None:
    stored = hash_password(PASSWORD)
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$v=19$")
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)
    assert (params.salt_len, params.hash_len) == (16, 32)
    assert hash_password(PASSWORD) != stored  # salted
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")


def test_no_hash_never_verifies_and_short_passwords_are_refused() -> None:
    assert not verify_password(None, "ilteo-dummy-password-for-timing")
    with pytest.raises(ValueError, match="shorter"):
        hash_password("short")


def test_totp_code_matches_its_step_and_drift_only() -> None:
    secret = new_secret()
    totp = pyotp.TOTP(secret)
    step = int(T0.timestamp()) // 30
    assert matching_step(secret, totp.at(T0), T0, None) == step
    assert matching_step(secret, totp.at(T0 - timedelta(seconds=30)), T0, None) == step - 1
    assert matching_step(secret, totp.at(T0 - timedelta(minutes=5)), T0, None) is None
    assert matching_step(secret, "12345a", T0, None) is None


def test_a_used_code_is_refused_in_its_own_window() -> None:
    secret = new_secret()
    code = pyotp.TOTP(secret).at(T0)
    step = matching_step(secret, code, T0, None)
    assert step is not None
    assert matching_step(secret, code, T0 + timedelta(seconds=10), step) is None


def test_provisioning_uri_names_issuer_and_login() -> None:
    uri = provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "minji")
    assert uri.startswith("otpauth://totp/")
    assert "minji" in uri
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri
