"""Bulk screening: many companies through one license's rules, streaming, row errors kept per row.

Input is JSON Lines (one contract profile per line) or CSV whose header names profile paths
(``company.name``, ``company.registered_capital_cny``, ``service.content_areas`` …). CSV cells are typed
from the contract schema so a spreadsheet export works as it is: numbers and booleans are parsed (true/
false, 是/否), lists of values are separated by ``;``, lists of objects are JSON, an empty cell means the
field is not known. An optional ``ref`` column is carried through to the output.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TextIO

from licensedesk.contracts import PROFILE_SCHEMA, load_schema
from licensedesk.core.eligibility import Evaluator
from licensedesk.core.profile import ProfileError, ProfileProblem, parse_profile_text, validate_profile

INPUT_KINDS = (".csv", ".jsonl")
PASSTHROUGH_COLUMNS = frozenset({"ref"})
_TRUE = frozenset({"true", "1", "yes", "y", "是", "有"})
_FALSE = frozenset({"false", "0", "no", "n", "否", "无"})


class ScreeningInputError(ValueError):
    """The file as a whole cannot be screened (missing, unknown kind, bad CSV header)."""


@dataclass(frozen=True)
class Row:
    line: int
    ref: str | None
    data: dict[str, Any] | None
    problems: list[ProfileProblem] = field(default_factory=list)


@dataclass
class ScreeningSummary:
    total: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    unmet: Counter[str] = field(default_factory=Counter)

    def add(self, verdict: str, unmet: list[str]) -> None:
        self.total += 1
        self.verdicts[verdict] += 1
        self.unmet.update(unmet)


@cache
def _column_types() -> dict[str, dict[str, Any]]:
    """The schema node of every scalar-or-array profile path a CSV column may name."""
    out: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, sub in node.get("properties", {}).items():
            path = f"{prefix}{key}"
            if sub.get("type") == "object" and "properties" in sub:
                walk(sub, path + ".")
            elif sub.get("type") != "object":
                out[path] = sub

    walk(load_schema(PROFILE_SCHEMA), "")
    return out


def csv_columns() -> list[str]:
    """Every column a screening CSV may have, for documentation and templates."""
    return ["ref", *_column_types()]


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("type")
    if kind is None and "enum" in node:
        return {"string"}
    if kind is None and "const" in node:
        return {"string"}
    return set(kind) if isinstance(kind, list) else {kind}


def _cell(path: str, text: str) -> Any:
    """Parse one CSV cell by the type the contract gives its path; raise ValueError with a reason."""
    node = _column_types()[path]
    kinds = _types(node)
    if text == "null" and "null" in kinds:
        return None
    if "boolean" in kinds:
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"expected true/false (是/否), got {text!r}")
    if "integer" in kinds:
        try:
            return int(text.replace(",", ""))
        except ValueError:
            raise ValueError(f"expected a whole number, got {text!r}") from None
    if "number" in kinds:
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            raise ValueError(f"expected a number, got {text!r}") from None
        return int(value) if value.is_integer() else value
    if "array" in kinds:
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"invalid JSON list: {exc.msg}") from None
        if node.get("items", {}).get("type") == "object":
            raise ValueError("expected a JSON list of objects")
        return [part.strip() for part in text.replace("；", ";").split(";") if part.strip()]
    return text


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def _csv_rows(handle: TextIO, source: str) -> Iterator[Row]:
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in PASSTHROUGH_COLUMNS and c not in _column_types()]
    if unknown:
        raise ScreeningInputError(
            f"{source}: column(s) {', '.join(unknown)} are not profile fields; "
            f"expected dotted paths such as company.name"
        )
    if "company.name" not in header:
        raise ScreeningInputError(f"{source}: the CSV needs a company.name column")
    for record in reader:
        line = reader.line_num
        data: dict[str, Any] = {"schema_version": "1"}
        problems = []
        for column, raw in record.items():
            if column in PASSTHROUGH_COLUMNS or column is None:
                continue
            text = (raw or "").strip()
            if not text:
                continue
            try:
                _set(data, column, _cell(column, text))
            except ValueError as exc:
                problems.append(ProfileProblem(path=column, code="csv_cell", message=str(exc)))
        yield Row(line, record.get("ref") or None, data, problems)


def _jsonl_rows(handle: TextIO, source: str) -> Iterator[Row]:
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            data = parse_profile_text(text, source=source, yaml_allowed=False)
        except ProfileError as exc:
            yield Row(line, None, None, exc.problems)
            continue
        ref = data.pop("ref", None) if isinstance(data, dict) else None
        yield Row(line, None if ref is None else str(ref), data)


def read_rows(path: Path, handle: TextIO) -> Iterator[Row]:
    """Stream the rows of a screening file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(handle, str(path))
    if suffix == ".jsonl":
        return _jsonl_rows(handle, str(path))
    raise ScreeningInputError(f"{path}: unsupported file kind {suffix or '(none)'}; use .csv or .jsonl")


