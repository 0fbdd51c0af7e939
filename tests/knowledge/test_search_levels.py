"""Keyword search internals that keep it right and cheap at 50,000 articles (docs/knowledge.md,
"Speed"): the AND-then-relaxed levels, term statistics with and without ANALYZE, caches that never
hide a term just written, the ``ranked`` entry point of the bench, and inputs that cannot break it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.knowledge import search, termstats
from tenants import db, tenant_context
from tests.knowledge.test_search import publish
from tests.knowledge.test_workflow import CS, EDIT_CITY, EDIT_PROV, PS, clean, fields  # noqa: F401


def titles(q: str, **kw) -> list[str]:
    return [h["title"] for h in search.keyword_search(q, **kw)]


def test_stricter_levels_first_and_filler_never_blocks(clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        publish(
            EDIT_PROV, PS, True, title="供暖报停办理", content="空置房屋可以申请供暖报停。", keywords=["报停"]
        )
        publish(
            EDIT_PROV, PS, True, title="供暖费缴纳", content="供暖费可以在营业厅缴纳。", keywords=["缴费"]
        )
        db.session.commit()
        # every group matches the first only; the second shares one group: it comes after
        assert titles("暖气报停怎么弄") == ["供暖报停办理", "供暖费缴纳"]
        # words no article holds (老家, 十四五度) and filler (啥, 咋办) do not empty the result
        assert titles("老家房子空着暖气报停咋办啥的十四五度")[0] == "供暖报停办理"
        assert search.query_groups("，。？！ 的 了 吗 才 着") == []
        assert titles("，。？！") == []


def test_a_term_written_just_now_is_found_at_once(clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        assert titles("螺蛳粉商铺") == []  # counted as zero: never remembered
        publish(EDIT_CITY, CS, False, title="螺蛳粉商铺油烟", content="餐饮商铺安装油烟净化设施。")
        db.session.commit()
        assert titles("螺蛳粉商铺") == ["螺蛳粉商铺油烟"]
    with tenant_context("tangshan"):
        assert titles("螺蛳粉商铺") == []  # another city's counts and articles stay apart


def test_term_frequencies_with_and_without_statistics(clean):  # noqa: F811
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for schema in ("province", "t_shijiazhuang"):  # statistics of the empty tables, not of
            conn.execute(text(f"ANALYZE {schema}.kb_articles"))  # what an earlier test left
    termstats.forget()
    with tenant_context("shijiazhuang"):
        for n in range(30):
            extra = ["欠薪"] if n % 3 == 0 else []
            publish(
                EDIT_PROV,
                PS,
                True,
                title=f"工资支付说明{n}",
                content="工资按月支付。",
                keywords=["工资", *extra],
            )
        db.session.commit()
        schemas = ["province", "t_shijiazhuang"]
        df, total = termstats.frequencies(["工资", "欠薪", "不存在的词"], schemas)
        assert df == {"工资": 30, "欠薪": 10, "不存在的词": 0} and total == 30  # counted: no ANALYZE yet
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE province.kb_articles"))
        termstats.forget()
        stats = termstats.table_stats("province")
        assert stats is not None and stats.rows == 30 and stats.shares["工资"] == pytest.approx(1.0)
        df, total = termstats.frequencies(["工资", "欠薪"], schemas)
        assert df["工资"] == pytest.approx(30) and df["欠薪"] == pytest.approx(10, abs=1) and total == 30
    termstats.forget()


def test_ranked_gives_article_keys_per_mode(clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        row = publish(EDIT_CITY, CS, False, title="物业费收费标准", content="物业费按合同约定收取。")
        db.session.commit()
        assert search.ranked("物业费多少钱", mode="keyword") == [("city", row.id)]
        with pytest.raises(ValueError):
            search.ranked("物业费", mode="bm25")
        try:
            from app.knowledge import dense  # noqa: F401
        except ImportError:
            with pytest.raises(search.ModeUnavailable):
                search.ranked("物业费", mode="dense")


@pytest.mark.parametrize(
    "q",
    [
        "'",
        "\\",
        "暖气'不热",
        "&|!():*<->",
        "!暖气",
        "暖气:*",
        "供暖<->室温",
        "\x00",
        "",
        "   ",
        "😀",
        "a" * 600,
    ],
)
def test_any_text_is_a_query(clean, q):  # noqa: F811
    with tenant_context("shijiazhuang"):
        assert isinstance(search.keyword_search(q), list)


def test_reindex_command_segments_every_article_again(app, clean):  # noqa: F811
    """``flask kb reindex``: articles indexed under an older vocabulary are found again."""
    with tenant_context("shijiazhuang"):
        city = publish(
            EDIT_CITY, CS, False, title="楼上漏水怎么处理", content="先与楼上业主协商，可找物业协调。"
        )
        shared = publish(EDIT_PROV, PS, True, title="全省供暖室温标准", content="供暖期卧室温度不低于18℃。")
        db.session.commit()
        city_id, shared_id = city.id, shared.id
        for schema, row in (("t_shijiazhuang", city), ("province", shared)):  # as if indexed with other words
            db.session.execute(
                text(
                    f"UPDATE {schema}.kb_articles SET search_tsv = to_tsvector('simple', 'x') WHERE id = :i"
                ),
                {"i": row.id},
            )
        db.session.commit()
        assert not search.keyword_search("楼上漏水") and not search.keyword_search("供暖室温")
        db.session.rollback()
    result = app.test_cli_runner().invoke(args=["kb", "reindex", "--tenant", "shijiazhuang"])
    assert result.exit_code == 0, result.output
    assert "province: " in result.output and "shijiazhuang: " in result.output
    with tenant_context("shijiazhuang"):
        assert [h["id"] for h in search.keyword_search("楼上漏水")][:1] == [city_id]
        assert shared_id in [h["id"] for h in search.keyword_search("供暖室温")]
    bad = app.test_cli_runner().invoke(args=["kb", "reindex", "--no-province", "--tenant", "atlantis"])
    assert bad.exit_code == 2 and "atlantis" in bad.output
