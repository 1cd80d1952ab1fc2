"""Incidents and the school's safety paperwork: incidents (突发事件) with the clocks of who must
be told, mandatory reports to the police (强制报告), the daily safety-education log per class
(每日安全教育), and the yearly agreements signed for each child (安全责任书, 托管协议).

An incident's facts are sealed; each person or body to be told is a step of its own with a due
time stored beside it, so a list of what is overdue is one query. A mandatory report is an
incident of a mandatory kind: restricted to the principal, the safety lead and the reporter.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.children.models import GuardianRelation
from webapp.core.choices import Choice
from webapp.core.crypto import Sensitive
from webapp.core.db import Base, HasUid, Timestamped, enum_column
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class IncidentKind(Choice):
    INJURY = "injury", _l("Accidental injury")
    TRAFFIC = "traffic", _l("Traffic accident")
    DROWNING = "drowning", _l("Drowning")
    ILLNESS = "illness", _l("Sudden illness")
    FOOD = "food", _l("Food poisoning")
    FIGHT = "fight", _l("Fight or bullying")
    FIRE = "fire", _l("Fire")
    DISASTER = "disaster", _l("Natural disaster")
    OTHER = "other", _l("Other incident")
    # The five situations the school must report to the police at once (强制报告).
    ALONE = "alone", _l("Living alone without a guardian")
    MISSING = "missing", _l("Missing")
    NO_CARE = "no_care", _l("Guardian unable or unwilling to care")
    DOMESTIC_VIOLENCE = "domestic_violence", _l("Suspected domestic violence")
    ABUSE = "abuse", _l("Suspected injury or abuse")


MANDATORY_KINDS = frozenset(
    {
        IncidentKind.ALONE,
        IncidentKind.MISSING,
        IncidentKind.NO_CARE,
        IncidentKind.DOMESTIC_VIOLENCE,
        IncidentKind.ABUSE,
    }
)
REGULAR_KINDS = tuple(k for k in IncidentKind if k not in MANDATORY_KINDS)


class StepKind(Choice):
    """Whom the school must tell, in the order the clocks run out."""

    POLICE = "police", _l("Police")
    GUARDIAN = "guardian", _l("Guardian")
    PARENTS = "parents", _l("Parents")
    AUTHORITY = "authority", _l("Education authority")
    GOVERNMENT = "government", _l("Local government")


# How long after the school knew each one must be told (留守儿童应急机制: guardian within 30
# minutes, parents working away within an hour, the education authority and the government
# within two hours; the police at once).
STEP_LIMITS: dict[StepKind, timedelta] = {
    StepKind.POLICE: timedelta(0),
    StepKind.GUARDIAN: timedelta(minutes=30),
    StepKind.PARENTS: timedelta(hours=1),
    StepKind.AUTHORITY: timedelta(hours=2),
    StepKind.GOVERNMENT: timedelta(hours=2),
}
# Told once per child involved; the others once per incident.
PER_CHILD_STEPS = frozenset({StepKind.GUARDIAN, StepKind.PARENTS})


class NoticeChannel(Choice):
    PHONE = "phone", _l("Phone")
    IN_PERSON = "in_person", _l("In person")
    WECHAT = "wechat", _l("WeChat")
    VIDEO = "video", _l("Video")
    SMS = "sms", _l("Text message")
    WRITTEN = "written", _l("Written report")
    ONLINE = "online", _l("Online reporting system")


class Incident(HasUid, TenantScoped, Timestamped, Base):
    """An incident (突发事件) or a mandatory report (强制报告): what happened to which children,
    and whom the school told when. The facts are sealed; a mandatory report is restricted."""

    __tablename__ = "incident"
    __table_args__ = tenant_keys(
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "closed_at", "happened_at"),
        Index(None, "tenant_id", "reporter_id"),
    )

    kind: Mapped[IncidentKind] = mapped_column(enum_column(IncidentKind))
    restricted: Mapped[bool] = mapped_column(default=False)
    happened_at: Mapped[datetime]
    known_at: Mapped[datetime | None]  # when the school learned of it, if later
    place_sealed: Mapped[str | None] = mapped_column("place", Text)
    what_sealed: Mapped[str | None] = mapped_column("what_happened", Text)
    injuries_sealed: Mapped[str | None] = mapped_column("injuries", Text)
    actions_sealed: Mapped[str | None] = mapped_column("actions_taken", Text)
    outcome_sealed: Mapped[str | None] = mapped_column("outcome", Text)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    place = Sensitive("place_sealed")
    what_happened = Sensitive("what_sealed")
    injuries = Sensitive("injuries_sealed")
    actions_taken = Sensitive("actions_sealed")
    outcome = Sensitive("outcome_sealed")

    reporter = relationship("User", foreign_keys=[reporter_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    involved: Mapped[list[IncidentChild]] = relationship(
        primaryjoin=same_tenant_join("IncidentChild", "incident_id", "Incident"),
        order_by="IncidentChild.id",
        viewonly=True,
    )
    steps: Mapped[list[IncidentStep]] = relationship(
        primaryjoin=same_tenant_join("IncidentStep", "incident_id", "Incident"),
        order_by=lambda: (IncidentStep.due_at, IncidentStep.id),
        viewonly=True,
    )

    @property
    def clocks_start(self) -> datetime:
        """The clocks run from when it happened, or from when the school learned of it."""
        return self.known_at or self.happened_at

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def child_ids(self) -> list[int]:
        return [row.child_id for row in self.involved]


class IncidentChild(TenantScoped, Base):
    """A child involved in an incident."""

    __tablename__ = "incident_child"
    __table_args__ = tenant_keys(
        tenant_fk("incident_id", "incident"),
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "incident_id", "child_id"),
        Index(None, "tenant_id", "child_id"),
    )

    incident_id: Mapped[int]
    child_id: Mapped[int]

    child = relationship(
        "Child", primaryjoin=same_tenant_join("IncidentChild", "child_id", "Child"), viewonly=True
    )


class IncidentStep(HasUid, TenantScoped, Base):
    """One party the school must tell about an incident, with its due time, and once done who
    told whom, how and when; or why it was not needed (a guardian who is the suspect)."""

    __tablename__ = "incident_step"
    __table_args__ = tenant_keys(
        tenant_fk("incident_id", "incident"),
        tenant_fk("child_id", "child"),
        Index(None, "tenant_id", "incident_id"),
        Index(None, "tenant_id", "signed_at", "due_at"),
    )

    incident_id: Mapped[int]
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind))
    child_id: Mapped[int | None]  # the child whose guardian or parents are told
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime | None]  # when it was signed in the app
    sign_uid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    channel: Mapped[NoticeChannel | None] = mapped_column(enum_column(NoticeChannel))
    not_needed: Mapped[bool] = mapped_column(default=False)
    whom_sealed: Mapped[str | None] = mapped_column("whom", Text)
    officer_sealed: Mapped[str | None] = mapped_column("officer", Text)
    receipt_sealed: Mapped[str | None] = mapped_column("receipt_no", Text)
    note_sealed: Mapped[str | None] = mapped_column("note", Text)

    whom = Sensitive("whom_sealed")  # 奶奶王秀英; 青杠派出所; 县教育局安全股
    officer = Sensitive("officer_sealed")  # the officer who took a police report
    receipt_no = Sensitive("receipt_sealed")  # the police's receipt (回执) number
    note = Sensitive("note_sealed")  # what was said, or why the step was not needed

    done_by = relationship("User", foreign_keys=[done_by_id])
    child = relationship(
        "Child", primaryjoin=same_tenant_join("IncidentStep", "child_id", "Child"), viewonly=True
    )

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class SafetyTopic(Choice):
    """The topics of a class's safety education: the chips of the quick entry."""

    TRAFFIC = "traffic", _l("Traffic safety")
    DROWNING = "drowning", _l("Water safety")
    FIRE = "fire", _l("Fire safety")
    FOOD = "food", _l("Food safety")
    BULLYING = "bullying", _l("Bullying")
    MENTAL = "mental", _l("Mental health")
    ELECTRICITY = "electricity", _l("Electricity")
    DISASTER = "disaster", _l("Earthquakes and storms")
    STRANGERS = "strangers", _l("Strangers and abduction")
    SELF_PROTECTION = "self_protection", _l("Body safety")
    ONLINE = "online", _l("Internet")
    CAMPUS = "campus", _l("Playground and stairs")


