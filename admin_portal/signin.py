"""Sign-in to the web areas: OpenID Connect authorization code flow with PKCE (S256).

The client is the realm's public ``hotline-web`` (python-keycloak's ``KeycloakOpenID``):
the dev IdP under ``/idp/`` (reached in-process, never over our own socket) or a real
Keycloak by configuration. The tokens stay in the server-side session; each request
builds its Principal from the session's access token with the API's own verifier, so the
permission matrix and tenant binding are the API's. The access token is refreshed shortly
before it expires; a failed refresh, ``web_session_idle_minutes`` without a user action or
``web_session_max_hours`` after sign-in end the session. Sign-out ends the IdP session
(back channel) and then the browser's (the IdP's end-session endpoint).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError
from requests import RequestException

from app.auth.http import Unauthenticated, use_principal
from app.auth.policy import allowed
from app.auth.principal import Principal

from .security import csrf, secure_headers

log = logging.getLogger(__name__)

REFRESH_MARGIN = 30  # seconds before expiry that the access token is renewed
ACTIVITY_GRANULARITY = 60  # the last-action time is written at most once a minute
MAX_PENDING = 5  # sign-ins started in other tabs and not finished yet
POLL_HEADER = "X-Poll"  # set by htmx polling, which is not a user action

# (permission, home, needs a city): a kb_editor without a city edits the province base
AREAS = (
    ("web.desk", "desk.home", True),
    ("web.dept", "dept.home", True),
    ("web.province", "province_portal.home", False),
)


class SignInFailed(Exception):
    """The IdP's answer cannot sign anybody in (expired state, bad code, wrong nonce)."""


class WebSignIn:
    def __init__(self, app: Flask, settings):
        self.app = app
        self.client_id = settings.keycloak_web_client_id
        self.realm = settings.keycloak_realm
        self.server = (settings.keycloak_url or settings.public_url + "/idp").rstrip("/") + "/"
        self.in_process = not settings.keycloak_url
        self.redirect_uri = settings.public_url + "/auth/callback"
        self.after_logout = settings.public_url + "/"
        self.idle = settings.web_session_idle_minutes * 60
        self.max_age = settings.web_session_max_hours * 3600

    def client(self) -> KeycloakOpenID:
        """A fresh client per call: python-keycloak's token() edits shared connection headers."""
        kc = KeycloakOpenID(
            server_url=self.server, realm_name=self.realm, client_id=self.client_id, timeout=10
        )
        if self.in_process:
            from integrations.keycloak.devidp.transport import route_in_process

            route_in_process(kc.connection, self.server, self.app)
        return kc

    # -- the flow ----------------------------------------------------------------------------
    def start(self, next_url: str) -> str:
        """Remember a new sign-in attempt in the session; the IdP's authorization URL."""
        verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43-128
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        pending = dict(session.get("oidc_pending") or {})
        pending[state] = {"verifier": verifier, "nonce": nonce, "next": next_url, "at": time.time()}
        session["oidc_pending"] = dict(sorted(pending.items(), key=lambda kv: kv[1]["at"])[-MAX_PENDING:])
        return self.client().auth_url(
            redirect_uri=self.redirect_uri,
            scope="openid profile",
            state=state,
            nonce=nonce,
            code_challenge=challenge,
            code_challenge_method="S256",
        )

    def finish(self, args) -> tuple[Principal, str]:
        """Exchange the code (with the PKCE verifier), verify the tokens, open the session."""
        pending = dict(session.get("oidc_pending") or {})
        attempt = pending.pop(args.get("state", ""), None)
        session["oidc_pending"] = pending
        if attempt is None or time.time() - attempt["at"] > 600:
            raise SignInFailed("this sign-in link has expired; please sign in again")
        if args.get("error"):
            raise SignInFailed(args.get("error_description") or args["error"])
        try:
            tokens = self.client().token(
                grant_type="authorization_code",
                code=args.get("code", ""),
                redirect_uri=self.redirect_uri,
                code_verifier=attempt["verifier"],
            )
        except (KeycloakError, RequestException) as exc:
            log.warning("sign-in code exchange failed: %s", type(exc).__name__)
            raise SignInFailed("the identity provider refused the sign-in; please try again") from exc
        verifier = current_app.extensions["token_verifier"]
        try:
            id_claims = verifier.id_token_claims(
                tokens.get("id_token", ""), client_id=self.client_id, nonce=attempt["nonce"]
            )
            principal = verifier.principal(tokens["access_token"])
        except (Unauthenticated, KeyError) as exc:
            raise SignInFailed("the identity provider's tokens did not verify") from exc
        if id_claims.get("sub") != principal.subject:
            raise SignInFailed("the ID token and the access token name different users")
        keep = {k: session[k] for k in ("oidc_pending",) if k in session}
        session.clear()
        current_app.session_interface.regenerate(session)  # a new id: no session fixation
        session.update(keep)
        now = time.time()
        session["auth"] = {"login_at": now, "last_active": now, "username": principal.username}
        self._store(tokens, now)
        return principal, attempt["next"]

    def _store(self, tokens: dict[str, Any], now: float) -> None:
        auth = dict(session["auth"])
        auth.update(
            access_token=tokens["access_token"],
            access_exp=now + int(tokens.get("expires_in") or 60),
            refresh_token=tokens.get("refresh_token") or auth.get("refresh_token"),
            id_token=tokens.get("id_token") or auth.get("id_token"),
        )
        session["auth"] = auth

    def principal(self) -> Principal | None:
        """The signed-in user of this request (refreshing tokens when due), else None."""
        if "web_principal" in g:
            return g.web_principal
        g.web_principal = None
        auth = session.get("auth")
        if not auth:
            return None
        now = time.time()
        if now - auth["login_at"] > self.max_age or now - auth["last_active"] > self.idle:
            self.end_local(expired=True)
            return None
        if auth["access_exp"] - REFRESH_MARGIN < now:
            try:
                self._store(self.client().refresh_token(auth["refresh_token"]), now)
            except (KeycloakError, RequestException) as exc:
                log.info("web session ended: token refresh failed (%s)", type(exc).__name__)
                self.end_local(expired=True)
                return None
        try:
            principal = current_app.extensions["token_verifier"].principal(session["auth"]["access_token"])
        except Unauthenticated:
            self.end_local(expired=True)
            return None
        if POLL_HEADER not in request.headers and now - auth["last_active"] > ACTIVITY_GRANULARITY:
            session["auth"] = {**session["auth"], "last_active": now}
        use_principal(principal)  # the API's current_principal() and enter_tenant() see it
        g.web_principal = principal
        return principal

    def end_local(self, *, expired: bool = False) -> None:
        session.clear()
        g.web_principal = None
        g.session_expired = expired

    def end(self) -> str:
        """Sign out: end the IdP session, then this one; where to send the browser."""
        auth = session.get("auth") or {}
        if auth.get("refresh_token"):
            try:
                self.client().logout(auth["refresh_token"])
            except (KeycloakError, RequestException) as exc:
                log.info("IdP logout answered %s; ending the local session anyway", type(exc).__name__)
        self.end_local()
        params = {"post_logout_redirect_uri": self.after_logout, "client_id": self.client_id}
        if auth.get("id_token"):
            params["id_token_hint"] = auth["id_token"]
        try:
            endpoint = self.client().well_known()["end_session_endpoint"]
        except (KeycloakError, RequestException, KeyError):
            return self.after_logout
        return f"{endpoint}?{urlencode(params)}"


