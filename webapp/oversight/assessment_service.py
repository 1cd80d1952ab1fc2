"""Writing the assessment: a unit's scheme for a year (a new version once a school was scored
against it) and a school's points per criterion, each change audited with the school.

Each function takes plain values, flushes, writes its audit rows and returns; the caller commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.tenancy import ALL_TENANTS, tenant_context
from webapp.oversight.assessment_models import (
    TOTAL_POINTS,
    AssessmentCriterion,
    AssessmentScheme,
    AssessmentScore,
)

# The defaults: the province's checklist for a children's home (留守儿童之家建设考评细则, nine
# criteria, 100 points), worded for what one school answers for.
DEFAULT_CRITERIA = (
    (
        _l(
            "Leadership: the school has a working group for left-behind children, an assessment, "
            "inspection and incentive system, and its own plan for the children's home."
        ),
        10,
    ),
    (
        _l(
            "Responsibility: the school signs responsibility letters with class teachers and "
            "proxy parents; every child has someone answerable."
        ),
        10,
    ),
    (
        _l(
            "Knowing the numbers: every left-behind child is surveyed and the term roster is "
            "submitted on time; the home serves the children who need it."
        ),
        10,
    ),
    (
        _l(
            "Space: a room of at least 40 m² and an outdoor area of at least 100 m², pleasant, "
            "comfortable and safe."
        ),
        15,
    ),
    (
        _l(
            "Equipment: two bookshelves, ten desks and twenty stools; internet access and video "
            "calls between children and parents."
        ),
        15,
    ),
    (
        _l(
            "Management: a management group and electronic records for the home; keepers with the "
            "required education (college for schools, secondary vocational for kindergartens)."
        ),
        10,
    ),
    (
        _l(
            "People and activities: a stable team of volunteers and proxy parents, regular care "
            "activities, part-time teachers from the community."
        ),
        10,
    ),
    (
        _l(
            "Records and rules: full records of the children, their parents and guardians, of "
            "their learning, health and activities; rules for study, activities and management "
            "on the wall."
        ),
        10,
    ),
    (
        _l(
            "Setting: the home is warm and bright, its computers, television, piano, phone, books "
            "and sports things complete and tidy, the provincial sign on the wall."
        ),
        10,
    ),
)


class SchemeNotBalanced(ValueError):
    """The criteria of a scheme do not add up to 100 points."""


class SchemeChangedMeanwhile(Exception):
    """Someone saved the year's scheme at the same moment."""


class PointsOutOfRange(ValueError):
    """A score above the criterion's maximum or below nought."""


def default_criteria() -> list[tuple[str, int]]:
    return [(str(title), points) for title, points in DEFAULT_CRITERIA]


def latest_scheme(
    session: Session, unit_id: int, year: int, *, lock: bool = False
) -> AssessmentScheme | None:
    statement = (
        select(AssessmentScheme)
        .where(AssessmentScheme.org_unit_id == unit_id, AssessmentScheme.year == year)
        .order_by(AssessmentScheme.version.desc())
        .limit(1)
    )
    if lock:  # two saves at the same moment: one waits for the other
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalar(statement)


def scores_exist(session: Session, scheme: AssessmentScheme, tenant_ids: list[int]) -> bool:
    """Whether any school below has been scored against this scheme (it is then in use)."""
    if not tenant_ids:
        return False
    found = session.scalar(
        select(func.count())
        .select_from(AssessmentScore)
        .where(AssessmentScore.scheme_id == scheme.id, AssessmentScore.tenant_id.in_(tenant_ids))
        .execution_options(**{ALL_TENANTS: True})
    )
    return bool(found)


