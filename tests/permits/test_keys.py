"""Signing keys (umis.permits.keys) and `umis signing_keys`: the database and the key
files, in a temporary key directory."""

from __future__ import annotations

import stat
import threading
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from umis.core.errors import Conflict, NotFound
from umis.core.models import AuditEntry
from umis.permits import keys
from umis.permits.keys import (
    public_key_cache_clear,
    public_key_for,
    signing_key_active,
    signing_key_revoke,
    signing_key_rotate,
)
from umis.permits.models import SigningKey
from umis.permits.signing import TokenError, public_key_b64, sign_token, verify_token

PAYLOAD: dict[str, str | int] = {"d": "AZ1234567", "v": 1}


@pytest.fixture
def key_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "keys"
    settings.UMIS_SIGNING_KEY_DIR = directory
    public_key_cache_clear()
    yield directory
    public_key_cache_clear()


def sign_now() -> str:
    kid, private_key = signing_key_active()
    return sign_token(PAYLOAD, kid=kid, private_key=private_key)


def verify(token: str) -> dict[str, str | int]:
    return verify_token(token, public_key_for=public_key_for)


def test_first_use_creates_a_key_and_a_private_file_0600(db: Any, key_dir: Path) -> None:
    assert SigningKey.objects.count() == 0
    kid, private_key = signing_key_active()
    row = SigningKey.objects.get()
    assert row.kid == kid and row.algorithm == "Ed25519"
    assert row.retired_at is None and row.revoked_at is None
    assert row.public_key == public_key_b64(private_key.public_key())
    path = key_dir / f"{kid}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    loaded = load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    assert public_key_b64(loaded.public_key()) == row.public_key
    assert [p.name for p in key_dir.iterdir()] == [f"{kid}.pem"]  # no temporary file left
    # The private key is never in the database.
    assert "PRIVATE" not in str(SigningKey.objects.values().get())
    assert AuditEntry.objects.filter(object_type="permits.signingkey", object_id=kid).exists()


def test_later_uses_reuse_the_key(db: Any, key_dir: Path) -> None:
    first, _ = signing_key_active()
    second, _ = signing_key_active()
    assert first == second
    assert SigningKey.objects.count() == 1
    assert verify(sign_now()) == PAYLOAD


def test_rotate_retires_the_old_key_which_still_verifies(db: Any, key_dir: Path) -> None:
    old_token = sign_now()
    old_kid = old_token.split(".")[1]
    new = signing_key_rotate()
    assert new.kid != old_kid
    old = SigningKey.objects.get(kid=old_kid)
    assert old.retired_at is not None and old.revoked_at is None
    assert (key_dir / f"{new.kid}.pem").is_file()
    # The new key signs; documents signed by the old one still verify.
    new_token = sign_now()
    assert new_token.split(".")[1] == new.kid
    assert verify(old_token) == PAYLOAD
    assert verify(new_token) == PAYLOAD
    assert signing_key_active()[0] == new.kid


def test_revoke_stops_verification_at_once_in_this_process(db: Any, key_dir: Path) -> None:
    token = sign_now()
    kid = token.split(".")[1]
    assert public_key_for(kid) is not None  # now cached
    revoked = signing_key_revoke(kid)
    assert revoked.revoked_at is not None
    assert public_key_for(kid) is None
    with pytest.raises(TokenError) as info:
        verify(token)
    assert info.value.code == "unknown_key"
    # A revoked key never signs again: the next document gets a new key.
    assert signing_key_active()[0] != kid


def test_revoke_errors(db: Any, key_dir: Path) -> None:
    with pytest.raises(NotFound):
        signing_key_revoke("k-unknown")
    kid, _ = signing_key_active()
    signing_key_revoke(kid)
    with pytest.raises(Conflict) as info:
        signing_key_revoke(kid)
    assert info.value.code == "already_revoked"


