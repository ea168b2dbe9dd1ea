"""Security primitives: argon2id passwords, random tokens stored as digests, TOTP steps, recovery codes."""

from __future__ import annotations

import hashlib

import pyotp
import pytest
from argon2 import Type, extract_parameters

from cyber360.core import security


@pytest.fixture(scope="module")
def stored() -> str:
    return security.hash_password("correct horse battery staple")


def test_passwords_are_hashed_with_argon2id_at_rfc9106_strength(stored):
    assert stored.startswith("$argon2id$v=19$")
    parameters = extract_parameters(stored)
    assert parameters.type is Type.ID
    # RFC 9106 second recommended option: 64 MiB, 3 passes (OWASP's floor is 19 MiB, 2 passes).
    assert parameters.memory_cost >= 64 * 1024
    assert parameters.time_cost >= 3
    assert parameters.salt_len >= 16
    assert "correct horse" not in stored
    assert security.hash_password("correct horse battery staple") != stored, "a new salt each time"


def test_verify_password(stored):
    assert security.verify_password(stored, "correct horse battery staple")
    assert not security.verify_password(stored, "correct horse battery staplE")
    assert not security.verify_password(None, "cyber360-no-such-account"), "no account, never true"
    assert not security.verify_password("not-a-hash", "x")
    assert not security.password_needs_rehash(stored)


def test_tokens_are_random_and_stored_as_sha256():
    tokens = {security.new_token() for _ in range(100)}
    assert len(tokens) == 100
    token = security.new_token("c360_")
    assert token.startswith("c360_") and len(token) >= 5 + 43  # 256 bits
    assert security.token_digest(token) == hashlib.sha256(token.encode()).hexdigest()
    assert security.constant_time_equals("abc", "abc") and not security.constant_time_equals("abc", "abd")


SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
AT = 1_800_000_000.0  # a fixed instant: step 60_000_000
STEP = int(AT // 30)


def test_totp_accepts_the_current_and_adjacent_steps_only():
    totp = pyotp.TOTP(SECRET)
    assert security.totp_matching_step(SECRET, totp.at(AT), AT, None) == STEP
    assert security.totp_matching_step(SECRET, totp.at(AT - 30), AT, None) == STEP - 1
    assert security.totp_matching_step(SECRET, totp.at(AT + 30), AT, None) == STEP + 1
    assert security.totp_matching_step(SECRET, totp.at(AT - 60), AT, None) is None
    assert security.totp_matching_step(SECRET, totp.at(AT + 90), AT, None) is None
    spaced = totp.at(AT)[:3] + " " + totp.at(AT)[3:]
    assert security.totp_matching_step(SECRET, spaced, AT, None) == STEP


def test_a_totp_code_cannot_be_replayed_nor_an_older_one_used():
    code = pyotp.TOTP(SECRET).at(AT)
    assert security.totp_matching_step(SECRET, code, AT, last_step=STEP) is None
    older = pyotp.TOTP(SECRET).at(AT - 30)
    assert security.totp_matching_step(SECRET, older, AT, last_step=STEP) is None
    newer = pyotp.TOTP(SECRET).at(AT + 30)
    assert security.totp_matching_step(SECRET, newer, AT, last_step=STEP) == STEP + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12345a", "１２３４５６"])
def test_malformed_totp_codes_are_refused(code):
    assert security.totp_matching_step(SECRET, code, AT, None) is None


def test_recovery_codes():
    codes = security.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    assert all(len(code) == 9 and code[4] == "-" and code == code.lower() for code in codes)


def test_the_qr_code_is_rendered_locally():
    uri = security.totp_uri(SECRET, "rssi-a@demo.test")
    assert uri.startswith("otpauth://totp/") and "secret=" + SECRET in uri
    assert "issuer=Cyber360" in uri
    svg = security.totp_qr_svg(uri)
    assert svg.lstrip().startswith("<svg")
    assert "<script" not in svg and "href" not in svg
