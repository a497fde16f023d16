"""scans and findings: the schema of the hand-written migration version 1, as it was.

Revision ID: 0001
Revises:
"""

import datetime as _dt

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(2000), nullable=False, index=True),
        sa.Column("host", sa.String(255), nullable=False, index=True),
        sa.Column("start_url", sa.String(2000), nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("tool_version", sa.String(40), nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("page_errors", sa.Integer, nullable=False),
        sa.Column("cookies", sa.Integer, nullable=False),
        sa.Column("services", sa.Integer, nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("result_gz", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False, index=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("phase", sa.String(40)),
        sa.Column("service_id", sa.String(200)),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("pages", sa.Text, nullable=False),
    )
    # Older releases read this table: at version 1 they find nothing to do and open the file.
    table = op.create_table(
        "_migrations",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("applied_at", sa.String(40), nullable=False),
    )
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    op.bulk_insert(table, [{"version": 1, "name": "scans and findings", "applied_at": now}])


def downgrade() -> None:
    op.drop_table("_migrations")
    op.drop_table("findings")
    op.drop_table("scans")
