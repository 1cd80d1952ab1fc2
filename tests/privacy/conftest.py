"""Fixtures of the data protection tests: a school of their own, with no history."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import app_session
from webapp.auth.service import find_user_by_phone
from webapp.core.org import Membership, Tenant, TenantKind
from webapp.core.permissions import Role

PRINCIPAL_PHONE = "13800000001"


@dataclass(frozen=True)
class NewSchool:
    id: int
    slug: str


@pytest.fixture
def new_school(app: Flask, transaction: None) -> NewSchool:
    """A school just set up: 阳光小学's principal is its principal too; no officer, no log."""
    with app_session(app) as session:
        tenant = Tenant(slug="xinjian", name="新建小学", kind=TenantKind.SCHOOL)
        session.add(tenant)
        session.flush()
        principal = find_user_by_phone(session, PRINCIPAL_PHONE)
        session.add(Membership(tenant_id=tenant.id, user_id=principal.id, role=Role.PRINCIPAL))
        session.flush()
        assert session.scalar(select(Tenant.id).where(Tenant.slug == "xinjian")) == tenant.id
        return NewSchool(tenant.id, tenant.slug)
