"""The school's own report documents: the narrative of a term plan or summary (工作计划 /
工作总结), kept as numbered versions, and the monthly information report (月报信息), locked with
its figures once the coordinator submits it.

The archive's tables themselves are not stored: they are drawn from the records every time.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.db import Base, HasUid, Timestamped, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class DocumentKind(Choice):
    TERM_PLAN = "term_plan", _l("Term work plan")
    TERM_SUMMARY = "term_summary", _l("Term work summary")


class TermDocument(HasUid, TenantScoped, Base):
    """One saved version of a term's plan or summary (工作计划 / 工作总结): its narrative.

    Nothing is overwritten: a save adds the next version, and the latest is the document. Two
    people saving over the same version meet at the unique key; the second is told.
    """

    __tablename__ = "term_document"
    __table_args__ = tenant_keys(
        tenant_fk("term_id", "term"),
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "term_id", "kind", "version"),
    )

    term_id: Mapped[int]
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    version: Mapped[int]
    narrative: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User", foreign_keys=[author_id])
    term = relationship(
        "Term", primaryjoin=same_tenant_join("TermDocument", "term_id", "Term"), viewonly=True
    )


class ReportStatus(Choice):
    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")


class MonthlyReport(HasUid, TenantScoped, Timestamped, Base):
    """The monthly information report (月报信息) to the central school, due by the 25th: the
    month's figures, its activities with photos and a narrative. Submitted, it is locked and
    keeps the figures and activities it was sent with."""

    __tablename__ = "monthly_report"
    __table_args__ = tenant_keys(
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "month"),
        Index(None, "tenant_id", "status"),
    )

    month: Mapped[date]  # the first day of the month reported
    narrative: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus), default=ReportStatus.DRAFT
    )
    figures_json: Mapped[str | None] = mapped_column("figures", Text)
    activity_ids_json: Mapped[str | None] = mapped_column("activity_ids", Text)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    edited_by = relationship("User", foreign_keys=[edited_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])

    @property
    def is_submitted(self) -> bool:
        return self.status == ReportStatus.SUBMITTED

    @property
    def figures(self) -> dict[str, Any]:
        """The figures as submitted (key → number); empty for a draft, whose are live."""
        return json.loads(self.figures_json) if self.figures_json else {}

    @property
    def activity_ids(self) -> list[int]:
        return json.loads(self.activity_ids_json) if self.activity_ids_json else []
