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


def post(client, url: str, data: dict, **kwargs):
    """A form sent as a browser sends it, with the page's CSRF token."""
    from tests.helpers import csrf_token

    return client.post(url, data={"csrf_token": csrf_token(client, "/me"), **data}, **kwargs)


def user_id(app: Flask, phone: str) -> int:
    with app_session(app) as session:
        return find_user_by_phone(session, phone).id


def child_in(app: Flask, class_name: str, index: int = 0, slug: str = "yangguang") -> dict:
    """A child on the roll of that class of a demo school, by the order they were entered."""
    from webapp.children.models import Child, SchoolClass

    with app_session(app, slug) as session:
        child = session.scalars(
            select(Child)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == class_name)
            .order_by(Child.id)
        ).all()[index]
        return {"id": child.id, "name": child.name, "class_id": child.class_id}
