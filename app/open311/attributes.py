"""Service attributes (GeoReport ``service_definition``): the extra fields some categories need.

A street lamp report is only actionable with the pole and the fault, a heating complaint with the
indoor temperature, a wage arrears case with the employer; agents ask for these on the phone, so
third-party apps ask for them too. The values arrive as ``attribute[<code>]`` form fields, are
checked against the definition (required, datatype, list keys) and are written into the order's
content as labelled lines, where the desk and the department read them. See docs/open311.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .render import Open311Error, parse_dt


@dataclass(frozen=True)
class Attribute:
    code: str
    description: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    required: bool = False
    datatype_description: str | None = None
    values: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (key, name) for lists

    def as_spec(self, order: int) -> dict:
        return {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": order,
            "description": self.description,
            "values": [{"key": k, "name": n} for k, n in self.values],
        }


def _list(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(i), n) for i, n in enumerate(names, start=1))


BY_CATEGORY: dict[str, tuple[Attribute, ...]] = {
    "0202": (  # 路灯照明
        Attribute(
            "fault",
            "路灯故障 lamp fault",
            "singlevaluelist",
            True,
            values=_list("不亮", "白天常亮", "闪烁", "灯杆倾倒或破损"),
        ),
        Attribute(
            "pole_number",
            "灯杆编号 pole number (on the pole's plate)",
            "string",
            datatype_description="例如 LD-0231",
        ),
    ),
    "0403": (  # 供暖
        Attribute(
            "indoor_temperature", "室内温度 indoor temperature (°C)", "number", True, "a number, e.g. 16.5"
        ),
        Attribute(
            "heating_type",
            "供暖方式 heating type",
            "singlevaluelist",
            True,
            values=_list("集中供暖", "小区锅炉", "自采暖"),
        ),
        Attribute(
            "since",
            "从何时开始 since when",
            "datetime",
            datatype_description="W3C datetime, e.g. 2026-12-01T20:00:00+08:00",
        ),
    ),
    "0502": (  # 社会生活噪声
        Attribute(
            "source",
            "噪声来源 noise source",
            "multivaluelist",
            True,
            values=_list("广场舞", "商铺音响", "装修", "宠物", "其他"),
        ),
        Attribute(
            "period",
            "发生时段 when it happens",
            "singlevaluelist",
            values=_list("白天", "夜间（22时至次日6时）", "全天"),
        ),
    ),
    "0405": (  # 供电
        Attribute(
            "scope",
            "停电范围 outage scope",
            "singlevaluelist",
            True,
            values=_list("本户", "整栋楼", "整个小区或片区"),
        ),
        Attribute("account_number", "电费户号 electricity account number", "string"),
    ),
    "0701": (  # 拖欠工资
        Attribute("employer", "用人单位名称 employer", "string", True),
        Attribute("workers", "涉及人数 workers concerned", "number", True, "a whole number"),
        Attribute("amount", "拖欠金额（元） amount owed (yuan)", "number"),
    ),
}

MAX_VALUE = 200


def definition(code: str) -> list[dict]:
    return [a.as_spec(i) for i, a in enumerate(BY_CATEGORY.get(code, ()), start=1)]


def has_attributes(code: str) -> bool:
    return code in BY_CATEGORY


def collect(code: str, form) -> list[str]:
    """The labelled lines for the order's content, from ``attribute[<code>]`` fields (400 if bad).

    ``form`` is the request's MultiDict: a multivaluelist repeats its field once per key.
    """
    lines = []
    known = BY_CATEGORY.get(code, ())
    names = {a.code for a in known}
    for key in form:
        if key.startswith("attribute[") and key.endswith("]") and key[10:-1] not in names:
            raise Open311Error(400, f"{key} is not an attribute of service_code {code}")
    for attr in known:
        raw = [v.strip() for v in form.getlist(f"attribute[{attr.code}]") if v.strip()]
        if not raw:
            if attr.required:
                raise Open311Error(400, f"attribute[{attr.code}] is required for service_code {code}")
            continue
        lines.append(f"{attr.description.split(' ')[0]}：{_shown(attr, raw)}")
    return lines


def _shown(attr: Attribute, raw: list[str]) -> str:
    name = f"attribute[{attr.code}]"
    if attr.datatype != "multivaluelist" and len(raw) > 1:
        raise Open311Error(400, f"{name} takes one value")
    if any(len(v) > MAX_VALUE for v in raw):
        raise Open311Error(400, f"{name} is longer than {MAX_VALUE} characters")
    if attr.datatype in ("singlevaluelist", "multivaluelist"):
        names = dict(attr.values)
        unknown = [v for v in raw if v not in names]
        if unknown:
            raise Open311Error(400, f"{name}: {unknown[0]!r} is not one of {', '.join(names)}")
        return "、".join(names[v] for v in raw)
    value = raw[0]
    if attr.datatype == "number":
        try:
            number = float(value)
        except ValueError as exc:
            raise Open311Error(400, f"{name} must be a number") from exc
        if number != number or abs(number) > 1e9:  # NaN or absurd
            raise Open311Error(400, f"{name} is out of range")
    elif attr.datatype == "datetime":
        parse_dt(value, name)
    return value
