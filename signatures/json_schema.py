"""The JSON Schema of signature files, generated from the declaration in ``signatures.schema``.

The schemas are committed beside the code, for editors and other tools:
``signatures/service.schema.json`` (a service file) and ``signatures/pack.schema.json`` (a
pack). A test checks that they are current; after changing the declaration, rewrite them::

    .venv/bin/python -m signatures.json_schema

A few rules stay in the models' own checks and only appear in the descriptions: how specific
an any-host URL rule must be, that a regex compiles (marked ``"format": "regex"``), that a
session cookie has no duration.

Example::

    >>> schema = json_schema(ServiceFile)
    >>> schema["required"], schema["properties"]["hosts"]["items"]["pattern"][:12]
    (['id', 'name', 'category', 'description', 'vendor'], '^[a-z0-9_][a')
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from .schema import PackFile, ServiceFile

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Committed file name -> (declaration, title).
SCHEMA_FILES: dict[str, tuple[type[BaseModel], str]] = {
    "service.schema.json": (ServiceFile, "cookiescan service signature file"),
    "pack.schema.json": (PackFile, "cookiescan signature pack"),
}
PACKAGE_DIR = Path(__file__).parent


class _Generator(GenerateJsonSchema):
    """pydantic's generator, minus what a TOML author does not need: field titles made up
    from the names, and ``"default": null`` for optional keys (TOML has no null)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if "default" in schema and schema["default"] is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


def json_schema(model: type[BaseModel], title: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one declared document."""
    schema = model.model_json_schema(schema_generator=_Generator)
    name = schema.pop("title")
    return _unwrap({"$schema": DRAFT, "title": title or name, **schema})


_LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)")


def _unwrap(node: Any) -> Any:
    """Docstrings are wrapped at 100 columns; an editor wraps a description itself."""
    if isinstance(node, dict):
        return {
            k: _LINE_BREAK.sub(" ", v) if isinstance(v, str) and k == "description" else _unwrap(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_unwrap(v) for v in node]
    return node


def render(model: type[BaseModel], title: str | None = None) -> str:
    """``json_schema`` as the text committed to the repository."""
    return json.dumps(json_schema(model, title), indent=2, ensure_ascii=False) + "\n"


def write_all(directory: Path = PACKAGE_DIR) -> list[Path]:
    """Write every schema of ``SCHEMA_FILES`` to ``directory``; return the paths."""
    paths = []
    for name, (model, title) in SCHEMA_FILES.items():
        path = directory / name
        path.write_text(render(model, title), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> int:
    for path in write_all():
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
