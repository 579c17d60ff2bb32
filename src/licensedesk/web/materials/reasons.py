"""The fixed list of reasons a reviewer rejects an upload for, with the words the client reads.

Data, not logic: the review form offers these in this order, the client sees the label of the code
stored on the version (Chinese first, then English), and "other" needs the reviewer's own words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RejectionReason:
    code: str
    zh: str
    en: str
    needs_text: bool = False

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


REASONS: tuple[RejectionReason, ...] = (
    RejectionReason("blurred", "扫描件模糊或不完整", "Blurred or incomplete scan"),
    RejectionReason("seal_missing", "缺少公司公章", "Company seal missing"),
    RejectionReason("signature_missing", "缺少签字", "Signature missing"),
    RejectionReason("expired", "文件已过期", "Expired"),
    RejectionReason("wrong_document", "文件不符（非所需材料）", "Wrong document"),
    RejectionReason("wrong_company", "非本公司文件", "Wrong company"),
    RejectionReason("other", "其他", "Other", needs_text=True),
)

BY_CODE: dict[str, RejectionReason] = {reason.code: reason for reason in REASONS}
REASON_TEXT_MAX_LENGTH = 2000


def reason(code: str) -> RejectionReason | None:
    return BY_CODE.get(code)


# The checklist statuses in both languages, for texts that must carry both whatever the page language
# (guard refusals, emails). Page labels come from the model's choices through gettext.
STATUS_TEXT: dict[str, tuple[str, str]] = {
    "missing": ("未提交", "missing"),
    "uploaded": ("已上传", "uploaded"),
    "under_review": ("审核中", "under review"),
    "rejected": ("已退回", "rejected"),
    "accepted": ("已通过", "accepted"),
    "expired": ("已过期", "expired"),
}
