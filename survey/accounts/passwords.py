"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from survey.core.i18n import gettext as _

_hasher = PasswordHasher()
MIN_LENGTH = 10


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValueError(_("password must be at least %(length)s characters", length=MIN_LENGTH))
    if len(password) > 1024:
        raise ValueError(_("password must be at most 1024 characters"))


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


# Argon2id takes 64 MiB and a good part of a second of CPU: run it off the event loop so one login does not
# stall every other request of the worker, and at most two at a time so a login flood cannot exhaust memory.
_argon2_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


async def verify_password_async(stored_hash: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_argon2_threads, verify_password, stored_hash, password)


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_argon2_threads, hash_password, password)
