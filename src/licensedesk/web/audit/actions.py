"""The names of audit actions, for people: the trail stores dotted codes (``case.transitioned``); the
admin's list, filter and detail show what happened in words. An action this table does not know (a
newer module's) is shown by its code."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import get_language

ACTION_LABELS: Mapping[str, tuple[str, str]] = {
    "agency.created": ("创建机构", "Agency created"),
    "agency.settings_updated": ("修改机构设置", "Agency settings changed"),
    "agency.targets_updated": ("修改机构内部时限目标", "Agency targets changed"),
    "audit.rekeyed": ("审计链改用密钥散列", "Audit chain re-hashed with the key"),
    "auth.login": ("登录", "Signed in"),
    "user.created": ("创建用户", "User created"),
    "user.role_changed": ("变更角色", "Role changed"),
    "user.activated": ("启用用户", "User activated"),
    "user.deactivated": ("停用用户", "User deactivated"),
    "company.created": ("创建客户企业", "Company created"),
    "company.profile_updated": ("更新企业档案", "Company profile updated"),
    "company.profile_draft_saved": ("保存档案草稿", "Profile draft saved"),
    "company.profile_draft_applied": ("采用档案草稿", "Profile draft applied"),
    "company.uscc_conflict": ("客户填写的统一社会信用代码冲突", "Client's USCC conflicts"),
    "case.created": ("立案", "Case opened"),
    "navigator.cases_opened": ("按许可导航开案", "Cases opened from the license navigator"),
    "case.transitioned": ("推进阶段", "Case moved"),
    "case.move_undone": ("撤销阶段变更", "Move undone"),
    "case.check_run": ("运行资格检查", "Eligibility check run"),
    "case.guard_overridden": ("豁免门槛", "Requirement overridden"),
    "case.license_recorded": ("登记许可证", "License recorded"),
    "license.registered": ("手工登记许可证", "License entered by hand"),
    "license.details_updated": ("修改许可证信息", "License details changed"),
    "license.ended": ("标记许可证吊销或注销", "License marked revoked or cancelled"),
    "license.launch_recorded": ("登记业务开通证明", "Proof of launch recorded"),
    "license.change_proposed": ("提示办理变更", "Change filing proposed"),
    "license.change_dismissed": ("无需办理变更", "Change filing dismissed"),
    "license.duty_case_started": ("为许可证义务立案", "Case started for a license duty"),
    "license.renewed": ("许可证续期", "License renewed"),
    "case.target_date_set": ("设定目标日期", "Target date set"),
    "case.consultant_assigned": ("指派顾问", "Consultant assigned"),
    "note.created": ("添加备注", "Note added"),
    "task.created": ("创建任务", "Task created"),
    "task.completed": ("完成任务", "Task completed"),
    "invitation.sent": ("发送邀请", "Invitation sent"),
    "invitation.resent": ("重发邀请", "Invitation resent"),
    "invitation.opened": ("打开邀请", "Invitation opened"),
    "invitation.accepted": ("接受邀请", "Invitation accepted"),
    "material.uploaded": ("上传材料", "Material uploaded"),
    "material.review_started": ("开始审核材料", "Material review started"),
    "material.review_round_finished": ("完成一轮审核", "Review round finished"),
    "material.accepted": ("材料通过", "Material accepted"),
    "material.rejected": ("材料退回", "Material rejected"),
    "material.expired": ("材料过期", "Material expired"),
    "material.file_downloaded": ("下载材料文件", "Material file downloaded"),
    "material.checklist_synced": ("同步材料清单", "Checklist synced"),
    "documents.data_saved": ("保存文书数据", "Document data saved"),
    "documents.generation_requested": ("请求生成文书", "Documents requested"),
    "documents.generated": ("生成文书", "Documents generated"),
    "documents.generation_failed": ("文书生成失败", "Document generation failed"),
    "documents.generation_interrupted": ("文书生成中断", "Document generation interrupted"),
    "documents.file_downloaded": ("下载文书", "Document downloaded"),
    "documents.bundle_built": ("生成申报包", "Bundle built"),
    "documents.bundle_downloaded": ("下载申报包", "Bundle downloaded"),
    "documents.template_uploaded": ("上传文书模板", "Template uploaded"),
    "documents.template_deactivated": ("停用文书模板", "Template deactivated"),
    "inbox.preference_changed": ("更改收件箱邮件提醒", "Inbox email option changed"),
    "inbox.digest_sent": ("发送收件箱每日汇总", "Inbox digest sent"),
    "webhook.subscription_created": ("添加网络钩子", "Webhook added"),
    "webhook.subscription_updated": ("修改网络钩子", "Webhook changed"),
    "webhook.subscription_enabled": ("启用网络钩子", "Webhook enabled"),
    "webhook.subscription_disabled": ("停用网络钩子", "Webhook disabled"),
    "webhook.subscription_auto_disabled": (
        "网络钩子因连续失败被停用",
        "Webhook disabled after repeated failures",
    ),
    "webhook.subscription_deleted": ("删除网络钩子", "Webhook deleted"),
    "webhook.secret_rotated": ("更换网络钩子签名密钥", "Webhook secret replaced"),
    "webhook.redelivery_requested": ("重新投递网络钩子事件", "Webhook event sent again"),
}


def action_label(action: str, lang: str | None = None) -> str:
    """The action's name in ``lang`` ('zh' or 'en'; the active language if not given), else its code."""
    labels = ACTION_LABELS.get(action)
    if labels is None:
        return action
    lang = lang or ("en" if (get_language() or "").startswith("en") else "zh")
    return labels[1] if lang == "en" else labels[0]