def screen_row(row: Row, evaluator: Evaluator) -> dict[str, Any]:
    """Validate and check one row; an invalid row becomes an 'invalid' record, never an exception."""
    problems = list(row.problems)
    if row.data is not None:
        try:
            profile = validate_profile(row.data).to_contract()
        except ProfileError as exc:
            # cells that could not be parsed were left out; don't report them a second time as missing
            bad_cells = {p.path for p in problems}
            problems += [p for p in exc.problems if p.path not in bad_cells]
        else:
            if not problems:
                return {
                    "line": row.line,
                    "ref": row.ref,
                    "result": evaluator.check(profile),
                    "company": profile["company"],
                }
    return {
        "line": row.line,
        "ref": row.ref,
        "verdict": "invalid",
        "errors": [p.model_dump() for p in problems],
    }


def statuses(result: dict[str, Any], status: str) -> list[str]:
    return [c["id"] for c in result["conditions"] if c["status"] == status]


class ResultWriter:
    """Writes screened rows to .csv (one compact line each) or .jsonl (the full check result)."""

    CSV_FIELDS = (
        "line",
        "ref",
        "company_name",
        "uscc",
        "verdict",
        "unmet",
        "unknown",
        "missing_fields",
        "authority",
        "errors",
    )

    def __init__(self, path: Path, handle: TextIO) -> None:
        self.kind = path.suffix.lower()
        if self.kind not in INPUT_KINDS:
            raise ScreeningInputError(
                f"{path}: unsupported output kind {self.kind or '(none)'}; use .csv or .jsonl"
            )
        self.handle = handle
        if self.kind == ".csv":
            self.csv = csv.DictWriter(handle, fieldnames=self.CSV_FIELDS)
            self.csv.writeheader()

    def write(self, record: dict[str, Any]) -> None:
        if self.kind == ".jsonl":
            out = {k: v for k, v in record.items() if k != "company"}
            self.handle.write(json.dumps(out, ensure_ascii=False) + "\n")
            return
        result = record.get("result")
        if result is None:
            errors = "; ".join(f"{e['path'] or '(row)'}: {e['message']}" for e in record["errors"])
            self.csv.writerow(
                {"line": record["line"], "ref": record["ref"], "verdict": "invalid", "errors": errors}
            )
            return
        missing = [f for c in result["conditions"] for f in c.get("missing_fields", [])]
        self.csv.writerow(
            {
                "line": record["line"],
                "ref": record["ref"],
                "company_name": record["company"].get("name"),
                "uscc": record["company"].get("uscc"),
                "verdict": result["verdict"],
                "unmet": ";".join(statuses(result, "unmet")),
                "unknown": ";".join(statuses(result, "unknown")),
                "missing_fields": ";".join(dict.fromkeys(missing)),
                "authority": result["authority"]["id"],
                "errors": "",
            }
        )
