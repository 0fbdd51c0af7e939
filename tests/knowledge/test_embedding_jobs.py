"""Embedding runs in real rq workers: enqueued after the commit that writes an article, again
for a new version, by the periodic catch-up, and by ``flask kb embed``; a failed job fails."""

from __future__ import annotations

from rq.job import Job, JobStatus
from sqlalchemy import select

from app.extensions import redis_client
from app.jobs import enqueue, queue
from app.knowledge import embedding, service
from app.knowledge.models import CityEmbedding, ProvinceEmbedding
from tenants import db, tenant_context
from tests.knowledge.test_workflow import EDIT_CITY, EDIT_PROV, clean, fields  # noqa: F401
from tests.support.workers import burst_worker


def vectors(model) -> dict[int, int]:
    return dict(db.session.execute(select(model.article_id, model.version)).all())


def run_worker(services) -> None:
    result = burst_worker(services, "embeddings", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_jobs_embed_new_and_edited_articles(services, clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        city = service.create(EDIT_CITY, province=False, **fields(title="楼上漏水谁来修"))
        province = service.create(EDIT_PROV, province=True, **fields(title="供暖不热怎么报修"))
        assert vectors(CityEmbedding) == {}  # nothing is embedded in the request's own work
        db.session.commit()
    run_worker(services)
    with tenant_context("shijiazhuang"):
        assert vectors(CityEmbedding) == {city.id: 1}
        assert vectors(ProvinceEmbedding) == {province.id: 1}
        service.update(EDIT_CITY, city.id, province=False, content="由物业协调维修。")
        db.session.commit()
    run_worker(services)
    with tenant_context("shijiazhuang"):
        assert vectors(CityEmbedding) == {city.id: 2}
    with tenant_context("tangshan"):
        assert vectors(CityEmbedding) == {}


def test_catch_up_and_backfill_embed_what_is_missing(services, cli, clean):  # noqa: F811
    with tenant_context("shijiazhuang"):
        rows = service.create_many(EDIT_CITY, [fields(), fields(), fields()], province=False)
        db.session.commit()
        ids = {r.id: 1 for r in rows}
        queue("embeddings").empty()  # the jobs were lost: the catch-up finds the work
        assert embedding.missing(False) == sorted(ids)
    redis_client.conn.delete(
        "hotline:kb-embed:province", "hotline:kb-embed:shijiazhuang", "hotline:kb-embed:tangshan"
    )
    assert embedding.catch_up_all() >= 3  # the province base and every city
    run_worker(services)
    with tenant_context("shijiazhuang"):
        assert vectors(CityEmbedding) == ids
        db.session.execute(CityEmbedding.__table__.delete())
        db.session.commit()
    result = cli.invoke(args=["kb", "embed", "--tenant", "shijiazhuang", "--no-province"])
    assert result.exit_code == 0 and "shijiazhuang: 3 article(s) embedded" in result.output, result.output
    with tenant_context("shijiazhuang"):
        assert vectors(CityEmbedding) == ids
    result = cli.invoke(args=["kb", "embed", "--tenant", "nowhere"])
    assert result.exit_code == 2 and "nowhere" in result.output


def test_a_failed_embedding_job_is_recorded_not_swallowed(services, clean):  # noqa: F811
    job = enqueue(
        embedding.embed, ["not-an-id"], province=True, queue_name="embeddings", tenant=None, retry=None
    )
    run_worker(services)
    job = Job.fetch(job.id, connection=redis_client.conn)
    assert job.get_status() == JobStatus.FAILED
    assert "knowledge/embedding.py" in (job.latest_result().exc_string or "")  # its own traceback
