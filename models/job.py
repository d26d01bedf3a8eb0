"""Background jobs: long work (forming the lists of a month, importing a payment file, a
distribution run) stored as a row, so that every worker can show its progress and result."""
import json
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column

from .base import db, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
        sa.Index("ix_jobs_kind_state", "kind", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[str] = mapped_column(sa.Text, default="{}")  # JSON
    state: Mapped[str] = mapped_column(sa.String(10), default=QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(sa.Text)  # for the user, Norwegian
    result: Mapped[str | None] = mapped_column(sa.Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def arguments(self) -> dict:
        return json.loads(self.params or "{}")

    @property
    def outcome(self) -> dict:
        return json.loads(self.result) if self.result else {}

    @property
    def shown_message(self) -> str | None:
        """The message in the user's language when it is one of the catalogue's (a fixed text: the
        generic failure, say); a message made with figures stays as it was stored."""
        return gettext(self.message) if self.message else self.message

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        return self.done * 100 // self.total if self.total else 0
