"""The shape of a signature file, declared once: validation and JSON Schema derive from it.

Two documents: a **service file** (``ServiceFile``, one service, ``services/<id>.toml``) and a
**pack** (``PackFile``: a ``[pack]`` table and ``[[services]]`` of ``ImportedService``, which
may leave the vendor unknown). Each field's description is the docstring under it; every
table forbids unknown keys, so a typo never silently drops a fact. Types are strict: ``1`` is
not ``true``, ``"3"`` is not a number.

What the models check beyond one field: a URL rule names a ``path``, ``regex`` or
``resource`` besides its host, and an any-host rule (``host = "*"``, also in ``[email]``) a
specific ``path`` or ``regex`` (``signatures.wildcard.check_rule``); a regex compiles; a
session cookie has no ``duration_days``; a source has a ``title`` or a ``url``.

The types of the fields (``signatures.vocabulary``) carry their constraints and the words
for a value that breaks them. ``signatures.validate`` turns what pydantic finds into messages
that name the file and the field; ``signatures.json_schema`` writes the JSON Schema of both
documents. The models are only used to validate: a ``Service`` keeps the table as written.

Example::

    >>> ServiceFile.model_validate({"id": "x", "name": "X", "category": "cdn",
    ...     "description": "A CDN.", "vendor": {"name": "X Inc"}}).category
    'cdn'
    >>> ServiceFile.model_fields["hosts"].description
    'Host suffixes that belong to this service alone: `mjt.lu` matches `r.mjt.lu` too.'
"""

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from . import wildcard
from .vocabulary import (
    CATEGORIES,
    Basis,
    Category,
    ConsentRequired,
    CookieDomain,
    Count,
    Country,
    Days,
    HeaderMatch,
    HeaderName,
    Host,
    MatchMode,
    PackName,
    Party,
    Regex,
    ResourceType,
    Risk,
    ServiceId,
    StorageKind,
    Text,
    Texts,
    Url,
    UrlHost,
    UrlPath,
    compiles,
    optional,
)


class Table(BaseModel):
    """A TOML table: unknown keys are errors, types are strict, docstrings describe fields."""

    # defer_build: the validators are built on the first validation, not when a command
    # that never reads a signature file imports the package.
    model_config = ConfigDict(
        extra="forbid", strict=True, use_attribute_docstrings=True, defer_build=True
    )


def _rule_error(problem: str, at: str | None = None) -> PydanticCustomError:
    """A problem of a whole table; ``at`` names the field to blame, if one."""
    return PydanticCustomError("signature_rule", "{problem}", {"problem": problem, "at": at})


class Vendor(Table):
    """The company behind the service."""

    name: Text
    """The vendor's legal or trading name."""
    parent: Text = optional()
    """The group it belongs to, if any."""
    country: Country = optional()
    """Where the vendor is established: an ISO 3166-1 alpha-2 code."""


#: The HTTP methods a URL rule can require.
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
#: A top-level key of a JSON request body.
BodyKey = Annotated[str, Field(min_length=1, max_length=100)]


class UrlRule(Table):
    """Requests to `host` (or its subdomains) whose URL also fits every other field given.

    Tried before the host rules of the same suffix. `host = "*"` holds on any host (for
    self-hosted and first-party-proxied trackers); such a rule needs a specific `path` or
    `regex`, one that requires at least 6 literal characters, 3 of them letters or digits.
    `method` and `body_keys` narrow a rule to a request shape (a tracker's event endpoint
    behind a first-party proxy): only the keys of a JSON body are compared, never its values.
    """

    host: UrlHost
    """A host suffix, or `*` for any host."""
    path: UrlPath = optional()
    """A prefix of the URL's path and query."""
    regex: Regex = optional()
    """A Python regex searched in the whole URL (in the path and query when `host = "*"`)."""
    resource: ResourceType = optional()
    """Only requests of this Playwright resource type."""
    method: HttpMethod = optional()
    """Only requests with this HTTP method (upper case), e.g. `POST`."""
    body_keys: Annotated[list[BodyKey], Field(min_length=1, max_length=20)] = optional()
    """Only requests whose body is a JSON object with all of these top-level keys (others
    may be there too), e.g. `["n", "u", "d"]` for a Plausible event."""

    #: Besides its host, a rule needs one of these (a bare host belongs in `hosts`).
    NARROWED_BY: ClassVar[tuple[str, ...]] = ("path", "regex", "resource")

    @model_validator(mode="after")
    def _narrow_enough(self) -> "UrlRule":
        rule = _specific_enough(self)
        if self.host != wildcard.WILDCARD and not rule.keys() & self.NARROWED_BY:
            raise _rule_error(
                "needs 'path', 'regex' or 'resource' (a bare host belongs in 'hosts')"
            )
        return self

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": [key]} for key in NARROWED_BY]}
    )


