"""Knowledge API schemas (fields and limits from DOMAIN: Xinyang spec, GB/T 44191)."""

from __future__ import annotations

from marshmallow import fields, validate

from ..calendar.schemas import LocalDateTime
from ..rest import Schema
from .models import MATERIAL_TYPES, STATES

Keyword = fields.String(validate=validate.Length(1, 20))


class ArticleInSchema(Schema):
    title = fields.String(
        required=True, validate=validate.Length(1, 128), metadata={"example": "拖欠工资怎么投诉"}
    )
    category_path = fields.String(
        required=True,
        validate=validate.Length(1, 255),
        metadata={"description": "category path ending at a leaf", "example": "劳动权益/工资支付/拖欠工资"},
    )
    content = fields.String(
        required=True,
        validate=validate.Length(1, 100_000),
        metadata={"example": "可向劳动保障监察机构投诉。"},
    )
    issuing_unit = fields.String(
        required=True, validate=validate.Length(1, 128), metadata={"example": "市人社局"}
    )
    material_type = fields.String(
        required=True, validate=validate.OneOf(MATERIAL_TYPES), metadata={"example": "热点问答"}
    )
    keywords = fields.List(Keyword, validate=validate.Length(max=50), metadata={"example": ["欠薪"]})
    valid_from = fields.Date(allow_none=True, metadata={"example": "2026-01-01"})
    valid_to = fields.Date(allow_none=True, metadata={"example": "2027-12-31"})
    overrides_id = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=2**62),
        metadata={"description": "city only: the province article this one replaces here", "example": None},
    )


class ArticlePatchSchema(ArticleInSchema):
    """Any subset of the fields (``overrides_id`` is fixed at creation)."""

    class Meta(ArticleInSchema.Meta):
        exclude = ("overrides_id",)


class ActionInSchema(Schema):
    reason = fields.String(
        validate=validate.Length(max=1000),
        metadata={"description": "required to reject or withdraw", "example": "来源不明，请补充文件号"},
    )


class ListQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(STATES), metadata={"description": "only this state"})


class ArticleSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    category_path = fields.String(dump_only=True)
    content = fields.String(dump_only=True)
    issuing_unit = fields.String(dump_only=True)
    material_type = fields.String(dump_only=True)
    keywords = fields.List(fields.String(), dump_only=True)
    valid_from = fields.Date(dump_only=True)
    valid_to = fields.Date(dump_only=True)
    state = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    overrides_id = fields.Integer(dump_only=True)
    created_by = fields.String(dump_only=True)
    reviewed_by = fields.String(dump_only=True)
    review_reason = fields.String(dump_only=True)
    reviewed_at = LocalDateTime(dump_only=True)
    updated_at = LocalDateTime(dump_only=True)


class VersionSchema(Schema):
    version = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    diff = fields.String(
        dump_only=True, metadata={"description": "unified diff against the previous version"}
    )
    changed_by = fields.String(dump_only=True)
    changed_at = LocalDateTime(dump_only=True)


class SearchQuerySchema(Schema):
    q = fields.String(
        required=True, validate=validate.Length(1, 200), metadata={"description": "what the caller said"}
    )
    material_type = fields.String(validate=validate.OneOf(MATERIAL_TYPES))
    category = fields.String(
        validate=validate.Length(1, 255), metadata={"description": "a category path prefix"}
    )
    issuing_unit = fields.String(validate=validate.Length(1, 128))
    valid = fields.Boolean(
        load_default=True, metadata={"description": "false: include expired validity dates"}
    )
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))
    mode = fields.String(
        load_default="fused",
        validate=validate.OneOf(("keyword", "dense", "fused")),
        metadata={
            "description": "keyword (segmented full text), dense (embeddings) or fused (both, by "
            "reciprocal rank); dense and fused answer as keyword while this city has no embeddings",
            "example": "fused",
        },
    )


class SearchHitSchema(Schema):
    id = fields.Integer(dump_only=True)
    scope = fields.String(dump_only=True, metadata={"description": "province or city"})
    title = fields.String(dump_only=True)
    score = fields.Float(
        dump_only=True,
        metadata={
            "description": "keyword: ts_rank_cd; dense: cosine; fused: weighted sum of 1/(60 + rank), "
            "0 for a further dense match"
        },
    )


class SuggestQuerySchema(Schema):
    order_id = fields.Integer(
        validate=validate.Range(1, 2**62), metadata={"description": "suggest for this order"}
    )
    text = fields.String(
        validate=validate.Length(1, 2000), metadata={"description": "what the agent is typing"}
    )


class FeedbackInSchema(Schema):
    scope = fields.String(
        required=True, validate=validate.OneOf(("province", "city")), metadata={"example": "city"}
    )
    article_id = fields.Integer(required=True, validate=validate.Range(1, 2**62), metadata={"example": 1})
    helped = fields.Boolean(required=True, metadata={"example": True})
    order_id = fields.Integer(allow_none=True, validate=validate.Range(1, 2**62), metadata={"example": None})


class UsageSchema(Schema):
    scope = fields.String(dump_only=True)
    article_id = fields.Integer(dump_only=True)
    uses = fields.Integer(dump_only=True)
    helped = fields.Integer(dump_only=True)
    helpfulness = fields.Float(dump_only=True)
