"""Care work: pairings, the care records on a child's timeline, plans, activities, alerts, and
the cadences the duty engine counts against.

A care record (谈心, 家访, 亲情联系 …) is one row of ``care_record`` whatever its kind: the
timeline, the duty engine and the reports read one table. What a kind needs beyond the common
columns is sealed in ``details`` (home conditions, hazards, amounts); what was said is sealed in
``notes``. A record is never deleted: after its grace period it is read-only, and a correction
is an amendment that points at the original.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.crypto import Sensitive
from webapp.core.db import Base, HasUid, Timestamped, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class PairingKind(Choice):
    PROXY_PARENT = "proxy_parent", _l("Proxy parent")
    VOLUNTEER = "volunteer", _l("Community volunteer")
    STUDENT_HELPER = "student_helper", _l("Study buddy")


class Pairing(TenantScoped, Timestamped, Base):
    """A pairing (结对): a staff member, volunteer or fellow pupil looking after one child."""

    __tablename__ = "pairing"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("helper_child_id", "child"),
        Index(None, "tenant_id", "user_id", "ended_on"),
        Index(None, "tenant_id", "child_id", "ended_on"),
    )

    child_id: Mapped[int]
    kind: Mapped[PairingKind] = mapped_column(enum_column(PairingKind))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    helper_child_id: Mapped[int | None]
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    child = relationship(
        "Child", primaryjoin=same_tenant_join("Pairing", "child_id", "Child"), viewonly=True
    )
    helper_child = relationship(
        "Child", primaryjoin=same_tenant_join("Pairing", "helper_child_id", "Child"), viewonly=True
    )
    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class CareKind(Choice):
    TALK = "talk", _l("Talk")
    HOME_VISIT = "home_visit", _l("Home visit")
    PARENT_CONTACT = "parent_contact", _l("Parent contact")
    FAMILY_CALL = "family_call", _l("Family call")
    LETTER_HOME = "letter_home", _l("Letter home")
    COUNSELLING = "counselling", _l("Counselling")
    ASSISTANCE = "assistance", _l("Assistance")
    GROWTH = "growth", _l("Growth record")


# Kinds only their named roles ever see (心理辅导: the counsellor and the principal).
RESTRICTED_KINDS = frozenset({CareKind.COUNSELLING})


class Topic(Choice):
    """What a talk was about: the chips of the talk form."""

    STUDY = "study", _l("Study")
    DAILY_LIFE = "daily_life", _l("Daily life")
    FEELINGS = "feelings", _l("Feelings")
    FRIENDS = "friends", _l("Friends")
    HEALTH = "health", _l("Health")
    SAFETY = "safety", _l("Safety")
    FAMILY = "family", _l("Family")


class Channel(Choice):
    FACE_TO_FACE = "face_to_face", _l("In person")
    PHONE = "phone", _l("Phone")
    VIDEO = "video", _l("Video")
    WECHAT = "wechat", _l("WeChat")
    SMS = "sms", _l("Text message")
    LETTER = "letter", _l("Letter")


class Direction(Choice):
    """Who reached out: the school to the family, or the family to the school (or child)."""

    OUTGOING = "outgoing", _l("We called them")
    INCOMING = "incoming", _l("They called us")


class Mood(Choice):
    """The five-step mood of a talk, worst first; its number is what the alerts compare."""

    VERY_LOW = "1", _l("Very low")
    LOW = "2", _l("Low")
    OKAY = "3", _l("Okay")
    GOOD = "4", _l("Good")
    VERY_GOOD = "5", _l("Very good")

    @property
    def score(self) -> int:
        return int(self.value)


class Hazard(Choice):
    """The dangers a home visit looks for (安全隐患): the chips of the visit form, kept in the
    record's details."""

    ELECTRICITY = "electricity", _l("Electricity")
    FIRE = "fire", _l("Fire and stoves")
    WATER = "water", _l("Drinking water")
    HOUSING = "housing", _l("Unsafe house")
    TRAFFIC = "traffic", _l("Road traffic")
    DROWNING = "drowning", _l("Ponds and rivers")


