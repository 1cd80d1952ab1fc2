"""Who may record which kind of care for a child, and whose records a person may read.

The child's card decides how much of a child a person reaches (children.access): the whole
card, what a pairing needs, or the roster. On top of that:
- recording needs the kind's permission and enough of the child: a talk or a visit needs the
  child to be one's own (class or pairing); a family call logged in the children's home needs
  only the roster;
- reading: counselling is seen by the counsellor and the principal only, whoever else reaches
  the child; those who see the whole card read every other record; everybody else reads the
  records they wrote themselves, with the amendments of those records.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from webapp.care.models import RESTRICTED_KINDS, CareKind, CareRecord
from webapp.children.access import Access
from webapp.core.permissions import Role, can

RECORD_PERMISSION = {
    CareKind.TALK: "care.talk",
    CareKind.HOME_VISIT: "care.home_visit",
    CareKind.PARENT_CONTACT: "care.parent_contact",
    CareKind.FAMILY_CALL: "care.family_call",
    CareKind.LETTER_HOME: "care.letter_home",
    CareKind.COUNSELLING: "care.counselling",
    CareKind.ASSISTANCE: "care.assistance",
    CareKind.GROWTH: "care.growth",
}

# The least of the child a kind needs: a family call is logged by the keeper of the children's
# home, who reaches every child on the roster; counselling by the counsellor, likewise.
ACCESS_NEEDED = {
    CareKind.TALK: Access.PAIRING,
    CareKind.HOME_VISIT: Access.PAIRING,
    CareKind.PARENT_CONTACT: Access.PAIRING,
    CareKind.FAMILY_CALL: Access.ROSTER,
    CareKind.LETTER_HOME: Access.ROSTER,
    CareKind.COUNSELLING: Access.ROSTER,
    CareKind.ASSISTANCE: Access.FULL,
    CareKind.GROWTH: Access.PAIRING,
}


def may_record(kind: CareKind, access: Access, roles: frozenset[Role]) -> bool:
    return can(RECORD_PERMISSION[kind], roles) and access >= ACCESS_NEEDED[kind]


def sees_restricted(roles: frozenset[Role]) -> bool:
    return can("care.counselling", roles)


def readable_records(user_id: int, access: Access, roles: frozenset[Role]) -> ColumnElement[bool]:
    """A WHERE clause for the records of one child this person may read."""
    restricted = CareRecord.kind.in_(RESTRICTED_KINDS)
    open_kinds = ~restricted
    if access == Access.FULL:
        readable_open = true()
    else:
        own_ids = select(CareRecord.id).where(CareRecord.author_id == user_id).scalar_subquery()
        readable_open = or_(CareRecord.author_id == user_id, CareRecord.amends_id.in_(own_ids))
    clauses = [and_(open_kinds, readable_open)]
    clauses.append(restricted if sees_restricted(roles) else false())
    return or_(*clauses)


def may_read(record: CareRecord, user_id: int, access: Access, roles: frozenset[Role]) -> bool:
    if record.is_restricted:
        return sees_restricted(roles)
    return access == Access.FULL or record.author_id == user_id
