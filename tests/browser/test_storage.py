"""After ten pages in a real browser the phone keeps no child's name, ID number or phone in
plain text: not in localStorage, not in sessionStorage, not in any IndexedDB store (the outbox
and the home-visit pack are there, encrypted) and not in the service worker's caches."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.browser.test_login_end import server  # noqa: F401 - a server of its own
from tests.browser.test_offline import download_pack
from tests.browser.test_phone import arrive, log_in
from tests.conftest import app_session
from webapp.children.models import Child

pytestmark = pytest.mark.browser

# Everything the origin keeps, as text: ArrayBuffers and typed arrays both as UTF-8 and byte by
# byte (plain text hidden in bytes is found either way), keys that cannot be read by name.
READ_STORAGE = """
async () => {
  const asText = (bytes) => {
    const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let latin = "";
    for (const b of view) latin += String.fromCharCode(b);
    return [new TextDecoder().decode(view), latin];
  };
  const plain = async (value) => {
    if (value === null || value === undefined) return value;
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return asText(value);
    if (value instanceof Blob) return await value.text();
    if (typeof CryptoKey !== "undefined" && value instanceof CryptoKey) return "[CryptoKey]";
    if (Array.isArray(value)) return Promise.all(value.map(plain));
    if (typeof value === "object") {
      const out = {};
      for (const [k, v] of Object.entries(value)) out[k] = await plain(v);
      return out;
    }
    return value;
  };
  const request = (r) => new Promise((ok, fail) => {
    r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error);
  });
  const found = {local: {}, session: {}, indexedDB: {}, caches: {}};
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i); found.local[k] = localStorage.getItem(k);
  }
  for (let i = 0; i < sessionStorage.length; i++) {
    const k = sessionStorage.key(i); found.session[k] = sessionStorage.getItem(k);
  }
  for (const info of await indexedDB.databases()) {
    const db = await request(indexedDB.open(info.name));
    const stores = {};
    for (const name of Array.from(db.objectStoreNames)) {
      const store = db.transaction(name, "readonly").objectStore(name);
      const keys = await request(store.getAllKeys());
      const values = await request(db.transaction(name, "readonly").objectStore(name).getAll());
      stores[name] = {keys: await plain(keys), values: await plain(values)};
    }
    db.close();
    found.indexedDB[info.name] = stores;
  }
  if (window.caches) {
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      found.caches[name] = {};
      for (const req of await cache.keys()) {
        found.caches[name][req.url] = await (await cache.match(req)).text();
      }
    }
  }
  return found;
}
"""


def children_details(app) -> dict[str, set[str]]:
    """Every demo child's name and ID number, and the phones of their parents and guardians."""
    names, id_numbers, phones = set(), set(), set()
    for slug in ("yangguang", "yangguang-kg", "hongxing"):
        with app_session(app, slug) as session:
            for child in session.scalars(select(Child)):
                names.add(child.name)
                if child.id_number:
                    id_numbers.add(child.id_number)
                for person in [*child.parents, *child.guardians]:
                    if person.phone:
                        phones.add(person.phone)
    return {"name": names, "ID number": id_numbers, "phone": phones}


def leaks(found: dict, details: dict[str, set[str]]) -> list[str]:
    """Each detail as written and as JSON escapes it (\\uXXXX), anywhere in what was kept."""
    texts = [json.dumps(found, ensure_ascii=False), json.dumps(found)]
    return sorted(
        f"{kind} {value}"
        for kind, values in details.items()
        for value in values
        for form in {value, json.dumps(value)[1:-1]}
        if any(form in text for text in texts)
    )


def browse(page, base: str, phone: str) -> list[str]:
    """Ten different pages and more: home, the list of children, three cards, a timeline, the
    home-visit pack (downloaded when one's own children are there to pick)."""
    log_in(page, base, phone)
    arrive(page, f"{base}/s/yangguang/")
    visited = [page.url]
    page.locator("nav.tabbar").get_by_text("儿童").click()
    arrive(page, re.compile(r"/s/yangguang/children/$"))
    visited.append(page.url)
    cards = page.locator("#child-list a.row")
    hrefs = [cards.nth(i).get_attribute("href") for i in range(3)]
    for href in hrefs:
        page.locator(f'#child-list a.row[href="{href}"]').click()
        arrive(page, re.compile(re.escape(href) + "$"))
        visited.append(page.url)
        page.go_back()
        arrive(page, re.compile(r"/s/yangguang/children/$"))
        page.wait_for_load_state("networkidle")
    child_id = hrefs[0].rstrip("/").rsplit("/", 1)[1]
    for path in (
        f"/s/yangguang/care/children/{child_id}/timeline",
        "/s/yangguang/pairings/mine",
        "/s/yangguang/incidents/",
        "/s/yangguang/safety/",
        f"/s/yangguang/care/records/new/talk?child_id={child_id}",
        "/me",
        "/offline",
    ):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        visited.append(page.url)
    page.go_back()  # history: htmx would put a page in localStorage here were its cache on
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/s/yangguang/offline/pack")
    visited.append(page.url)
    own = page.locator("input[name=child_id]")
    if own.count():  # a class teacher's pack: one of her children, kept on the phone, sealed
        download_pack(page, base, int(own.first.get_attribute("value")))
    return visited


@pytest.mark.parametrize("phone_number", ["13800000002", "13800000001"])
def test_ten_pages_leave_no_childs_name_id_or_phone_in_the_browsers_storage(
    server,  # noqa: F811
    phone,
    phone_number: str,
) -> None:
    base, app = server
    details = children_details(app)
    assert len(details["name"]) > 100 and details["ID number"] and details["phone"]

    visited = browse(phone, base, phone_number)
    assert len({re.sub(r"\?.*", "", url) for url in visited}) >= 10

    found = phone.evaluate(READ_STORAGE)
    assert "shouwang" in found["indexedDB"]  # the outbox was opened: its stores were read
    if phone_number == "13800000002":
        assert len(found["indexedDB"]["shouwang"]["packs"]["values"]) == 1  # and the pack
    assert leaks(found, details) == []
