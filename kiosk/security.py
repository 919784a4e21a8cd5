"""Secrets at rest: manager PINs hashed with scrypt (memory-hard), compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt with N=2**14, r=8 uses 16 MiB and ~50 ms on a Pi 4: slow for a guesser, fine for a person.
_N, _R, _P = 2**14, 8, 1
_PREFIX = "scrypt"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_pin(pin: str) -> str:
    """Hash a PIN for storage: 'scrypt$N$r$p$salt$digest'."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"{_PREFIX}${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when the PIN matches the stored hash; a malformed hash never matches."""
    try:
        prefix, n, r, p, salt, digest = stored.split("$")
        if prefix != _PREFIX:
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            pin.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
