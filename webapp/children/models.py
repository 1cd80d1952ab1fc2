"""Classes and children."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.crypto import Sensitive, mask_id_number
from webapp.core.db import Base, HasUid, Timestamped, enum_column
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class Stage(StrEnum):
    KINDERGARTEN = "kindergarten"
    PRIMARY = "primary"
    JUNIOR = "junior"


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

    children: Mapped[list[Child]] = relationship(
        primaryjoin=same_tenant_join("Child", "class_id", "SchoolClass"),
        back_populates="school_class",
        order_by="Child.name",
    )


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        return str(GENDER_LABELS[self])


GENDER_LABELS = {Gender.MALE: _l("Boy"), Gender.FEMALE: _l("Girl")}


class ChildStatus(StrEnum):
    ACTIVE = "active"
    TRANSFERRED = "transferred"
    GRADUATED = "graduated"
    DROPPED_OUT = "dropped_out"


class Child(HasUid, TenantScoped, Timestamped, Base):
    """A child on the school's roll (学生/幼儿) and their archive card (档案)."""

    __tablename__ = "child"
    __table_args__ = tenant_keys(
        tenant_fk("class_id", "school_class"),
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "id_number_hash"),
        Index(None, "tenant_id", "class_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    birth_date: Mapped[date]
    ethnicity: Mapped[str] = mapped_column(String(20), default="汉族")
    id_number_sealed: Mapped[str | None] = mapped_column("id_number", Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64))
    student_no: Mapped[str | None] = mapped_column(String(30))
    class_id: Mapped[int | None]
    enrolled_on: Mapped[date | None]
    status: Mapped[ChildStatus] = mapped_column(
        enum_column(ChildStatus), default=ChildStatus.ACTIVE
    )

    id_number = Sensitive("id_number_sealed")

    school_class: Mapped[SchoolClass | None] = relationship(
        primaryjoin=same_tenant_join("Child", "class_id", "SchoolClass"),
        back_populates="children",
    )

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)