def _specific_enough(table: BaseModel) -> dict[str, object]:
    """The rule's set keys; an any-host rule (``host = "*"``) must be specific enough
    (``signatures.wildcard.check_rule``), else the field carrying its literal text is blamed."""
    rule = {key: value for key, value in table if value is not None}
    if rule.get("host") == wildcard.WILDCARD:
        problem = wildcard.check_rule(rule)
        if problem is not None:
            at = None
            if "path" in rule and wildcard.literal_of(rule) == rule["path"]:
                at = "path"
            elif "regex" in rule:
                at = "regex"
            raise _rule_error(problem, at)
    return rule


class EmailUrlRule(Table):
    """An open pixel or a tracked link in the emails the service sends, by its URL.

    On `host` (or its subdomains), a bare host means every URL of that host; `path` and
    `regex` narrow it. `host = "*"` holds on any host (an ESP's branded tracking domains) and
    needs a specific `path` or `regex`, as a `[[urls]]` rule does.
    """

    host: UrlHost
    """A host suffix, or `*` for any host."""
    path: UrlPath = optional()
    """A prefix of the URL's path and query."""
    regex: Regex = optional()
    """A Python regex searched in the whole URL (in the path and query when `host = "*"`)."""

    @model_validator(mode="after")
    def _narrow_enough(self) -> "EmailUrlRule":
        _specific_enough(self)
        return self


class EmailHeaderRule(Table):
    """A header the service puts on the messages it sends."""

    name: HeaderName
    """The header's name (compared without regard to case), or a prefix of it."""
    match: HeaderMatch = "exact"
    """How `name` is compared: `exact` or `prefix`."""
    regex: Regex = optional()
    """A Python regex searched in the header's value; without it the header alone is enough."""


class Email(Table):
    """How the service shows in the emails it sends for its customers (an ESP)."""

    opens: list[EmailUrlRule] = optional()
    """Open-tracking pixels: images whose URL fits one of these rules."""
    clicks: list[EmailUrlRule] = optional()
    """Click tracking: links through the service's redirect, by URL."""
    headers: list[EmailHeaderRule] = optional()
    """Headers that the service alone sets on the messages it sends."""
    notes: Text = optional()
    """How sure the patterns are, and anything else worth knowing."""


class CookieRule(Table):
    """A cookie the service sets, matched by name (and by domain when one is given)."""

    name: Text
    """The cookie name, a name prefix or a regular expression, as `match` says."""
    match: MatchMode = "exact"
    """How `name` is compared: `exact`, `prefix` or `regex` (searched)."""
    domain: CookieDomain = optional()
    """The domain the cookie is set on (a leading dot is allowed; `""` means unknown)."""
    domain_required: bool = False
    """Only match when the cookie's domain agrees with `domain` (short or generic names)."""
    party: Party = optional()
    """Whether the cookie is set as a first-party or third-party cookie."""
    persistent: bool = optional()
    """`false` for a session cookie."""
    duration_days: Days = optional()
    """How long a persistent cookie lasts, in days."""
    purpose: Text = optional()
    """What the cookie is for."""

    @model_validator(mode="after")
    def _consistent(self) -> "CookieRule":
        if self.match == "regex":
            _compiled(self.name, "name")
        if self.persistent is False and self.duration_days is not None:
            raise _rule_error("is given for a session cookie", "duration_days")
        return self


class StorageRule(Table):
    """A `localStorage` or `sessionStorage` key the service writes."""

    key: Text
    """The key, a key prefix or a regular expression, as `match` says."""
    match: MatchMode = "exact"
    """How `key` is compared: `exact`, `prefix` or `regex` (searched)."""
    kind: StorageKind = optional()
    """Which store: `local`, `session` or `either`."""
    purpose: Text = optional()
    """What the key is for."""

    @model_validator(mode="after")
    def _consistent(self) -> "StorageRule":
        if self.match == "regex":
            _compiled(self.key, "key")
        return self


def _compiled(value: str, at: str) -> None:
    try:
        compiles(value)
    except PydanticCustomError as exc:
        raise _rule_error(exc.message(), at) from None


