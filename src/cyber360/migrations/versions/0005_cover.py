"""cover area: policies, quotes, claims with loss items and evidence files

Revision ID: 0005_cover
Revises: 0001_initial
Depends on: 0003_crisis (a claim may come from a crisis incident)
Create Date: 2026-12-05 10:40:00

Tables: cover_policies, cover_quotes, cover_claims, cover_claim_items, cover_claim_evidence,
cover_portfolio_runs. A branch of its
own (label "cover"): migrations upgrade to "heads".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cyber360.core.db

revision: str = "0005_cover"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = ("cover",)
depends_on: str | Sequence[str] | None = ("0003_crisis",)


def upgrade() -> None:
    op.create_table(
        "cover_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ght_id", sa.Integer(), nullable=False),
        sa.Column("insurer_organisation_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("product", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_cover_policies_created_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(["ght_id"], ["ghts.id"], name=op.f("fk_cover_policies_ght_id_ghts")),
        sa.ForeignKeyConstraint(
            ["insurer_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cover_policies_insurer_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cover_policies")),
        sa.UniqueConstraint("reference", name=op.f("uq_cover_policies_reference")),
    )
    op.create_index(op.f("ix_cover_policies_ght_id"), "cover_policies", ["ght_id"], unique=False)
    op.create_index(
        op.f("ix_cover_policies_insurer_organisation_id"),
        "cover_policies",
        ["insurer_organisation_id"],
        unique=False,
    )
    op.create_table(
        "cover_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("ght_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("learned_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("complaint_filed_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("complaint_reference", sa.String(length=200), nullable=False),
        sa.Column("degraded_days", sa.Float(), nullable=True),
        sa.Column("systemic", sa.Boolean(), nullable=False),
        sa.Column("indemnity", sa.Text(), nullable=False),
        sa.Column("proposed_indemnity_eur", sa.Float(), nullable=True),
        sa.Column("paid_eur", sa.Float(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("declared_by_user_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("paid_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["declared_by_user_id"], ["users.id"], name=op.f("fk_cover_claims_declared_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishments.id"],
            name=op.f("fk_cover_claims_establishment_id_establishments"),
        ),
        sa.ForeignKeyConstraint(["ght_id"], ["ghts.id"], name=op.f("fk_cover_claims_ght_id_ghts")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["crisis_incidents.id"],
            name=op.f("fk_cover_claims_incident_id_crisis_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["cover_policies.id"], name=op.f("fk_cover_claims_policy_id_cover_policies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cover_claims")),
        sa.UniqueConstraint("reference", name=op.f("uq_cover_claims_reference")),
    )
    op.create_index(
        op.f("ix_cover_claims_establishment_id"), "cover_claims", ["establishment_id"], unique=False
    )
    op.create_index(op.f("ix_cover_claims_ght_id"), "cover_claims", ["ght_id"], unique=False)
    op.create_index(op.f("ix_cover_claims_incident_id"), "cover_claims", ["incident_id"], unique=False)
    op.create_index(op.f("ix_cover_claims_policy_id"), "cover_claims", ["policy_id"], unique=False)
    op.create_table(
        "cover_quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("ght_id", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=False),
        sa.Column("terms_sha256", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("top_actions", sa.Integer(), nullable=False),
        sa.Column("gross", sa.Text(), nullable=False),
        sa.Column("net", sa.Text(), nullable=False),
        sa.Column("premium", sa.Text(), nullable=False),
        sa.Column("premium_after", sa.Text(), nullable=False),
        sa.Column("technical_premium_eur", sa.Float(), nullable=False),
        sa.Column("technical_premium_after_eur", sa.Float(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_cover_quotes_created_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(["ght_id"], ["ghts.id"], name=op.f("fk_cover_quotes_ght_id_ghts")),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["cover_policies.id"], name=op.f("fk_cover_quotes_policy_id_cover_policies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cover_quotes")),
    )
    op.create_index(op.f("ix_cover_quotes_ght_id"), "cover_quotes", ["ght_id"], unique=False)
    op.create_index(op.f("ix_cover_quotes_policy_id"), "cover_quotes", ["policy_id"], unique=False)
    op.create_table(
        "cover_claim_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("ght_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("amount_eur", sa.Float(), nullable=False),
        sa.Column("evidence", sa.String(length=1000), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["cover_claims.id"], name=op.f("fk_cover_claim_items_claim_id_cover_claims")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_cover_claim_items_created_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(["ght_id"], ["ghts.id"], name=op.f("fk_cover_claim_items_ght_id_ghts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cover_claim_items")),
    )
    op.create_index(op.f("ix_cover_claim_items_claim_id"), "cover_claim_items", ["claim_id"], unique=False)
    op.create_index(op.f("ix_cover_claim_items_ght_id"), "cover_claim_items", ["ght_id"], unique=False)
    op.create_table(
        "cover_claim_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("ght_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["cover_claims.id"], name=op.f("fk_cover_claim_evidence_claim_id_cover_claims")
        ),
        sa.ForeignKeyConstraint(["ght_id"], ["ghts.id"], name=op.f("fk_cover_claim_evidence_ght_id_ghts")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["cover_claim_items.id"],
            name=op.f("fk_cover_claim_evidence_item_id_cover_claim_items"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_user_id"],
            ["users.id"],
            name=op.f("fk_cover_claim_evidence_uploaded_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cover_claim_evidence")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_cover_claim_evidence_stored_name")),
    )
    op.create_index(
        op.f("ix_cover_claim_evidence_claim_id"), "cover_claim_evidence", ["claim_id"], unique=False
    )
    op.create_index(op.f("ix_cover_claim_evidence_ght_id"), "cover_claim_evidence", ["ght_id"], unique=False)

    op.create_table(
        "cover_portfolio_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("insurer_organisation_id", sa.Integer(), nullable=False),
        sa.Column("ght_ids", sa.Text(), nullable=False),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", cyber360.core.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_cover_portfolio_runs_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["insurer_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cover_portfolio_runs_insurer_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cover_portfolio_runs")),
    )
    op.create_index(
        op.f("ix_cover_portfolio_runs_insurer_organisation_id"),
        "cover_portfolio_runs",
        ["insurer_organisation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("cover_portfolio_runs")
    op.drop_table("cover_claim_evidence")
    op.drop_table("cover_claim_items")
    op.drop_table("cover_claims")
    op.drop_table("cover_quotes")
    op.drop_table("cover_policies")
