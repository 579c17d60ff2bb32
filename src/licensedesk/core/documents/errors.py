"""Errors of document generation, with stable codes and bilingual messages (see core/errors.py)."""

from __future__ import annotations

from licensedesk.core.errors import ApplicationError, InvalidInput


class DocumentDataMissing(InvalidInput):
    """Fields a document cannot be drafted without are absent; ``missing`` maps document id → paths.

    Raised before anything is written: a document with a blank where the USCC belongs costs a correction
    round with the authority, so the gap is named (and the case page can offer to fill it) instead."""

    default_code = "documents.data_missing"

    def __init__(self, missing: dict[str, list[str]]) -> None:
        self.missing = {doc: sorted(set(paths)) for doc, paths in missing.items() if paths}
        lines = [f"{doc}: {', '.join(paths)}" for doc, paths in self.missing.items()]
        super().__init__(
            "Missing data for the documents: " + "; ".join(lines),
            message_zh="生成文件所需的数据缺失：" + "；".join(lines),
            details={"missing": self.missing},
        )

    @property
    def fields(self) -> list[str]:
        """Every missing path once, for a form that offers to fill them."""
        return sorted({path for paths in self.missing.values() for path in paths})


class TemplateInvalid(InvalidInput):
    """An uploaded DOCX template that cannot be used: not a DOCX, bad Jinja syntax, unknown placeholders
    or filters (``details['unknown']`` lists them so the agency can correct its file), or constructs a
    document template may not use (``documents.template_forbidden`` / ``documents.template_construct``,
    ``details['forbidden']`` lists each with its place): a template is code the server runs."""

    default_code = "documents.template_invalid"


class FontMissing(ApplicationError):
    """The CJK TrueType font the PDFs embed is not installed (a machine set-up problem, not user input)."""

    default_code = "documents.font_missing"
    http_status = 500


class BundleError(InvalidInput):
    """A submission bundle cannot be built (a material file missing, unreadable or of an unknown kind)
    or read (not a zip, no manifest)."""

    default_code = "documents.bundle_invalid"
