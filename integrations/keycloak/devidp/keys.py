"""The dev IdP's RS256 signing key, persisted under instance/ so tokens survive restarts."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from jwcrypto import jwk, jwt


class KeyStore:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._key: jwk.JWK | None = None

    @property
    def key(self) -> jwk.JWK:
        if self._key is None:
            self._key = self._load_or_create()
        return self._key

    def _load_or_create(self) -> jwk.JWK:
        path = self.directory / "signing-key.json"
        if not path.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            key = jwk.JWK.generate(kty="RSA", size=2048, kid=uuid.uuid4().hex, use="sig", alg="RS256")
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(key.export_private())
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, path)  # first process wins if several start at once
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        return jwk.JWK(**json.loads(path.read_text()))

    @property
    def kid(self) -> str:
        return self.key.get("kid")

    def jwks(self) -> dict[str, Any]:
        public = json.loads(self.key.export_public())
        public.update(use="sig", alg="RS256")
        return {"keys": [public]}

    def public_pem(self) -> str:
        return self.key.export_to_pem(private_key=False, password=None).decode()

    def sign(self, claims: dict[str, Any], *, lifetime: int = 300) -> str:
        now = int(time.time())
        body = {"iat": now, "exp": now + lifetime, "jti": uuid.uuid4().hex, **claims}
        token = jwt.JWT(header={"alg": "RS256", "typ": "JWT", "kid": self.kid}, claims=body)
        token.make_signed_token(self.key)
        return token.serialize()
