"""The signature database: validation, loading, precedence, the matcher, the JSON Schema."""

import ast
import copy
import functools
import graphlib
import json
import tomllib
from pathlib import Path

import grimp
import jsonschema
import pytest

import signatures
from signatures import Match, Service, SignatureDB, SignatureError, json_schema
from signatures._toml import dumps
from signatures.loader import read_all, read_file
from signatures.matcher import host_of
from signatures.schema import ServiceFile

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


# --- schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"hosts": ["https://mjt.lu"]}, "'hosts[0]' must be a host name"),
        ({"hosts": ["MJT.lu"]}, "'hosts[0]' must be lowercase"),
        ({"hosts": ["lu"]}, "'hosts[0]' must be a host name"),
        ({"category": "ads"}, "'category' must be one of necessary"),
        ({"cookie": []}, "unknown key 'cookie' (did you mean 'cookies'?)"),
        ({"cookies": [{"name": "x", "match": "glob"}]}, "'cookies[0].match' must be one of"),
        ({"cookies": [{"name": "(", "match": "regex"}]}, "'cookies[0].name' is not a valid"),
        (
            {"cookies": [{"name": "x", "persistent": False, "duration_days": 3}]},
            "'cookies[0].duration_days' is given for a session cookie",
        ),
        ({"cookies": [{"name": "x", "duration_days": True}]}, "'cookies[0].duration_days'"),
        (
            {"cookies": [{"name": "x", "duration_days": -1}]},
            "'cookies[0].duration_days' must be a number of days >= 0 (got -1)",
        ),
        ({"cookies": {"name": "x"}}, "'cookies' must be an array of tables (got dict)"),
        ({"cookies": [{"name": "x", "nmae": "y"}]}, "'cookies[0].nmae' (did you mean 'name'?)"),
        ({"cookies": [{"purpose": "x"}]}, "'cookies[0].name' is required"),
        ({"urls": [{"host": "google.com"}]}, "'urls[0]' needs 'path', 'regex' or 'resource'"),
        ({"urls": [{"host": "google.com", "path": "x"}]}, "'urls[0].path' must start with '/'"),
        ({"urls": [{"host": "g.com", "resource": "js"}]}, "'urls[0].resource' must be one of"),
        ({"vendor": {"name": "A", "country": "France"}}, "'vendor.country' must look like"),
        ({"vendor": {"name": "A", "hosts": ["a.com"]}}, "must come before the first [table]"),
        ({"compliance": {"consent_required": "yes"}}, "'compliance.consent_required'"),
        (
            {"compliance": {"consent_required": 1}},
            "'compliance.consent_required' must be one of true, false, depends (got 1)",
        ),
        ({"compliance": {"risk": "severe"}}, "'compliance.risk' must be one of low"),
        (
            {"compliance": {"legal_bases": [{"use": "x", "basis": "vibes"}]}},
            "'compliance.legal_bases[0].basis' must be one of consent",
        ),
        ({"compliance": {"transfers": [{"safeguards": []}]}}, "transfers[0].destination"),
        ({"sources": [{"about": "x"}]}, "'sources[0]' needs a 'title' or a 'url'"),
        ({"website": "www.acme.com"}, "'website' must be an http(s) URL"),
        ({"description": "  "}, "'description' must not be empty"),
        ({"id": "Acme"}, "'id' must look like"),
        ({"website": None}, "'website' must be a string (got NoneType)"),  # TOML has no null
    ],
)
def test_validation_names_file_and_field(change, message):
    with pytest.raises(SignatureError) as info:
        Service.from_dict(service(**change), origin="services/acme.toml")
    assert str(info.value).startswith("services/acme.toml: ")
    assert message in str(info.value)
    # The JSON Schema, generated from the same declaration, rejects it too (but for the two
    # checks that span fields and that JSON Schema does not express).
    if not any(words in str(info.value) for words in ("session cookie", "regular expression")):
        assert not schema_validator("service.schema.json").is_valid(service(**change))


def test_required_fields_and_imported_relaxation():
    data = service()
    del data["vendor"]
    with pytest.raises(SignatureError, match="'vendor' is required"):
        Service.from_dict(data, origin="x.toml")
    assert Service.from_dict(data, origin="p.toml", pack="p").imported


def test_id_must_equal_file_stem(tmp_path):
    path = write(tmp_path / "other.toml", service())
    with pytest.raises(SignatureError, match="other.toml: 'id' must equal the file name stem"):
        read_file(path)


def test_bad_toml_names_the_file(tmp_path):
    path = tmp_path / "acme.toml"
    path.write_text('id = "acme"\nname = \n', encoding="utf-8")
    with pytest.raises(SignatureError, match="acme.toml: not valid TOML"):
        read_file(path)


