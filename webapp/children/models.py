"""The child's archive: classes, the child card, parents, guardians and what changes over time.

Sensitive fields (ID and student numbers, phones, addresses, employers, health, disability,
poverty and difficulty flags) are sealed with AES-256-GCM through ``Sensitive``; their columns
hold ciphertext only. Nothing here is ever deleted: a guardian who stops caring is ended, a
child who leaves changes status, and both keep their history.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.crypto import Sensitive, SensitiveSet, mask_id_number
from webapp.core.db import Base, HasUid, Timestamped, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class Stage(Choice):
    KINDERGARTEN = "kindergarten", _l("Kindergarten")
    PRIMARY = "primary", _l("Primary school")
    JUNIOR = "junior", _l("Junior middle school")


class SchoolClass(TenantScoped, Timestamped, Base):
    """A class (班级): 三年级一班, or 小班/中班/大班 in a kindergarten."""

    __tablename__ = "school_class"
    __table_args__ = tenant_keys(UniqueConstraint("tenant_id", "name"))

    name: Mapped[str] = mapped_column(String(40))
    stage: Mapped[Stage] = mapped_column(enum_column(Stage))
    grade: Mapped[int]
    section: Mapped[int] = mapped_column(default=1)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    is_active: Mapped[bool] = mapped_column(default=True)

    teacher = relationship("User")
    children: Mapped[list[Child]] = relationship(
        primaryjoin=same_tenant_join("Child", "class_id", "SchoolClass"),
        back_populates="school_class",
        order_by="Child.name",
        viewonly=True,
    )


class Gender(Choice):
    MALE = "male", _l("Boy")
    FEMALE = "female", _l("Girl")


class ChildStatus(Choice):
    ACTIVE = "active", _l("At school")
    TRANSFER_PENDING = "transfer_pending", _l("Transfer waiting for the other school")
    TRANSFERRED = "transferred", _l("Transferred out")
    GRADUATED = "graduated", _l("Graduated")
    DROPPED_OUT = "dropped_out", _l("Dropped out")


class LeftBehindType(Choice):
    """The education register's classification (单亲外出 / 双亲外出)."""

    NONE = "none", _l("Not left behind")
    ONE_PARENT = "one_parent", _l("One parent away (单亲外出)")
    BOTH_PARENTS = "both_parents", _l("Both parents away (双亲外出)")


class DifficultyType(Choice):
    """困境儿童 types."""

    EXTREME_POVERTY = "extreme_poverty", _l("Extreme poverty (特困)")
    SUBSISTENCE = "subsistence", _l("Subsistence allowance (低保)")
    DISABILITY = "disability", _l("Disability (残疾)")
    ORPHAN = "orphan", _l("Orphan (孤儿)")
    SINGLE_PARENT = "single_parent", _l("Single-parent family (单亲)")
    UNSUPPORTED = "unsupported", _l("No one supports in fact (事实无人抚养)")


class ThreeSpecial(Choice):
    """The 三特 flags."""

    NEEDY = "needy", _l("Needy pupil (特困生)")
    GIFTED = "gifted", _l("Gifted pupil (特长生)")
    SPECIAL_NEEDS = "special_needs", _l("Special needs (特殊学生/残障生)")


class FamilyType(Choice):
    """Family types the seeds name for targeted help (贫困型 老龄型 文盲型 …)."""

    POOR = "poor", _l("Poor (贫困型)")
    ELDERLY = "elderly", _l("Cared for by grandparents (老龄型)")
    ILLITERATE = "illiterate", _l("Carers cannot read (文盲型)")
    BROKEN = "broken", _l("Broken family (畸形/离异)")


