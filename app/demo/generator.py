"""Synthetic 12345 traffic for a demo city: realistic texts, rhythms, waves, repeats, lifecycles.

Pure and deterministic for a seed: no database. Callers supply how deadlines and dispatch
are decided (the seeder passes the city's own SLA and dispatch rules).
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).parent / "data"
CATALOG = Path(__file__).parent.parent / "catalog" / "data"

CHANNELS = [
    ("phone", 60),
    ("wechat", 10),
    ("app", 8),
    ("web", 8),
    ("miniprogram", 6),
    ("sms", 4),
    ("mailbox", 3),
    ("110", 1),
]
# Calls per hour of day (local), shaped like a city hotline: morning and afternoon peaks, quiet nights.
HOURLY = [
    1,
    0.6,
    0.4,
    0.3,
    0.3,
    0.5,
    1.2,
    3,
    6,
    8,
    8.5,
    7,
    5,
    5.5,
    7.5,
    8,
    7.5,
    6.5,
    5,
    4.5,
    4,
    3.2,
    2.4,
    1.6,
]
WEEKDAY = [1.0, 0.97, 0.95, 0.95, 0.92, 0.62, 0.55]  # Monday .. Sunday
SEASONS = {"winter": (11, 12, 1, 2, 3), "summer": (6, 7, 8), "spring": (3, 4, 5), "autumn": (9, 10, 11)}
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
]

Deadline = Callable[[datetime, str, str], tuple[datetime, datetime | None]]
Route = Callable[[str, str | None], tuple[str | None, list[str]]]


@dataclass
class Step:
    at: datetime
    action: str
    actor: str
    data: dict = field(default_factory=dict)


@dataclass
class SyntheticOrder:
    created_at: datetime
    channel: str
    appeal_type: str
    category_code: str
    urgency: str
    title: str
    content: str
    caller_name: str | None
    caller_phone: str | None
    address: str
    district_code: str | None
    confidential: bool
    status: str = "received"
    lead: str | None = None
    assists: list[str] = field(default_factory=list)
    due_at: datetime | None = None
    warn_at: datetime | None = None
    steps: list[Step] = field(default_factory=list)
    dispatched_at: datetime | None = None
    accepted_at: datetime | None = None
    replied_at: datetime | None = None
    closed_at: datetime | None = None
    reply: str | None = None
    outcome: str | None = None
    resolution: str | None = None
    direct_closure: bool = False
    satisfaction: str | None = None
    resolved: bool | None = None
    callback_at: datetime | None = None
    reopen_count: int = 0
    return_count: int = 0
    transferred_to: str | None = None
    merge_into: SyntheticOrder | None = None  # a duplicate merged (并单) into an earlier open order

    def order_fields(self, created_by: str) -> dict:
        """The ``Order`` columns copied as they are (callers add the phone, number and the rest)."""
        fields = {column: getattr(self, attr) for column, attr in _ORDER_COLUMNS.items()}
        updated = self.steps[-1].at if self.steps else self.created_at
        return fields | {"created_by": created_by, "updated_at": updated, "version": 1 + len(self.steps)}


# Order column -> SyntheticOrder attribute, for ``order_fields``
_SAME_NAME = """status channel appeal_type category_code urgency title content caller_name confidential
address district_code due_at warn_at resolution direct_closure satisfaction resolved callback_at
reopen_count return_count created_at dispatched_at accepted_at replied_at closed_at""".split()  # noqa: SIM905
_RENAMED = {"lead_department": "lead", "reply_content": "reply", "reply_outcome": "outcome"}
_ORDER_COLUMNS = {c: c for c in _SAME_NAME} | _RENAMED


@lru_cache(maxsize=1)
def taxonomy() -> list[dict]:
    majors = json.loads((CATALOG / "categories.json").read_text(encoding="utf-8"))["majors"]
    return [
        dict(m, major=major["code"], major_name=major["name"]) for major in majors for m in major["minors"]
    ]


@lru_cache(maxsize=1)
def corpus() -> dict:
    path = DATA / "appeal_texts.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _weighted(rng: random.Random, pairs):
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights=weights, k=1)[0]


def _season_factor(minor: dict, month: int) -> float:
    season = minor.get("season")
    if not season:
        return 1.0
    return 6.0 if month in SEASONS.get(season, ()) else 0.3


def _texts_for(code: str) -> list[dict]:
    entry = (corpus().get("categories") or {}).get(code) or {}
    return entry.get("texts") or []


class _Filler(dict):
    """Fill {placeholders} from the corpus pools; unknown ones become a plausible generic word."""

    def __init__(self, rng: random.Random, pools: dict, city: dict, district: str, at: datetime):
        super().__init__()
        self.rng, self.pools, self.city, self.district, self.at = rng, pools, city, district, at

    def __missing__(self, key: str) -> str:
        value = self._pick(key)
        self[key] = value  # the same place or company everywhere in one appeal
        return value

    def _pick(self, key: str) -> str:
        if key == "district":
            return self.district
        if key == "city":
            return self.city["name"]
        if key == "date":  # a few days before the call
            day = (self.at - timedelta(days=self.rng.randint(1, 20))).astimezone(LOCAL)
            return f"{day.month}月{day.day}日"
        if key == "time":
            part = self.rng.choice(["早上", "上午", "中午", "下午", "晚上", "夜里"])
            return f"{part}{self.rng.randint(1, 11)}点"
        if key == "amount":
            return str(self.rng.choice([800, 1500, 2300, 3600, 4800, 12000, 35000]))
        pool = self.pools.get(key) or self.pools.get(key + "s")
        if pool:
            return self.rng.choice(pool)
        return {"community": "幸福小区", "road": "建设路", "company": "某公司", "school": "实验小学"}.get(
            key, ""
        )


def _fill(template: str, filler: _Filler) -> str:
    names = [n for _, n, _, _ in string.Formatter().parse(template) if n]
    return template.format_map({n: filler[n] for n in names})


def _instant(rng: random.Random, now: datetime, days: int) -> datetime:
    while True:
        # Most history is old and closed; a fresh tail is the backlog still in progress.
        span = days if rng.random() < 0.75 else min(days, 10)
        day = (now - timedelta(days=rng.random() * span)).astimezone(LOCAL)
        if rng.random() > WEEKDAY[day.weekday()]:
            continue
        hour = _weighted(rng, list(enumerate(HOURLY)))
        at = day.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0)
        if at.astimezone(UTC) < now:
            return at.astimezone(UTC)


def _phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def _name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    return surname + rng.choice(["先生", "女士", "先生", "女士", "师傅", "阿姨"])


def _after(at: datetime, hours_lo: float, hours_hi: float, rng: random.Random) -> datetime:
    return at + timedelta(hours=rng.uniform(hours_lo, hours_hi))


def generate(
    city: dict,
    n: int,
    *,
    now: datetime,
    deadline: Deadline,
    route: Route,
    days: int = 120,
    seed: int = 12345,
    district_codes: dict[str, str] | None = None,
) -> Iterator[SyntheticOrder]:
    """Yield ``n`` orders of ``city`` received over the last ``days`` days, each simulated up to ``now``."""
    rng = random.Random(f"{city['slug']}:{seed}")
    minors = taxonomy()
    pools = corpus().get("fill", {})
    callers: list[tuple[str, str]] = []
    recent: list[SyntheticOrder] = []
    districts = city.get("districts") or ["市辖区"]
    codes = district_codes or {}
    for _ in range(n):
        at = _instant(rng, now, days)
        month = at.astimezone(LOCAL).month
        minor = rng.choices(minors, weights=[_season_factor(m, month) for m in minors], k=1)[0]
        district = rng.choice(districts)
        filler = _Filler(rng, pools, city, district, at)
        texts = _texts_for(minor["code"])
        if texts:
            chosen = rng.choice(texts)
            content = _fill(chosen.get("content") or chosen.get("text", ""), filler)
            title = _fill(chosen.get("title") or minor["name"], filler)
        else:
            content = f"{district}{filler['community']}反映{minor['name']}问题，希望有关部门尽快处理。"
            title = f"反映{minor['name']}问题"
        # Repeat callers (重复来电) and duplicate appeals (同一事项多人反映).
        if callers and rng.random() < 0.15:
            caller_name, phone = rng.choice(callers[-200:])
        else:
            caller_name, phone = _name(rng), _phone(rng)
            callers.append((caller_name, phone))
        order = SyntheticOrder(
            created_at=at,
            channel=_weighted(rng, CHANNELS),
            appeal_type=minor.get("appeal_type") or "complaint",
            category_code=minor["code"],
            urgency="urgent" if rng.random() < 0.04 else "normal",
            title=title[:200],
            content=content,
            caller_name=None if rng.random() < 0.05 else caller_name,
            caller_phone=phone,
            address=f"{district}{filler['community']}",
            district_code=codes.get(district),
            confidential=minor.get("appeal_type") == "report" and rng.random() < 0.5,
        )
        twin = None
        if recent and rng.random() < 0.05:
            twin = rng.choice(recent[-50:])
            order.category_code, order.address, order.district_code = (
                twin.category_code,
                twin.address,
                twin.district_code,
            )
            order.created_at = min(
                now - timedelta(minutes=5), twin.created_at + timedelta(hours=rng.uniform(1, 72))
            )
        order.due_at, order.warn_at = deadline(order.created_at, order.appeal_type, order.urgency)
        handover = _after(order.created_at, 0.05, 1, rng)
        if twin is not None and twin.status not in ("closed", "merged", "transferred") and handover < now:
            order.status, order.merge_into = "merged", twin
            order.steps.append(Step(handover, "merge", "dispatcher@demo", {}))
        elif rng.random() < 0.015 and handover < now:
            # Police matters and emergencies handed to 110/119/120/122 (12345-110 联动).
            target = _weighted(rng, [("110", 70), ("119", 8), ("120", 12), ("122", 10)])
            order.status, order.transferred_to = "transferred", target
            order.steps.append(Step(handover, "escalate", "agent@demo", {"target": target}))
        else:
            _simulate(order, rng, now, route)
        recent.append(order)
        yield order


def _simulate(o: SyntheticOrder, rng: random.Random, now: datetime, route: Route) -> None:
    """Walk the lifecycle with plausible delays; stop where ``now`` falls."""
    slug_actor = "demo"

    def step(at: datetime, action: str, **data) -> bool:
        if at >= now:
            return False
        o.steps.append(Step(at, action, f"{data.pop('who', 'dispatcher')}@{slug_actor}", data))
        return True

    if (o.appeal_type == "consultation" and rng.random() < 0.7) or rng.random() < 0.08:
        at = _after(o.created_at, 0.02, 0.3, rng)
        if step(at, "close", who="agent", direct=True):
            o.status, o.closed_at, o.direct_closure = "closed", at, True
            o.resolution = "已根据知识库当场解答，诉求人表示清楚。"
            _callback(o, rng, now, step)
        return
    lead, assists = route(o.category_code, o.district_code)
    lead = lead or "zjj"
    at = _after(o.created_at, 0.1, 2.5, rng)
    if not step(at, "dispatch", lead=lead, assists=assists):
        return
    o.status, o.lead, o.assists, o.dispatched_at = "dispatched", lead, assists, at
    if rng.random() < 0.06:  # 退单 and re-dispatch
        at = _after(at, 1, 20, rng)
        if not step(at, "return", who=f"handler.{lead}", reason="不属于本单位职责范围"):
            return
        o.status, o.return_count = "returned", 1
        at = _after(at, 2, 30, rng)  # the dispatcher reviews returns in batches
        lead = "cgj" if lead != "cgj" else "zjj"
        if not step(at, "dispatch", lead=lead, assists=[]):
            return
        o.status, o.lead, o.assists = "dispatched", lead, []
    at = _after(at, 0.3, 10, rng)
    if not step(at, "accept", who=f"handler.{lead}"):
        return
    o.status, o.accepted_at = "in_progress", at
    limit = (o.due_at - o.created_at).total_seconds() / 3600 if o.due_at else 72
    at = _after(at, 2, max(3.0, limit * rng.choice([0.3, 0.5, 0.7, 0.9, 1.2])), rng)
    outcome = _weighted(rng, [("resolved", 70), ("explained", 24), ("unresolved", 6)])
    if not step(at, "reply", who=f"handler.{lead}", outcome=outcome):
        return
    o.status, o.replied_at, o.outcome = "replied", at, outcome
    o.reply = {
        "resolved": "经现场核查，问题已处理完毕，已与诉求人沟通。",
        "explained": "经核实，该事项按现行政策执行，已向诉求人解释说明。",
        "unresolved": "因涉及多方协调，暂无法解决，已向诉求人说明原因。",
    }[outcome]
    at = _after(at, 0.5, 20, rng)
    if not step(at, "close", who="dispatcher"):
        return
    o.status, o.closed_at, o.resolution = "closed", at, "已审核答复，办结。"
    _callback(o, rng, now, step)


def _callback(o: SyntheticOrder, rng: random.Random, now: datetime, step) -> None:
    at = _after(o.closed_at, 16, 40, rng)
    satisfaction = _weighted(rng, [("satisfied", 82), ("basically_satisfied", 11), ("dissatisfied", 7)])
    resolved = satisfaction != "dissatisfied" and (o.outcome != "unresolved")
    if not step(at, "callback", who="agent", satisfaction=satisfaction, resolved=resolved):
        return
    o.satisfaction, o.resolved, o.callback_at = satisfaction, resolved, at
    if satisfaction == "dissatisfied" and rng.random() < 0.6:
        at = _after(at, 1, 8, rng)
        if step(at, "reopen", reason="回访不满意，重办"):
            o.status, o.reopen_count = "reopened", 1
            o.closed_at = None
