"""The words of signature files: fixed vocabularies and the value types of their fields.

``signatures.schema`` declares the tables with these types. Each constrained type carries
its JSON Schema (pattern, bounds) and, in a ``Says``, how an error message puts what a value
breaking it must be; ``signatures.validate`` reads it from there.

Example::

    >>> list(CATEGORIES)[:3], is_host_name("mjt.lu"), is_host_name("MJT.lu")
    (['necessary', 'functional', 'analytics'], True, False)
"""

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

Category = Literal[
    "necessary", "functional", "analytics", "marketing", "social", "embedded-media", "cdn",
    "security", "consent", "tag-manager",
]  # fmt: skip
#: The fixed category vocabulary, each with what it covers.
CATEGORIES: dict[Category, str] = {
    "necessary": "Strictly needed for what the visitor asked for.",
    "functional": "Preferences, chat and support widgets, features that do not track.",
    "analytics": "Audience measurement and behaviour analytics.",
    "marketing": "Advertising, retargeting, affiliate and email tracking pixels.",
    "social": "Social network plugins and embeds that track.",
    "embedded-media": "Video, maps and audio players.",
    "cdn": "Fonts, script libraries and content delivery.",
    "security": "Captcha, bot and fraud protection.",
    "consent": "Consent management platforms.",
    "tag-manager": "Tag managers that load other tags.",
}
assert list(CATEGORIES) == list(get_args(Category))

MatchMode = Literal["exact", "prefix", "regex"]
Party = Literal["first", "third", "either"]
StorageKind = Literal["local", "session", "either"]
Risk = Literal["low", "medium", "high"]
Basis = Literal["consent", "contract", "legitimate-interest", "legal-obligation"]
# Playwright's request.resource_type values.
ResourceType = Literal[
    "document", "stylesheet", "image", "media", "font", "script", "texttrack", "xhr",
    "fetch", "eventsource", "websocket", "manifest", "ping", "other",
]  # fmt: skip


@dataclass(frozen=True)
class Says:
    """What a field must be, in the words of an error message, for a value that breaks one
    of its constraints (pattern, length, bound; for numbers also the type).

    ``signatures.validate`` adds ``(got <value>)`` unless ``echo`` is false; ``lowercase``
    says "must be lowercase" first when the value has capitals (host names).
    """

    problem: str
    lowercase: bool = False
    echo: bool = True


ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
_LABEL = r"[a-z0-9_][a-z0-9_-]{0,62}"
# A host suffix: lowercase labels, at least one dot (a bare TLD would claim half the web).
_HOST = rf"{_LABEL}(\.{_LABEL})+"
HOST_PATTERN = rf"^{_HOST}$"
HOST_RE = re.compile(HOST_PATTERN)
_LIKE_HOST = "must be a host name like 'mjt.lu', no scheme or path"


def is_host_name(text: str) -> bool:
    """True when ``text`` is a valid host suffix for ``hosts``.

    Example::

        >>> is_host_name("mjt.lu"), is_host_name("lu"), is_host_name("MJT.lu")
        (True, False, False)
    """
    return len(text) <= 253 and HOST_RE.fullmatch(text) is not None


def compiles(value: str) -> str:
    """``value`` when it is a valid Python regular expression; else a pydantic error."""
    try:
        re.compile(value)
    except re.error as exc:
        raise PydanticCustomError(
            "regex", "is not a valid regular expression ({reason})", {"reason": str(exc)}
        ) from None
    return value


def _no_numbers(value: Any) -> Any:
    # In Python 1 == True: a strict Literal[True, False, ...] still lets 1 and 0 through.
    if type(value) in (int, float):
        raise PydanticCustomError("literal_error", "is not one of the choices")
    return value


Text = Annotated[str, Field(pattern=r"\S"), Says("must not be empty", echo=False)]
Texts = list[Text]
ServiceId = Annotated[
    str,
    Field(pattern=ID_PATTERN, examples=["mailjet"]),
    Says("must look like 'mailjet ([a-z0-9-])'"),
]
Host = Annotated[str, Field(pattern=HOST_PATTERN, max_length=253), Says(_LIKE_HOST, True)]
UrlHost = Annotated[
    str,
    Field(pattern=rf"^(\*|{_HOST})$", max_length=253),
    Says("must be '*' or a host name like 'mjt.lu', no scheme or path", True),
]
CookieDomain = Annotated[
    str, Field(pattern=rf"^(\.?{_HOST})?$", max_length=254), Says(_LIKE_HOST, True)
]
Url = Annotated[str, Field(pattern=r"^https?://"), Says("must be an http(s) URL")]
UrlPath = Annotated[str, Field(pattern=r"^/"), Says("must start with '/'")]
Regex = Annotated[
    str,
    Field(pattern=r"\S", json_schema_extra={"format": "regex"}),
    Says("must not be empty", echo=False),
    AfterValidator(compiles),
]
Days = Annotated[float, Field(ge=0), Says("must be a number of days >= 0")]
Count = Annotated[int, Field(ge=0), Says("must be a whole number >= 0")]
Country = Annotated[
    str,
    Field(pattern=r"^[A-Z]{2}$", examples=["FR"]),
    Says("must look like 'FR (ISO 3166-1 alpha-2)'"),
]
PackName = Annotated[
    str,
    Field(pattern=ID_PATTERN, examples=["open-cookie-database"]),
    Says("must look like 'open-cookie-database'"),
]
ConsentRequired = Annotated[Literal[True, False, "depends"], BeforeValidator(_no_numbers)]
#: A message header's name (RFC 5322: printable ASCII, no colon, no space).
HeaderName = Annotated[
    str,
    Field(pattern=r"^[!-9;-~]+$", max_length=76, examples=["X-MJ-Mid"]),
    Says("must be a header name like 'X-MJ-Mid' (no colon, no space)"),
]
#: How a header rule's name is compared with a message's header names (without case).
HeaderMatch = Literal["exact", "prefix"]


def optional() -> Any:
    """The default of a key that may be absent. TOML has no null, so the declared type stays
    ``str`` (not ``str | None``): an explicit ``None`` is invalid, and the JSON Schema says
    nothing of null. (A function, as mypy would reject ``= Field(default=None)``.)"""
    return Field(default=None)
