"""The keys that sign issued documents: creation, rotation, revocation and lookup.

A key's public half is a ``SigningKey`` row; its private half is the file
``<UMIS_SIGNING_KEY_DIR>/<kid>.pem`` (PKCS#8 PEM, mode 0600), never in the database. A
host signs with the newest key that is neither retired nor revoked *and whose file it
has*; if it has none, the first signature creates one, so a fresh demo needs no setup.

* Rotation (``umis signing_keys rotate``) creates a key and retires the active ones:
  they stop signing but keep verifying, so cards already issued stay valid.
* Revocation (``umis signing_keys revoke KID``) is for a compromised key: what it signed
  no longer verifies.

Verification is hot (every scan of a QR code), so :func:`public_key_for` keeps public
keys in memory for ``UMIS_SIGNING_KEY_CACHE_SECONDS`` (60 s). A revocation is therefore
seen at once by new processes and by the process that made it, and by other running
processes within that time; unknown kids are never cached, so a key created by another
process verifies at once everywhere.

Writes are serialised (a PostgreSQL advisory lock; SQLite's IMMEDIATE transactions
serialise writers anyway), so two processes signing their first document at the same
time create one key, not two.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from umis.core.audit import audit_record
from umis.core.constants import AuditAction
from umis.core.errors import Conflict, NotFound
from umis.permits.models import SigningKey
from umis.permits.signing import KID_RE, public_key_b64, public_key_from_b64

if TYPE_CHECKING:
    from umis.core.models import User

__all__ = [
    "KeyStatus",
    "public_key_cache_clear",
    "public_key_for",
    "signing_key_active",
    "signing_key_dir",
    "signing_key_file_exists",
    "signing_key_list",
    "signing_key_revoke",
    "signing_key_rotate",
    "signing_key_status",
]

ALGORITHM: Final = "Ed25519"
_LOCK_KEY: Final = 0x554D_4953_4B45  # "UMISKE": the advisory lock of key writes
_OBJECT_TYPE: Final = "permits.signingkey"


def signing_key_dir() -> Path:
    """Where the private keys live: ``settings.UMIS_SIGNING_KEY_DIR``, by default
    ``<VAR_DIR>/keys``."""
    default = Path(settings.VAR_DIR) / "keys"
    return Path(getattr(settings, "UMIS_SIGNING_KEY_DIR", default))


def _key_path(kid: str) -> Path:
    if not KID_RE.fullmatch(kid):  # a kid from the database never contains a path
        raise ValueError(f"invalid kid {kid!r}")
    return signing_key_dir() / f"{kid}.pem"


def _new_kid() -> str:
    # Sorts by creation time; the random suffix keeps two keys made in one second apart.
    return f"k{timezone.now():%Y%m%d%H%M%S}{secrets.token_hex(2)}"


def _write_private_key(kid: str, key: Ed25519PrivateKey) -> Path:
    """Write the key file atomically (temporary file, fsync, hard link), readable by its
    owner only: a reader sees the whole key or no file. Refuses to overwrite: a kid names
    exactly one key."""
    directory = signing_key_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = _key_path(kid)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{kid}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)  # mkstemp creates 0600 already; be explicit
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        # link() fails if the target exists, unlike rename(): never replace a key.
        os.link(tmp_name, path)
    finally:
        os.unlink(tmp_name)
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the new name survives a crash, not just the bytes
    finally:
        os.close(dir_fd)
    return path


def _read_private_key(kid: str) -> Ed25519PrivateKey | None:
    path = _key_path(kid)
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        return None
    key = load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _lock_key_writes() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _usable_keys() -> list[SigningKey]:
    return list(
        SigningKey.objects.filter(retired_at__isnull=True, revoked_at__isnull=True).order_by(
            "-activated_at", "-kid"
        )
    )


def _first_with_file(rows: list[SigningKey]) -> tuple[str, Ed25519PrivateKey] | None:
    for row in rows:
        key = _read_private_key(row.kid)
        if key is not None:
            return row.kid, key
    return None


def _create(*, actor: User | None, reason: str) -> tuple[SigningKey, Ed25519PrivateKey, Path]:
    """A new key pair: the file first, then the row, so no row ever names a missing file.
    Runs inside the caller's transaction and lock; the caller removes the file (the path
    returned) if that transaction fails."""
    private_key = Ed25519PrivateKey.generate()
    kid = _new_kid()
    path = _write_private_key(kid, private_key)
    try:
        row = SigningKey.objects.create(
            kid=kid,
            algorithm=ALGORITHM,
            public_key=public_key_b64(private_key.public_key()),
            activated_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type=_OBJECT_TYPE,
            object_id=kid,
            changes={"algorithm": ALGORITHM, "reason": reason},
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return row, private_key, path


def signing_key_active() -> tuple[str, Ed25519PrivateKey]:
    """The kid and private key to sign with now: the newest key that is neither retired
    nor revoked and whose private file this host has. Without one, a key is created.

    Called inside a caller's transaction, the new key exists once that commits; if the
    caller rolls back, its file stays behind unused (no row names it)."""
    found = _first_with_file(_usable_keys())
    if found is not None:
        return found
    created: Path | None = None
    try:
        with transaction.atomic():
            _lock_key_writes()
            # Another process may have created one while this one waited for the lock.
            found = _first_with_file(_usable_keys())
            if found is not None:
                return found
            row, private_key, created = _create(actor=None, reason="first use")
    except BaseException:
        if created is not None:  # no row names it: an unused private key is a liability
            created.unlink(missing_ok=True)
        raise
    return row.kid, private_key


def signing_key_rotate(*, actor: User | None = None) -> SigningKey:
    """Create a key and retire every active key: they stop signing but still verify."""
    created: Path | None = None
    try:
        with transaction.atomic():
            _lock_key_writes()
            now = timezone.now()
            old = list(
                SigningKey.objects.select_for_update()
                .filter(retired_at__isnull=True, revoked_at__isnull=True)
                .order_by("kid")
            )
            row, _private, created = _create(actor=actor, reason="rotation")
            for key in old:
                key.retired_at = now
                key.save(update_fields=["retired_at"])
                audit_record(
                    actor=actor,
                    action=AuditAction.UPDATE,
                    object_type=_OBJECT_TYPE,
                    object_id=key.kid,
                    changes={"retired_at": [None, now], "retired_for": row.kid},
                )
    except BaseException:
        if created is not None:
            created.unlink(missing_ok=True)
        raise
    return row


def signing_key_revoke(kid: str, *, actor: User | None = None) -> SigningKey:
    """Revoke a compromised key: documents it signed no longer verify, and it no longer
    signs. Revoking a revoked key is a ``Conflict`` (``already_revoked``)."""
    with transaction.atomic():
        _lock_key_writes()
        row = SigningKey.objects.select_for_update().filter(kid=kid).first()
        if row is None:
            raise NotFound("signing key", _("Signing key %(kid)s not found.") % {"kid": kid})
        if row.revoked_at is not None:
            raise Conflict(
                "already_revoked",
                _("Signing key %(kid)s is already revoked.") % {"kid": kid},
            )
        now = timezone.now()
        row.revoked_at = now
        row.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=_OBJECT_TYPE,
            object_id=kid,
            changes={"revoked_at": [None, now]},
        )
    _cache.pop(kid, None)
    return row


# --- reads ----------------------------------------------------------------------------


class KeyStatus:
    ACTIVE = "active"  # signs and verifies
    RETIRED = "retired"  # verifies only
    REVOKED = "revoked"  # neither


def signing_key_status(key: SigningKey) -> str:
    if key.revoked_at is not None:
        return KeyStatus.REVOKED
    if key.retired_at is not None:
        return KeyStatus.RETIRED
    return KeyStatus.ACTIVE


def signing_key_file_exists(kid: str) -> bool:
    """Whether this host has the private key file of ``kid`` (it can sign only then)."""
    return _key_path(kid).is_file()


def signing_key_list() -> list[SigningKey]:
    """Every key, newest first."""
    return list(SigningKey.objects.order_by("-activated_at", "-kid"))


@dataclass(frozen=True)
class _Cached:
    expires: float  # time.monotonic()
    key: Ed25519PublicKey | None  # None: revoked


_cache: dict[str, _Cached] = {}


def _cache_seconds() -> float:
    return float(getattr(settings, "UMIS_SIGNING_KEY_CACHE_SECONDS", 60))


def public_key_cache_clear() -> None:
    """Forget the cached public keys (tests, or after a revocation made elsewhere)."""
    _cache.clear()


def public_key_for(kid: str) -> Ed25519PublicKey | None:
    """The public key that verifies documents signed by ``kid``; None if the kid is
    unknown or revoked. Cached in-process (see the module docstring)."""
    now = time.monotonic()
    hit = _cache.get(kid)
    if hit is not None and hit.expires > now:
        return hit.key
    row = (
        SigningKey.objects.filter(kid=kid).values_list("public_key", "revoked_at").first()
        if KID_RE.fullmatch(kid)
        else None
    )
    if row is None:
        _cache.pop(kid, None)
        return None
    public_b64, revoked_at = row
    key = None if revoked_at is not None else public_key_from_b64(public_b64)
    _cache[kid] = _Cached(expires=now + _cache_seconds(), key=key)
    return key
