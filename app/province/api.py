"""``/api/v1/province/...`` (the whole province, province roles) and the city side of the
provincial layer under ``/api/v1/tenants/<tenant>/...`` (KPIs, transfers, supervision answers)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from tenants import current_tenant, db

from ..auth.http import current_principal, requires
from ..errors import NotFound
from ..orders.workflow import OPEN_STATES
from ..rest import Blueprint, responds
from ..tenancy.scope import tenant_blueprint
from . import kpis, queries, supervision, transfers
from .facts import FACT_COLUMNS
from .measures import markdown_table
from .models import Transfer
from .schemas import (
    AnswerIn,
    CityTransferQuery,
    DecisionIn,
    KpiOut,
    KpiQuery,
    OrderFactOut,
    ProvinceOrderQuery,
    ProvinceSuperviseIn,
    SupervisionFactOut,
    SupervisionOut,
    SupervisionQuery,
    TransferAcceptIn,
    TransferOut,
    TransferQuery,
    TransferReasonIn,
)

blp = Blueprint(
    "province",
    __name__,
    url_prefix="/api/v1/province",
    description="Provincial layer (省级): PII-free facts of every city's orders, KPIs, cross-city transfers "
    "(跨市转办) and provincial supervision (省级督办).",
)
city_blp = tenant_blueprint(
    "province_city",
    __name__,
    description="The city side of the provincial layer: this city's KPIs, transfers to and from it, "
    "answers to supervision (督办回复).",
)
KPI_DOC = markdown_table()


def _fact(row: Any) -> dict:
    fact = row.OrderFact
    data = {c: getattr(fact, c) for c in FACT_COLUMNS}
    data["tenant"] = row.tenant
    data["overdue"] = fact.overdue_at is not None and fact.status in OPEN_STATES
    return data


def _transfer(t: Transfer, names: dict[int, str] | None = None) -> dict:
    names = names or transfers.slugs({t.source_tenant_id, t.target_tenant_id})
    data = {c.name: getattr(t, c.name) for c in Transfer.__table__.columns}
    data["source_tenant"] = names.get(t.source_tenant_id)
    data["target_tenant"] = names.get(t.target_tenant_id)
    return data


def _supervision_fact(row: Any) -> dict:
    s = row.SupervisionFact
    data = {c.name: getattr(s, c.name) for c in s.__table__.columns}
    data.update(
        tenant=row.tenant,
        answered=s.answered_at is not None,
        order_status=row.order_status,
        order_overdue=row.order_overdue_at is not None and row.order_status in OPEN_STATES,
    )
    return data


# -- province ----------------------------------------------------------------------------------------
@blp.route("/orders")
class ProvinceOrders(MethodView):
    @requires("province.read")
    @blp.arguments(ProvinceOrderQuery(), location="query")
    @blp.response(200, OrderFactOut(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Every city's orders as PII-free facts, newest first (`overdue=true`: open and overdue now).

        The provincial view of orders: number, city, status, channel, appeal type, category,
        district, departments and deadlines, never a caller's name or phone. Filter by city,
        status, category, channel, lead department, number, dates, overdue and supervised.
        Paginated.
        """
        return [_fact(r) for r in queries.page(queries.orders(args), pagination_parameters)]


@blp.route("/kpis")
class ProvinceKpis(MethodView):
    @requires("province.read")
    @blp.arguments(KpiQuery(), location="query")
    @blp.response(200, KpiOut)
    @blp.doc(summary="Standard hotline KPIs of the whole province", description=KPI_DOC)
    def get(self, args):
        """Standard hotline KPIs of the whole province, optionally grouped."""
        return kpis.compute(args["from_"], args["to"], args.get("group_by"))


