"""Writes to the archive. Takes plain values, flushes, never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.children.models import Child, Gender, SchoolClass, Stage
from webapp.children.queries import ID_NUMBER_PURPOSE
from webapp.core.crypto import cipher


class DuplicateIdNumber(ValueError):
    """The school already has a card with this ID number."""


def create_class(
    session: Session,
    *,
    name: str,
    stage: Stage,
    grade: int,
    section: int = 1,
    teacher_id: int | None = None,
) -> SchoolClass:
    school_class = SchoolClass(
        name=name, stage=stage, grade=grade, section=section, teacher_id=teacher_id
    )
    session.add(school_class)
    session.flush()
    return school_class


def register_child(
    session: Session,
    *,
    name: str,
    gender: Gender,
    birth_date: date,
    school_class: SchoolClass | None,
    id_number: str | None = None,
    **details: Any,
) -> Child:
    id_number_hash = None
    if id_number:
        hashes = cipher().blind_indexes(id_number, ID_NUMBER_PURPOSE)
        if session.scalar(select(Child.id).where(Child.id_number_hash.in_(hashes))):
            raise DuplicateIdNumber(id_number)
        id_number_hash = hashes[0]
    child = Child(
        name=name,
        gender=gender,
        birth_date=birth_date,
        school_class=school_class,
        id_number=id_number,
        id_number_hash=id_number_hash,
        **details,
    )
    session.add(child)
    session.flush()
    return child