def test_bundled_files_are_valid_and_mailjet_is_complete(db):
    mailjet = db.service("mailjet").to_dict()
    assert set(mailjet["hosts"]) >= {"mailjet.com", "app.mailjet.com", "mjt.lu", "api.mailjet.com"}
    cookies = {c["name"]: c for c in mailjet["cookies"]}
    assert cookies["mj.preferences"]["persistent"] and cookies["mj.preferences"]["party"] == "first"
    assert cookies["mj_session"]["persistent"] is False
    c = mailjet["compliance"]
    assert (mailjet["category"], c["risk"]) == ("analytics", "medium")
    assert c["cookieless_available"] and c["consent_required"] is True
    assert {b["basis"] for b in c["legal_bases"]} == {"consent", "contract", "legitimate-interest"}
    regs = " ".join(c["regulations"])
    for reg in ("GDPR", "ePrivacy", "CNIL", "UWG", "DSGVO", "LSSI", "Garante", "PECR"):
        assert reg in regs
    where = " ".join(t["destination"] for t in c["transfers"])
    for country in ("Sweden", "United States", "India", "Singapore"):
        assert country in where
    safeguards = {s for t in c["transfers"] for s in t.get("safeguards", [])}
    assert safeguards == {"EU-US Data Privacy Framework", "Standard Contractual Clauses"}
    assert "France" in c["server_locations"][0] and "Frankfurt" in c["server_locations"][1]
    assert c["dpia"] and c["sample_consent_text"] and "Brevo" in c["alternatives"][0]
    assert mailjet["vendor"]["country"] == "FR"
    json.dumps(mailjet)  # JSON-ready


def test_to_dict_keeps_toml_keys_and_is_a_copy(tmp_path):
    data = service(hosts=["acme.io"], cookies=[{"name": "a", "purpose": "p"}])
    path = write(tmp_path / "acme.toml", data)
    [svc] = read_file(path)
    out = svc.to_dict()
    assert out == tomllib.loads(path.read_text())
    out["hosts"].append("evil.com")
    assert svc.hosts == ["acme.io"]


# --- loading and precedence -----------------------------------------------------------------


def pack(name, services):
    return {"pack": {"name": name, "licence": "Apache-2.0", "source": "test"}, "services": services}


def test_user_pack_is_loaded_from_xdg_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    user_dir = signatures.user_data_dir()
    assert user_dir == tmp_path / "data" / "cookiescan" / "signatures"
    user_dir.mkdir(parents=True)
    write(user_dir / "extra.toml", pack("extra", [service(id="ext", hosts=["ext.example"])]))
    db = signatures.load()
    assert db.match_request("https://a.ext.example/").signature_id == "ext"
    assert db.service("ext").pack == "extra"
    assert "mailjet" in db


def test_own_services_take_precedence_over_imported(tmp_path):
    own = write(tmp_path / "acme.toml", service(hosts=["acme.io"], cookies=[{"name": "_ac"}]))
    imported = service(id="ocd-acme", hosts=["acme.io", "only-ocd.io"], cookies=[{"name": "_ac"}])
    clash = service(id="acme", hosts=["clash.io"])  # same id as an own service: dropped
    p = write(tmp_path / "zz-pack.toml", pack("p", [imported, clash]))
    db = signatures.load([p, own])  # order of paths does not matter
    assert [s.id for s in db.services] == ["acme", "ocd-acme"]
    assert db.service("acme").pack is None
    assert db.match_request("https://x.acme.io/").signature_id == "acme"
    assert db.match_request("https://only-ocd.io/").signature_id == "ocd-acme"
    assert db.match_cookie("_ac").signature_id == "acme"
    assert db.match_request("https://clash.io/") is None


def test_duplicate_own_ids_and_hosts_are_errors(tmp_path):
    a = write(tmp_path / "a.toml", service(id="a", hosts=["shared.io"]))
    b = write(tmp_path / "b.toml", service(id="b", hosts=["shared.io"]))
    with pytest.raises(SignatureError, match="b.toml: 'hosts' 'shared.io' is already claimed"):
        signatures.load([a, b])
    p1 = write(tmp_path / "p1.toml", pack("p1", [service(id="x")]))
    p2 = write(tmp_path / "p2.toml", pack("p2", [service(id="x")]))
    with pytest.raises(SignatureError, match="id 'x' is already defined by"):
        read_all([p1, p2])


