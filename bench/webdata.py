"""Fill the web database with a realistic back office for ``bench/web.py``: agencies with an admin and
consultants, client companies with contract profiles, ICP (B25) cases spread over the workflow, and what
hangs off a case — stored eligibility checks, the materials checklist with uploads, notes, tasks, license
records and the hash-chained audit trail.

``fill(total, population)`` grows the database to ``total`` cases (it counts what is there and adds the
rest), so one run measures at 1,000 cases and then at 100,000 with the first 1,000 unchanged. Nothing
goes through the services (one audited transaction per case would take hours at 100,000 cases, about
60 rows each): the fill writes what the services would have written, in chunks, with PostgreSQL ``COPY``
(ids taken in advance, the sequences moved past them afterwards). Django's ``bulk_create`` was the first
version: at 45 s per 2,000 cases it spent its time preparing values field by field.

* a check result is a real one from the engine (``evaluator_for(...).check``) on a handful of base
  profiles; each company's profile is a base profile under the company's own name and USCC (with a
  correct check character), and the stored check is on that profile (so it is not stale);
* the checklist rows are the latest check's ``materials`` as ``checklist_sync`` stores them, with an
  upload (version and file rows) for each material past "missing";
* every agency's audit events form a valid chain (``audit_verify`` passes) and tell each case's story
  (opened, checked, moved stage by stage, notes, tasks, license recorded), so the timeline is real.

Deterministic for a given ``seed`` and sizes. Needs Django set up on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Count

from licensedesk.core.eligibility import evaluator_for
from licensedesk.core.workflow import machine_for
from licensedesk.web.accounts.models import Agency, Role, User
from licensedesk.web.audit.chain import GENESIS_HASH, event_hash, jsonable, key_fingerprint, timestamp
from licensedesk.web.audit.keys import audit_key
from licensedesk.web.audit.models import AuditChain, AuditEvent
from licensedesk.web.cases.models import (
    Case,
    CaseCheck,
    ClientCompany,
    LicenseRecord,
    Note,
    NoteVisibility,
    Task,
)
from licensedesk.web.cases.services import profile_hash, validated_profile
from licensedesk.web.demo.services import make_uscc
from licensedesk.web.materials.models import (
    CaseMaterial,
    MaterialFile,
    MaterialStatus,
    MaterialVersion,
    ReviewStatus,
    ScanStatus,
)

LICENSE = "icp-b25"
RULESET = "2017-09-01"
CHUNK = 5_000  # cases built and written per transaction
AGENCIES = 20
#: Agencies differ in size: the n-th has a share of the cases proportional to 1/n (Zipf), so the first —
#: the one the bench measures, the worst case — holds about 28 % of them with 20 agencies, the last 1.4 %.
#: Staff follow: 2 consultants plus one per 3.5 % of the cases (10 in the first agency, 2 in the last).
STAFF_PER_SHARE = 28

#: The workflow's main path; a case of age ``a`` days has moved about ``a / DAYS_PER_STAGE`` stages on.
PATH = (
    "qualification_review",
    "contract_signed",
    "collecting_materials",
    "reviewing_materials",
    "drafting",
    "submitted_online",
    "paper_submitted",
    "under_authority_review",
    "approved",
    "licensed",
)
DAYS_PER_STAGE = 14
HISTORY_DAYS = 365  # cases were opened over the last year: about 45 % of them are still open
MATERIALS_FROM = PATH.index("collecting_materials")

#: Three affiliated companies of the first agency share a trade name: the search finds them among the
#: agency's other clients (companies of other agencies with the same name come from the random names).
SEARCH_TERM = "瑞丰数据"
_GROUP = (("瑞丰", "数据服务", 0), ("瑞丰", "数据科技", 4), ("瑞丰", "数据服务", 9))

# city, short name, province, license prefix, GB/T 2260 division
_CITIES = (
    ("深圳市", "深圳", "CN-GD", "粤", "440300"),
    ("广州市", "广州", "CN-GD", "粤", "440100"),
    ("东莞市", "东莞", "CN-GD", "粤", "441900"),
    ("北京市", "北京", "CN-BJ", "京", "110108"),
    ("上海市", "上海", "CN-SH", "沪", "310115"),
    ("杭州市", "杭州", "CN-ZJ", "浙", "330100"),
    ("宁波市", "宁波", "CN-ZJ", "浙", "330200"),
    ("南京市", "南京", "CN-JS", "苏", "320100"),
    ("苏州市", "苏州", "CN-JS", "苏", "320500"),
    ("成都市", "成都", "CN-SC", "川", "510100"),
    ("武汉市", "武汉", "CN-HB", "鄂", "420100"),
    ("西安市", "西安", "CN-SN", "陕", "610100"),
    ("厦门市", "厦门", "CN-FJ", "闽", "350200"),
    ("长沙市", "长沙", "CN-HN", "湘", "430100"),
    ("合肥市", "合肥", "CN-AH", "皖", "340100"),
    ("济南市", "济南", "CN-SD", "鲁", "370100"),
    ("郑州市", "郑州", "CN-HA", "豫", "410100"),
    ("天津市", "天津", "CN-TJ", "津", "120116"),
)
# Trade names are two of these 68 characters (4,624 names), as agencies' client lists look.
_BRAND_CHARS = (
    "云帆海纳金石蓝信博远腾跃鼎盛汇通易达启明天成瑞丰青禾极光灵犀数澜卓越"
    "众合远景新锐康途优学乐游微光知行万象锦程九州合一未来小满长风白鹭星辰"
)
_INDUSTRIES = (
    "信息科技",
    "网络科技",
    "科技",
    "数字科技",
    "文化传媒",
    "健康科技",
    "教育科技",
    "电子商务",
    "软件",
    "互联网科技",
    "数据服务",
    "医药科技",
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
_GIVEN = (
    "伟",
    "芳",
    "静",
    "磊",
    "洋",
    "杰",
    "涛",
    "明",
    "超",
    "晓燕",
    "志远",
    "浩然",
    "思远",
    "嘉怡",
    "一鸣",
)
_NOTES = (
    "已与客户电话沟通，确认网站备案主体与申请主体一致。",
    "客户提供的营业执照复印件不清晰，已请其重新扫描。",
    "社保缴纳证明需补充近三个月记录。",
    "客户询问审批时限，已告知法定期限及目前进度。",
    "技术方案初稿已发客户确认。",
    "管局老师反馈需补充信息安全管理制度。",
    "客户法人下周出差，签字材料顺延。",
    "已核对股东穿透情况，无外资成分。",
)
_TASKS = (
    "催收营业执照副本",
    "核对服务器托管协议",
    "准备业务发展计划书",
    "联系客户补充社保证明",
    "提交网上申请",
    "寄送纸质材料",
    "跟进管局审核意见",
    "整理网络与信息安全保障措施",
)
_TABLES: tuple[type[models.Model], ...] = (
    ClientCompany,
    Case,
    CaseCheck,
    CaseMaterial,
    MaterialVersion,
    MaterialFile,
    Note,
    Task,
    LicenseRecord,
    AuditEvent,
)


@dataclass(frozen=True)
class BaseProfile:
    """A validated profile, its check result as stored (plain JSON) and that result's JSON text."""

    profile: dict[str, Any]
    result: dict[str, Any]
    result_json: str
    verdict: str


