"""The protection officer's panel on the today page: alerts not yet seen, grants waiting.
For a principal whose school has no officer yet: a reminder to name one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from webapp.core.permissions import Role
from webapp.privacy import queries
from webapp.privacy.models import AccessGrant, PrivacyAlert


@dataclass(frozen=True)
class PrivacyPanel:
    alerts: list[PrivacyAlert]
    waiting: list[AccessGrant]
    officer_missing: bool = False


def panel(session: Session, user_id: int, roles: frozenset[Role]) -> PrivacyPanel | None:
    named = queries.officer_user_id(session)
    if named is None:
        return PrivacyPanel([], [], officer_missing=True) if Role.PRINCIPAL in roles else None
    if named != user_id:
        return None
    alerts, waiting = queries.unseen_alerts(session, limit=10), queries.waiting_grants(session)
    return PrivacyPanel(alerts, waiting) if alerts or waiting else None
