"""Distribution runs (DOMAIN.md section 5, "Distribution"): the central registry's monthly split of
what was paid for posted lists between itself, the branches and the funds (rules/distribution.py).

A run is written once, whole, by `blueprints.distribution.services.run_distribution`, and never
changed: nothing in the application updates or deletes these rows. A list is distributed in one run
("list" line); a payment that arrives for it later goes into a later run ("adjustment" line). A
posted list that is only partly paid is held back ("held" line, no shares) and comes in a later run
when it is paid. Each branch's share is kept with the account it was sent to (`DistributionBranch`),
so the report and the transfer list read the same years later."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rules.distribution import PARTS, Split

from .base import db, utcnow
from .codes import N_

LIST, ADJUSTMENT, HELD = "list", "adjustment", "held"
LINE_KINDS = {LIST: N_("Fordelt"), ADJUSTMENT: N_("Etterbetaling"), HELD: N_("Holdt tilbake")}
DISTRIBUTED_KINDS = (LIST, ADJUSTMENT)


class _Shares:
    """The six parts of rules.distribution.Split as columns."""

    central_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    local_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    home_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    benefit_fund_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    education_fund_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    excess_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    @property
    def split(self) -> Split:
        return Split(**{name: getattr(self, name) or 0 for name in PARTS})

    @property
    def funds_ore(self) -> int:
        return self.split.funds_ore


class DistributionRun(_Shares, db.Model):
    """One confirmed distribution: the lists of months up to `period` not distributed before."""

    __tablename__ = "distribution_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    list_count: Mapped[int] = mapped_column(default=0)  # lists distributed (adjustments included)
    held_count: Mapped[int] = mapped_column(default=0)
    paid_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # = the sum of the six parts

    lines: Mapped[list["DistributionLine"]] = relationship(back_populates="run", order_by="DistributionLine.id")
    branches: Mapped[list["DistributionBranch"]] = relationship(back_populates="run")


class DistributionLine(_Shares, db.Model):
    """One list in a run: distributed, an adjustment of one distributed before, or held back."""

    __tablename__ = "distribution_lines"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "list_id"),
        sa.CheckConstraint("kind IN ('list', 'adjustment', 'held')", name="kind"),
        sa.Index("ix_distribution_lines_run_branch", "run_id", "branch_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("distribution_runs.id"))
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("deduction_lists.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"))
    period: Mapped[date]  # the list's month
    kind: Mapped[str] = mapped_column(sa.String(10))
    member_count: Mapped[int] = mapped_column(default=0)
    due_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the list's amount as reported
    paid_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # what this line distributes
    branch_rate_bp: Mapped[int | None]
    central_bp: Mapped[int | None]

    run: Mapped[DistributionRun] = relationship(back_populates="lines")
    deduction_list: Mapped["DeductionList"] = relationship()  # noqa: F821
    employer: Mapped["Employer"] = relationship()  # noqa: F821
    branch: Mapped["Branch"] = relationship()  # noqa: F821

    @property
    def kind_name(self) -> str:
        return LINE_KINDS[self.kind]


class DistributionBranch(_Shares, db.Model):
    """A branch's totals in a run, with the account its local share was sent to."""

    __tablename__ = "distribution_branches"
    __table_args__ = (sa.UniqueConstraint("run_id", "branch_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("distribution_runs.id"))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"), index=True)
    account: Mapped[str | None] = mapped_column(sa.String(11))
    list_count: Mapped[int] = mapped_column(default=0)
    held_count: Mapped[int] = mapped_column(default=0)
    paid_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    run: Mapped[DistributionRun] = relationship(back_populates="branches")
    branch: Mapped["Branch"] = relationship()  # noqa: F821