@dataclass
class Population:
    """What exists apart from the cases: the agencies, their staff, the base profiles and checks."""

    agencies: list[Agency]
    staff: dict[int, list[User]]  # agency id → [admin, consultants …]
    weights: list[float]  # each agency's share of the cases
    eligible: list[BaseProfile]
    others: list[BaseProfile]  # not eligible or incomplete

    def consultant(self, agency_index: int = 0, number: int = 1) -> User:
        return self.staff[self.agencies[agency_index].pk][number]


@dataclass(frozen=True)
class FillReport:
    cases: int
    added: int
    seconds: float
    rows: dict[str, int]


# -- the population ---------------------------------------------------------------------------------------


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def base_profiles(as_of: date) -> tuple[list[BaseProfile], list[BaseProfile]]:
    """A handful of realistic profiles (``bench/profiles.py``) with the engine's check result on each:
    eight eligible ones (for cases past qualification review) and four others."""
    from bench.profiles import generate_profiles

    evaluator = evaluator_for(LICENSE, as_of)
    eligible: list[BaseProfile] = []
    others: list[BaseProfile] = []
    for raw in generate_profiles(200, seed=2026):
        if not raw.get("company", {}).get("uscc"):
            continue
        try:
            profile = validated_profile(raw)
        except Exception:
            continue
        result = jsonable(evaluator.check(profile))
        bucket = eligible if result["verdict"] == "eligible" else others
        if len(bucket) < (8 if bucket is eligible else 4):
            text = json.dumps(result, ensure_ascii=False)
            bucket.append(BaseProfile(profile, result, text, result["verdict"]))
        if len(eligible) == 8 and len(others) == 4:
            return eligible, others
    raise RuntimeError("bench/profiles.py gave too few usable profiles")


