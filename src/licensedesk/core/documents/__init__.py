"""Application documents: Chinese DOCX and PDF drafted from the case data, and the submission bundle.

Pure core (no Django). Definitions are data and templates DOCX files, both in the license's catalog
folder (``core/catalog/licenses/<license>/documents.yaml`` and ``templates/<id>.docx``, built by
``scripts/build_docx_templates.py``).
"""

from licensedesk.core.documents.case import CaseData, CaseFileError, load_case, validate_case
from licensedesk.core.documents.definitions import load_definitions, plan_documents
from licensedesk.core.documents.errors import BundleError, DocumentDataMissing, FontMissing, TemplateInvalid
from licensedesk.core.documents.render import DocumentSet, RenderedDocument, render_documents
from licensedesk.core.documents.template_check import check_template

__all__ = [
    "BundleError",
    "CaseData",
    "CaseFileError",
    "DocumentDataMissing",
    "DocumentSet",
    "FontMissing",
    "RenderedDocument",
    "TemplateInvalid",
    "check_template",
    "load_case",
    "load_definitions",
    "plan_documents",
    "render_documents",
    "validate_case",
]
