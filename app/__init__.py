"""The application factory: the composition root of the platform."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .config import Settings


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the WSGI app. Embedded services are started here only when URLs are unset."""
    settings = settings or Settings.from_env(**overrides)
    from . import logs

    logs.configure(settings.log_level, settings.log_format)
    _resolve_services(settings)
    settings.resolve_secrets()

    app = Flask(__name__, instance_path=str(settings.instance_path), instance_relative_config=False)
    app.config.update(settings.flask_config())
    app.extensions["settings"] = settings
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from .extensions import api, db
    from .startup import configure_connections

    configure_connections(settings)
    from .rest import converters
    from .rest.openapi import OperationsPlugin

    converters.install(app)
    api.init_app(app, spec_kwargs={"extra_plugins": [OperationsPlugin(app)]})

    from .errors import register_error_handlers

    register_error_handlers(app)
    from . import failover

    logs.init_app(app)
    failover.init_app(app)
    _install_unit_of_work_hooks()
    _register_identity(app, settings)
    _register_blueprints(app, api)
    _register_web(app, settings)
    _register_provisioning()
    _register_channel_adapters(settings)
    _register_emergency(app, api)
    _register_integrations(api)
    _register_outbox_placeholders()
    _register_schedule()
    _register_cli(app)

    @app.teardown_appcontext
    def _end_unit_of_work(exc: BaseException | None) -> None:
        db.remove()

    return app


def _resolve_services(settings: Settings) -> None:
    from . import embedded

    if settings.database_url is None:
        settings.database_url, _ = embedded.ensure_postgres(settings.instance_path)
    if settings.redis_url is None:
        settings.redis_url, _ = embedded.ensure_redis(settings.instance_path)


def _install_unit_of_work_hooks() -> None:
    """Audit chaining and outbox nudges ride on every session's commit."""
    from .audit.service import install as install_audit
    from .outbox.service import install as install_outbox

    install_audit()
    install_outbox()


def _register_identity(app: Flask, settings: Settings) -> None:
    """Token verification (and, without KEYCLOAK_URL, the dev IdP under /idp/)."""
    from keycloak import KeycloakOpenID

    from .auth.tokens import TokenVerifier
    from .config import ConfigError

    server = (settings.keycloak_url or settings.public_url + "/idp").rstrip("/")
    issuer = f"{server}/realms/{settings.keycloak_realm}"
    if settings.keycloak_url:
        client = KeycloakOpenID(
            server_url=server + "/", realm_name=settings.keycloak_realm, client_id=settings.keycloak_audience
        )
        verifier = TokenVerifier(issuer=issuer, audience=settings.keycloak_audience, keycloak=client)
    else:
        if settings.is_production:
            raise ConfigError("the dev IdP never runs in production: set KEYCLOAK_URL")
        from integrations.keycloak.devidp import init_devidp
        from integrations.keycloak.devidp.keys import KeyStore

        keys = KeyStore(settings.instance_path / "idp")
        app.extensions["devidp_keys"] = keys
        init_devidp(app, server_url=server, keys=keys)
        # the in-process JWKS costs a file stat, so an unknown kid is looked up at once (no throttle)
        verifier = TokenVerifier(
            issuer=issuer, audience=settings.keycloak_audience, jwks_provider=keys.jwks, min_refresh=0
        )
    app.extensions["token_verifier"] = verifier
    from integrations.keycloak.clients import register as register_realm_clients

    from .open311.service_accounts import check_principal

    app.extensions["principal_checks"] = [check_principal]  # revoked registry clients: 401 at once
    register_realm_clients(app)  # the registry's service accounts, created in the realm


