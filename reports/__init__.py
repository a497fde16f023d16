"""Reports of a scan: JSON, CSV, XLSX, a self-contained HTML page and a Markdown summary.

Reads ``scanner.model`` and nothing else of the project, so a saved result renders years
later without the signature database it was scanned with.

Example::

    import reports
    html = reports.render(result, "html")
    reports.write(result, "csv", "out/")          # one CSV per table
    html = reports.render(new, "html", changes=diff_results(old, new))  # "changes since" section
    result = reports.load_result("result.json")   # ReportError if it is not a result

Cookie values can be personal data or session tokens: every format shows a hash and a length
unless ``include_cookie_values=True``.

``pdf`` is the HTML report printed by Chromium. ``reports`` never drives a browser (only
``scanner.collect`` does), so the caller hands it the printer::

    from scanner.collect.pdf import print_pdf
    reports.write(result, "pdf", "report.pdf", printer=print_pdf)

``changes`` is the plain dict of ``scanner.analyse.diff.diff_results(old, result)``: the
HTML and Markdown reports then open with what appeared and disappeared since the previous scan
(``reports.changes`` lists the keys read); the other formats ignore it.

Banner screenshots (``screenshots=``, JSON only): ``render(result, "json")`` embeds them as
``data:`` URIs (``"embed"``) or leaves them out (``"omit"``, JSON on stdout);
``write(result, "json", "r.json")`` writes them as PNG files in ``r.screenshots/`` and the JSON
holds their relative paths (``"files"``, see ``reports.shots``), which ``load_result`` turns
back into data URIs::

    reports.write(result, "json", "r.json")   # r.json + r.screenshots/accept-all-before.png
    reports.load_result("r.json")             # the screenshots embedded again
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.model import ScanResult

from .files import BINARY_FORMATS, check_target, is_dir_target, write_atomically
from .load import ReportError, load_result
from .shots import drop_screenshots, shots_folder, split_screenshots, write_screenshots

__all__ = [
    "BINARY_FORMATS",
    "FORMATS",
    "PRINTED_FORMATS",
    "SCREENSHOTS",
    "Printer",
    "ReportError",
    "check_target",
    "load_result",
    "render",
    "shots_folder",
    "write",
]

FORMATS: tuple[str, ...] = ("json", "html", "md", "csv", "xlsx", "sarif", "junit")
#: Formats printed from the HTML report by a ``printer`` the caller passes (a browser).
PRINTED_FORMATS: tuple[str, ...] = ("pdf",)

#: Turns the HTML report into PDF bytes (``scanner.collect.pdf.print_pdf``).
Printer = Callable[[str], bytes]

SCHEMA_PATH = Path(__file__).parent / "schema" / "result.schema.json"

#: Where JSON puts the banner screenshots: ``files`` beside the JSON file (``write`` only),
#: ``embed`` as data URIs, ``omit`` not at all.
SCREENSHOTS: tuple[str, ...] = ("files", "embed", "omit")


def render(
    result: ScanResult,
    fmt: str,
    *,
    include_cookie_values: bool = False,
    changes: dict[str, Any] | None = None,
    printer: Printer | None = None,
    screenshots: str = "embed",
    pack: Any = None,
) -> str | bytes:
    """``result`` as one document in format ``fmt`` (``bytes`` for xlsx and pdf, ``str``
    otherwise).

    ``csv`` gives the flat findings table; ``write(..., "csv", directory)`` writes every table.
    ``changes`` (``diff_results(old, result)``) adds "Changes since the previous scan" to
    ``html`` and ``md``. ``pdf`` needs ``printer``: the HTML report goes in, PDF bytes out.
    ``screenshots`` (json): ``embed`` (data URIs) or ``omit``; HTML always embeds them.
    ``pack`` (html, pdf): an evidence pack's page screenshots (``reports.pages``).
    """
    if screenshots not in ("embed", "omit"):
        raise ReportError(f"screenshots={screenshots!r}: render() can only embed or omit them")
    if fmt in PRINTED_FORMATS:
        if printer is None:
            raise ReportError(f"--format {fmt} needs a browser to print it: pass printer=")
        html = render(
            result, "html", include_cookie_values=include_cookie_values, changes=changes, pack=pack
        )
        return printer(str(html))
    if fmt == "json":
        data = json_data(result, include_cookie_values=include_cookie_values)
        if screenshots == "omit":
            drop_screenshots(data)
        return _dump(data)
    if fmt == "html":
        from .html import render_html

        return render_html(
            result, include_cookie_values=include_cookie_values, changes=changes, pack=pack
        )
    if fmt == "md":
        from .md import render_md

        return render_md(result, changes=changes)
    if fmt in ("sarif", "junit"):
        from .ci import render_junit, render_sarif

        return render_sarif(result) if fmt == "sarif" else render_junit(result)
    if fmt in ("csv", "xlsx"):
        from .tables import build_tables, to_csv

        frames = build_tables(result, include_cookie_values=include_cookie_values)
        return to_csv(frames["findings"]) if fmt == "csv" else _xlsx(frames)
    choices = ", ".join(FORMATS + PRINTED_FORMATS)
    raise ReportError(f"unknown report format {fmt!r}; choose from {choices}")


def write(
    result: ScanResult,
    fmt: str,
    path: str | Path,
    *,
    include_cookie_values: bool = False,
    changes: dict[str, Any] | None = None,
    printer: Printer | None = None,
    screenshots: str = "files",
    pack: Any = None,
) -> list[Path]:
    """Write ``result`` as ``fmt`` to ``path`` and return the files written.

    For ``csv``, a ``path`` that is a directory, ends with ``/`` or has no suffix gets one
    file per table (``requests.csv``, ``cookies.csv``, ``storage.csv``, ``services.csv``,
    ``findings.csv``, ``pages.csv``); any other path gets the flat findings table. Each file
    is written atomically (``reports.files.write_atomically``): a failed write leaves the
    previous file, never half a report. ``check_target(fmt, path)`` says beforehand whether
    ``path`` can take ``fmt``. ``printer``: see ``render`` (``pdf``).

    ``screenshots`` (json): ``files`` (the default) writes the banner screenshots as PNG files
    in the sibling folder ``shots_folder(path)`` (``r.json`` -> ``r.screenshots/``), each
    written atomically before the JSON, and the JSON names them by their path relative to its
    own folder; a device or a pipe (``/dev/stdout``) gets none. ``embed``: data URIs inside
    the JSON; ``omit``: none.
    """
    target = Path(path)
    if screenshots not in SCREENSHOTS:
        raise ReportError(f"screenshots={screenshots!r}: choose from {', '.join(SCREENSHOTS)}")
    try:
        if fmt == "json" and screenshots == "files":
            return _write_json_and_screenshots(result, target, include_cookie_values)
        if is_dir_target(fmt, path):
            from .tables import build_tables, to_csv

            target.mkdir(parents=True, exist_ok=True)
            written = []
            frames = build_tables(result, include_cookie_values=include_cookie_values)
            for name, frame in frames.items():
                file = target / f"{name}.csv"
                write_atomically(file, _encode(to_csv(frame)))
                written.append(file)
            return written
        output = render(
            result,
            fmt,
            include_cookie_values=include_cookie_values,
            changes=changes,
            printer=printer,
            screenshots="embed" if screenshots == "files" else screenshots,
            pack=pack,
        )
        if target.parent != Path(""):
            target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, output if isinstance(output, bytes) else _encode(output))
        return [target]
    except OSError as exc:
        raise ReportError(f"{target}: cannot write: {exc.strerror or exc}") from None


def _encode(text: str) -> bytes:
    # Page strings are made storable where they enter the result (scanner.collect.storable);
    # "replace" only guards a result built by hand with a lone surrogate in it.
    return text.encode("utf-8", errors="replace")


def _write_json_and_screenshots(
    result: ScanResult, target: Path, include_cookie_values: bool
) -> list[Path]:
    """``write(result, "json", target)`` with the screenshots as files beside it."""
    data = json_data(result, include_cookie_values=include_cookie_values)
    if _is_device(target):
        drop_screenshots(data)  # /dev/stdout, a pipe: no folder to put them beside
        files: dict[str, bytes] = {}
    else:
        files = split_screenshots(data, shots_folder(target).name)
    if target.parent != Path(""):
        target.parent.mkdir(parents=True, exist_ok=True)
    folder = shots_folder(target)
    earlier = folder.is_dir() and not folder.is_symlink()  # its old screenshots are removed
    undo = write_screenshots(folder, files, write_atomically) if files or earlier else None
    try:
        write_atomically(target, _encode(_dump(data)))
    except BaseException:
        if undo is not None:
            undo()
        raise
    return [target, *(folder / name for name in files)]


def _is_device(target: Path) -> bool:
    try:
        return target.exists() and not target.resolve().is_file()
    except OSError:
        return False


def json_data(result: ScanResult, *, include_cookie_values: bool = False) -> dict[str, Any]:
    """The canonical record as plain data (documented by
    ``reports/schema/result.schema.json``), screenshots embedded. Cookie values are dropped
    (set to null) unless ``include_cookie_values``."""
    data = result.to_dict()
    if not include_cookie_values:
        _drop_cookie_values(data)
    return data


def render_json(result: ScanResult, *, include_cookie_values: bool = False) -> str:
    """The canonical record as JSON text, screenshots embedded (``json_data``)."""
    return _dump(json_data(result, include_cookie_values=include_cookie_values))


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _drop_cookie_values(data: dict[str, Any]) -> None:
    for phase in data.get("phases", []):
        for visit in phase.get("visits", []):
            for cookie in visit.get("cookies", []):
                cookie["value"] = None


def _xlsx(frames: Any) -> bytes:
    try:
        from .tables import to_xlsx

        return to_xlsx(frames)
    except ImportError as exc:  # openpyxl is optional
        raise ReportError(f"xlsx needs openpyxl: pip install openpyxl ({exc})") from None