class CareRecord(HasUid, TenantScoped, Base):
    """One piece of care work on a child's timeline (谈心记录, 家访记录, 亲情联系 …).

    ``uid`` is the create form's own UUID: a double tap, a retry or an offline replay finds the
    record it already made. ``happened_at`` is when it took place, ``created_at`` when it was
    recorded. Group entries share a ``group_uid``; an amendment points at its original.
    """

    __tablename__ = "care_record"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("amends_id", "care_record"),
        tenant_fk("parent_id", "parent"),
        tenant_fk("guardian_id", "guardian"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "child_id", "happened_on"),
        Index(None, "tenant_id", "kind", "happened_on"),
        Index(None, "tenant_id", "author_id", "happened_on"),
        Index(None, "tenant_id", "follow_up_due"),
    )

    child_id: Mapped[int]
    kind: Mapped[CareKind] = mapped_column(enum_column(CareKind))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    happened_at: Mapped[datetime]
    happened_on: Mapped[date]  # the local (Beijing) day of happened_at, for the duty engine
    channel: Mapped[Channel | None] = mapped_column(enum_column(Channel))
    direction: Mapped[Direction | None] = mapped_column(enum_column(Direction))
    parent_id: Mapped[int | None]  # the parent or guardian a contact or call was with
    guardian_id: Mapped[int | None]
    minutes: Mapped[int | None]
    topics_csv: Mapped[str | None] = mapped_column("topics", String(120))
    mood: Mapped[Mood | None] = mapped_column(enum_column(Mood, length=1))
    concern: Mapped[bool] = mapped_column(default=False)
    notes_sealed: Mapped[str | None] = mapped_column("notes", Text)
    details_sealed: Mapped[str | None] = mapped_column("details", Text)
    follow_up_sealed: Mapped[str | None] = mapped_column("follow_up", Text)
    follow_up_due: Mapped[date | None]
    follow_up_done_on: Mapped[date | None]
    follow_up_done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    amends_id: Mapped[int | None]
    amend_reason: Mapped[str | None] = mapped_column(String(200))
    group_uid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    notes = Sensitive("notes_sealed")
    details_json = Sensitive("details_sealed")
    follow_up = Sensitive("follow_up_sealed")

    child = relationship(
        "Child", primaryjoin=same_tenant_join("CareRecord", "child_id", "Child"), viewonly=True
    )
    author = relationship("User", foreign_keys=[author_id])
    parent = relationship(
        "Parent", primaryjoin=same_tenant_join("CareRecord", "parent_id", "Parent"), viewonly=True
    )
    guardian = relationship(
        "Guardian",
        primaryjoin=same_tenant_join("CareRecord", "guardian_id", "Guardian"),
        viewonly=True,
    )
    photos: Mapped[list[CarePhoto]] = relationship(
        primaryjoin="and_(CarePhoto.tenant_id == CareRecord.tenant_id, "
        "foreign(CarePhoto.record_id) == CareRecord.id)",
        order_by="CarePhoto.id",
        viewonly=True,
    )
    # Read-only: an amendment is written by naming amends_id (the timeline joins these).
    amendments: Mapped[list[CareRecord]] = relationship(
        primaryjoin="and_(remote(CareRecord.tenant_id) == CareRecord.tenant_id, "
        "foreign(remote(CareRecord.amends_id)) == CareRecord.id)",
        order_by="(CareRecord.created_at, CareRecord.id)",
        viewonly=True,
    )

    @property
    def topics(self) -> frozenset[Topic]:
        return frozenset(Topic(t) for t in (self.topics_csv or "").split(",") if t)

    @topics.setter
    def topics(self, value: Any) -> None:
        self.topics_csv = ",".join(sorted(Topic(t) for t in (value or ()))) or None

    @property
    def details(self) -> dict[str, Any]:
        return json.loads(self.details_json) if self.details_json else {}

    @details.setter
    def details(self, value: dict[str, Any] | None) -> None:
        self.details_json = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else None

    @property
    def is_restricted(self) -> bool:
        return self.kind in RESTRICTED_KINDS

    @property
    def follow_up_open(self) -> bool:
        return bool(self.follow_up_sealed) and self.follow_up_done_on is None