def test_revocation_elsewhere_is_seen_within_the_cache_time(
    db: Any, key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = {"now": 1000.0}
    monkeypatch.setattr(keys.time, "monotonic", lambda: clock["now"])
    kid, _ = signing_key_active()
    assert public_key_for(kid) is not None
    # Another process revokes it (straight in the database, not through this cache).
    SigningKey.objects.filter(kid=kid).update(revoked_at=timezone.now())
    clock["now"] += 30
    assert public_key_for(kid) is not None  # still cached: the documented window
    clock["now"] += 31
    assert public_key_for(kid) is None
    # A new process (empty cache) sees it at once.
    SigningKey.objects.filter(kid=kid).update(revoked_at=None)
    public_key_cache_clear()
    assert public_key_for(kid) is not None


def test_unknown_kids_are_not_cached(db: Any, key_dir: Path) -> None:
    assert public_key_for("k20991231000000ffff") is None
    assert public_key_for("../etc/passwd") is None  # not a kid at all
    row = SigningKey.objects.create(
        kid="k20991231000000ffff",
        public_key=public_key_b64(Ed25519PrivateKey.generate().public_key()),
        activated_at=timezone.now(),
    )
    assert public_key_for(row.kid) is not None  # created elsewhere: verifies at once


def test_a_key_whose_file_this_host_lacks_is_not_used(db: Any, key_dir: Path) -> None:
    kid, _ = signing_key_active()
    (key_dir / f"{kid}.pem").unlink()
    other, _ = signing_key_active()
    assert other != kid
    assert SigningKey.objects.count() == 2
    assert signing_key_active()[0] == other


@pytest.mark.parametrize("failing_action", ["create", "update"])
def test_rotation_that_fails_leaves_no_key_file(
    db: Any, key_dir: Path, monkeypatch: pytest.MonkeyPatch, failing_action: str
) -> None:
    kid, _ = signing_key_active()
    real = keys.audit_record

    def audit(**kwargs: Any) -> Any:
        # "create": the new key's own record fails; "update": retiring the old one does.
        if str(kwargs["action"]) == failing_action:
            raise RuntimeError("audit down")
        return real(**kwargs)

    monkeypatch.setattr(keys, "audit_record", audit)
    with pytest.raises(RuntimeError):
        signing_key_rotate()
    assert [p.name for p in key_dir.iterdir()] == [f"{kid}.pem"]
    assert list(SigningKey.objects.values_list("kid", "retired_at")) == [(kid, None)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_use_creates_one_key(
    key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is exercised on PostgreSQL (SQLite serialises writers)")
    # Both processes look, find no key, and only then try to create one: the worst case.
    looked = threading.Barrier(2, timeout=10)
    original = keys._usable_keys
    seen: dict[int, int] = {}

    def usable_keys() -> list[SigningKey]:
        rows = original()
        me = threading.get_ident()
        seen[me] = seen.get(me, 0) + 1
        if seen[me] == 1:
            looked.wait()
        return rows

    monkeypatch.setattr(keys, "_usable_keys", usable_keys)
    kids: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            kids.append(signing_key_active()[0])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(kids)) == 1 and len(kids) == 2
    assert SigningKey.objects.count() == 1
    assert len(list(key_dir.glob("*.pem"))) == 1


# --- `umis signing_keys` -----------------------------------------------------------------


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("signing_keys", *args, stdout=out)
    return out.getvalue()


def test_command_list_rotate_revoke(db: Any, key_dir: Path) -> None:
    assert "no signing keys yet" in run_command("list")
    first, _ = signing_key_active()
    listing = run_command("list")
    assert first in listing and "active" in listing and str(key_dir) in listing
    rotated = run_command("rotate")
    new = SigningKey.objects.exclude(kid=first).get()
    assert f"new signing key {new.kid}" in rotated
    lines = {line.split()[0]: line for line in run_command("list").splitlines()[2:]}
    assert lines[new.kid].split()[1] == "active"
    assert lines[first].split()[1] == "retired"
    assert lines[new.kid].endswith("yes")
    revoked = run_command("revoke", first)
    assert f"revoked signing key {first}" in revoked
    assert "no active key is left" not in revoked
    assert "no active key is left" in run_command("revoke", new.kid)
    lines = {line.split()[0]: line for line in run_command("list").splitlines()[2:]}
    assert lines[first].split()[1] == "revoked"


def test_command_revoke_unknown_key_fails_clearly(db: Any, key_dir: Path) -> None:
    with pytest.raises(CommandError, match="k-nope"):
        run_command("revoke", "k-nope")
