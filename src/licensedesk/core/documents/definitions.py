"""Which application documents exist for a license, as data (``documents.yaml`` in its catalog folder).

A definition names the checklist material the document fulfils, whether it is drafted only when the
checklist requires that material (the guarantee letter), and the context paths it cannot be drafted
without. Which documents a case gets is decided by :func:`plan_documents` from the eligibility engine's
checklist, so the legal condition (e.g. "a guarantee letter unless the service touches an approved
area") stays in the catalog and is not repeated here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from licensedesk.core.catalog.folders import document_license_ids, documents_file
from licensedesk.core.catalog.models import Text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentDefinition(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    material: str | None
    title: Text
    only_when_material_required: bool = False
    signed_by_legal_representative: bool = False
    required_fields: tuple[str, ...] = ()


class LicenseDocuments(_Model):
    license: str
    required_fields_all: tuple[str, ...] = ()
    documents: tuple[DocumentDefinition, ...]

    def get(self, doc_id: str) -> DocumentDefinition:
        for doc in self.documents:
            if doc.id == doc_id:
                return doc
        known = ", ".join(d.id for d in self.documents)
        raise KeyError(f"unknown document {doc_id!r} for {self.license}; known: {known}")

    def required(self, doc: DocumentDefinition) -> tuple[str, ...]:
        """The paths ``doc`` needs: those every document needs, then its own."""
        return self.required_fields_all + tuple(
            p for p in doc.required_fields if p not in self.required_fields_all
        )


@cache
def load_definitions(license_id: str) -> LicenseDocuments:
    """The document definitions of ``license_id`` (KeyError naming the known licenses if none)."""
    source = documents_file(license_id)
    if not source.is_file():
        known = document_license_ids()
        raise KeyError(f"no document definitions for license {license_id!r}; known: {', '.join(known)}")
    return LicenseDocuments.model_validate(yaml.safe_load(source.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class PlannedDocument:
    """One document of a case's set: drafted or not, and why (bilingual, from the checklist)."""

    definition: DocumentDefinition
    included: bool
    because_zh: str
    because_en: str
    depends_on: tuple[str, ...] = ()


def plan_documents(
    definitions: LicenseDocuments, materials: Sequence[Mapping[str, Any]]
) -> list[PlannedDocument]:
    """The case's documents in the order of the authority's checklist (``materials`` of a check result),
    documents that fulfil no material (the commission contract) last.

    A document conditional on its material is left out when the checklist does not require it, and is
    reported with the checklist's fields it depends on when the requirement cannot be decided yet."""
    order = {m["id"]: i for i, m in enumerate(materials)}
    by_material = {m["id"]: m for m in materials}
    planned = []
    for doc in definitions.documents:
        material = by_material.get(doc.material) if doc.material else None
        if doc.material and material is None:
            raise KeyError(f"document {doc.id}: material {doc.material!r} is not in the checklist")
        if material is None or not doc.only_when_material_required or material["required"]:
            because_zh = (
                material.get("because", "") if material else "代办机构与申请人之间的委托合同（不提交）"
            )
            because_en = material.get("because_en", "") if material else "Agency contract (not submitted)"
            planned.append(PlannedDocument(doc, True, because_zh, because_en))
        else:
            planned.append(
                PlannedDocument(
                    doc,
                    False,
                    material.get("because", ""),
                    material.get("because_en", ""),
                    tuple(material.get("depends_on", ())),
                )
            )
    planned.sort(key=lambda p: order.get(p.definition.material or "", len(order)))
    return planned
