"""The left navigation of an area: groups of links, each shown only to roles that may use it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from app.auth.policy import allowed
from app.auth.principal import Principal


@dataclass(frozen=True)
class Link:
    label: object  # a lazy string
    endpoint: str
    args: tuple[tuple[str, str], ...] = ()
    permission: str | None = None


@dataclass(frozen=True)
class Group:
    title: object
    links: tuple[Link, ...]


def build(groups: tuple[Group, ...], principal: Principal, default_list: str = "all") -> list[dict]:
    """The navigation for this user, the current page marked active."""
    current = (request.endpoint, request.args.get("list") or default_list)
    out = []
    for group in groups:
        items = []
        for link in group.links:
            if link.permission and not allowed(principal, link.permission):
                continue
            args = dict(link.args)
            active = request.endpoint == link.endpoint and (
                not args.get("list") or args["list"] == current[1]
            )
            items.append({"label": link.label, "url": url_for(link.endpoint, **args), "active": active})
        if items:
            out.append({"title": group.title, "items": items})
    return out
