"""The result model: what a scan saw, declared once (pydantic dataclasses, frozen).

Every other room (signatures aside) reads these types and nothing of the scanner's internals.
The declaration is the contract: loading (``ScanResult.from_dict``, with messages that name
the wrong field), dumping (``to_dict``) and the JSON Schema that users script against
(``json_schema()``, committed as ``reports/schema/result.schema.json``) all come from it, so
a result saved years ago renders again without the scanner or the signature database.

Shape of a result::

    ScanResult
    ├── provenance: tool/browser version, user agent, config, start and end times
    ├── phases: PhaseResult("no-interaction" | "accept-all" | "reject-all")
    │   ├── consent: ConsentAction | None   (what was clicked, filled by the consent room)
    │   └── visits: Visit (one per page)
    │       ├── requests: Request   (every request the browser made, all frames)
    │       ├── cookies:  Cookie    (what the page set: wire, jar and JavaScript)
    │       ├── storage:  StorageItem (localStorage / sessionStorage keys per origin)
    │       └── errors:   PageError
    ├── services: {service id -> facts}     (copied from the signature database)
    ├── matches:  Match   (observation -> service, with the exact pattern that matched)
    ├── findings: Finding (the verdicts, with their evidence)
    └── verdict:  Verdict (the site's and each service's, typed; see ``scanner.rules``)

Anything in here that came from the scanned site (URLs, names, titles, messages) is untrusted
data: renderers must escape it.
"""

from scanner.model.codec import explain, from_dict, location, to_dict
from scanner.model.observations import (
    PHASES,
    SCHEMA_VERSION,
    ApiUse,
    Carried,
    ConsentAction,
    ConsentNeed,
    Cookie,
    CookieRead,
    CookieSource,
    MatchKind,
    PageError,
    Party,
    Phase,
    PhaseResult,
    Request,
    ServiceVerdictId,
    Severity,
    SiteVerdictId,
    StorageItem,
    Visit,
)
from scanner.model.result import (
    FINDING_TYPES,
    Finding,
    Match,
    ScanResult,
    ServiceVerdict,
    Verdict,
    json_schema,
)

__all__ = [
    "FINDING_TYPES",
    "PHASES",
    "SCHEMA_VERSION",
    "ApiUse",
    "Carried",
    "ConsentAction",
    "ConsentNeed",
    "Cookie",
    "CookieRead",
    "CookieSource",
    "Finding",
    "Match",
    "MatchKind",
    "PageError",
    "Party",
    "Phase",
    "PhaseResult",
    "Request",
    "ScanResult",
    "ServiceVerdict",
    "ServiceVerdictId",
    "Severity",
    "SiteVerdictId",
    "StorageItem",
    "Verdict",
    "Visit",
    "explain",
    "from_dict",
    "json_schema",
    "location",
    "to_dict",
]