@blp.route("/transfers")
class ProvinceTransfers(MethodView):
    @requires("province.read")
    @blp.arguments(TransferQuery(), location="query")
    @blp.response(200, TransferOut(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Cross-city transfers (跨市转办), newest first; `status=disputed` awaits a decision.

        Every transfer of an order from one city to another, with both cities' responses (accepted, sent
        back, disputed, decided). Filter by status and city. Paginated.
        """
        rows = [r.Transfer for r in queries.page(queries.transfers(args), pagination_parameters)]
        names = transfers.slugs()
        return [_transfer(t, names) for t in rows]


@blp.route("/transfers/<int:transfer_id>")
class ProvinceTransfer(MethodView):
    @requires("province.read")
    @blp.response(200, TransferOut)
    def get(self, transfer_id):
        """One transfer with both cities' responses.

        A transfer by id: source and target city, the orders on both sides, reasons, and who decided
        what. 404 for an unknown id.
        """
        t = db.session.get(Transfer, transfer_id)
        if t is None:
            raise NotFound(f"no transfer {transfer_id}")
        return _transfer(t)


@blp.route("/transfers/<int:transfer_id>/decide")
class ProvinceTransferDecision(MethodView):
    @requires("province.decide_transfer")
    @blp.arguments(DecisionIn(), example={"handled_by": "target", "note": "事发地在唐山，由唐山办理"})
    @blp.doc(**responds(409))
    @blp.response(200, TransferOut)
    def post(self, body, transfer_id):
        """Settle a disputed transfer: `handled_by` target or source. 409 unless disputed.

        The province supervisor decides which city handles a disputed transfer: `target` makes the
        target city take it, `source` keeps it with the source city. The decision and note reach both
        cities.
        """
        t = transfers.decide(current_principal(), transfer_id, body["handled_by"], body.get("note"))
        return _transfer(t)


@blp.route("/supervisions")
class ProvinceSupervisions(MethodView):
    @requires("province.read")
    @blp.arguments(SupervisionQuery(), location="query")
    @blp.response(200, SupervisionFactOut(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Manual supervisions (督办) of every city, newest first, with whether the city answered.

        Supervisions opened by city or province supervisors, with the order's current status,
        the response deadline and whether the city has answered. Filter by city, level, answered
        and late answers (`response_overdue`). Paginated.
        """
        return [_supervision_fact(r) for r in queries.page(queries.supervisions(args), pagination_parameters)]

    @requires("province.supervise")
    @blp.arguments(
        ProvinceSuperviseIn(),
        example={
            "tenant": "shijiazhuang",
            "order_id": 1,
            "note": "群众反映强烈，请三日内办结并回复",
            "response_due_at": "2026-12-05T18:00:00+08:00",
        },
    )
    @blp.doc(**responds(404, 409))
    @blp.response(201, SupervisionFactOut)
    def post(self, body):
        """Supervise (省级督办) any city's open order with a note and a response deadline.

        Opens a provincial supervision on an open order of a city: the city sees it on the
        order and answers it. An unknown city or order answers 404, an order in a closed state
        409, a response deadline in the past 422.
        """
        fact = supervision.supervise(
            current_principal(), body["tenant"], body["order_id"], body["note"], body["response_due_at"]
        )
        return {**fact, "order_status": None, "order_overdue": False}


# -- the city side ---------------------------------------------------------------------------------------
@city_blp.route("/kpis")
class CityKpis(MethodView):
    @requires("kpis.read")
    @city_blp.arguments(KpiQuery, location="query")
    @city_blp.response(200, KpiOut)
    @city_blp.doc(summary="The standard hotline KPIs of this city", description=KPI_DOC)
    def get(self, args):
        """The standard hotline KPIs of this city (from the province facts)."""
        return kpis.compute(args["from_"], args["to"], args.get("group_by"), tenant_id=current_tenant().id)


@city_blp.route("/transfers")
class CityTransfers(MethodView):
    @requires("transfers.read")
    @city_blp.arguments(CityTransferQuery, location="query")
    @city_blp.response(200, TransferOut(many=True))
    @city_blp.paginate()
    def get(self, args, pagination_parameters):
        """Transfers to (`direction=in`) and from (`out`) this city; `status=pending` awaits an answer.

        This city's side of cross-city transfers: orders other cities sent here (`in`) and orders it
        sent away (`out`), with their status. Paginated.
        """
        stmt = queries.transfers(args, city=current_tenant().id)
        names = transfers.slugs()
        return [_transfer(r.Transfer, names) for r in queries.page(stmt, pagination_parameters)]


def _transfer_action(name: str, doc: str, run, body_schema=None, example=None) -> None:
    class TransferAction(MethodView):
        @requires("transfers.respond")
        @city_blp.arguments(body_schema or TransferReasonIn, example=example)
        @city_blp.doc(**responds(409))
        @city_blp.response(200, TransferOut)
        def post(self, body, transfer_id):
            t = run(current_principal(), transfer_id, body)
            db.session.commit()
            return _transfer(t)

    TransferAction.post.__doc__ = doc
    TransferAction.__name__ = "Transfer" + "".join(p.title() for p in name.split("-"))
    city_blp.route(f"/transfers/<int:transfer_id>/{name}", endpoint=f"transfer_{name.replace('-', '_')}")(
        TransferAction
    )


_transfer_action(
    "accept",
    "The target city takes the transferred order (接收). 409 unless pending.\n\n"
    "The order that arrived with the transfer (already here, in `received`) is confirmed as this "
    "city's to handle, and the source city is told. 404 for a transfer not addressed to this city.",
    lambda p, tid, body: transfers.accept(p, tid),
    TransferAcceptIn,
    {},
)
_transfer_action(
    "send-back",
    "The target city sends the order back with a reason (退回).\n\n"
    "The source city gets its order back as `returned` and may dispute the send-back (the "
    "province then decides). 409 unless pending, or once the target has started handling it.",
    lambda p, tid, body: transfers.send_back(p, tid, body["reason"]),
    example={"reason": "事发地不在本市辖区，请核实地址"},
)
_transfer_action(
    "dispute",
    "The source city disputes a send-back; a province_supervisor decides.\n\n"
    "Only a sent-back transfer that reached the source city can be disputed, and only while the "
    "source has not started handling the order again (409 otherwise).",
    lambda p, tid, body: transfers.dispute(p, tid, body["reason"]),
    example={"reason": "经核实事发地在贵市路南区，请予办理"},
)


@city_blp.route("/orders/<int:order_id>/supervisions")
class OrderSupervisions(MethodView):
    @requires("orders.read")
    @city_blp.response(200, SupervisionOut(many=True))
    def get(self, order_id):
        """Supervision records (督办) of an order, with notes and answers.

        Every supervision of this order, automatic (overdue) or manual (city or province), with its
        note, response deadline and the city's answer.
        """
        return supervision.for_order(current_principal(), order_id)


@city_blp.route("/orders/<int:order_id>/supervisions/<int:supervision_id>/answer")
class SupervisionAnswer(MethodView):
    @requires("supervision.answer")
    @city_blp.arguments(AnswerIn, example={"answer": "已督促住建局责令施工单位停工，12月3日前回复市民"})
    @city_blp.doc(**responds(409))
    @city_blp.response(200, SupervisionOut)
    def post(self, body, order_id, supervision_id):
        """Answer a supervision (督办回复); the province sees it answered. 409 when already answered.

        The city's answer to one supervision of this order; the provincial view shows it answered. 404
        when the supervision does not belong to the order.
        """
        s = supervision.answer(current_principal(), order_id, supervision_id, body["answer"])
        db.session.commit()
        return s
