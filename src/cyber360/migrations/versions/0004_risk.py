"""risk area: result snapshots, background runs, action plan

Revision ID: 0004_risk
Revises: 0001_initial
Create Date: 2026-11-30 10:00:00

Tables: risk_snapshots, risk_jobs, risk_actions. A branch of its own (label "risk"): migrations upgrade to
"heads".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cyber360.core.db

revision: str = "0004_risk"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = ("risk",)
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, cyber360.core.db.UtcDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "risk_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ght_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=True),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("total_aal", sa.Float(), nullable=False),
        sa.Column("mean_maturity", sa.Float(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        _when("created_at"),
        _fk("risk_snapshots", "ght_id", "ghts"),
        _fk("risk_snapshots", "establishment_id", "establishments"),
        _fk("risk_snapshots", "created_by_user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_snapshots")),
    )
    _indexes("risk_snapshots", "ght_id", "establishment_id")
    op.create_table(
        "risk_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ght_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        _when("created_at"),
        _when("finished_at", nullable=True),
        _fk("risk_jobs", "ght_id", "ghts"),
        _fk("risk_jobs", "establishment_id", "establishments"),
        _fk("risk_jobs", "snapshot_id", "risk_snapshots"),
        _fk("risk_jobs", "created_by_user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_jobs")),
    )
    _indexes("risk_jobs", "ght_id", "establishment_id")
    op.create_table(
        "risk_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ght_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("control_id", sa.String(length=64), nullable=True),
        sa.Column("target_level", sa.Float(), nullable=True),
        sa.Column("crisis_lesson_id", sa.Integer(), nullable=True),
        sa.Column("cost_one_off_eur", sa.Float(), nullable=False),
        sa.Column("cost_yearly_eur", sa.Float(), nullable=False),
        sa.Column("loss_avoided_eur", sa.Float(), nullable=True),
        sa.Column("return_ratio", sa.Float(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        _when("done_at", nullable=True),
        _fk("risk_actions", "ght_id", "ghts"),
        _fk("risk_actions", "establishment_id", "establishments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_actions")),
    )
    _indexes("risk_actions", "ght_id", "establishment_id")


def downgrade() -> None:
    op.drop_table("risk_actions")
    op.drop_table("risk_jobs")
    op.drop_table("risk_snapshots")