class LegalBasis(Table):
    """The legal basis of one use of the service."""

    use: Text
    """What the service is used for."""
    basis: Basis
    """The GDPR legal basis for that use."""
    conditions: Text = optional()
    """What the basis requires (article, conditions)."""


class Transfer(Table):
    """A transfer of personal data to another country."""

    destination: Text
    """The country or region the data goes to."""
    safeguards: Texts = optional()
    """What makes the transfer lawful (adequacy, DPF, SCCs...)."""


class Compliance(Table):
    """What the law asks of a site that uses the service."""

    consent_required: ConsentRequired = optional()
    """Whether the visitor's consent is needed: `true`, `false` or `"depends"` (on the set-up)."""
    risk: Risk = optional()
    """The privacy risk of using it: `low`, `medium` or `high`."""
    regulations: Texts = optional()
    """The laws and guidelines that apply."""
    tracking_methods: Texts = optional()
    """How it tracks (cookies, pixels, scripts...)."""
    server_locations: Texts = optional()
    """Where its servers are."""
    data_transfers_outside_eu: bool = optional()
    """Whether personal data leaves the EU."""
    cookieless_available: bool = optional()
    """Whether it can run without cookies."""
    dpia: Text = optional()
    """When a data protection impact assessment is needed."""
    sample_consent_text: Text = optional()
    """A consent text a site could show."""
    alternatives: Texts = optional()
    """Services that could replace it."""
    notes: Text = optional()
    """Anything else worth knowing."""
    legal_bases: list[LegalBasis] = optional()
    """The legal basis of each use."""
    transfers: list[Transfer] = optional()
    """Where personal data goes."""


class Source(Table):
    """Where the facts of the file come from."""

    about: Text = optional()
    """Which facts this source backs."""
    title: Text = optional()
    """The source's title."""
    url: Url = optional()
    """The source's address."""

    NAMED_BY: ClassVar[tuple[str, ...]] = ("title", "url")

    @model_validator(mode="after")
    def _named(self) -> "Source":
        if self.title is None and self.url is None:
            raise _rule_error("needs a 'title' or a 'url'")
        return self

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": [key]} for key in NAMED_BY]}
    )


class ServiceFile(Table):
    """One service: what identifies its traffic, and what the law asks of a site using it."""

    id: ServiceId
    """The service id, equal to the file name stem."""
    name: Text
    """The service's name as people know it."""
    category: Category = Field(
        description="What the service does, one of: "
        + "; ".join(f"{name} ({text[:-1].lower()})" for name, text in CATEGORIES.items())
        + "."
    )
    description: Text
    """What the service is and what it does on a site."""
    website: Url = optional()
    """The service's home page."""
    privacy_policy: Url = optional()
    """The service's privacy policy."""
    vendor: Vendor
    """The company behind the service."""
    hosts: list[Host] = optional()
    """Host suffixes that belong to this service alone: `mjt.lu` matches `r.mjt.lu` too."""
    urls: list[UrlRule] = optional()
    """Requests recognised by URL (a host shared with other services, or any host)."""
    cookies: list[CookieRule] = optional()
    """Cookies the service sets."""
    storage: list[StorageRule] = optional()
    """Web storage keys the service writes."""
    email: Email = optional()
    """For an email service provider: its open pixels, tracked links and headers."""
    compliance: Compliance = optional()
    """What the law asks of a site that uses the service."""
    sources: list[Source] = optional()
    """Where the facts come from."""


class ImportedService(ServiceFile):
    """A service of an imported pack; the pack may not know the vendor."""

    vendor: Vendor = optional()
    """The company behind the service, when the pack knows it."""


class PackInfo(Table):
    """Where an imported pack comes from, and under which licence."""

    name: PackName
    """The pack's name."""
    title: Text = optional()
    """A title for people."""
    licence: Text
    """The licence of the imported data."""
    source: Text
    """Where the data comes from."""
    imported_from: Text = optional()
    """The file it was imported from."""
    imported_at: Text = optional()
    """When it was imported (ISO 8601)."""
    entries: Count = optional()
    """How many entries of the source were imported."""
    notes: Text = optional()
    """Anything else worth knowing."""


class PackFile(Table):
    """A pack of imported services; the project's own services take precedence over them."""

    pack: PackInfo
    """Where the pack comes from."""
    services: list[ImportedService] = optional()
    """The imported services."""