def signin() -> WebSignIn:
    return current_app.extensions["web_signin"]


def current_web_principal() -> Principal | None:
    return signin().principal()


def home_for(principal: Principal) -> str | None:
    """The area a signed-in user works in, by the permission matrix (``web.*``)."""
    for permission, endpoint, needs_city in AREAS:
        if allowed(principal, permission) and (principal.tenant or not needs_city):
            return url_for(endpoint)
    return None


def safe_next(value: str | None) -> str:
    """Only a path on this site (never ``//host`` or a scheme) is a place to go back to."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def login_redirect():
    """Send the browser to sign in, then back here; htmx gets a full-page redirect."""
    target = url_for("signin.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if request.headers.get("HX-Request"):
        return "", 401, {"HX-Redirect": target}
    return redirect(target)


# -- the blueprint ----------------------------------------------------------------------------
blp = Blueprint("signin", __name__, url_prefix="/auth")
blp.after_request(secure_headers)


@blp.before_request
def _csrf():
    if request.method == "POST":
        csrf.protect()


@blp.get("/login")
def login():
    next_url = safe_next(request.args.get("next"))
    principal = current_web_principal()
    if principal is not None:
        return redirect(next_url if next_url != "/" else (home_for(principal) or "/"))
    return redirect(signin().start(next_url))


@blp.get("/callback")
def callback():
    try:
        principal, next_url = signin().finish(request.args)
    except SignInFailed as exc:
        return render_template("front.html", signin_error=str(exc), **_front_context()), 400
    use_principal(principal)
    if next_url == "/":
        next_url = home_for(principal) or "/"
    return redirect(next_url)


@blp.post("/logout")
def logout():
    if not session.get("auth"):
        return redirect("/")
    return redirect(signin().end())


def _front_context() -> dict[str, Any]:
    from .front import front_context

    return front_context()


def init_app(app: Flask, settings) -> None:
    app.extensions["web_signin"] = WebSignIn(app, settings)
