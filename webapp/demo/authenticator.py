"""The demo's principals, coordinators, archivists, counsellors and safety leads come with an
authenticator already set up, all on one published key, so the demo's step-up actions can be
tried: add the key to any authenticator app, or print the current code with
``flask --app webapp demo-code``. Production refuses to start while a demo account opens with
the demo password, so this key never guards real data."""

from __future__ import annotations

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.models import User
from webapp.auth.step_up import TOTP_ROLES
from webapp.core.db import utcnow
from webapp.core.org import Membership

DEMO_TOTP_SECRET = "SHOUWANGDEMOKEYSHOUWANGDEMOKEY23"


def enrol_demo_authenticators(session: Session) -> int:
    """Sets the demo key on every account with a step-up role that has none; says how many."""
    users = session.scalars(
        select(User)
        .where(
            User.id.in_(select(Membership.user_id).where(Membership.role.in_(TOTP_ROLES))),
            User.totp_sealed.is_(None),
        )
        .order_by(User.id)
    ).all()
    for user in users:
        user.totp_secret = DEMO_TOTP_SECRET
        user.totp_enrolled_at = utcnow()
    return len(users)


def demo_code() -> str:
    return pyotp.TOTP(DEMO_TOTP_SECRET).now()