def agency_weights(agencies: int) -> list[float]:
    raw = [1 / n for n in range(1, agencies + 1)]
    return [w / sum(raw) for w in raw]


def population(*, agencies: int = AGENCIES) -> Population:
    """The agencies and their staff (created on the first call), and the base profiles."""
    rng = random.Random(1)
    weights = agency_weights(agencies)
    existing = {a.name: a for a in Agency.objects.filter(name__startswith="基准")}
    staff: dict[int, list[User]] = {}
    rows: list[Agency] = []
    for number in range(1, agencies + 1):
        name = f"基准{number:02d}号{_CITIES[number * 7 % len(_CITIES)][1]}企业管理咨询有限公司"
        agency = existing.get(name) or Agency.objects.create(name=name)
        rows.append(agency)
        users = list(User.objects.filter(agency=agency, company__isnull=True).order_by("pk"))
        if not users:
            users = [
                User(
                    username=f"bench-a{number:02d}-admin",
                    display_name=_person(rng),
                    role=Role.AGENCY_ADMIN,
                    agency=agency,
                    is_staff=True,
                    password="!",  # no password sign-in: the bench signs in with force_login
                )
            ]
            users += [
                User(
                    username=f"bench-a{number:02d}-c{c}",
                    display_name=_person(rng),
                    role=Role.CONSULTANT,
                    agency=agency,
                    password="!",
                )
                for c in range(1, 3 + round(STAFF_PER_SHARE * weights[number - 1]))
            ]
            users = User.objects.bulk_create(users)
        staff[agency.pk] = users
    eligible, others = base_profiles(datetime.now(UTC).date())
    return Population(rows, staff, weights, eligible, others)


# -- writing rows with COPY ---------------------------------------------------------------------------------


class _Table:
    """Rows of one model's table, ids allocated in advance, written with ``COPY``. Values are given by
    attribute name (``case_id``); JSON fields take Python data or, already serialised, a :class:`Json`."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.json = {f.attname for f in self.fields if isinstance(f, models.JSONField)}
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if f.has_default():
                default = f.get_default()
                self.defaults[f.attname] = Json.of(default) if f.attname in self.json else default
            elif f.null:
                self.defaults[f.attname] = None
            elif f.empty_strings_allowed and f.blank:  # a text column added since: empty, as Django saves it
                self.defaults[f.attname] = ""
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{model._meta.db_table}"')
            self.next_id = cursor.fetchone()[0] + 1
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def add(self, **values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        for name in self.json & values.keys():
            if values[name] is not None and not isinstance(values[name], Json):  # None: SQL NULL, as Django
                values[name] = Json.of(values[name])
        row = {**self.defaults, **values, "id": pk}
        self.rows.append(tuple(row[f.attname] for f in self.fields))
        return pk

    def take(self) -> tuple[str, list[tuple[Any, ...]]]:
        """The ``COPY`` statement and the rows added since the last call."""
        columns = ", ".join(f'"{f.column}"' for f in self.fields)
        rows, self.rows = self.rows, []
        self.written += len(rows)
        return f'COPY "{self.model._meta.db_table}" ({columns}) FROM STDIN', rows


def _copy(batches: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
    """Write one chunk in one transaction (run in the writer thread, on its own connection). The bench
    database is scratch: commits need not wait for the WAL flush."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO off")
        for statement, rows in batches:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)


class Json(str):
    """JSON text for a JSON column (serialised once, e.g. a check result stored on many cases)."""

    @classmethod
    def of(cls, value: Any) -> Json:
        return cls(json.dumps(value, ensure_ascii=False))


# -- one case's story ---------------------------------------------------------------------------------------


@dataclass
class Story:
    """One company and its case, and everything that happened to the case."""

    agency_id: int
    name: str
    uscc: str
    province: str
    license_prefix: str
    base: BaseProfile
    consultant: User
    opened: datetime
    path: list[tuple[str, datetime]]  # the stages the case went through and when it entered each
    checks: list[tuple[BaseProfile, datetime]]  # oldest first; the last is the base profile's
    notes: list[tuple[str, str, datetime]]  # body, visibility, time
    tasks: list[tuple[str, date, datetime, datetime | None]]  # title, due, created, done
    target: date | None
    statuses: list[str] = field(default_factory=list)  # a checklist status per material of the check

    @property
    def stage(self) -> str:
        return self.path[-1][0]


