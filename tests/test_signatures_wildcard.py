"""Any-host URL rules (``host = "*"``): self-hosted and first-party-proxied trackers."""

import copy
from pathlib import Path

import pytest

import signatures
from signatures import Service, SignatureDB, SignatureError
from signatures._toml import dumps
from signatures.loader import read_file
from signatures.wildcard import CONFIDENCE, _Rule, check_rule, required_literal

BASE = {
    "id": "acme",
    "name": "Acme",
    "category": "analytics",
    "description": "An analytics service.",
    "vendor": {"name": "Acme Inc"},
}


def service(**extra):
    data = copy.deepcopy(BASE)
    data.update(extra)
    return data


def build(*services, imported=()):
    own = [Service.from_dict(s) for s in services]
    return SignatureDB(own + [Service.from_dict(s, pack="p") for s in imported])


@pytest.fixture(scope="module")
def db():
    return signatures.load([signatures.BUNDLED_DIR])


MATOMO = r"url:* regex:^[^?#]*/(matomo|piwik)\.(js|php)(\?|#|$)"


@pytest.mark.parametrize(
    "url, resource, expected_id, expected_pattern",
    [
        ("https://stats.example.com/matomo.js", "script", "matomo", MATOMO),
        ("https://stats.example.com/matomo.php?idsite=3&rec=1", "ping", "matomo", MATOMO),
        ("https://www.example.org/analytics/piwik.js", "script", "matomo", MATOMO),
        ("https://www.example.org/analytics/piwik.php?idsite=1", "image", "matomo", MATOMO),
        (
            "https://stats.example.com/js/container_aB3dE9fG.js",
            "script",
            "matomo-tag-manager",
            r"url:* regex:^[^?#]*/js/container_[A-Za-z0-9]+\.js(\?|#|$)",
        ),
        (
            "https://metrics.example.com/b/ss/acmeprod,acmeglobal/1/JS-2.22.0/s123?AQB=1",
            "image",
            "adobe-analytics",
            "url:*/b/ss/ regex:^/b/ss/[^/?]+/[0-9]+/",
        ),
        (
            "https://www.example.com/js/plausible.outbound-links.js",
            "script",
            "plausible",
            r"url:* regex:^[^?#]*/js/plausible(\.[a-z-]+)*\.js(\?|#|$) resource:script",
        ),
        (
            "https://www.example.com/js/script.hash.tagged-events.js",
            "script",
            "plausible",
            r"url:* regex:^[^?#]*/js/script(\.[a-z-]+)*\.(outbound-links|file-downloads"
            r"|tagged-events|pageview-props)(\.[a-z-]+)*\.js(\?|#|$) resource:script",
        ),
        (
            "https://www.example.com/_vercel/insights/script.js",
            "script",
            "vercel-analytics",
            "url:*/_vercel/insights/",
        ),
        (
            "https://www.example.com/_vercel/speed-insights/vitals",
            "fetch",
            "vercel-analytics",
            "url:*/_vercel/speed-insights/",
        ),
        (
            "https://sp.example.com/com.snowplowanalytics.snowplow/tp2",
            "xhr",
            "snowplow",
            "url:*/com.snowplowanalytics.snowplow/",
        ),
        (
            "https://sp.example.com/i?stm=1&e=pv&url=https%3A%2F%2Fx&tv=js-3.24.0&tna=sp",
            "image",
            "snowplow",
            r"url:*/i? regex:^/i\?(?=(.*&)?e=[a-z]{2}(&|#|$))(?=(.*&)?tv=[a-z]+-[0-9])",
        ),
        (
            "https://sgtm.example.com/gtm.js?id=GTM-AB12CD",
            "script",
            "google-tag-manager",
            "url:*/gtm.js regex:[?&]id=GTM-[A-Z0-9]+",
        ),
        (
            "https://sgtm.example.com/g/collect?v=2&tid=G-ABC123&cid=1.2",
            "fetch",
            "google-analytics-4",
            r"url:*/g/collect regex:^/g/collect\?(?=(.*&)?v=2(&|#|$))(?=(.*&)?tid=G-[A-Z0-9]+)",
        ),
        (
            "https://www.example.com/cdn-cgi/challenge-platform/h/b/scripts/jsd/x/main.js",
            "script",
            "cloudflare-bot-management",
            "url:*/cdn-cgi/challenge-platform/",
        ),
        (
            "https://www.example.com/wp-content/plugins/borlabs-cookie/assets/js/borlabs.js",
            "script",
            "borlabs-cookie",
            "url:*/wp-content/plugins/borlabs-cookie/",
        ),
    ],
)
def test_self_hosted_and_proxied_trackers(db, url, resource, expected_id, expected_pattern):
    m = db.match_request(url, resource)
    assert m is not None, url
    assert (m.signature_id, m.pattern) == (expected_id, expected_pattern)
    assert (m.kind, m.confidence) == ("request", CONFIDENCE)


