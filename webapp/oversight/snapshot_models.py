"""Term roster snapshots (学期名册报送): what a school sent up for a term, kept as it was sent.

A snapshot holds its own copy of the figures per class and of the list of left-behind children
(only the fields the county asks for: no ID number, no phone), with a hash of that content. It
is never recomputed: editing a card afterwards changes the card, not what was submitted. Sending
again makes the next version; the earlier ones stay.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import Base, HasUid, utcnow
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


def content_hash(figures: Any, children: Any) -> str:
    """SHA-256 over the canonical JSON of what was submitted."""
    canonical = json.dumps(
        {"figures": figures, "children": children},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class RosterSnapshot(HasUid, TenantScoped, Base):
    """One submitted version of a term's roster (学期名册): figures per class and the list of
    left-behind children, locked when submitted."""

    __tablename__ = "roster_snapshot"
    __table_args__ = tenant_keys(
        tenant_fk("term_id", "term"),
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "term_id", "version"),
        Index(None, "term_key", "tenant_id"),
    )

    term_id: Mapped[int]
    # The term as every school names it alike ("2026-1": the school year's first year and the
    # term's number), so that a unit can ask which schools submitted for the same term.
    term_key: Mapped[str] = mapped_column(String(20))
    term_label: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    figures_json: Mapped[str] = mapped_column("figures", Text)
    children_json: Mapped[str] = mapped_column("children", Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    term = relationship(
        "Term", primaryjoin=same_tenant_join("RosterSnapshot", "term_id", "Term"), viewonly=True
    )

    @property
    def figures(self) -> dict[str, Any]:
        """{"classes": [{"name": …, "counts": {key: n}}], "totals": {key: n}}"""
        return json.loads(self.figures_json)

    @property
    def children(self) -> list[dict[str, Any]]:
        return json.loads(self.children_json)

    @property
    def intact(self) -> bool:
        """Whether the stored content still matches the hash it was submitted with."""
        return content_hash(self.figures, self.children) == self.content_hash