def _uscc(rng: random.Random, division: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return make_uscc("91" + division + "".join(rng.choice(alphabet) for _ in range(9)))


def _profile_for(base: BaseProfile, name: str, uscc: str) -> dict[str, Any]:
    """The base profile under another company's name and USCC (websites owned by it too)."""
    profile = {**base.profile, "company": {**base.profile["company"], "name": name, "uscc": uscc}}
    service = base.profile.get("service")
    if isinstance(service, dict) and service.get("websites"):
        websites = [{**w, "owner_uscc": uscc} if "owner_uscc" in w else w for w in service["websites"]]
        profile["service"] = {**service, "websites": websites}
    return profile


def _path(rng: random.Random, opened: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """The stages a case opened at ``opened`` has gone through by ``now`` (the last is its stage): about
    two weeks a stage, some clients never send their materials, a quarter of the applications get a
    correction request, a few are rejected and older cases that did not finish were withdrawn."""
    steps = int((now - opened).days / (DAYS_PER_STAGE * rng.uniform(0.6, 1.8)))
    stuck = rng.random() < 0.12
    path = [("qualification_review", opened)]
    moment = opened
    for stage in PATH[1:]:
        if len(path) > steps or (stuck and stage == "reviewing_materials"):
            break
        moment += timedelta(days=rng.uniform(3, 2 * DAYS_PER_STAGE), hours=rng.uniform(0, 8))
        if moment >= now:
            break
        if stage == "approved" and rng.random() < 0.25:
            path.append(("correction_requested", moment))
            moment += timedelta(days=rng.uniform(5, 20))
            if moment >= now:
                break
            path.append(("under_authority_review", moment))
            moment += timedelta(days=rng.uniform(3, 15))
            if moment >= now:
                break
        if stage == "approved" and rng.random() < 0.05:
            path.append(("rejected", moment))
            return path
        path.append((stage, moment))
    if path[-1][0] != "licensed" and (now - opened).days > 200 and rng.random() < 0.35:
        withdrawn = path[-1][1] + timedelta(days=rng.uniform(5, 60))
        if withdrawn < now:
            path.append(("withdrawn", withdrawn))
    return path


def _statuses(rng: random.Random, result: dict[str, Any], path: list[tuple[str, datetime]]) -> list[str]:
    """Checklist statuses matching how far along the main path the case got (a withdrawn or rejected
    case keeps the checklist of the stage it left)."""
    index = max(PATH.index(stage) for stage, _ in path if stage in PATH)
    out = []
    for item in result.get("materials", []):
        if not item.get("required") or index < MATERIALS_FROM:
            out.append(MaterialStatus.MISSING)
        elif index == MATERIALS_FROM:
            choices = (
                MaterialStatus.MISSING,
                MaterialStatus.UPLOADED,
                MaterialStatus.ACCEPTED,
                MaterialStatus.REJECTED,
            )
            out.append(rng.choice(choices))
        elif index == MATERIALS_FROM + 1:
            choices = (MaterialStatus.UNDER_REVIEW, MaterialStatus.ACCEPTED, MaterialStatus.UPLOADED)
            out.append(rng.choice(choices))
        else:
            out.append(MaterialStatus.ACCEPTED)
    return out


def _story(
    rng: random.Random, pop: Population, agency: Agency, now: datetime, hint: tuple[str, str, int] | None
) -> Story:
    if hint is not None:
        brand, industry, city_index = hint
        city = _CITIES[city_index]
    else:
        brand = rng.choice(_BRAND_CHARS) + rng.choice(_BRAND_CHARS)
        industry = rng.choice(_INDUSTRIES)
        city = rng.choice(_CITIES)
    if rng.random() < 0.05:
        name = f"{city[1]}{brand}{industry}股份有限公司"
    else:
        name = f"{city[0] if rng.random() < 0.7 else city[1]}{brand}{industry}有限公司"
    opened = now - timedelta(days=rng.uniform(0, HISTORY_DAYS), hours=rng.uniform(0, 10))
    path = _path(rng, opened, now)
    stage, entered = path[-1]
    past_review = len(path) > 1 and stage != "withdrawn"
    base = rng.choice(pop.eligible if past_review or rng.random() < 0.6 else pop.others)
    checks = [(base, opened + timedelta(hours=rng.uniform(1, 48)))]
    if rng.random() < 0.15:  # re-checked after a profile edit: the first check found something missing
        checks.insert(0, (rng.choice(pop.others), opened + timedelta(minutes=30)))
    span = max(1.0, (entered - opened).days)
    notes = [
        (
            rng.choice(_NOTES),
            NoteVisibility.CLIENT if rng.random() < 0.3 else NoteVisibility.INTERNAL,
            opened + timedelta(days=rng.uniform(0, span)),
        )
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4)))
    ]
    closed = machine_for(LICENSE, RULESET).is_terminal(stage)
    tasks = []
    for _ in range(rng.choice((0, 1, 2, 2, 3))):
        created = opened + timedelta(days=rng.uniform(0, span))
        done = created + timedelta(days=rng.uniform(1, 10)) if closed or rng.random() < 0.6 else None
        tasks.append((rng.choice(_TASKS), created.date() + timedelta(days=rng.randint(3, 30)), created, done))
    target = opened.date() + timedelta(days=rng.choice((90, 120, 180))) if rng.random() < 0.5 else None
    consultant = rng.choice(pop.staff[agency.pk][1:])
    story = Story(
        agency.pk,
        name,
        _uscc(rng, city[4]),
        city[2],
        city[3],
        base,
        consultant,
        opened,
        path,
        checks,
        notes,
        tasks,
        target,
    )
    story.statuses = _statuses(rng, base.result, path)
    return story


