"""Password hashing: Argon2id at OWASP's minimum cost or above, and upgrades of older hashes.

Accounts made before Argon2id carry Werkzeug hashes (``scrypt:...``, ``pbkdf2:...``);
they still verify, and ``needs_rehash`` tells the sign-in to store a new hash
while it has the plain password in hand.
"""
from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

# OWASP Password Storage Cheat Sheet: Argon2id, m >= 19 MiB, t >= 2, p = 1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
_WERKZEUG_METHODS = ("scrypt:", "pbkdf2:")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (an Argon2 or a legacy Werkzeug hash)."""
    if stored.startswith(_WERKZEUG_METHODS):
        return check_password_hash(stored, password)
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """A legacy hash, or an Argon2 one made with other parameters than ``HASHER``'s."""
    return stored.startswith(_WERKZEUG_METHODS) or HASHER.check_needs_rehash(stored)


# Checked against when the email is unknown, so both failures take the same time.
DUMMY_HASH = hash_password("not a real password")
