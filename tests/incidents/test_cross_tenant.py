"""Another school's incidents, steps, safety log and agreements are not found, whatever id is
tried, and nothing of them changes (the walk in tests/test_cross_tenant.py tries every route;
this names the ones a user of this feature would try)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token
from webapp.children.models import Child, SchoolClass
from webapp.incidents.models import Agreement, Incident, IncidentStep


def hongxing_ids(app: Flask) -> dict[str, int]:
    with app_session(app, "hongxing") as session:
        incident = session.scalar(select(Incident).order_by(Incident.id))
        return {
            "incident": incident.id,
            "step": session.scalar(
                select(IncidentStep.id).where(IncidentStep.incident_id == incident.id).limit(1)
            ),
            "agreement": session.scalar(select(Agreement.id).order_by(Agreement.id)),
            "class": session.scalar(select(SchoolClass.id).where(SchoolClass.name == "三年级一班")),
        }


def test_another_schools_incident_and_paperwork_are_not_found(
    app: Flask, principal: FlaskClient
) -> None:
    ids = hongxing_ids(app)
    token = csrf_token(principal, "/me")
    for slug in ("yangguang", "hongxing"):
        base = f"/s/{slug}"
        for url in (
            f"{base}/incidents/{ids['incident']}",
            f"{base}/incidents/{ids['incident']}/edit",
            f"{base}/agreements/{ids['agreement']}",
            f"{base}/agreements/{ids['agreement']}/scan",
            f"{base}/safety-lessons/classes/{ids['class']}",
            f"{base}/agreements/classes/{ids['class']}",
        ):
            assert principal.get(url).status_code == 404, url
        for url in (
            f"{base}/incidents/{ids['incident']}/steps/{ids['step']}",
            f"{base}/incidents/{ids['incident']}/close",
            f"{base}/safety-lessons/classes/{ids['class']}",
        ):
            answer = principal.post(url, data={"csrf_token": token, "outcome": "x"})
            assert answer.status_code == 404, url
    with app_session(app, "hongxing") as session:
        incident = session.get(Incident, ids["incident"])
        assert incident.outcome != "x" and incident.closed_at is not None


def test_another_schools_children_cannot_be_named_in_an_incident(
    app: Flask, principal: FlaskClient
) -> None:
    with app_session(app, "hongxing") as session:
        foreign = session.scalar(select(Child.id).order_by(Child.id))
    picker = principal.get("/s/yangguang/incidents/new", query_string={"child_id": foreign})
    assert f'value="{foreign}"' not in picker.get_data(as_text=True)
