"""Demo data protection: each school's principal named protection officer, and the guardians'
consents recorded from the paper forms of the start of term (a few withheld, to show the gates)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.children.models import Child, SchoolClass
from webapp.core.org import Membership, Tenant
from webapp.core.permissions import Role
from webapp.core.tenancy import tenant_context
from webapp.privacy import queries, service
from webapp.privacy.models import Consent, ConsentKind, ConsentMethod

FORMS_SIGNED_ON = date(2026, 9, 1)
# Withheld: the second child a volunteer looks after at 阳光小学 (no sharing with volunteers),
# and the last child of 六年级一班 there (no photos).
NO_VOLUNTEER_SHARING = ("yangguang", "三年级二班", 1)
NO_PHOTOS = ("yangguang", "六年级一班", -1)


def name_officers(session: Session, tenants: dict[str, Tenant], report: Any) -> None:
    for tenant in tenants.values():
        principal_id = session.scalar(
            select(Membership.user_id)
            .where(Membership.tenant_id == tenant.id, Membership.role == Role.PRINCIPAL)
            .order_by(Membership.id)
            .limit(1)
        )
        if principal_id is None:
            continue
        with tenant_context(session, tenant.id):
            if queries.officer(session) is None:
                service.name_officer(session, principal_id, actor_id=principal_id)
                report.add("protection officers")


def load_consents(session: Session, tenants: dict[str, Tenant], report: Any) -> None:
    for slug, tenant in tenants.items():
        with tenant_context(session, tenant.id):
            if session.scalar(select(Consent.id).limit(1)) is not None:
                continue
            withheld = _withheld(session, slug)
            children = session.scalars(
                select(Child).options(selectinload(Child.guardians)).order_by(Child.id)
            ).all()
            for child in children:
                for kind in ConsentKind:
                    if (child.id, kind) in withheld:
                        continue
                    if kind == ConsentKind.PUBLICITY and child.id % 3 == 0:
                        continue
                    guardian = child.guardians[0] if child.guardians else None
                    service.record_consent(
                        session,
                        child.id,
                        kind=kind,
                        given_by=guardian.name if guardian else "监护人",
                        given_on=FORMS_SIGNED_ON,
                        method=ConsentMethod.PAPER_FORM,
                        form_reference=f"2026秋-{child.id:04d}",
                        actor_id=None,
                    )
                    report.add("consents")


def _withheld(session: Session, slug: str) -> set[tuple[int, ConsentKind]]:
    withheld = set()
    for (school, class_name, index), kind in (
        (NO_VOLUNTEER_SHARING, ConsentKind.VOLUNTEERS),
        (NO_PHOTOS, ConsentKind.PHOTOS),
    ):
        if school != slug:
            continue
        ids = session.scalars(
            select(Child.id)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == class_name)
            .order_by(Child.id)
        ).all()
        if ids:
            withheld.add((ids[index], kind))
    return withheld
