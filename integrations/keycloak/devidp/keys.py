"""The dev IdP's RS256 signing keys, persisted under instance/ so tokens survive restarts.

``signing-key.json`` holds the active private key; ``rotate()`` replaces it atomically and
keeps the public half of the previous keys in ``previous-keys.json`` so tokens signed before
a rotation still verify. Every process notices a rotation made by another one (the files'
mtimes are checked at most once a second), which is what several gunicorn workers need.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from jwcrypto import jwk, jwt

KEEP_PREVIOUS = 2


def _write_atomic(path: Path, text: str, *, replace: bool) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp")
    tmp.write_text(text)
    os.chmod(tmp, 0o600)
    try:
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # first process wins if several start at once
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


class KeyStore:
    def __init__(self, directory: Path, *, recheck: float = 1.0):
        self.directory = Path(directory)
        self._key: jwk.JWK | None = None
        self._previous: list[dict[str, Any]] = []
        self._stamp: tuple[float, float] | None = None
        self._checked = 0.0
        self._recheck = recheck
        self._lock = threading.Lock()

    @property
    def _active_path(self) -> Path:
        return self.directory / "signing-key.json"

    @property
    def _previous_path(self) -> Path:
        return self.directory / "previous-keys.json"

    def _mtimes(self) -> tuple[float, float]:
        def mtime(p: Path) -> float:
            try:
                return p.stat().st_mtime_ns
            except FileNotFoundError:
                return 0.0

        return mtime(self._active_path), mtime(self._previous_path)

    def _ensure(self) -> None:
        now = time.monotonic()
        if self._key is not None and now - self._checked < self._recheck:
            return
        with self._lock:
            self._checked = now
            if not self._active_path.exists():
                self.directory.mkdir(parents=True, exist_ok=True)
                _write_atomic(self._active_path, self._generate().export_private(), replace=False)
            stamp = self._mtimes()
            if stamp == self._stamp and self._key is not None:
                return
            self._key = jwk.JWK(**json.loads(self._active_path.read_text()))
            previous = self._previous_path
            self._previous = json.loads(previous.read_text())["keys"] if previous.exists() else []
            self._stamp = stamp

    @staticmethod
    def _generate() -> jwk.JWK:
        return jwk.JWK.generate(kty="RSA", size=2048, kid=uuid.uuid4().hex, use="sig", alg="RS256")

    @property
    def key(self) -> jwk.JWK:
        self._ensure()
        assert self._key is not None
        return self._key

    @property
    def kid(self) -> str:
        return self.key.get("kid")

    def _public(self, key: jwk.JWK) -> dict[str, Any]:
        public = json.loads(key.export_public())
        public.update(use="sig", alg="RS256")
        return public

    def jwks(self) -> dict[str, Any]:
        """The active key first, then the previous ones (still valid for verification)."""
        active = self._public(self.key)
        return {"keys": [active, *[k for k in self._previous if k.get("kid") != active["kid"]]]}

    def rotate(self) -> str:
        """Make a new active key; the old one stays in the JWKS. Returns the new kid."""
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            old = jwk.JWK(**json.loads(self._active_path.read_text())) if self._active_path.exists() else None
            previous = (
                json.loads(self._previous_path.read_text())["keys"] if self._previous_path.exists() else []
            )
            if old is not None:
                previous = [self._public(old), *previous][:KEEP_PREVIOUS]
            _write_atomic(self._previous_path, json.dumps({"keys": previous}), replace=True)
            new = self._generate()
            _write_atomic(self._active_path, new.export_private(), replace=True)
            self._key, self._stamp, self._checked = None, None, 0.0
        return new.get("kid")

    def public_pem(self) -> str:
        return self.key.export_to_pem(private_key=False, password=None).decode()

    def public_der_b64(self) -> str:
        """The realm's ``public_key`` as Keycloak publishes it (base64 DER, no PEM armour)."""
        lines = self.public_pem().strip().splitlines()
        return "".join(line for line in lines if not line.startswith("-----"))

    def sign(self, claims: dict[str, Any], *, lifetime: int = 300) -> str:
        now = int(time.time())
        body = {"iat": now, "exp": now + lifetime, "jti": uuid.uuid4().hex, **claims}
        key = self.key
        token = jwt.JWT(header={"alg": "RS256", "typ": "JWT", "kid": key.get("kid")}, claims=body)
        token.make_signed_token(key)
        return token.serialize()