def _register_blueprints(app: Flask, api) -> None:
    """Plain blueprints first, then the API blueprints (each documented in OpenAPI)."""
    from .calendar.api import city_blp as city_calendar_blp
    from .calendar.api import province_blp as province_calendar_blp
    from .catalog.api import blp as catalog_blp
    from .dispatch.api import blp as dispatch_blp
    from .health.api import blp as health_blp
    from .orders.api import blp as orders_blp
    from .sla.api import blp as sla_blp
    from .tenancy.api import blp as tenants_blp

    app.register_blueprint(health_blp)
    from .open311.api import blp as open311_blp
    from .open311.ratelimit import install as install_limits

    install_limits(app, open311_blp, app.extensions["settings"].redis_url)  # per-client limits
    app.register_blueprint(open311_blp)  # GeoReport v2: its own wire format, outside the OpenAPI
    from .apidocs import init_app as init_apidocs

    init_apidocs(app)
    from .metrics import init_app as init_metrics

    init_metrics(app)
    from .auth.api import blp as me_blp
    from .auth.api import tenant_blp as tenant_me_blp

    for blp in (me_blp, tenant_me_blp):
        api.register_blueprint(blp)
    for blp in (tenants_blp, orders_blp):
        api.register_blueprint(blp)
    for blp in (province_calendar_blp, city_calendar_blp, sla_blp):
        api.register_blueprint(blp)
    for blp in (catalog_blp, dispatch_blp):
        api.register_blueprint(blp)
    from .open311.clients_api import blp as clients_blp
    from .province.api import blp as province_blp
    from .province.api import city_blp as province_city_blp

    for blp in (province_blp, province_city_blp, clients_blp):
        api.register_blueprint(blp)
    from .knowledge.api import city_blp as city_kb_blp
    from .knowledge.api import province_blp as province_kb_blp
    from .knowledge.search_api import blp as kb_search_blp
    from .knowledge.search_api import feedback_blp as kb_feedback_blp
    from .knowledge.search_api import suggest_blp as kb_suggest_blp

    for blp in (province_kb_blp, city_kb_blp, kb_search_blp, kb_suggest_blp, kb_feedback_blp):
        api.register_blueprint(blp)
    from .knowledge import io_api as kb_io
    from .knowledge import validity_api as kb_validity

    for blp in (kb_io.province_blp, kb_io.city_blp, kb_validity.province_blp, kb_validity.city_blp):
        api.register_blueprint(blp)
    from .outbox.api import blp as outbox_blp
    from .outbox.api import city_blp as outbox_city_blp

    for blp in (outbox_blp, outbox_city_blp):
        api.register_blueprint(blp)
    from .triage.api import blp as triage_blp

    api.register_blueprint(triage_blp)
    from .channels import mail  # noqa: F401  (adds /mail to the channels blueprint)
    from .channels.api import blp as channels_blp

    api.register_blueprint(channels_blp)
    from .channels.wechat import blp as wechat_blp

    app.register_blueprint(wechat_blp)  # XML, outside the OpenAPI
    from .channels.web import blp as web_form_blp

    app.register_blueprint(web_form_blp)  # HTML form, outside the OpenAPI
    from .accessibility.api import blp as accessibility_blp

    api.register_blueprint(accessibility_blp)
    from .partners.api import blp as partner_blp

    api.register_blueprint(partner_blp)  # data partners: desensitized data of one city


def _register_web(app: Flask, settings: Settings) -> None:
    """The web areas (admin_portal: /, /desk/, /dept/, /province/) and reply attachments' storage."""
    from .attachments.service import init_app as init_attachments

    init_attachments(app, settings)
    import admin_portal

    admin_portal.init_app(app, settings)


def _register_provisioning() -> None:
    """Steps every new tenant goes through after its schema is migrated, in this order."""
    from tenants.provision import register_step

    from .audit.service import seed_head
    from .dispatch.seed import seed_reference_data
    from .sla.service import seed_policies

    register_step("audit-chain", seed_head)
    register_step("reference-data", seed_reference_data)  # taxonomy, departments, districts, rules
    register_step("sla-policies", seed_policies)

    from integrations.keycloak.provisioning import register as register_identity

    register_identity()  # "identity": the city's IdP group and demo users; dropping disables them
    _register_province()


def _register_province() -> None:
    """Province facts ride on every order change; transfers travel through the outbox."""
    from tenants.provision import register_drop_hook

    from .orders.events import observe
    from .outbox.registry import handles
    from .province import facts, supervision, transfer_receivers, transfers

    observe(facts.observe_order)
    observe(supervision.observe_supervision)
    observe(transfer_receivers.forward_progress)
    handles(transfers.REQUESTED, transfers.on_transfer_requested)
    handles(transfers.REMOTE, transfer_receivers.on_remote)
    register_drop_hook("province-facts", facts.drop_tenant)

    from .exports.service import register as register_export
    from .province.exports import order_table

    register_export("orders", "province.read", order_table)  # background exports (docs/portal.md)