class Child(HasUid, TenantScoped, Timestamped, Base):
    """A child on the school's roll and their archive card (留守儿童档案 / 联系卡)."""

    __tablename__ = "child"
    __table_args__ = tenant_keys(
        tenant_fk("class_id", "school_class"),
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "id_number_hash"),
        Index(None, "tenant_id", "class_id", "name"),
        Index(None, "tenant_id", "status", "left_behind_type"),
    )

    # identity
    name: Mapped[str] = mapped_column(String(50))
    name_pinyin: Mapped[str] = mapped_column(String(200), default="")
    name_initials: Mapped[str] = mapped_column(String(60), default="")
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    birth_date: Mapped[date]
    ethnicity: Mapped[str] = mapped_column(String(20), default="汉族")
    id_number_sealed: Mapped[str | None] = mapped_column("id_number", Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64))
    student_no_sealed: Mapped[str | None] = mapped_column("student_no", Text)
    class_id: Mapped[int | None]
    enrolled_on: Mapped[date | None]
    photo_uid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[ChildStatus] = mapped_column(
        enum_column(ChildStatus), default=ChildStatus.ACTIVE
    )

    # living and health
    address_sealed: Mapped[str | None] = mapped_column("address", Text)
    hukou_sealed: Mapped[str | None] = mapped_column("hukou_place", Text)
    is_boarder: Mapped[bool] = mapped_column(default=False)
    rides_bus: Mapped[bool] = mapped_column(default=False)
    bus_note: Mapped[str | None] = mapped_column(String(100))
    chronic_illness_sealed: Mapped[str | None] = mapped_column("chronic_illness", Text)
    allergies_sealed: Mapped[str | None] = mapped_column("allergies", Text)
    disability_sealed: Mapped[str | None] = mapped_column("disability", Text)
    character: Mapped[str | None] = mapped_column(Text)
    interests: Mapped[str | None] = mapped_column(Text)

    # care status; the two classifications are derived from the parents' situations
    left_behind_type: Mapped[LeftBehindType] = mapped_column(
        enum_column(LeftBehindType), default=LeftBehindType.NONE
    )
    civil_parent_condition: Mapped[bool] = mapped_column(default=False)
    is_migrant: Mapped[bool] = mapped_column(default=False)
    difficulty_sealed: Mapped[str | None] = mapped_column("difficulty_types", Text)
    three_special_sealed: Mapped[str | None] = mapped_column("three_special", Text)
    family_type_sealed: Mapped[str | None] = mapped_column("family_types", Text)

    # Two teachers saving the card at once: the second save names the version it was typed
    # over, and the UPDATE itself checks it (version_id_col), so neither overwrites unseen.
    version: Mapped[int] = mapped_column(server_default="1")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    id_number = Sensitive("id_number_sealed", blind_index="id_number_hash")
    student_no = Sensitive("student_no_sealed")
    address = Sensitive("address_sealed")
    hukou_place = Sensitive("hukou_sealed")
    chronic_illness = Sensitive("chronic_illness_sealed")
    allergies = Sensitive("allergies_sealed")
    disability = Sensitive("disability_sealed")
    difficulty_types = SensitiveSet("difficulty_sealed", DifficultyType)
    three_special = SensitiveSet("three_special_sealed", ThreeSpecial)
    family_types = SensitiveSet("family_type_sealed", FamilyType)

    school_class: Mapped[SchoolClass | None] = relationship(
        primaryjoin=same_tenant_join("Child", "class_id", "SchoolClass"),
        back_populates="children",
    )
    parents: Mapped[list[Parent]] = relationship(
        primaryjoin=same_tenant_join("Parent", "child_id", "Child"),
        back_populates="child",
        order_by="Parent.relation",  # father (父亲) first, as the paper forms have it
    )
    guardians: Mapped[list[Guardian]] = relationship(
        primaryjoin=same_tenant_join("Guardian", "child_id", "Child"),
        back_populates="child",
        order_by="Guardian.id",
    )
    status_changes: Mapped[list[ChildStatusChange]] = relationship(
        primaryjoin=same_tenant_join("ChildStatusChange", "child_id", "Child"),
        back_populates="child",
        order_by="ChildStatusChange.recorded_at.desc()",
    )

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_left_behind(self) -> bool:
        return self.left_behind_type != LeftBehindType.NONE

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    def is_left_behind_civil(self, day: date) -> bool:
        """The civil-affairs definition: both parents away, or one away and the other unable to
        care, and under sixteen (国发〔2016〕13号)."""
        return self.civil_parent_condition and self.age_on(day) < 16

    def parent(self, relation: ParentRelation) -> Parent | None:
        return next((p for p in self.parents if p.relation == relation), None)

    @property
    def active_guardians(self) -> list[Guardian]:
        return [g for g in self.guardians if g.ended_on is None]


class ParentRelation(Choice):
    FATHER = "father", _l("Father")
    MOTHER = "mother", _l("Mother")


class ParentSituation(Choice):
    UNKNOWN = "unknown", _l("Not yet recorded")
    AT_HOME = "at_home", _l("At home")
    WORKING_AWAY = "working_away", _l("Working away")
    CANNOT_CARE = "cannot_care", _l("Cannot care (ill, disabled, deceased …)")
    NOT_PRESENT = "not_present", _l("Not in the child's life (divorced, no contact)")