# -- a chunk of stories as rows ------------------------------------------------------------------------------


class _Writer:
    """Turns stories into rows of every table, audit events included (hash-chained per agency)."""

    def __init__(self) -> None:
        self.rng = random.Random()
        self.t = {model: _Table(model) for model in _TABLES}
        self.heads = {c.agency_id: (c.last_seq, c.last_hash) for c in AuditChain.objects.all()}
        self.key = audit_key(create=True)  # chains are keyed (HMAC) as audit_record keys them
        self.events: list[tuple[datetime, int, dict[str, Any]]] = []

    def rows(self, stories: Sequence[Story], rng: random.Random) -> list[tuple[str, list[tuple[Any, ...]]]]:
        """Every table's rows for ``stories`` (parents first), as ``COPY`` statements and rows."""
        self.rng = rng
        for story in stories:
            self._story(story)
        return [table.take() for table in self.t.values()]

    def save_heads(self) -> None:
        for agency_id, (seq, last) in self.heads.items():
            AuditChain.objects.update_or_create(
                agency_id=agency_id,
                defaults={"last_seq": seq, "last_hash": last, "key_id": key_fingerprint(self.key)},
            )

    def _event(self, at: datetime, action: str, object_type: str, object_id: int, **values: Any) -> None:
        self.events.append(
            (
                at,
                len(self.events),
                {"action": action, "object_type": object_type, "object_id": str(object_id), **values},
            )
        )

    def _story(self, s: Story) -> None:
        t, rng = self.t, self.rng
        machine = machine_for(LICENSE, RULESET)
        stage, entered = s.path[-1]
        closed = machine.is_terminal(stage)
        profile = _profile_for(s.base, s.name, s.uscc)
        profile_text = Json.of(profile)
        digest = profile_hash(profile)
        before_open = s.opened - timedelta(hours=1)
        company = t[ClientCompany].add(
            agency_id=s.agency_id,
            profile=profile_text,
            name=s.name,
            uscc=s.uscc,
            province=s.province,
            entity_type=str(profile["company"].get("entity_type") or ""),
            profile_hash=digest,
            version=1,
            created_at=before_open,
            updated_at=before_open,
        )
        activity = [
            entered,
            *(n[2] for n in s.notes),
            *(x[2] for x in s.tasks),
            *(x[3] for x in s.tasks if x[3]),
        ]
        case = t[Case].add(
            agency_id=s.agency_id,
            number=f"{s.opened.year}-{t[Case].next_id:06d}",  # unique: the row id is
            company_id=company,
            license_id=LICENSE,
            ruleset_version=RULESET,
            stage=stage,
            consultant_id=s.consultant.pk,
            version=len(s.path) + len(s.tasks),
            opened_on=s.opened.date(),
            target_date=s.target,
            stage_entered_at=entered,
            stage_due_on=None if closed else machine.stage_due_on(stage, entered.date()),
            closed_at=entered if closed else None,
            created_at=s.opened,
            updated_at=max(activity),
        )
        self.events = []
        consultant = s.consultant.pk
        self._event(
            s.opened,
            "case.created",
            "cases.case",
            case,
            after={
                "company": company,
                "license": LICENSE,
                "ruleset_version": RULESET,
                "stage": "qualification_review",
                "consultant": consultant,
                "target_date": s.target.isoformat() if s.target else None,
            },
        )
        check = 0
        for base, at in s.checks:
            previous = check
            check = t[CaseCheck].add(
                case_id=case,
                result=Json(base.result_json),
                verdict=base.verdict,
                license_id=LICENSE,
                ruleset_version=RULESET,
                as_of=at.date(),
                profile_hash=digest,
                profile=profile_text,
                run_by_id=consultant,
                created_at=at,
            )
            self._event(
                at,
                "case.check_run",
                "cases.casecheck",
                check,
                before={"check": previous, "verdict": "incomplete"} if previous else None,
                after={
                    "check": check,
                    "verdict": base.verdict,
                    "ruleset_version": RULESET,
                    "as_of": at.date().isoformat(),
                    "profile_hash": digest,
                },
            )
            self._event(
                at,
                "material.checklist_synced",
                "cases.casecheck",
                check,
                after={"required": {}, "added": []},
                data={"check": check, "materials": len(base.result["materials"])},
            )
        for position, (item, status) in enumerate(zip(s.base.result["materials"], s.statuses, strict=True)):
            material = t[CaseMaterial].next_id
            version = None
            if status != MaterialStatus.MISSING:
                version = self._upload(material, status, consultant, entered)
            t[CaseMaterial].add(
                case_id=case,
                material_id=item["id"],
                position=position,
                required=bool(item.get("required")),
                in_rules=True,
                title_zh=item.get("title_zh") or item["id"],
                title_en=item.get("title_en") or item["id"],
                because_zh=item.get("because") or "",
                because_en=item.get("because_en") or "",
                basis=item.get("basis") or "",
                citation=item.get("citation") or "",
                guidance_zh=item.get("guidance_zh") or "",
                guidance_en=item.get("guidance_en") or "",
                file_kinds=list(item.get("file_kinds") or []),
                status=status,
                status_changed_at=entered,
                latest_version_id=version,
                synced_check_id=check,
                created_at=s.checks[-1][1],
                updated_at=entered,
            )
        for (source, _), (to, at) in zip(s.path, s.path[1:], strict=False):
            self._event(
                at,
                "case.transitioned",
                "cases.case",
                case,
                before={"stage": source},
                after={"stage": to},
                data={
                    "reason": "客户决定暂不申请" if to == "withdrawn" else "",
                    "guards": [],
                    "withdrawal": to == "withdrawn",
                },
            )
        for body, visibility, at in s.notes:
            note = t[Note].add(
                case_id=case, author_id=consultant, body=body, visibility=visibility, created_at=at
            )
            self._event(
                at, "note.created", "cases.note", note, after={"body": body, "visibility": visibility}
            )
        for title, due, at, done in s.tasks:
            task = t[Task].add(
                case_id=case,
                title=title,
                assignee_id=consultant,
                due_on=due,
                done_at=done,
                created_by_id=consultant,
                created_at=at,
            )
            self._event(
                at,
                "task.created",
                "cases.task",
                task,
                after={"title": title, "due_on": due.isoformat(), "assignee": consultant},
            )
            if done is not None:
                self._event(done, "task.completed", "cases.task", task)
        if stage == "licensed":
            issued = entered.date()
            number = f"{s.license_prefix}B2-{issued.year}{rng.randrange(1, 9999):04d}"
            expires = issued.replace(year=issued.year + 5, day=min(issued.day, 28))
            record = t[LicenseRecord].add(
                case_id=case,
                agency_id=s.agency_id,
                company_id=company,
                license_id=LICENSE,
                number=number,
                issued_on=issued,
                expires_on=expires,
                recorded_by_id=consultant,
                created_at=entered,
                updated_at=entered,
            )
            self._event(
                entered - timedelta(minutes=1),
                "case.license_recorded",
                "cases.licenserecord",
                record,
                after={"number": number, "issued_on": issued.isoformat(), "expires_on": expires.isoformat()},
            )
        self._chain(s, case)

    def _upload(self, material: int, status: str, consultant: int, at: datetime) -> int:
        review = {
            MaterialStatus.ACCEPTED: ReviewStatus.ACCEPTED,
            MaterialStatus.REJECTED: ReviewStatus.REJECTED,
        }
        reviewed = status in review
        version = self.t[MaterialVersion].add(
            material_id=material,
            number=1,
            uploaded_by_id=consultant,
            uploaded_at=at,
            review_status=review.get(status, ReviewStatus.PENDING),
            reason="illegible" if status == MaterialStatus.REJECTED else "",
            reason_text="",
            reviewed_by_id=consultant if reviewed else None,
            reviewed_at=at if reviewed else None,
            long_term=False,
        )
        digest = hashlib.sha256(f"bench-material-version-{version}".encode()).hexdigest()
        self.t[MaterialFile].add(
            version_id=version,
            position=0,
            original_name="扫描件.pdf",
            storage_name=f"{digest[:2]}/{digest}",
            sha256=digest,
            size=180_000 + version % 50_000,
            kind="pdf",
            content_type="application/pdf",
            scan_status=ScanStatus.NOT_SCANNED,
            scan_detail="",
            created_at=at,
        )
        return version

    def _chain(self, s: Story, case: int) -> None:
        """The case's events in time order, appended to its agency's chain as ``audit_record`` does."""
        seq, prev = self.heads.get(s.agency_id, (0, GENESIS_HASH))
        for at, _, values in sorted(self.events, key=lambda e: (e[0], e[1])):
            seq += 1
            fields = {
                "agency": s.agency_id,
                "seq": seq,
                "occurred_at": timestamp(at),
                "actor": s.consultant.pk,
                "actor_label": s.consultant.username,
                "action": values["action"],
                "case": case,
                "object_type": values["object_type"],
                "object_id": values["object_id"],
                "before": values.get("before"),
                "after": values.get("after"),
                "data": values.get("data", {}),
                "prev_hash": prev,
            }
            prev = event_hash(fields, key=self.key)
            self.t[AuditEvent].add(
                agency_id=s.agency_id,
                seq=seq,
                occurred_at=at,
                actor_id=s.consultant.pk,
                actor_label=s.consultant.username,
                action=values["action"],
                case_id=case,
                object_type=values["object_type"],
                object_id=values["object_id"],
                before=fields["before"],
                after=fields["after"],
                data=fields["data"],
                prev_hash=fields["prev_hash"],
                hash=prev,
            )
        self.heads[s.agency_id] = (seq, prev)


