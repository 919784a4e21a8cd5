"""Secrets at rest: manager PINs and console passwords hashed with scrypt, compared in constant
time, in a self-describing string that names the algorithm and its parameters:

    scrypt$ln=17,r=8,p=1$<salt, base64>$<hash, base64>

so the cost can be raised later and every hash still checks: `needs_rehash` says a stored hash is
below today's cost, and the caller re-hashes it at the next successful use (the only moment the
secret is known). N = 2**17, r = 8 is OWASP's recommended scrypt floor: 128 MiB and ~0.3 s on
the development machine, ~0.5 s on a Pi 4 (bench/bench_secrets.py, bench/RESULTS.md).

Two older formats are still read, and upgraded on use: the kiosk's 'scrypt$N$r$p$salt$digest'
and the console's 'scrypt$salt$key' (N = 2**14, r = 8, p = 1 implied).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "scrypt"
# Stored parameters beyond these are refused, not computed: a hash string from a damaged or
# hostile database must not make the kiosk allocate gigabytes.
MAX_LN, MAX_R, MAX_P = 20, 16, 4


@dataclass(frozen=True)
class Scrypt:
    ln: int  # log2 of N, the CPU and memory cost
    r: int = 8
    p: int = 1

    @property
    def memory_bytes(self) -> int:
        return 128 * self.r * (1 << self.ln)

    def text(self) -> str:
        return f"ln={self.ln},r={self.r},p={self.p}"


CURRENT = Scrypt(ln=17)
LEGACY = Scrypt(ln=14)  # what both older formats used


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _checked(params: Scrypt) -> Scrypt:
    if not (1 <= params.ln <= MAX_LN and 1 <= params.r <= MAX_R and 1 <= params.p <= MAX_P):
        raise ValueError("scrypt parameters out of range")
    return params


def _derive(secret: str, salt: bytes, params: Scrypt, dklen: int) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=1 << params.ln, r=params.r, p=params.p,
                          dklen=dklen, maxmem=params.memory_bytes * params.p + 2**24)  # fmt: skip


def hash_secret(secret: str, params: Scrypt = CURRENT) -> str:
    """A PIN or password for storage, as 'scrypt$ln=..,r=..,p=..$salt$hash'."""
    salt = secrets.token_bytes(16)
    return f"{PREFIX}${params.text()}${_b64(salt)}${_b64(_derive(secret, salt, params, 32))}"


def _parse(stored: str) -> tuple[Scrypt, bytes, bytes]:
    """Parameters, salt and hash of any format we have written; ValueError if none."""
    parts = stored.split("$")
    if parts[0] != PREFIX:
        raise ValueError("not an scrypt hash")
    if len(parts) == 4:
        fields = dict(item.split("=", 1) for item in parts[1].split(","))
        params = Scrypt(ln=int(fields["ln"]), r=int(fields["r"]), p=int(fields["p"]))
        return _checked(params), base64.b64decode(parts[2]), base64.b64decode(parts[3])
    if len(parts) == 3:  # the console's first format: 'scrypt$salt$key'
        return LEGACY, base64.b64decode(parts[1]), base64.b64decode(parts[2])
    if len(parts) == 6:  # the kiosk's first format: 'scrypt$N$r$p$salt$digest'
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        params = Scrypt(ln=n.bit_length() - 1, r=r, p=p)
        if 1 << params.ln != n:
            raise ValueError("N is not a power of two")
        return _checked(params), base64.b64decode(parts[4]), base64.b64decode(parts[5])
    raise ValueError("unknown scrypt hash layout")


def is_checkable(stored: str) -> bool:
    """A hash in a format (and at a cost) this code can check: what a snapshot's PIN must be."""
    try:
        _parse(stored)
    except (ValueError, TypeError, KeyError):
        return False
    return True


def verify_secret(secret: str, stored: str) -> bool:
    """True when the secret matches the stored hash; a malformed hash never matches."""
    try:
        params, salt, expected = _parse(stored)
        actual = _derive(secret, salt, params, len(expected))
    except (ValueError, TypeError, KeyError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    """A hash in an older format, or cheaper than today's cost: re-hash it at the next use."""
    try:
        params, _, _ = _parse(stored)
    except (ValueError, TypeError, KeyError):
        return False  # it will never verify, so there is no use at which to upgrade it
    return not stored.startswith(f"{PREFIX}$ln=") or params.ln < CURRENT.ln


# The kiosk's names for the same functions, as the approval code reads them.
hash_pin = hash_secret
verify_pin = verify_secret