@pytest.mark.parametrize(
    "url, resource",
    [
        ("https://www.example.com/js/script.js", "script"),  # Plausible's proxy name: generic
        ("https://www.example.com/api/event", "fetch"),
        ("https://www.example.com/js/plausible.js", "image"),  # rule asks for a script
        ("https://www.example.com/i?x=1", "image"),
        ("https://www.example.com/i?e=pv", "image"),  # no tracker version
        ("https://sgtm.example.com/g/collect?v=1&tid=UA-1-1", "fetch"),
        ("https://sgtm.example.com/gtm.js", "script"),  # no container id
        ("https://www.example.com/docs/matomo.json", "fetch"),
        ("https://www.example.com/b/ss/", "image"),
        ("https://www.example.com/search?q=/matomo.js", "document"),  # in the query only
        ("https://www.example.com/?next=/js/container_ab12.js", "document"),
    ],
)
def test_generic_paths_stay_unmatched(db, url, resource):
    m = db.match_request(url, resource)
    assert m is None, (url, m and m.pattern)


def test_host_rules_win_over_wildcards(db):
    # Bundled: a host rule (matomo.cloud) and a host URL rule (googletagmanager.com) win.
    assert db.match_request("https://x.matomo.cloud/matomo.js").pattern == "host:matomo.cloud"
    gtm = db.match_request("https://www.googletagmanager.com/gtm.js?id=GTM-AB12CD")
    assert gtm.pattern == "url:googletagmanager.com/gtm.js" and gtm.confidence == 1.0
    ga = db.match_request("https://region1.google-analytics.com/g/collect?v=2&tid=G-X1")
    assert ga.pattern == "url:google-analytics.com/g/collect"
    # Another service's host rule wins even when the wildcard is more specific text.
    cdn = service(id="cdn", category="cdn", hosts=["cdn.example.net"])
    tracker = service(id="tracker", urls=[{"host": "*", "regex": r"/(matomo|piwik)\.js"}])
    small = build(tracker, cdn)
    assert small.match_request("https://a.cdn.example.net/matomo.js").signature_id == "cdn"
    assert small.match_request("https://stats.example.org/matomo.js").signature_id == "tracker"
    # A host entry that only has URL rules, none of which fit, is no match: wildcards apply.
    recaptcha = service(id="rc", urls=[{"host": "google.com", "path": "/recaptcha/"}])
    both = build(recaptcha, tracker)
    assert both.match_request("https://www.google.com/recaptcha/api.js").signature_id == "rc"
    assert both.match_request("https://www.google.com/x/piwik.js").signature_id == "tracker"


def test_most_specific_wildcard_wins():
    short = service(id="short", urls=[{"host": "*", "path": "/collect/v1/"}])
    long = service(id="long", urls=[{"host": "*", "path": "/collect/v1/events/"}])
    rx = service(id="rx", urls=[{"host": "*", "regex": r"/collect/v1/events/pixel\.gif"}])
    for order in ((short, long, rx), (rx, long, short)):
        db = build(*order)
        assert db.match_request("https://a.example/collect/v1/x").signature_id == "short"
        assert db.match_request("https://a.example/collect/v1/events/y").signature_id == "long"
        m = db.match_request("https://a.example/collect/v1/events/pixel.gif?z=1")
        assert (m.signature_id, m.pattern) == ("rx", r"url:* regex:/collect/v1/events/pixel\.gif")
    # A path rule whose regex does not fit gives way to a shorter path that does.
    narrow = service(id="narrow", urls=[{"host": "*", "path": "/track/it/", "regex": "v=9"}])
    wide = service(id="wide", urls=[{"host": "*", "path": "/track/"}])
    db = build(narrow, wide)
    assert db.match_request("https://a.example/track/it/?v=9").signature_id == "narrow"
    assert db.match_request("https://a.example/track/it/?v=1").signature_id == "wide"


def test_own_wildcard_beats_imported_and_resource_filter():
    own = service(id="own", urls=[{"host": "*", "path": "/pixel/own"}])
    imported = service(id="imp", urls=[{"host": "*", "path": "/pixel/own/longer"}])
    db = build(own, imported=[imported])
    assert db.match_request("https://a.example/pixel/own/longer/1").signature_id == "own"
    scripted = service(id="js", urls=[{"host": "*", "path": "/loader/js/", "resource": "script"}])
    db = build(scripted)
    assert db.match_request("https://a.example/loader/js/x", "script").pattern == (
        "url:*/loader/js/ resource:script"
    )
    assert db.match_request("https://a.example/loader/js/x", "image") is None
    assert db.match_request("https://a.example/loader/js/x") is None