def fill(total: int, pop: Population, *, seed: int = 7) -> FillReport:
    """Add cases (each to an agency drawn by the agencies' weights) until there are ``total``, then
    VACUUM ANALYZE (the state autovacuum keeps a database in: statistics and visibility maps up to date).

    One chunk is written by a second thread (with its own connection, one transaction per chunk) while
    the next is built: PostgreSQL parses and indexes while Python draws the stories."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the bench fill writes with PostgreSQL COPY")
    started = time.perf_counter()
    per_agency = dict(
        Case.objects.filter(agency__in=pop.agencies).values_list("agency").annotate(n=Count("pk")).order_by()
    )
    have = sum(per_agency.values())
    now = datetime.now(UTC)
    writer = _Writer()
    serial = have
    with ThreadPoolExecutor(max_workers=1) as thread:
        pending: Future[None] | None = None
        while serial < total:
            size = min(CHUNK, total - serial)
            rng = random.Random(seed * 1_000_003 + serial)
            stories = []
            for agency in rng.choices(pop.agencies, pop.weights, k=size):
                rank = per_agency.get(agency.pk, 0)  # the agency's rank-th case
                per_agency[agency.pk] = rank + 1
                hint = _GROUP[rank] if agency == pop.agencies[0] and rank < len(_GROUP) else None
                stories.append(_story(rng, pop, agency, now, hint))
            batches = writer.rows(stories, rng)
            if pending is not None:
                pending.result()
            pending = thread.submit(_copy, batches)
            serial += size
        if pending is not None:
            pending.result()
        thread.submit(lambda: connection.close()).result()  # the thread's own connection
    writer.save_heads()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(_TABLES)):
            cursor.execute(sql)
        for model in _TABLES:
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        cursor.execute("ANALYZE")
    written = {model.__name__: table.written for model, table in writer.t.items()}
    return FillReport(total, total - have, time.perf_counter() - started, written)