def test_pack_errors_name_the_entry(tmp_path):
    bad = write(tmp_path / "p.toml", pack("p", [service(id="ok"), service(id="bad", hosts=[1])]))
    with pytest.raises(SignatureError, match=r"p.toml: services\[1\] \(bad\): 'hosts\[0\]'"):
        read_file(bad)
    nolicence = {"pack": {"name": "p", "source": "x"}, "services": []}
    with pytest.raises(SignatureError, match="'pack.licence' is required"):
        read_file(write(tmp_path / "q.toml", nolicence))
    typo = pack("p", [])
    typo["service"] = typo.pop("services")
    with pytest.raises(
        SignatureError, match=r"unknown key 'service' \(did you mean 'services'\?\)"
    ):
        read_file(write(tmp_path / "r.toml", typo))
    slip = pack("p", [service(vendor={"name": "V", "hosts": ["a.io"]})])
    with pytest.raises(SignatureError) as info:
        read_file(write(tmp_path / "s.toml", slip))
    assert str(info.value).endswith(
        "s.toml: services[0] (acme): unknown key 'vendor.hosts' "
        "(top-level 'hosts' must come before the first [table] header)"
    )
    dup = write(tmp_path / "t.toml", pack("p", [service(id="x"), service(id="x")]))
    with pytest.raises(SignatureError, match=r"services\[1\] \(x\): duplicate id 'x' in the pack"):
        read_file(dup)


# --- matcher --------------------------------------------------------------------------------


def build(*services, imported=()):
    own = [Service.from_dict(s) for s in services]
    return SignatureDB(own + [Service.from_dict(s, pack="p") for s in imported])


def test_host_suffix_walk_keeps_the_rule(db):
    m = db.match_request("https://a.b.mjt.lu/lnk/xyz?x=1")
    assert m == Match("mailjet", "host:mjt.lu", db.service("mailjet"), "request", 1.0)
    assert db.match_request("https://APP.Mailjet.com./widget.js").pattern == "host:app.mailjet.com"
    assert db.match_host("a.b.mjt.lu").pattern == "host:mjt.lu"
    assert db.match_request("https://notmjt.lu/") is None
    assert db.match_request("https://mjt.lu.evil.example/") is None


def test_url_rules_only_for_their_host_and_before_the_host_rule():
    recaptcha = service(
        id="recaptcha",
        category="security",
        urls=[{"host": "google.com", "path": "/recaptcha/"}],
    )
    gtag = service(
        id="ga",
        urls=[{"host": "gtm.example", "path": "/gtag/js", "resource": "script"}],
    )
    gtm = service(id="gtm", category="tag-manager", hosts=["gtm.example"])
    regex = service(id="rx", urls=[{"host": "cdn.example", "regex": r"/px\.gif\?id=\d+"}])
    db = build(recaptcha, gtag, gtm, regex)
    m = db.match_request("https://www.google.com/recaptcha/api.js")
    assert (m.signature_id, m.pattern) == ("recaptcha", "url:google.com/recaptcha/")
    assert db.match_request("https://www.google.com/maps/") is None
    assert db.match_request("https://google.com.evil.example/recaptcha/") is None
    m = db.match_request("https://www.gtm.example/gtag/js?id=G-1", "script")
    assert m.pattern == "url:gtm.example/gtag/js resource:script"
    assert db.match_request("https://www.gtm.example/gtag/js?id=G-1", "image").signature_id == "gtm"
    assert db.match_request("https://cdn.example/px.gif?id=42").pattern.startswith(
        "url:cdn.example"
    )
    assert db.match_request("https://cdn.example/px.gif?id=x") is None


def test_cookie_tiers_exact_then_longest_prefix_then_regex():
    s = service(
        cookies=[
            {"name": "_ga", "match": "exact"},
            {"name": "_ga_", "match": "prefix"},
            {"name": "_ga_X", "match": "prefix"},
            {"name": r"^_pk_id\.\d+\.", "match": "regex"},
        ]
    )
    db = build(s)
    assert db.match_cookie("_ga").pattern == "cookie:_ga"
    assert db.match_cookie("_ga_ABC").pattern == "cookie-prefix:_ga_"
    assert db.match_cookie("_ga_XYZ").pattern == "cookie-prefix:_ga_X"
    m = db.match_cookie("_pk_id.1.abcd")
    assert (m.pattern, m.kind, m.confidence) == (r"cookie-regex:^_pk_id\.\d+\.", "cookie", 0.7)
    assert db.match_cookie("_gat") is None


def test_cookie_domain_agreement_and_domain_required():
    ads = service(
        id="ads",
        cookies=[{"name": "uid", "domain": ".ads.example", "domain_required": True}],
    )
    other = service(id="other", cookies=[{"name": "sync", "domain": "other.example"}])
    db = build(ads, other)
    m = db.match_cookie("uid", ".ads.example")
    assert (m.signature_id, m.confidence) == ("ads", 1.0)
    assert m.pattern == "cookie:uid domain:ads.example"
    assert db.match_cookie("uid", "x.ads.example").confidence == 1.0
    assert db.match_cookie("uid", ".example.com") is None
    assert db.match_cookie("uid") is None
    assert db.match_cookie("sync").confidence == 0.9
    assert db.match_cookie("sync", "other.example").confidence == 1.0
    assert db.match_cookie("sync", "www.example.com").confidence == 0.6