class Parent(HasUid, TenantScoped, Timestamped, Base):
    """A parent (父亲/母亲): where they are, where they work, how to reach them."""

    __tablename__ = "parent"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "child_id", "relation"),
    )

    child_id: Mapped[int]
    relation: Mapped[ParentRelation] = mapped_column(enum_column(ParentRelation))
    name: Mapped[str | None] = mapped_column(String(50))
    situation: Mapped[ParentSituation] = mapped_column(
        enum_column(ParentSituation), default=ParentSituation.UNKNOWN
    )
    phone_sealed: Mapped[str | None] = mapped_column("phone", Text)
    work_province: Mapped[str | None] = mapped_column(String(20))
    work_city: Mapped[str | None] = mapped_column(String(30))
    employer_sealed: Mapped[str | None] = mapped_column("employer", Text)
    employer_address_sealed: Mapped[str | None] = mapped_column("employer_address", Text)
    employer_phone_sealed: Mapped[str | None] = mapped_column("employer_phone", Text)
    away_since: Mapped[date | None]
    expected_return: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(server_default="1")  # as Child.version
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    phone = Sensitive("phone_sealed")
    employer = Sensitive("employer_sealed")
    employer_address = Sensitive("employer_address_sealed")
    employer_phone = Sensitive("employer_phone_sealed")

    child: Mapped[Child] = relationship(
        primaryjoin=same_tenant_join("Parent", "child_id", "Child"), back_populates="parents"
    )

    @property
    def work_place(self) -> str:
        return "".join(p for p in (self.work_province, self.work_city) if p)


class GuardianRelation(Choice):
    GRANDFATHER = "grandfather", _l("Grandfather (爷爷)")
    GRANDMOTHER = "grandmother", _l("Grandmother (奶奶)")
    MATERNAL_GRANDFATHER = "maternal_grandfather", _l("Grandfather (外公)")
    MATERNAL_GRANDMOTHER = "maternal_grandmother", _l("Grandmother (外婆)")
    FATHER = "father", _l("Father")
    MOTHER = "mother", _l("Mother")
    UNCLE = "uncle", _l("Uncle")
    AUNT = "aunt", _l("Aunt")
    SIBLING = "sibling", _l("Elder brother or sister")
    RELATIVE = "relative", _l("Other relative")
    NEIGHBOUR = "neighbour", _l("Neighbour")
    CARER = "carer", _l("Paid carer (托管)")


class GuardianKind(Choice):
    GUARDIAN = "guardian", _l("Guardian (监护人)")
    CARETAKER = "caretaker", _l("Caretaker (托管人)")


class Literacy(Choice):
    NONE = "none", _l("Cannot read")
    PRIMARY = "primary", _l("Primary school")
    JUNIOR = "junior", _l("Junior middle school")
    SENIOR = "senior", _l("Senior middle school")
    COLLEGE = "college", _l("College or above")


class CareAbility(Choice):
    GOOD = "good", _l("Cares well")
    FAIR = "fair", _l("Cares with difficulty")
    POOR = "poor", _l("Cannot really care")


class Guardian(HasUid, TenantScoped, Timestamped, Base):
    """A guardian or caretaker (监护人/托管人); several per child, ended rather than deleted."""

    __tablename__ = "guardian"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        Index(None, "tenant_id", "child_id"),
    )

    child_id: Mapped[int]
    kind: Mapped[GuardianKind] = mapped_column(
        enum_column(GuardianKind), default=GuardianKind.GUARDIAN
    )
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[GuardianRelation] = mapped_column(enum_column(GuardianRelation))
    age: Mapped[int | None]
    occupation: Mapped[str | None] = mapped_column(String(50))
    literacy: Mapped[Literacy | None] = mapped_column(enum_column(Literacy))
    care_ability: Mapped[CareAbility | None] = mapped_column(enum_column(CareAbility))
    may_pick_up: Mapped[bool] = mapped_column(default=False)
    photo_uid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    phone_sealed: Mapped[str | None] = mapped_column("phone", Text)
    address_sealed: Mapped[str | None] = mapped_column("address", Text)
    health_sealed: Mapped[str | None] = mapped_column("health", Text)
    started_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(server_default="1")  # as Child.version
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    phone = Sensitive("phone_sealed")
    address = Sensitive("address_sealed")
    health = Sensitive("health_sealed")

    child: Mapped[Child] = relationship(
        primaryjoin=same_tenant_join("Guardian", "child_id", "Child"), back_populates="guardians"
    )


