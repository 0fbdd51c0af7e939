"""Caller needs (特殊群体) and the agent skills they call for. Pure: no database, no Flask."""

from __future__ import annotations

# Recorded on every order (orders.caller_needs); the seed's Hebei sign-language service,
# Beijing's special-group tagging and Guangzhou's foreign-language line.
NEEDS = (
    "elderly",  # 老年人: always a human agent, never the voice robot
    "disability",
    "sign_language",  # 手语视频
    "hearing_impaired",  # 听障
    "speech_impaired",  # 言语障碍
    "foreign_language",  # 外语 (caller_language says which)
    "dialect",  # 方言
    "minority_language",  # 少数民族语言
    "minor",
    "other",
)
SKILLS = ("sign_language", "foreign_language", "dialect", "minority_language", "elderly_care")
# which skill an order with this need must be answered with
NEED_SKILL = {
    "sign_language": "sign_language",
    "hearing_impaired": "sign_language",
    "speech_impaired": "sign_language",
    "foreign_language": "foreign_language",
    "dialect": "dialect",
    "minority_language": "minority_language",
}
HUMAN_ONLY = frozenset({"elderly", "hearing_impaired", "speech_impaired", "sign_language"})


def required_skills(needs: list[str] | tuple[str, ...]) -> list[str]:
    return sorted({NEED_SKILL[n] for n in needs if n in NEED_SKILL})


def needs_human(needs: list[str] | tuple[str, ...]) -> bool:
    """Elderly and impaired callers go to a person (人工优先), not to self-service or a robot."""
    return bool(HUMAN_ONLY & set(needs))
