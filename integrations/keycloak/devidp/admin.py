"""The slice of Keycloak's admin REST API that KeycloakAdmin uses at provisioning.

``/idp/admin/realms/<realm>/users|groups|roles|group-by-path``. As in Keycloak, the caller
presents a token of this realm whose ``realm-management`` client roles allow the call:
reading needs ``view-users`` (or ``query-users`` / ``query-groups`` for the lists), changing
needs ``manage-users``. Only the provisioning service account and ``province_admin`` (a
composite of those roles in the realm file) have them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from . import current_idp
from .admin_access import MANAGE, READ_GROUPS, READ_USERS, AdminError, needs
from .store import Conflict

blp = Blueprint("devidp_admin", __name__, url_prefix="/idp/admin/realms/<realm>")


@blp.errorhandler(AdminError)
def _admin_error(exc: AdminError):
    key = "errorMessage" if exc.status in (400, 409) else "error"
    return jsonify({key: exc.message}), exc.status


@blp.url_value_preprocessor
def _check_realm(endpoint, values):
    if (values or {}).pop("realm", None) != current_idp().realm.name:
        abort(Response('{"error":"Realm not found."}', 404, mimetype="application/json"))


def _flag(name: str) -> bool | None:
    value = request.args.get(name)
    return None if value is None else value.lower() == "true"


def _int(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError as exc:
        raise AdminError(400, f"invalid {name}") from exc


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise AdminError(400, "a JSON object is required")
    return body


def _created(kind: str, new_id: str) -> Response:
    resp = Response(status=201)
    resp.headers["Location"] = (
        f"{current_idp().server_url}/admin/realms/{current_idp().realm.name}/{kind}/{new_id}"
    )
    return resp


def _no_content() -> Response:
    return Response(status=204)


# -- users -------------------------------------------------------------------------------------


def user_rep(user: dict[str, Any], brief: bool = False) -> dict[str, Any]:
    rep = user.get("rep") or {}
    out = {
        "id": user["id"],
        "username": user["username"],
        "enabled": user["enabled"],
        "emailVerified": bool(rep.get("emailVerified")),
        "createdTimestamp": int(user["created_at"].timestamp() * 1000),
        "totp": False,
        "disableableCredentialTypes": [],
        "requiredActions": [],
        "notBefore": 0,
    }
    for key in ("firstName", "lastName", "email"):
        if rep.get(key):
            out[key] = rep[key]
    if not brief:
        out["attributes"] = rep.get("attributes") or {}
        out["access"] = {"manage": True, "impersonate": False, "mapRoles": True, "view": True}
    return out


def _user_or_404(user_id: str, *, service_ok: bool = False) -> dict[str, Any]:
    """A user by id; service-account users only where Keycloak reaches them (role mappings)."""
    user = current_idp().store.user(id=user_id)
    if user is None or (user.get("service_client") and not service_ok):
        raise AdminError(404, "User not found")
    return user


def _query_attributes() -> dict[str, str]:
    """``q=tenant:shijiazhuang department:zjj`` (Keycloak's attribute search)."""
    out = {}
    for part in request.args.get("q", "").split():
        key, sep, value = part.partition(":")
        if sep and key:
            out[key] = value
    return out


def _search_users(**extra: Any) -> list[dict[str, Any]]:
    return current_idp().store.find_users(
        username=request.args.get("username"),
        exact=bool(_flag("exact")),
        search=request.args.get("search"),
        attributes=_query_attributes(),
        enabled=_flag("enabled"),
        first=_int("first", 0),
        limit=_int("max", 100),
        **extra,
    )


@blp.get("/users")
@needs(READ_USERS)
def list_users():
    brief = bool(_flag("briefRepresentation"))
    return jsonify([user_rep(u, brief) for u in _search_users()])


@blp.get("/users/count")
@needs(READ_USERS)
def count_users():
    return jsonify(len(current_idp().store.find_users(limit=1000)))


def _group_ids(paths: list[str]) -> list[str]:
    ids = []
    for path in paths:
        group = current_idp().store.group(name=path.strip("/"))
        if group is None:
            raise AdminError(400, f"Group {path} not found")
        ids.append(group["id"])
    return ids


@blp.post("/users")
@needs(MANAGE)
def create_user():
    body = _body()
    username = str(body.get("username") or "").strip()
    if not username:
        raise AdminError(400, "User name is missing")
    try:
        new_id = current_idp().store.create_user(
            {**body, "username": username}, _group_ids(body.get("groups") or [])
        )
    except Conflict as exc:
        raise AdminError(409, str(exc)) from exc
    return _created("users", new_id)


@blp.get("/users/<user_id>")
@needs(READ_USERS)
def get_user(user_id: str):
    return jsonify(user_rep(_user_or_404(user_id)))


@blp.put("/users/<user_id>")
@needs(MANAGE)
def update_user(user_id: str):
    _user_or_404(user_id)
    body = _body()
    if body.get("username") and body["username"].lower() != _user_or_404(user_id)["username"]:
        raise AdminError(400, "error-user-attribute-read-only: username")
    current_idp().store.update_user(user_id, body)
    return _no_content()


@blp.delete("/users/<user_id>")
@needs(MANAGE)
def delete_user(user_id: str):
    _user_or_404(user_id)
    current_idp().store.delete_user(user_id)
    return _no_content()


@blp.put("/users/<user_id>/reset-password")
@needs(MANAGE)
def reset_password(user_id: str):
    _user_or_404(user_id)
    value = _body().get("value")
    if not value:
        raise AdminError(400, "Password is missing")
    current_idp().store.set_password(user_id, str(value))
    return _no_content()


@blp.get("/users/<user_id>/groups")
@needs(READ_USERS)
def user_groups(user_id: str):
    user = _user_or_404(user_id)
    return jsonify([group_rep(g) for g in current_idp().store.groups(ids=list(user["groups"]))])


@blp.route("/users/<user_id>/groups/<group_id>", methods=["PUT", "DELETE"])
@needs(MANAGE)
def user_group(user_id: str, group_id: str):
    _user_or_404(user_id)
    _group_or_404(group_id)
    store = current_idp().store
    (store.add_to_group if request.method == "PUT" else store.remove_from_group)(user_id, group_id)
    return _no_content()


@blp.get("/users/<user_id>/role-mappings")
@needs(READ_USERS)
def user_role_mappings(user_id: str):
    user = _user_or_404(user_id, service_ok=True)
    return jsonify({"realmMappings": _role_reps(user["realm_roles"])})


@blp.route("/users/<user_id>/role-mappings/realm", methods=["GET", "POST", "DELETE"])
def user_realm_roles(user_id: str):
    if request.method == "GET":
        return needs(READ_USERS)(
            lambda: jsonify(_role_reps(_user_or_404(user_id, service_ok=True)["realm_roles"]))
        )()
    return needs(MANAGE)(lambda: _change_roles(user_id))()


def _change_roles(user_id: str) -> Response:
    _user_or_404(user_id, service_ok=True)
    body = request.get_json(silent=True)
    if not isinstance(body, list):
        raise AdminError(400, "a JSON list of roles is required")
    idp = current_idp()
    names = [r.get("name") if isinstance(r, dict) else None for r in body]
    for name in names:
        if not name or idp.realm.role_rep(name) is None:
            raise AdminError(404, "Role not found")
    for name in names:
        (idp.store.grant_realm_role if request.method == "POST" else idp.store.revoke_realm_role)(
            user_id, name
        )
    return _no_content()


# -- roles ---------------------------------------------------------------------------------------


def _role_reps(names: list[str]) -> list[dict[str, Any]]:
    realm = current_idp().realm
    return [rep for rep in (realm.role_rep(n) for n in names) if rep is not None]


@blp.get("/roles")
@needs(READ_USERS)
def list_roles():
    return jsonify(_role_reps(list(current_idp().realm.realm_roles)))


@blp.get("/roles/<name>")
@needs(READ_USERS)
def get_role(name: str):
    rep = current_idp().realm.role_rep(name)
    if rep is None:
        raise AdminError(404, "Could not find role")
    return jsonify(rep)


# -- groups --------------------------------------------------------------------------------------


def group_rep(group: dict[str, Any], brief: bool = False) -> dict[str, Any]:
    out = {
        "id": group["id"],
        "name": group["name"],
        "path": "/" + group["name"],
        "subGroupCount": 0,
        "subGroups": [],
        "realmRoles": [],
        "clientRoles": {},
        "access": {"view": True, "manage": True, "manageMembership": True},
    }
    if not brief:
        out["attributes"] = group.get("attributes") or {}
    return out


def _group_or_404(group_id: str) -> dict[str, Any]:
    group = current_idp().store.group(id=group_id)
    if group is None:
        raise AdminError(404, "Could not find group by id")
    return group


@blp.get("/groups")
@needs(READ_GROUPS)
def list_groups():
    brief = _flag("briefRepresentation") is not False
    groups = current_idp().store.groups(search=request.args.get("search"), exact=bool(_flag("exact")))
    first, limit = max(_int("first", 0), 0), max(_int("max", 100), 0)
    return jsonify([group_rep(g, brief) for g in groups[first : first + limit]])


@blp.get("/groups/count")
@needs(READ_GROUPS)
def count_groups():
    return jsonify({"count": len(current_idp().store.groups())})


@blp.post("/groups")
@needs(MANAGE)
def create_group():
    body = _body()
    name = str(body.get("name") or "").strip()
    if not name or "/" in name:
        raise AdminError(400, "Group name is missing or invalid")
    try:
        new_id = current_idp().store.create_group(name, body.get("attributes") or {})
    except Conflict as exc:
        raise AdminError(409, str(exc)) from exc
    return _created("groups", new_id)


@blp.get("/groups/<group_id>")
@needs(READ_GROUPS)
def get_group(group_id: str):
    return jsonify(group_rep(_group_or_404(group_id)))


@blp.get("/groups/<group_id>/children")
@needs(READ_GROUPS)
def group_children(group_id: str):
    _group_or_404(group_id)
    return jsonify([])


@blp.put("/groups/<group_id>")
@needs(MANAGE)
def update_group(group_id: str):
    _group_or_404(group_id)
    body = _body()
    current_idp().store.update_group(group_id, body.get("name"), body.get("attributes"))
    return _no_content()


@blp.delete("/groups/<group_id>")
@needs(MANAGE)
def delete_group(group_id: str):
    _group_or_404(group_id)
    current_idp().store.delete_group(group_id)
    return _no_content()


@blp.get("/groups/<group_id>/members")
@needs(READ_USERS)
def group_members(group_id: str):
    _group_or_404(group_id)
    brief = bool(_flag("briefRepresentation"))
    return jsonify([user_rep(u, brief) for u in _search_users(group_id=group_id)])


@blp.get("/group-by-path/<path:path>")
@needs(READ_GROUPS)
def group_by_path(path: str):
    group = current_idp().store.group(name=path.strip("/"))
    if group is None or "/" in path.strip("/"):
        raise AdminError(404, "Group path does not exist")
    return jsonify(group_rep(group))