def save_scheme(
    session: Session,
    *,
    unit_id: int,
    year: int,
    criteria: list[tuple[str, int]],
    tenant_ids: list[int],
    actor_id: int,
) -> tuple[AssessmentScheme, bool]:
    """Keep the year's criteria. A scheme nobody was scored against is changed in place; one in
    use gets a new version and keeps what was scored against it. Returns the scheme and
    whether it is a new version. The same criteria again change nothing."""
    if sum(points for _title, points in criteria) != TOTAL_POINTS or not criteria:
        raise SchemeNotBalanced()
    latest = latest_scheme(session, unit_id, year, lock=True)
    if latest is not None and [(c.title, c.max_points) for c in latest.criteria] == criteria:
        return latest, False
    if latest is not None and not scores_exist(session, latest, tenant_ids):
        for criterion in list(latest.criteria):
            session.delete(criterion)
        session.flush()
        session.expire(latest, ["criteria"])
        scheme, new_version = latest, False
    else:
        scheme = AssessmentScheme(
            org_unit_id=unit_id,
            year=year,
            version=(latest.version + 1) if latest else 1,
            created_by_id=actor_id,
        )
        try:
            with session.begin_nested():
                session.add(scheme)
                session.flush()
        except IntegrityError:  # the same save arrived twice at once: the first one stands
            raise SchemeChangedMeanwhile() from None
        new_version = latest is not None
    for position, (title, points) in enumerate(criteria, start=1):
        session.add(
            AssessmentCriterion(
                scheme_id=scheme.id, position=position, title=title, max_points=points
            )
        )
    session.flush()
    session.expire(scheme, ["criteria"])
    return scheme, new_version


@dataclass(frozen=True)
class ScoreEntry:
    criterion_id: int
    points: int | None  # None: not scored yet
    note: str = ""
    evidence: list[str] = field(default_factory=list)
    snapshot_id: int | None = None


def save_scores(
    session: Session,
    *,
    tenant_id: int,
    scheme: AssessmentScheme,
    entries: list[ScoreEntry],
    actor_id: int | None,
) -> int:
    """Keep a school's points on the scheme's criteria; returns how many changed. Kept with the
    school, and each change is written to the school's audit log (fields, never values). The
    same sheet sent twice changes nothing the second time, also when both arrive at once."""
    criteria = {c.id: c for c in scheme.criteria}
    changed = 0
    with tenant_context(session, tenant_id):
        existing = {
            s.criterion_id: s
            for s in session.scalars(
                select(AssessmentScore).where(AssessmentScore.scheme_id == scheme.id)
            )
        }
        for entry in entries:
            criterion = criteria[entry.criterion_id]
            reason = f"{scheme.year} v{scheme.version} #{criterion.position}"
            score = existing.get(entry.criterion_id)
            if entry.points is None:  # not scored, or no longer: the criterion is open again
                if score is not None:
                    cleared = f"{reason} cleared"
                    _audit(session, AuditAction.UPDATE, score, ["points"], actor_id, cleared)
                    session.delete(score)
                    changed += 1
                continue
            if not 0 <= entry.points <= criterion.max_points:
                raise PointsOutOfRange(criterion.position)
            values = {
                "points": entry.points,
                "note": entry.note,
                "evidence_json": json.dumps(entry.evidence, ensure_ascii=False),
                "snapshot_id": entry.snapshot_id,
            }
            if score is None:
                score = AssessmentScore(
                    scheme_id=scheme.id, criterion_id=criterion.id, scored_by_id=actor_id, **values
                )
                try:
                    with session.begin_nested():
                        session.add(score)
                        session.flush()
                except IntegrityError:  # made by the same sheet sent at the same moment
                    score = session.scalar(
                        select(AssessmentScore).where(AssessmentScore.criterion_id == criterion.id)
                    )
                    if score is None:
                        raise
                else:
                    _audit(session, AuditAction.CREATE, score, sorted(values), actor_id, reason)
                    changed += 1
                    continue
            fields = [key for key, value in values.items() if getattr(score, key) != value]
            if not fields:
                continue
            for key in fields:
                setattr(score, key, values[key])
            score.scored_by_id = actor_id
            _audit(session, AuditAction.UPDATE, score, fields, actor_id, reason)
            changed += 1
        session.flush()
    return changed


def _audit(
    session: Session,
    action: AuditAction,
    score: AssessmentScore,
    fields: list[str],
    actor_id: int | None,
    reason: str,
) -> None:
    audit.record(
        session,
        action,
        actor_id=actor_id,
        subject="assessment_score",
        subject_id=score.id,
        fields=[field.removesuffix("_json") for field in fields],
        reason=reason,
    )
