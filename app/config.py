"""Typed settings, read from the environment inside ``create_app`` (never at import)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "test", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(RuntimeError):
    """Settings that cannot work together (e.g. production without a secret)."""


class StartupError(RuntimeError):
    """A server the platform needs is unreachable or cannot start; the message says what to set."""


def _int(name: str, raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass
class Settings:
    """Every knob of the platform; the README's configuration table lists them."""

    app_env: str = "development"
    instance_path: Path = field(default_factory=lambda: Path.cwd() / "instance")
    database_url: str | None = None  # unset: embedded PostgreSQL under instance/
    redis_url: str | None = None  # unset: embedded Redis under instance/
    keycloak_url: str | None = None  # unset: dev IdP mounted at /idp/
    keycloak_realm: str = "hotline"
    keycloak_audience: str = "hotline-api"
    keycloak_admin_client_id: str = "hotline-provisioner"  # service account that provisions groups/users
    keycloak_admin_client_secret: str | None = None  # unset with the dev IdP: the realm file's dev secret
    public_url: str = "http://127.0.0.1:8000"
    sms_gateway_url: str | None = None  # channels: the SMS gateway's send API (replies to citizens)
    secret_key: str | None = None
    pii_key: str | None = None  # base64 32-byte key for phone encryption (Fernet-compatible)
    pii_hash_key: str | None = None  # key of the repeat-caller lookup hash
    db_pool_size: int = 10
    db_max_overflow: int = 20
    log_level: str = "INFO"
    log_format: str = "json"  # json (one object per line) or text (for reading in a terminal)
    db_pool_check: str = "poll"  # stale pooled connections: poll (no round trip), ping, off
    max_content_length: int = 1024 * 1024
    default_locale: str = "zh"
    outbox_max_attempts: int = 8  # then the message is a dead letter
    outbox_retry_base_seconds: float = 10.0  # first retry delay, doubled per attempt, with jitter
    outbox_retry_max_seconds: float = 3600.0
    # web areas (admin_portal): sign-in client, sessions, live updates, reply attachments
    keycloak_web_client_id: str = "hotline-web"
    web_session_idle_minutes: int = 30  # signed out after this long without a user action
    web_session_max_hours: int = 10  # and at the latest this long after signing in
    web_poll_seconds: int = 15  # htmx polling of inboxes, lists and warnings
    attachments_path: Path | None = None  # unset: <instance>/attachments
    attachment_max_bytes: int = 10 * 1024 * 1024
    # private networks outbound calls to typed URLs may reach (app/egress.py); None: loopback
    # outside production (the simulators), nothing in production
    outbound_private_networks: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = dict(os.environ if env is None else env)
        s = cls()
        s.app_env = env.get("APP_ENV", "development")
        if env.get("INSTANCE_PATH"):
            s.instance_path = Path(env["INSTANCE_PATH"])
        s.database_url = env.get("DATABASE_URL") or None
        s.redis_url = env.get("REDIS_URL") or None
        s.keycloak_url = env.get("KEYCLOAK_URL") or None
        s.keycloak_realm = env.get("KEYCLOAK_REALM", s.keycloak_realm)
        s.keycloak_audience = env.get("KEYCLOAK_AUDIENCE", s.keycloak_audience)
        s.keycloak_admin_client_id = env.get("KEYCLOAK_ADMIN_CLIENT_ID", s.keycloak_admin_client_id)
        s.keycloak_admin_client_secret = env.get("KEYCLOAK_ADMIN_CLIENT_SECRET") or None
        s.public_url = env.get("PUBLIC_URL", s.public_url).rstrip("/")
        s.sms_gateway_url = env.get("SMS_GATEWAY_URL") or None
        s.secret_key = env.get("SECRET_KEY") or None
        s.pii_key = env.get("PII_ENCRYPTION_KEY") or None
        s.pii_hash_key = env.get("PII_HASH_KEY") or None
        s.db_pool_size = _int("DB_POOL_SIZE", env.get("DB_POOL_SIZE"), s.db_pool_size)
        s.db_max_overflow = _int("DB_MAX_OVERFLOW", env.get("DB_MAX_OVERFLOW"), s.db_max_overflow)
        s.db_pool_check = env.get("DB_POOL_CHECK", s.db_pool_check).lower()
        s.log_level = env.get("LOG_LEVEL", s.log_level).upper()
        s.log_format = env.get("LOG_FORMAT", s.log_format).lower()
        s.outbox_max_attempts = int(env.get("OUTBOX_MAX_ATTEMPTS", s.outbox_max_attempts))
        s.outbox_retry_base_seconds = float(env.get("OUTBOX_RETRY_BASE_SECONDS", s.outbox_retry_base_seconds))
        s.outbox_retry_max_seconds = float(env.get("OUTBOX_RETRY_MAX_SECONDS", s.outbox_retry_max_seconds))
        s.keycloak_web_client_id = env.get("KEYCLOAK_WEB_CLIENT_ID", s.keycloak_web_client_id)
        s.web_session_idle_minutes = int(env.get("WEB_SESSION_IDLE_MINUTES", s.web_session_idle_minutes))
        s.web_session_max_hours = int(env.get("WEB_SESSION_MAX_HOURS", s.web_session_max_hours))
        s.web_poll_seconds = int(env.get("WEB_POLL_SECONDS", s.web_poll_seconds))
        if env.get("ATTACHMENTS_PATH"):
            s.attachments_path = Path(env["ATTACHMENTS_PATH"])
        s.attachment_max_bytes = int(env.get("ATTACHMENT_MAX_BYTES", s.attachment_max_bytes))
        s.outbound_private_networks = env.get("OUTBOUND_PRIVATE_NETWORKS")
        names = {f.name for f in fields(cls)}
        for key, value in overrides.items():
            if key not in names:
                raise ConfigError(f"unknown setting {key!r}")
            setattr(s, key, value)
        s.instance_path = Path(s.instance_path).resolve()
        s.validate()
        return s

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    def validate(self) -> None:
        if self.app_env not in ENVIRONMENTS:
            raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.app_env!r}")
        for name, value, choices in (
            ("LOG_LEVEL", self.log_level, LOG_LEVELS),
            ("LOG_FORMAT", self.log_format, ("json", "text")),
            ("DB_POOL_CHECK", self.db_pool_check, ("poll", "ping", "off")),
        ):
            if value not in choices:
                raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
        self.private_networks()  # a bad CIDR stops the start with its name
        if self.is_production:
            missing = [
                name
                for name, value in (
                    ("DATABASE_URL", self.database_url),
                    ("REDIS_URL", self.redis_url),
                    ("KEYCLOAK_URL", self.keycloak_url),
                    ("KEYCLOAK_ADMIN_CLIENT_SECRET", self.keycloak_admin_client_secret),
                    ("SECRET_KEY", self.secret_key),
                    ("PII_ENCRYPTION_KEY", self.pii_key),
                    ("PII_HASH_KEY", self.pii_hash_key),
                )
                if not value
            ]
            if missing:
                raise ConfigError("production needs " + ", ".join(missing) + " (no embedded defaults)")
        retry = (self.outbox_retry_base_seconds, self.outbox_retry_max_seconds)
        if self.outbox_max_attempts < 1 or not 0 <= retry[0] <= retry[1]:
            raise ConfigError(
                "OUTBOX_MAX_ATTEMPTS must be at least 1 and 0 <= OUTBOX_RETRY_BASE_SECONDS <= "
                "OUTBOX_RETRY_MAX_SECONDS"
            )

    def dev_secret(self, name: str, nbytes: int = 32) -> str:
        """A development secret kept under instance/ so restarts keep decrypting old data."""
        if self.is_production:
            raise ConfigError(f"{name} must be configured in production")
        path = self.instance_path / "secrets" / name
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        import base64

        value = base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(value)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # first writer wins when processes race
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return path.read_text().strip()

    def resolve_secrets(self) -> None:
        self.secret_key = self.secret_key or self.dev_secret("secret_key")
        self.pii_key = self.pii_key or self.dev_secret("pii_key")
        self.pii_hash_key = self.pii_hash_key or self.dev_secret("pii_hash_key")

    def flask_config(self) -> dict[str, Any]:
        return {
            "SECRET_KEY": self.secret_key,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "API_TITLE": "12345 Hotline Platform API",
            "API_VERSION": "v1",
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": "/api",
            "OPENAPI_JSON_PATH": "openapi.json",
            "OPENAPI_SWAGGER_UI_PATH": "/docs",
            "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",  # served by app/apidocs, never a CDN
            "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None, "deepLinking": True},  # no validator badge
            "API_SPEC_OPTIONS": {
                "info": {
                    "description": "Province-wide 12345 government-service hotline platform "
                    "(一号受理、同步办理、限时办结). Bearer tokens from the Keycloak realm `hotline`."
                },
                "components": {
                    "securitySchemes": {
                        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                    }
                },
                "security": [{"bearerAuth": []}],
            },
            "BABEL_DEFAULT_LOCALE": self.default_locale,
            "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
            "JSON_AS_ASCII": False,
            "OUTBOUND_PRIVATE_NETWORKS": self.private_networks(),
        }

    def private_networks(self) -> tuple:
        from .egress import parse_networks

        spec = self.outbound_private_networks
        if spec is None:
            spec = "" if self.is_production else "127.0.0.0/8,::1/128"
        try:
            return parse_networks(spec)
        except ValueError as exc:
            raise ConfigError(f"OUTBOUND_PRIVATE_NETWORKS: {exc}") from None