def test_agreeing_domain_beats_disagreeing_rule_of_same_rank():
    a = service(id="a", cookies=[{"name": "sid2", "domain": "a.example"}])
    b = service(id="b", cookies=[{"name": "sid2", "domain": "b.example"}])
    db = build(a, b)
    assert db.match_cookie("sid2", ".b.example").signature_id == "b"
    assert db.match_cookie("sid2", ".a.example").signature_id == "a"
    assert db.match_cookie("sid2").signature_id == "a"  # load order


def test_storage_keys(db):
    m = db.match_storage("ajs_anonymous_id")
    assert (m.signature_id, m.pattern, m.kind) == ("segment", "storage:ajs_anonymous_id", "storage")
    assert db.match_storage("ajs_user_traits").pattern == "storage-prefix:ajs_"
    assert db.match_storage("ajs_anonymous_id", kind="session").pattern == "storage-prefix:ajs_"
    assert db.match_storage("nothing_here") is None


def test_match_is_frozen_and_hashable(db):
    m = db.match_cookie("mj.preferences", "www.example.com")
    with pytest.raises(AttributeError):
        m.pattern = "x"  # type: ignore[misc]
    assert {m, m} == {m}


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://user:pw@A.B.example:8443/p?q#f", ("a.b.example", "/p?q#f")),
        ("http://example.org?x=1", ("example.org", "?x=1")),
        ("wss://[::1]:9000/socket", ("[::1]", "/socket")),
        ("cdn.segment.com", ("cdn.segment.com", "")),
    ],
)
def test_host_of(url, expected):
    assert host_of(url) == expected


def test_toml_writer_round_trips():
    doc = pack(
        "p",
        [
            service(
                id="x",
                hosts=["a.io"],
                cookies=[{"name": 'we"ird\\name\n', "duration_days": 0.5, "persistent": True}],
                compliance={"legal_bases": [{"use": "u", "basis": "consent"}], "risk": "low"},
            )
        ],
    )
    doc["pack"]["odd key"] = "é ü"
    assert tomllib.loads(dumps(doc)) == doc


@pytest.mark.parametrize(
    "module_name",
    ["signatures", "signatures._toml", "signatures.errors", "signatures.json_schema",
     "signatures.loader", "signatures.matcher", "signatures.model", "signatures.ocd",
     "signatures.schema", "signatures.validate", "signatures.vocabulary", "signatures.wildcard"],
)  # fmt: skip
def test_docstring_examples(module_name):
    import doctest
    import importlib

    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# --- the declaration, its JSON Schema, the package's imports -----------------------------------

REGENERATE = ".venv/bin/python -m signatures.json_schema"


@pytest.mark.parametrize("name", sorted(json_schema.SCHEMA_FILES))
def test_committed_json_schema_is_generated_from_the_declaration(name):
    model, title = json_schema.SCHEMA_FILES[name]
    committed = (json_schema.PACKAGE_DIR / name).read_text(encoding="utf-8")
    assert committed == json_schema.render(model, title), (
        f"signatures/{name} differs from what signatures/schema.py declares; "
        f"regenerate it with:\n    {REGENERATE}"
    )


@functools.cache
def schema_validator(name):
    schema = json.loads((json_schema.PACKAGE_DIR / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_json_schema_accepts_the_bundled_files():
    validator = schema_validator("service.schema.json")
    for path in sorted(signatures.BUNDLED_DIR.glob("*.toml")):
        errors = [e.message for e in validator.iter_errors(tomllib.loads(path.read_text()))]
        assert errors == [], path.name


def test_every_field_is_described_by_its_docstring():
    schema = json_schema.json_schema(ServiceFile)
    assert schema["properties"]["hosts"]["description"] == (
        ServiceFile.model_fields["hosts"].description
    )
    for table in [schema, *schema["$defs"].values()]:
        assert table.get("description"), table.get("title")
        for key, field in table["properties"].items():
            # A table field may keep its table's description ($ref), which pydantic omits.
            assert field.get("description") or field.get("$ref"), (table.get("title"), key)


def test_signatures_imports_no_project_room_no_cycle_no_lazy_import():
    graph = grimp.build_graph("signatures", include_external_packages=True)
    assert not {"scanner", "reports"} & graph.modules
    own = {m for m in graph.modules if m.startswith("signatures")}
    imports = {m: graph.find_modules_directly_imported_by(m) & own for m in own}
    list(graphlib.TopologicalSorter(imports).static_order())  # CycleError names the cycle
    for path in Path(signatures.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nested = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and node not in tree.body
        ]
        assert nested == [], f"{path.name}: import inside a function or block, line {nested}"
