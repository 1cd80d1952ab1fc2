"""A home visit kept on the phone goes first, its photos after it, each by its number: a photo
sent again (its answer lost) is not added twice; only the author may add them."""

from __future__ import annotations

import io
import uuid
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from tests.care.entry import child_with_guardian, new_url, user_id
from tests.care.people import post
from tests.care.test_home_visit import visit
from tests.conftest import app_session
from tests.helpers import log_in, text_of
from tests.privacy.test_consent import PHOTO_REFUSED, consent_id
from webapp.care.models import CarePhoto, CareRecord
from webapp.privacy.models import Consent, ConsentKind
from webapp.privacy.service import withdraw_consent

TEACHER = "13800000002"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "green").save(out, "JPEG")
    return out.getvalue()


def photos_of(app: Flask, uid: uuid.UUID) -> int:
    with app_session(app, "yangguang") as session:
        record_id = session.scalar(select(CareRecord.id).where(CareRecord.uid == uid))
        return session.scalar(
            select(func.count()).select_from(CarePhoto).where(CarePhoto.record_id == record_id)
        )


def send_photo(client: FlaskClient, uid: uuid.UUID, number: int, data: bytes = b""):
    return post(
        client,
        f"/s/yangguang/offline/records/{uid}/photos/{number}",
        {"photo": (io.BytesIO(data or jpeg()), "yard.jpg")},
        content_type="multipart/form-data",
    )


def test_photos_follow_their_record_once_each(app: Flask, teacher: FlaskClient) -> None:
    child = child_with_guardian(app)
    uid = uuid.uuid4()
    data = visit(app, child, uid=str(uid)) | {"visitors": [str(user_id(app, TEACHER))]}
    assert post(teacher, new_url("home_visit", child["id"]), data).status_code == 303
    assert photos_of(app, uid) == 0
    for _replay in range(2):  # the second round: the first one's answers were lost
        assert send_photo(teacher, uid, 0).status_code == 204
        assert send_photo(teacher, uid, 1).status_code == 204
    assert photos_of(app, uid) == 2
    refused = send_photo(teacher, uid, 2, b"not a photo at all")
    assert refused.status_code == 422 and "这不是可用的照片" in refused.get_data(as_text=True)
    assert photos_of(app, uid) == 2


def test_only_the_author_adds_photos_to_a_record(app: Flask, client: FlaskClient) -> None:
    child = child_with_guardian(app)
    uid = uuid.uuid4()
    log_in(client, TEACHER)
    data = visit(app, child, uid=str(uid))
    assert post(client, new_url("home_visit", child["id"]), data).status_code == 303
    client.post("/logout", data={"csrf_token": client.get("/csrf").get_json()["token"]})
    log_in(client, "13800000001")  # the principal
    assert send_photo(client, uid, 0).status_code == 404
    assert send_photo(client, uuid.uuid4(), 0).status_code == 404  # no such record
    assert photos_of(app, uid) == 0


def test_a_photo_kept_offline_needs_the_guardians_consent_like_one_sent_at_once(
    app: Flask, teacher: FlaskClient
) -> None:
    """The record arrives first, without photos; its photo, sent after it, is refused with the
    form's own message (the phone shows it under 需处理), and the record stays."""
    child = child_with_guardian(app)
    with app_session(app, "yangguang") as session:
        consent = session.get(Consent, consent_id(app, child["id"], ConsentKind.PHOTOS))
        withdraw_consent(session, consent, withdrawn_by="奶奶", on=date.today(), actor_id=None)
    uid = uuid.uuid4()
    data = visit(app, child, uid=str(uid)) | {"visitors": [str(user_id(app, TEACHER))]}
    assert post(teacher, new_url("home_visit", child["id"]), data).status_code == 303
    refused = send_photo(teacher, uid, 0)
    assert refused.status_code == 422
    assert child["name"] + PHOTO_REFUSED in text_of(refused)
    assert photos_of(app, uid) == 0