def _register_channel_adapters(settings) -> None:
    """SMS replies to citizens go to the configured gateway (else they wait: placeholder below)."""
    if not settings.sms_gateway_url:
        return
    from integrations import smsgw

    from .channels.service import SMS_REPLY
    from .outbox.registry import handles, routes

    if not (SMS_REPLY in routes() and routes()[SMS_REPLY].has_adapter):  # create_app may run twice
        handles(SMS_REPLY, smsgw.make_handler(settings.sms_gateway_url))


def _register_emergency(app: Flask, api) -> None:
    """110/119/120/122 linkage (docs/integrations.md): escalations and statuses out through the
    outbox to each city's configured platform; incidents and statuses in over signed HTTP."""
    from integrations.emergency import adapter
    from integrations.emergency.api import blp as emergency_in_blp

    from .emergency.api import city_blp, province_blp
    from .emergency.cli import emergency_cli
    from .emergency.outbound import observe_order
    from .orders.events import observe

    adapter.register()  # order.escalated and emergency.status: a city without an endpoint waits
    observe(observe_order)
    for blp in (emergency_in_blp, city_blp, province_blp):
        api.register_blueprint(blp)
    app.cli.add_command(emergency_cli)


def _register_integrations(api) -> None:
    """External departments (utilities) and webhooks: order observers, outbox handlers, their APIs."""
    from integrations import utilities as utility_adapter
    from integrations import webhooks as webhook_adapter
    from integrations.utilities.api import blp as utility_messages_blp

    from .orders.events import observe
    from .outbox.registry import handles
    from .utilities import service as utilities
    from .utilities.api import blp as utilities_blp
    from .webhooks import service as webhooks
    from .webhooks.api import blp as webhooks_blp

    observe(utilities.observe_order)
    handles(utilities.TOPIC, utility_adapter.deliver, writes=False)  # HTTP only: no savepoint
    observe(webhooks.observe_order)
    handles(webhooks.DELIVERY, webhook_adapter.deliver, writes=False)
    for blp in (utilities_blp, utility_messages_blp, webhooks_blp):
        api.register_blueprint(blp)


def _register_outbox_placeholders() -> None:
    """Topics whose adapter does not exist yet: they wait, visible, and never count as delivered.

    An adapter registering its handler (``outbox.registry.handles``) replaces the placeholder.
    """
    from .channels.service import SMS_REPLY
    from .orders import topics
    from .outbox.registry import awaits_adapter

    awaits_adapter(SMS_REPLY, "no SMS gateway configured (SMS_GATEWAY_URL)")
    for topic in (topics.DEADLINE_WARNING, topics.OVERDUE):
        awaits_adapter(topic, "no notice adapter for department {department} yet (SMS, department system)")


def _register_schedule() -> None:
    """Periodic jobs (app.jobs.schedule.every)."""
    from .jobs.schedule import every

    every("app.outbox.service.relay_all", queue="outbox", seconds=30)
    every("app.orders.sweep.sweep_all", queue="sla", seconds=60)
    every("app.audit.service.seal_all", queue="default", seconds=15)
    every("app.province.facts.fold", queue="reports", seconds=5)
    every("app.knowledge.validity.run_daily", queue="default", cron="10 0 * * *")  # 知识有效期
    every("app.knowledge.embedding.catch_up_all", queue="embeddings", seconds=600)  # vectors a job missed
    every("app.exports.service.purge_expired", queue="reports", cron="17 * * * *")  # expired export files


def _register_cli(app: Flask) -> None:
    from tenants.cli import tenants_cli

    from .audit.cli import audit_cli
    from .demo.cli import demo_cli
    from .jobs.cli import scheduler_command, worker_command

    app.cli.add_command(tenants_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_cli)
    from .knowledge.cli import kb_cli

    app.cli.add_command(kb_cli)
    from .province.cli import province_cli

    app.cli.add_command(province_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    from .startup import explain_cli_errors

    explain_cli_errors(app.cli)  # a server that is down or misnamed: one line, no traceback
