"""The signatures package as a whole: its TOML writer, its docstring examples, and its imports
(nothing of the project, no cycle, no lazy import).

The declaration and its JSON Schema are tested in test_signatures_schema.py, loading in
test_signatures_loading.py and the matcher in test_signatures_matcher.py.
"""

import ast
import graphlib
import tomllib
from pathlib import Path

import grimp
import pytest
from signature_helpers import no_user_packs, pack, service  # noqa: F401

import signatures
from signatures._toml import dumps


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
