"""Helpers of the signature tests: a service entry to vary, a pack around it, a TOML file of
it, a database built from entries, the bundled database, and the JSON Schema validators.

``no_user_packs`` and ``db`` are fixtures: import them into a test module to use them
(``no_user_packs`` is autouse there, so no user pack in the real data dir changes a result).
"""

import copy
import functools
import json

import jsonschema
import pytest

import signatures
from signatures import Service, SignatureDB, json_schema
from signatures._toml import dumps

BASE = {
    "id": "acme",
    "name": "Acme",
    "category": "analytics",
    "description": "An analytics service.",
    "vendor": {"name": "Acme Inc", "country": "US"},
}


def service(**extra):
    data = copy.deepcopy(BASE)
    data.update(extra)
    return data


@pytest.fixture(autouse=True)
def no_user_packs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture(scope="module")
def db():
    return signatures.load([signatures.BUNDLED_DIR])


def write(path, data):
    path.write_text(dumps(data), encoding="utf-8")
    return path


def pack(name, services):
    return {"pack": {"name": name, "licence": "Apache-2.0", "source": "test"}, "services": services}


def build(*services, imported=()):
    own = [Service.from_dict(s) for s in services]
    return SignatureDB(own + [Service.from_dict(s, pack="p") for s in imported])


@functools.cache
def schema_validator(name):
    schema = json.loads((json_schema.PACKAGE_DIR / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
