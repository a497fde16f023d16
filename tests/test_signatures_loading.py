"""Loading signatures: the user's packs, own services before imported ones, and the errors
of a pack."""

import pytest
from signature_helpers import no_user_packs, pack, service, write  # noqa: F401

import signatures
from signatures import SignatureError
from signatures.loader import read_all, read_file

# --- loading and precedence -----------------------------------------------------------------


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