class CarePhoto(TenantScoped, Base):
    """A photo of a home visit or an activity: shrunk, stripped, sealed, outside static/."""

    __tablename__ = "care_photo"
    __table_args__ = tenant_keys(
        tenant_fk("record_id", "care_record"),
        tenant_fk("activity_id", "care_activity"),
        Index(None, "tenant_id", "record_id"),
        Index(None, "tenant_id", "activity_id"),
    )

    record_id: Mapped[int | None]
    activity_id: Mapped[int | None]
    photo_uid: Mapped[uuid.UUID] = mapped_column(Uuid)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityTheme(Choice):
    CLASS_MEETING = "class_meeting", _l("Themed class meeting")
    BIRTHDAY = "birthday", _l("Birthday party")
    FESTIVAL = "festival", _l("Festival")
    LECTURE = "lecture", _l("Talk on law, safety or mental health")
    INTEREST_GROUP = "interest_group", _l("Interest group")
    OUTING = "outing", _l("Outing")
    OTHER = "other", _l("Other")


class CareActivity(HasUid, TenantScoped, Timestamped, Base):
    """A care activity (关爱活动) and who took part: counts toward the weekly activity duty."""

    __tablename__ = "care_activity"
    __table_args__ = tenant_keys(
        tenant_fk("class_id", "school_class"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "happened_on"),
    )

    title: Mapped[str] = mapped_column(String(100))
    theme: Mapped[ActivityTheme] = mapped_column(enum_column(ActivityTheme))
    happened_on: Mapped[date]
    place: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(Text)
    class_id: Mapped[int | None]
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    organiser = relationship("User", foreign_keys=[organiser_id])
    participants: Mapped[list[ActivityParticipant]] = relationship(
        primaryjoin=same_tenant_join("ActivityParticipant", "activity_id", "CareActivity"),
        viewonly=True,
    )


class ActivityParticipant(TenantScoped, Base):
    """A child who took part in a care activity."""

    __tablename__ = "activity_participant"
    __table_args__ = tenant_keys(
        tenant_fk("activity_id", "care_activity"),
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "activity_id", "child_id"),
        Index(None, "tenant_id", "child_id"),
    )

    activity_id: Mapped[int]
    child_id: Mapped[int]


class IndividualPlan(HasUid, TenantScoped, Timestamped, Base):
    """An individual education plan (个别教育管理方案) for a child with serious learning,
    behaviour or psychological problems. Restricted like counselling."""

    __tablename__ = "individual_plan"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "child_id"),
    )

    child_id: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    problem_sealed: Mapped[str | None] = mapped_column("problem", Text)
    goals_sealed: Mapped[str | None] = mapped_column("goals", Text)
    measures_sealed: Mapped[str | None] = mapped_column("measures", Text)

    problem = Sensitive("problem_sealed")
    goals = Sensitive("goals_sealed")
    measures = Sensitive("measures_sealed")

    author = relationship("User", foreign_keys=[author_id])
    reviews: Mapped[list[PlanReview]] = relationship(
        primaryjoin=same_tenant_join("PlanReview", "plan_id", "IndividualPlan"),
        order_by="PlanReview.reviewed_on.desc()",
        viewonly=True,
    )


