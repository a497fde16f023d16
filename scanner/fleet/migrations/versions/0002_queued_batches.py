"""queued batches: an idempotency key per scan, the batches and the state of their sites.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("task_key", sa.String(300)))
        batch.create_unique_constraint("uq_scans_task_key", ["task_key"])
    op.create_table(
        "batches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("sites", sa.Integer, nullable=False),
        sa.Column("out_dir", sa.String(2000)),
    )
    op.create_table(
        "batch_sites",
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.id"), primary_key=True),
        sa.Column("name", sa.String(500), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id")),
        sa.Column("outcome", sa.Text),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("batch_sites")
    op.drop_table("batches")
    with op.batch_alter_table("scans") as batch:
        batch.drop_constraint("uq_scans_task_key", type_="unique")
        batch.drop_column("task_key")
