"""Security primitives: password hashing (argon2id), random tokens, TOTP second factor."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters (RFC 9106)
#: A fixed hash verified when the account does not exist, so that timing does not reveal it.
_DUMMY_HASH = _hasher.hash("cyber360-no-such-account")

TOTP_ISSUER = "Cyber360 Santé"
TOTP_STEP_SECONDS = 30


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; costs the same time whether or not the account exists."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(prefix: str = "", nbytes: int = 32) -> str:
    """A random URL-safe token (256 bits by default)."""
    return prefix + secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """What the database keeps of a token: its SHA-256 (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def constant_time_equals(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER)


def totp_qr_svg(uri: str) -> str:
    """The provisioning QR code as an SVG document, rendered locally (no external service)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, dark="#0b2545", light="#ffffff"))


def totp_matching_step(secret: str, code: str, at: float, last_step: int | None) -> int | None:
    """The time step a code belongs to (one step of clock drift allowed), or None.

    A step already used (``last_step``) is refused, so a code cannot be replayed.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(at // TOTP_STEP_SECONDS)
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if constant_time_equals(totp.at(step * TOTP_STEP_SECONDS), code):
            return step
    return None


def new_recovery_codes(count: int = 10) -> list[str]:
    """Single-use recovery codes, shown once: ten groups of 4-4 lowercase hex characters."""
    return [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(count)]
