"""The protection officer, access grants beyond the baseline, alerts to the officer, consents."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.db import Base, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys

GRANT_MAX_DAYS = 7
REVEALS_PER_DAY = 30


class ProtectionOfficer(TenantScoped, Base):
    """The school's children's-data protection officer (儿童个人信息保护负责人)."""

    __tablename__ = "protection_officer"
    __table_args__ = tenant_keys(UniqueConstraint("tenant_id"))

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    named_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])


class GrantKind(Choice):
    CLASS = "class", _l("Another class's children")
    FIELDS = "fields", _l("An extra kind of sensitive field")


class FieldCategory(Choice):
    IDENTITY = "identity", _l("Identity (ID number, register number, household registration)")
    CONTACT = "contact", _l("Contact (phones, addresses, employers)")
    HEALTH = "health", _l("Health (allergies, illness, disability)")
    CIRCUMSTANCES = "circumstances", _l("Family circumstances (difficulties, three specials)")


class GrantStatus(Choice):
    PENDING = "pending", _l("Waiting for the officer")
    APPROVED = "approved", _l("Approved")
    REFUSED = "refused", _l("Refused")


class AccessGrant(TenantScoped, Base):
    """A time-limited access grant (临时授权) beyond what a role sees, approved by the officer."""

    __tablename__ = "access_grant"
    __table_args__ = tenant_keys(
        tenant_fk("class_id", "school_class"),
        Index(None, "tenant_id", "user_id", "status", "ends_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[GrantKind] = mapped_column(enum_column(GrantKind))
    class_id: Mapped[int | None]
    category: Mapped[FieldCategory | None] = mapped_column(enum_column(FieldCategory))
    reason: Mapped[str] = mapped_column(Text)
    days: Mapped[int]
    status: Mapped[GrantStatus] = mapped_column(
        enum_column(GrantStatus), default=GrantStatus.PENDING
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(200))
    ends_at: Mapped[datetime | None]

    user = relationship("User", foreign_keys=[user_id])
    school_class = relationship(
        "SchoolClass",
        primaryjoin=same_tenant_join("AccessGrant", "class_id", "SchoolClass"),
        viewonly=True,
    )

    def is_valid(self, now: datetime) -> bool:
        return (
            self.status == GrantStatus.APPROVED
            and self.ends_at is not None
            and self.decided_at is not None
            and self.decided_at <= now < self.ends_at
        )


class AlertKind(Choice):
    PROBING = "probing", _l("Tried addresses of records that are not this school's")
    MANY_CARDS = "many_cards", _l("Opened an unusual number of children's cards")
    FAILED_LOGINS = "failed_logins", _l("Repeated failed logins on the account")
    REVEAL_CAP = "reveal_cap", _l("Reached the daily limit of reveals")


class PrivacyAlert(TenantScoped, Base):
    """An alert to the protection officer (保护负责人提醒); one per person, kind and day."""

    __tablename__ = "privacy_alert"
    __table_args__ = tenant_keys(
        UniqueConstraint("tenant_id", "kind", "user_id", "day"),
        Index(None, "tenant_id", "seen_at"),
    )

    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    day: Mapped[date]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    count: Mapped[int] = mapped_column(default=0)
    seen_at: Mapped[datetime | None]
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user = relationship("User", foreign_keys=[user_id])


class ProbeHit(Base):
    """A "not found" answer to a signed-in person on a record address (kept ten minutes' worth)."""

    __tablename__ = "probe_hit"
    __table_args__ = (Index(None, "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentKind(Choice):
    PHOTOS = "photos", _l("Photos of the child")
    VOLUNTEERS = "volunteers", _l("Sharing with volunteers")
    PUBLICITY = "publicity", _l("Publicity")


class ConsentMethod(Choice):
    PAPER_FORM = "paper_form", _l("Signed paper form")
    IN_PERSON = "in_person", _l("In person, at school")
    HOME_VISIT = "home_visit", _l("Signed on a home visit")


class Consent(TenantScoped, Base):
    """A guardian's consent (监护人同意) for one use of a child's data, until withdrawn."""

    __tablename__ = "consent"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        Index(None, "tenant_id", "child_id", "kind", "withdrawn_on"),
    )

    child_id: Mapped[int]
    kind: Mapped[ConsentKind] = mapped_column(enum_column(ConsentKind))
    given_by: Mapped[str] = mapped_column(String(50))
    given_on: Mapped[date]
    method: Mapped[ConsentMethod] = mapped_column(enum_column(ConsentMethod))
    form_reference: Mapped[str | None] = mapped_column(String(60))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_on: Mapped[date | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(50))
    withdrawn_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    child = relationship(
        "Child", primaryjoin=same_tenant_join("Consent", "child_id", "Child"), viewonly=True
    )

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class ChildRetention(TenantScoped, Base):
    """A card's retention (保存期限): a hold that keeps it whole, or when it was anonymised."""

    __tablename__ = "child_retention"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "child_id"),
    )

    child_id: Mapped[int]
    hold_reason: Mapped[str | None] = mapped_column(Text)
    hold_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hold_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]