class SafetyLesson(HasUid, TenantScoped, Timestamped, Base):
    """A class's safety education on one day (每日安全教育): topics, minutes, who taught it."""

    __tablename__ = "safety_lesson"
    __table_args__ = tenant_keys(
        tenant_fk("class_id", "school_class"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "class_id", "held_on"),
        Index(None, "tenant_id", "held_on"),
    )

    class_id: Mapped[int]
    held_on: Mapped[date]
    topics_csv: Mapped[str] = mapped_column("topics", String(200))
    minutes: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(200))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    teacher = relationship("User", foreign_keys=[teacher_id])

    @property
    def topics(self) -> list[SafetyTopic]:
        return [SafetyTopic(t) for t in self.topics_csv.split(",") if t]

    @topics.setter
    def topics(self, value: object) -> None:
        chosen = {SafetyTopic(t) for t in (value or ())}  # type: ignore[attr-defined]
        self.topics_csv = ",".join(t.value for t in SafetyTopic if t in chosen)


class AgreementKind(Choice):
    SAFETY = "safety", _l("Safety responsibility agreement")
    CUSTODY = "custody", _l("Custody agreement")


class Agreement(HasUid, TenantScoped, Timestamped, Base):
    """A safety responsibility agreement (安全责任书) or custody agreement (托管协议) for one
    child and one school year: who signed it, when, and its scan (sealed, outside static/)."""

    __tablename__ = "agreement"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("school_year_id", "school_year"),
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "child_id", "school_year_id", "kind"),
        Index(None, "tenant_id", "school_year_id", "kind"),
    )

    child_id: Mapped[int]
    school_year_id: Mapped[int]
    kind: Mapped[AgreementKind] = mapped_column(enum_column(AgreementKind))
    signer_sealed: Mapped[str | None] = mapped_column("signer", Text)
    relation: Mapped[GuardianRelation | None] = mapped_column(enum_column(GuardianRelation))
    signed_on: Mapped[date]
    scan_uid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    scan_type: Mapped[str | None] = mapped_column(String(40))  # image/jpeg or application/pdf
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    signer = Sensitive("signer_sealed")  # the guardian's or parent's name

    child = relationship(
        "Child", primaryjoin=same_tenant_join("Agreement", "child_id", "Child"), viewonly=True
    )
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
