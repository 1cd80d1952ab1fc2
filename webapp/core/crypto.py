"""Sensitive fields encrypted at rest, looked up by keyed hash, and masked on screen.

SHOUWANG_DATA_KEY holds one or more keys, newest first: ``k2:<base64>,k1:<base64>``. New values
are sealed with the first; any listed key opens a value, so keys can rotate. Each ciphertext is
bound to its table, column and row (AES-GCM associated data): a value copied into another row or
column does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

_KEY_ID = re.compile(r"^[a-z0-9]{1,16}$")


class DataKeyError(ValueError):
    """SHOUWANG_DATA_KEY is not a list of key-id:base64 AES-256 keys."""


def generate_data_key(key_id: str = "k1") -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"


@dataclass
class DataCipher:
    keys: dict[str, bytes]
    current_id: str
    _aead: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    @classmethod
    def from_setting(cls, setting: str) -> DataCipher:
        keys: dict[str, bytes] = {}
        for part in (p.strip() for p in setting.split(",") if p.strip()):
            key_id, _, encoded = part.partition(":")
            if not _KEY_ID.match(key_id) or not encoded:
                raise DataKeyError("each key must look like k1:<base64 of 32 bytes>")
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            if len(raw) != 32:
                raise DataKeyError(f"key {key_id} is {len(raw)} bytes; AES-256 needs 32")
            keys[key_id] = raw
        if not keys:
            raise DataKeyError("no key given")
        return cls(keys=keys, current_id=next(iter(keys)))

    def _aead_for(self, key_id: str) -> AESGCM:
        if key_id not in self._aead:
            self._aead[key_id] = AESGCM(self.keys[key_id])
        return self._aead[key_id]

    def encrypt(self, plaintext: str, associated_data: bytes) -> str:
        """A text value sealed as ``<key id>:<base64 of nonce + ciphertext>``."""
        nonce = os.urandom(12)
        sealed = self._aead_for(self.current_id).encrypt(
            nonce, plaintext.encode("utf-8"), associated_data
        )
        return f"{self.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, associated_data: bytes) -> str:
        key_id, _, encoded = token.partition(":")
        raw = base64.urlsafe_b64decode(encoded)
        return self._open(key_id, raw, associated_data).decode("utf-8")

    def encrypt_bytes(self, data: bytes, associated_data: bytes) -> bytes:
        """A file sealed as ``<key id>:`` followed by nonce + ciphertext."""
        nonce = os.urandom(12)
        sealed = self._aead_for(self.current_id).encrypt(nonce, data, associated_data)
        return self.current_id.encode() + b":" + nonce + sealed

    def decrypt_bytes(self, sealed: bytes, associated_data: bytes) -> bytes:
        key_id, _, raw = sealed.partition(b":")
        return self._open(key_id.decode(), raw, associated_data)

    def _open(self, key_id: str, raw: bytes, associated_data: bytes) -> bytes:
        if key_id not in self.keys:
            raise DataKeyError(f"value sealed with key {key_id}, which is not configured")
        return self._aead_for(key_id).decrypt(raw[:12], raw[12:], associated_data)

    def blind_indexes(self, value: str, purpose: str) -> list[str]:
        """Keyed hashes of a value under every key (newest first), for equality lookups."""
        return [self._blind_index(key, value, purpose) for key in self.keys.values()]

    def blind_index(self, value: str, purpose: str) -> str:
        return self._blind_index(self.keys[self.current_id], value, purpose)

    @staticmethod
    def _blind_index(key: bytes, value: str, purpose: str) -> str:
        # A separate key per purpose, so a hash of an ID number is no use as a hash of a phone.
        purpose_key = hmac.new(key, b"blind-index:" + purpose.encode(), hashlib.sha256).digest()
        return hmac.new(purpose_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def cipher() -> DataCipher:
    return current_app.extensions["shouwang.cipher"]


class Sensitive:
    """The plaintext face of an encrypted column.

    ``id_number = Sensitive("id_number_sealed", blind_index="id_number_hash")`` reads and writes
    plaintext while the column holds only ciphertext (and the hash column a keyed hash for
    equality lookups). The row's uid, set when the object is made, is bound in as associated
    data. Writing the value a field already holds changes nothing, so an unchanged form field
    never shows up as a change in the audit log.
    """

    def __init__(self, sealed_attribute: str, *, blind_index: str | None = None) -> None:
        self.sealed_attribute = sealed_attribute
        self.blind_index_attribute = blind_index
        self.name = sealed_attribute
        self.purpose = sealed_attribute

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.purpose = f"{owner.__tablename__}.{name}"  # type: ignore[attr-defined]
        registry = owner.__dict__.get("__sensitive__")
        if registry is None:
            registry = {}
            owner.__sensitive__ = registry  # type: ignore[attr-defined]
        registry[self.sealed_attribute] = name

    def associated_data(self, obj: Any) -> bytes:
        return f"{obj.__tablename__}.{self.name}:{obj.uid}".encode()

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        token = getattr(obj, self.sealed_attribute)
        if token is None:
            return self.empty()
        return self.load(cipher().decrypt(token, self.associated_data(obj)))

    def __set__(self, obj: Any, value: Any) -> None:
        text = self.dump(value)
        if getattr(obj, self.sealed_attribute) is not None and text == self.dump(self.__get__(obj)):
            return
        sealed = None if text is None else cipher().encrypt(text, self.associated_data(obj))
        setattr(obj, self.sealed_attribute, sealed)
        if self.blind_index_attribute:
            index = None if text is None else cipher().blind_index(text, self.purpose)
            setattr(obj, self.blind_index_attribute, index)

    def __eq__(self, other: object) -> bool:
        # ``Model.phone == "138…"`` would quietly be False and match nothing: refuse it.
        raise TypeError(
            f"{self.purpose} is sealed; look it up with lookup_hashes() on its hash column"
        )

    __hash__ = object.__hash__

    def lookup_hashes(self, value: str) -> list[str]:
        """Keyed hashes of a plaintext under every configured key, for WHERE ... IN (...)."""
        return cipher().blind_indexes(value, self.purpose)

    # Text by default; SensitiveSet stores a set of choices.
    def empty(self) -> Any:
        return None

    def dump(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        return str(value)

    def load(self, text: str) -> Any:
        return text


class SensitiveSet(Sensitive):
    """A sealed set of choices (困境 types, the 三特 flags): its very presence is sensitive."""

    def __init__(self, sealed_attribute: str, choice: type) -> None:
        super().__init__(sealed_attribute)
        self.choice = choice

    def empty(self) -> frozenset:
        return frozenset()

    def dump(self, value: Any) -> str | None:
        members = sorted(self.choice(v) for v in (value or ()))
        return ",".join(members) or None

    def load(self, text: str) -> frozenset:
        return frozenset(self.choice(v) for v in text.split(","))


def sensitive_field_names(model: type) -> dict[str, str]:
    """sealed column attribute → public field name, for this model and its bases."""
    names: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        names.update(klass.__dict__.get("__sensitive__", {}))
    return names


def mask_id_number(value: str | None) -> str:
    """4201**********123X: the region and the last four, enough to tell two cards apart."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for a mobile; a landline keeps its area code and last four."""
    if not value:
        return ""
    digits = value.replace("-", "")
    if len(digits) < 7:
        return "*" * len(digits)
    if "-" in value:
        area, _, number = value.partition("-")
        return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}"
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
