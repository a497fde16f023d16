"""The grown signature database (issue 12 part 5): at least 300 own services, all valid, no
two claiming the same host, cookie or storage pattern, no over-broad names, and real
observations of the newly known services matched to the right one (real database, no
browser, no /work/shared)."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner

import signatures
from signatures.cli import signatures_cli


@pytest.fixture(scope="module")
def db():
    return signatures.load([signatures.BUNDLED_DIR])


def test_at_least_300_own_services(db):
    assert len(db) >= 300
    assert not any(s.imported for s in db.services)
    assert len({s.id for s in db.services}) == len(db)


def test_every_file_validates_with_no_conflict():
    result = CliRunner().invoke(signatures_cli, ["check", str(signatures.BUNDLED_DIR)])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("0 error(s), 0 warning(s)"), result.output
    files = len(list(signatures.BUNDLED_DIR.glob("*.toml")))
    assert f"{files} files, {files} own services" in result.output


def test_each_host_belongs_to_one_service(db):
    claims = Counter(host for s in db.services for host in s.hosts)
    assert [host for host, n in claims.items() if n > 1] == []
    for s in db.services:
        for host in s.hosts:
            found = db.match_request(f"https://{host}/")
            assert (found.signature_id, found.pattern) == (s.id, f"host:{host}")


def _own_literals(kind: str):
    """(service, rule, a name only that rule should match) for every non-regex rule."""
    key = "name" if kind == "cookies" else "key"
    db = signatures.load([signatures.BUNDLED_DIR])
    for s in db.services:
        for rule in s.data.get(kind, []):
            mode = rule.get("match", "exact")
            if mode != "regex":
                yield s.id, rule, rule[key] + ("Z9" if mode == "prefix" else "")


def test_each_cookie_rule_wins_its_own_name(db):
    """A cookie named as a rule says goes to that rule's service: no other service's exact
    name, longer prefix or domain takes it."""
    lost = []
    for service_id, rule, name in _own_literals("cookies"):
        found = db.match_cookie(name, rule.get("domain"))
        if found is None or found.signature_id != service_id:
            lost.append((service_id, name, found and found.signature_id))
    assert lost == []


def test_each_storage_rule_wins_its_own_key(db):
    lost = []
    for service_id, _rule, key in _own_literals("storage"):
        found = db.match_storage(key)
        if found is None or found.signature_id != service_id:
            lost.append((service_id, key, found and found.signature_id))
    assert lost == []


def test_exact_cookie_names_are_claimed_once(db):
    claims = Counter(
        c["name"]
        for s in db.services
        for c in s.data.get("cookies", [])
        if c.get("match", "exact") == "exact" and not c.get("domain")
    )
    assert [name for name, n in claims.items() if n > 1] == []


#: Cookie and storage names any site may use for itself: never matched on the name alone.
GENERIC = {
    "id", "uid", "uuid", "sid", "session", "sessionid", "session_id", "user", "userid",
    "user_id", "lang", "language", "locale", "token", "cart", "visitor", "consent", "test",
    "theme", "currency", "country", "csrf", "csrftoken", "ab", "exp", "debug", "state",
}  # fmt: skip


def test_no_over_broad_names(db):
    broad = []
    for s in db.services:
        for c in s.data.get("cookies", []):
            name, mode = c["name"], c.get("match", "exact")
            if mode == "prefix" and len(name) < 3:
                broad.append((s.id, name))
            elif mode == "exact" and (name.lower() in GENERIC or len(name) <= 2):
                if not c.get("domain") or (
                    name.lower() in GENERIC and not c.get("domain_required")
                ):
                    broad.append((s.id, name))
        for item in s.data.get("storage", []):
            key, mode = item["key"], item.get("match", "exact")
            if key.lower() in GENERIC or (mode == "prefix" and len(key) < 3):
                broad.append((s.id, key))
    assert broad == []


# Real cookie names, storage keys and request URLs of services the growth added.
COOKIES = [
    ("mbox", ".shop.example.com", "adobe-target"),
    ("demdex", ".demdex.net", "adobe-audience-manager"),
    ("atuserid", ".example.com", "piano-analytics"),
    ("_pcid", ".example.com", "piano-analytics"),
    ("wt3_eid", ".example.com", "mapp-intelligence"),
    ("_et_coid", ".example.com", "etracker"),
    ("__insp_wid", "www.example.com", "inspectlet"),
    ("_lr_uf_-abcdef", "www.example.com", "logrocket"),
    ("_gaexp", ".example.com", "google-optimize"),
    ("_dy_csc_ses", ".example.com", "dynamic-yield"),
    ("WT_FPC", ".example.com", "webtrends"),
    ("CNZZDATA1281234567", "www.example.com", "umeng-cnzz"),
    ("_shopify_y", ".example.com", "shopify-analytics"),
    ("sbjs_current", ".example.com", "woocommerce-order-attribution"),
    ("QSI_HistorySession", "www.example.com", "qualtrics-site-intercept"),
    ("rxVisitor", ".example.com", "dynatrace-rum"),
    ("TCPID", ".example.com", "commanders-act"),
    ("__rtbh.lid", ".example.com", "rtb-house"),
    ("TapAd_DID", ".tapad.com", "tapad"),
    ("_gd_visitor", ".example.com", "6sense"),
    ("calltrk_referrer", ".example.com", "callrail"),
    ("__attentive_id", ".example.com", "attentive"),
    ("scarab.visitor", ".example.com", "emarsys"),
    ("mtc_id", "crm.example.com", "mautic"),
    ("ELOQUA", ".example.com", "oracle-eloqua"),
    ("__atuvc", ".example.com", "addthis"),
    ("unique_id", ".twitch.tv", "twitch"),
    ("ssupp.vid", ".example.com", "smartsupp"),
    ("LPVID", ".example.com", "liveperson"),
    ("cookiefirst-consent", "www.example.com", "cookiefirst"),
    ("moove_gdpr_popup", "www.example.com", "gdpr-cookie-compliance"),
    ("FCCDCF", ".example.com", "google-funding-choices"),
    ("datadome", ".example.com", "datadome"),
    ("_pxvid", ".example.com", "human-security"),
    ("visid_incap_2217382", ".example.com", "imperva"),
    ("_secure_session_id", "shop.example.com", "shopify-checkout"),
]


@pytest.mark.parametrize("name, domain, service_id", COOKIES)
def test_new_cookies_are_named(db, name, domain, service_id):
    assert db.match_cookie(name, domain).signature_id == service_id


def test_generic_name_needs_the_services_domain(db):
    assert db.match_cookie("unique_id", ".example.com") is None  # twitch.tv only
    assert db.match_cookie("dpm", ".example.com") is None  # dpm.demdex.net only


STORAGE = [
    ("permutive-id", "permutive"),
    ("_pdfps", "permutive"),
    ("__uid_2", "unified-id-2"),
    ("branch_session_first", "branch"),
    ("bugsnag-anonymous-id", "bugsnag"),
    ("ld:abc123:ZGVmYXVsdA==", "launchdarkly"),
    ("mprtcl-v4_abcd1234", "mparticle"),
    ("kampyleUserSession", "medallia-digital"),
]


@pytest.mark.parametrize("key, service_id", STORAGE)
def test_new_storage_keys_are_named(db, key, service_id):
    assert db.match_storage(key).signature_id == service_id


REQUESTS = [
    ("https://logs1412.xiti.com/hit.xiti?s=552987", "piano-analytics"),
    ("https://tag.aticdn.net/piano-analytics.js", "piano-analytics"),
    ("https://mboxedge35.tt.omtrdc.net/rest/v1/delivery", "adobe-target"),
    ("https://sc.omtrdc.net/b/ss/rsid/1/JS-2.22.0/s1", "adobe-analytics"),  # still Analytics
    ("https://dpm.demdex.net/id?d_visid_ver=5.4.0", "adobe-audience-manager"),
    ("https://edge.adobedc.net/ee/v1/interact?configId=1", "adobe-experience-platform-web-sdk"),
    ("https://code.etracker.com/code/e.js", "etracker"),
    ("https://cdn.rudderlabs.com/v3/modern/rsa.min.js", "rudderstack"),
    ("https://cdn.logrocket.io/LogRocket.min.js", "logrocket"),
    ("https://r.lr-ingest.io/i", "logrocket"),
    ("https://static.hotjar.com/c/hotjar-1.js", "hotjar"),  # an old service keeps its hosts
    ("https://nexus.ensighten.com/acme/prod/Bootstrap.js", "ensighten"),
    ("https://cdn.tagcommander.com/1234/tc_Acme_1.js", "commanders-act"),
    ("https://hm.creativecdn.com/tags?id=pr_abc", "rtb-house"),
    ("https://pixel.mathtag.com/event/js?mt_id=1", "mediamath"),
    ("https://secure.adnxs.com/px?id=1", "xandr"),
    ("https://www.dpbolvw.net/click-123-456", "cj-affiliate"),
    ("https://tr.line.me/tag.gif?c_t=lap", "line-tag"),
    ("https://sc.lfeeder.com/lftracker_v1_abc.js", "leadfeeder"),
    ("https://s7.addthis.com/js/300/addthis_widget.js", "addthis"),
    ("https://player.twitch.tv/?channel=x", "twitch"),
    ("https://players.brightcove.net/123/default_default/index.min.js", "brightcove"),
    ("https://widget-mediator.zopim.com/s/W/ws", "zendesk"),
    ("https://code.jivosite.com/widget/abc", "jivochat"),
    ("https://consent.cookiefirst.com/sites/example.com-1/consent.js", "cookiefirst"),
    ("https://fundingchoicesmessages.google.com/i/pub-123?ers=1", "google-funding-choices"),
    ("https://fonts.bunny.net/css?family=inter:400", "bunny-fonts"),
    ("https://polyfill.io/v3/polyfill.min.js", "polyfill-io"),
    ("https://js.datadome.co/tags.js", "datadome"),
    ("https://client.px-cloud.net/PXabc/main.min.js", "human-security"),
    ("https://shop.example.com/_Incapsula_Resource?SWJIYLWA=1", "imperva"),
    ("https://js.braintreegateway.com/web/3.97.0/js/client.min.js", "braintree"),
    ("https://js.mollie.com/v1/mollie.js", "mollie"),
    ("https://monorail-edge.shopifysvc.com/v1/produce", "shopify-analytics"),
    ("https://stats.wp.com/e-202501.js", "wordpress-stats"),
    ("https://i0.wp.com/example.com/photo.jpg", "wordpress-cdn"),
]


@pytest.mark.parametrize("url, service_id", REQUESTS)
def test_new_hosts_are_named(db, url, service_id):
    assert db.match_request(url).signature_id == service_id


def test_shared_suffix_goes_to_the_longest(db):
    """``tt.omtrdc.net`` (Target) sits under ``omtrdc.net`` (Analytics): the longer wins."""
    assert db.match_host("acme.tt.omtrdc.net").signature_id == "adobe-target"
    assert db.match_host("acme.sc.omtrdc.net").signature_id == "adobe-analytics"