def test_regexes_that_cannot_share_the_alternation_still_match():
    flags = service(id="flags", urls=[{"host": "*", "regex": r"(?i)/trackme\.gif"}])
    named = service(id="named", urls=[{"host": "*", "regex": r"/(?P<n>px)/beacon/(?P=n)\.js"}])
    plain = service(id="plain", urls=[{"host": "*", "regex": r"/counter/hit\.php"}])
    db = build(flags, named, plain)
    assert db.match_request("https://a.example/x/TRACKME.GIF").signature_id == "flags"
    assert db.match_request("https://a.example/px/beacon/px.js").signature_id == "named"
    assert db.match_request("https://a.example/px/beacon/zz.js") is None
    assert db.match_request("https://a.example/counter/hit.php?x").signature_id == "plain"


def test_a_miss_tries_no_rule_one_by_one(db, monkeypatch):
    calls = []
    original = _Rule.fits
    monkeypatch.setattr(_Rule, "fits", lambda self, *a: calls.append(self) or original(self, *a))
    for url in (
        "https://static.example.net/assets/app.js?v=3",
        "https://www.example.net/api/v1/products/12?lang=en",
        "https://www.example.net/",
    ):
        assert db.match_request(url, "script") is None
    assert calls == []
    assert db.match_request("https://stats.example.net/matomo.js", "script") is not None
    assert calls  # a hit looks at the candidate rules


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule, field, message",
    [
        ({"path": "/"}, "urls[0].path", "is too broad for host '*': '/' has 1 literal"),
        ({"path": "/js/"}, "urls[0].path", "'/js/' has 4 literal characters, needs 6"),
        ({"path": "//////"}, "urls[0].path", "needs 6 with 3 letters or digits"),
        ({"regex": ".*"}, "urls[0].regex", "is too broad for host '*': '' has 0"),
        ({"regex": r"[?&]id=G-"}, "urls[0].regex", "is too broad"),
        ({"regex": r"/(?:[a-z]+)\.js"}, "urls[0].regex", "'/.js' has 4 literal"),
        ({"regex": r"/(tracker|x)\.js"}, "urls[0].regex", "'/x.js' has 5"),
        ({"regex": r"/(analytics)?\.js"}, "urls[0].regex", "is too broad"),
        ({"path": "/g/", "regex": "tid"}, "urls[0].regex", "'tid' has 3"),  # the richer one
        ({"resource": "script"}, "urls[0]", "needs 'path' or 'regex' when host is '*'"),
    ],
)
def test_over_broad_wildcards_are_rejected(tmp_path, rule, field, message):
    path = tmp_path / "acme.toml"
    path.write_text(dumps(service(urls=[{"host": "*", **rule}])), encoding="utf-8")
    with pytest.raises(SignatureError) as info:
        read_file(path)
    text = str(info.value)
    assert text.startswith(f"{path}: '{field}' "), text
    assert message in text


@pytest.mark.parametrize(
    "change, message",
    [
        ({"hosts": ["*"]}, "'hosts[0]' must be a host name"),
        ({"urls": [{"host": "*.example.com", "path": "/abcdef"}]}, "'urls[0].host' must be"),
        ({"urls": [{"host": "**", "path": "/abcdef"}]}, "'urls[0].host' must be"),
        ({"urls": [{"host": "*", "regex": "(/abcdef"}]}, "'urls[0].regex' is not a valid"),
    ],
)
def test_wildcard_only_as_a_url_rule_host(change, message):
    with pytest.raises(SignatureError, match="^services/acme.toml: ") as info:
        Service.from_dict(service(**change), origin="services/acme.toml")
    assert message in str(info.value)


def test_specific_wildcards_pass():
    for rule in (
        {"path": "/_vercel/insights/"},
        {"path": "/b/ss/", "regex": "^/b/ss/[^/?]+/[0-9]+/"},
        {"regex": r"/(matomo|piwik)\.(js|php)(\?|#|$)"},
    ):
        assert check_rule({"host": "*", **rule}) is None, rule


@pytest.mark.parametrize(
    "regex, literal",
    [
        (r"/(matomo|piwik)\.(js|php)", "/piwik.js"),
        (r"^/b/ss/[^/?]+/[0-9]+/", "/b/ss///"),
        (r"/x(abc)?y", "/xy"),
        (r"(?:ab){2,}c*d+", "abd"),
        (r"^/i\?(?=(.*&)?e=[a-z]{2})(?!.*nope)", "/i?e="),
        (r"(?i)/TrackMe", "/TrackMe"),
        (r"\d+[a-z]\w.", ""),
    ],
)
def test_required_literal(regex, literal):
    assert required_literal(regex) == literal


def test_bundled_files_have_wildcards_and_no_unwritten_rules(db):
    services_dir = Path(signatures.BUNDLED_DIR)
    wildcard_ids = {
        s.id for s in db.services if any(u["host"] == "*" for u in s.data.get("urls", []))
    }
    assert wildcard_ids >= {
        "matomo", "matomo-tag-manager", "adobe-analytics", "plausible", "vercel-analytics",
        "snowplow", "google-tag-manager", "google-analytics-4",
    }  # fmt: skip
    for path in services_dir.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        assert "once the schema allows" not in text, path.name
        assert "schema does not offer" not in text, path.name