class StatusKind(Choice):
    ENROLMENT = "enrolment", _l("Enrolment")
    CARE = "care", _l("Care status")


class ChildStatusChange(TenantScoped, Base):
    """One change of a child's enrolment or care status, kept for good (状态变更记录)."""

    __tablename__ = "child_status_change"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        Index(None, "tenant_id", "child_id"),
    )

    child_id: Mapped[int]
    kind: Mapped[StatusKind] = mapped_column(enum_column(StatusKind))
    from_value: Mapped[str] = mapped_column(String(32))
    to_value: Mapped[str] = mapped_column(String(32))
    effective_on: Mapped[date]
    reason: Mapped[str | None] = mapped_column(Text)
    other_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    child: Mapped[Child] = relationship(
        primaryjoin=same_tenant_join("ChildStatusChange", "child_id", "Child"),
        back_populates="status_changes",
    )
    recorded_by = relationship("User")
    other_tenant = relationship("Tenant", foreign_keys=[other_tenant_id])

    def label(self, value: str) -> str:
        enum = ChildStatus if self.kind == StatusKind.ENROLMENT else LeftBehindType
        return enum(value).label

    @property
    def from_label(self) -> str:
        return self.label(self.from_value)

    @property
    def to_label(self) -> str:
        return self.label(self.to_value)


class SurveyOutcome(Choice):
    UNCHANGED = "unchanged", _l("Unchanged")
    UPDATED = "updated", _l("Updated")


class SurveyConfirmation(TenantScoped, Base):
    """A class teacher's confirmation of one card in a term's survey (摸底)."""

    __tablename__ = "survey_confirmation"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("term_id", "term"),
        UniqueConstraint("tenant_id", "term_id", "child_id"),
    )

    term_id: Mapped[int]
    child_id: Mapped[int]
    outcome: Mapped[SurveyOutcome] = mapped_column(enum_column(SurveyOutcome))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportStatus(Choice):
    PREVIEWED = "previewed", _l("Waiting for confirmation")
    IMPORTED = "imported", _l("Imported")
    DISCARDED = "discarded", _l("Discarded")


class ImportBatch(HasUid, TenantScoped, Base):
    """An uploaded roster, checked and held until the user confirms it (名册导入)."""

    __tablename__ = "import_batch"
    __table_args__ = tenant_keys(
        tenant_fk("class_id", "school_class"),
        UniqueConstraint("tenant_id", "uid"),
    )

    filename: Mapped[str] = mapped_column(String(200))
    class_id: Mapped[int | None]
    row_count: Mapped[int] = mapped_column(default=0)
    payload_sealed: Mapped[str | None] = mapped_column("payload", Text)
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus), default=ImportStatus.PREVIEWED
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_at: Mapped[datetime | None]

    payload = Sensitive("payload_sealed")  # the rows hold ID numbers and phones


class TransferStatus(Choice):
    PENDING = "pending", _l("Waiting")
    ACCEPTED = "accepted", _l("Accepted")
    DECLINED = "declined", _l("Declined")
    CANCELLED = "cancelled", _l("Taken back by the sending school")


class ChildTransfer(HasUid, TenantScoped, Base):
    """A child's archive sent by another school in the deployment (转学档案), held by the
    receiving school: the card and history as they were, read-only."""

    __tablename__ = "child_transfer"
    __table_args__ = tenant_keys(
        tenant_fk("received_child_id", "child"),
        UniqueConstraint("tenant_id", "uid"),
    )

    from_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    source_child_id: Mapped[int]
    child_name: Mapped[str] = mapped_column(String(50))
    snapshot_sealed: Mapped[str] = mapped_column("snapshot", Text)
    note: Mapped[str | None] = mapped_column(Text)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[TransferStatus] = mapped_column(
        enum_column(TransferStatus), default=TransferStatus.PENDING
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    received_child_id: Mapped[int | None]

    snapshot = Sensitive("snapshot_sealed")

    from_tenant = relationship("Tenant", foreign_keys=[from_tenant_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    received_child = relationship(
        "Child",
        primaryjoin=same_tenant_join("ChildTransfer", "received_child_id", "Child"),
        viewonly=True,
    )