class PlanReview(HasUid, TenantScoped, Base):
    """A review of an individual plan: what changed, what next."""

    __tablename__ = "plan_review"
    __table_args__ = tenant_keys(
        tenant_fk("plan_id", "individual_plan"),
        UniqueConstraint("tenant_id", "uid"),
    )

    plan_id: Mapped[int]
    reviewed_on: Mapped[date]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    notes_sealed: Mapped[str | None] = mapped_column("notes", Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notes = Sensitive("notes_sealed")
    author = relationship("User", foreign_keys=[author_id])


class LearningPlan(HasUid, TenantScoped, Timestamped, Base):
    """A learning support plan (学习帮扶计划) for one child and one term, with its helper."""

    __tablename__ = "learning_plan"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("term_id", "term"),
        tenant_fk("helper_child_id", "child"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "child_id", "term_id"),
    )

    child_id: Mapped[int]
    term_id: Mapped[int]
    subjects: Mapped[str] = mapped_column(String(100))
    helper_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    helper_child_id: Mapped[int | None]
    goals: Mapped[str | None] = mapped_column(Text)
    checkpoints: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    helper_user = relationship("User", foreign_keys=[helper_user_id])
    author = relationship("User", foreign_keys=[author_id])


class TermScore(TenantScoped, Timestamped, Base):
    """A child's score in one subject at the end of a term, and the rank in class (进步档案)."""

    __tablename__ = "term_score"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("term_id", "term"),
        UniqueConstraint("tenant_id", "child_id", "term_id", "subject"),
    )

    child_id: Mapped[int]
    term_id: Mapped[int]
    subject: Mapped[str] = mapped_column(String(20))
    score: Mapped[float]
    class_rank: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class AlertKind(Choice):
    CONCERN = "concern", _l("Concern raised in a talk")
    LOW_MOOD = "low_mood", _l("Low mood or concerns again and again")


class CareAlert(TenantScoped, Base):
    """A flag that reaches a person: the class teacher and counsellor for a concern, the
    counsellor when low moods or concerns repeat within a month. One row per recipient, so each
    acknowledges for themselves."""

    __tablename__ = "care_alert"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("record_id", "care_record"),
        UniqueConstraint("tenant_id", "record_id", "recipient_id", "kind"),
        Index(None, "tenant_id", "recipient_id", "acknowledged_at"),
    )

    child_id: Mapped[int]
    record_id: Mapped[int]
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]

    child = relationship(
        "Child", primaryjoin=same_tenant_join("CareAlert", "child_id", "Child"), viewonly=True
    )
    record = relationship(
        "CareRecord",
        primaryjoin=same_tenant_join("CareAlert", "record_id", "CareRecord"),
        viewonly=True,
    )


class DutyKey(Choice):
    """The duties the engine counts; their defaults are in ``duties.DUTIES``."""

    PROXY_PARENT_TALK = "proxy_parent_talk", _l("Proxy parent's talk")
    CLASS_TEACHER_TALK = "class_teacher_talk", _l("Class teacher's talk")
    PARENT_CONTACT = "parent_contact", _l("Contact with the parents")
    HOME_VISIT = "home_visit", _l("Home visit")
    LETTER_HOME = "letter_home", _l("Letter home")
    ACTIVITY = "activity", _l("Care activity")
    FAMILY_CALL = "family_call", _l("Family call")


class Period(Choice):
    WEEK = "week", _l("Every week")
    FORTNIGHT = "fortnight", _l("Every two weeks")
    MONTH = "month", _l("Every month")
    TERM = "term", _l("Every term")


class DutyCadence(TenantScoped, Timestamped, Base):
    """A school's own cadence for one duty, where it differs from the default."""

    __tablename__ = "duty_cadence"
    __table_args__ = tenant_keys(UniqueConstraint("tenant_id", "duty"))

    duty: Mapped[DutyKey] = mapped_column(enum_column(DutyKey))
    period: Mapped[Period] = mapped_column(enum_column(Period))
    enabled: Mapped[bool] = mapped_column(default=True)
