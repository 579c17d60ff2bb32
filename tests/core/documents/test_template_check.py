"""Agency templates: accepted only when every placeholder and filter is known, and then used for both
the DOCX and the PDF."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from docx import Document
from jinja2.sandbox import ImmutableSandboxedEnvironment
from tests.core.documents.conftest import ROOT
from tests.core.documents.test_render import docx_text, pdf_text

from licensedesk.core.documents import (
    CaseData,
    DocumentDataMissing,
    TemplateInvalid,
    check_template,
    load_definitions,
    render_documents,
)
from licensedesk.core.documents.context import FILTERS, build_context, environment
from licensedesk.core.documents.render import render_docx, shipped_template
from licensedesk.core.eligibility import evaluator_for
from licensedesk.core.profile import CompanyProfile


def template_with(*paragraphs: str) -> bytes:
    """The shipped application letter with paragraphs added (as an agency would edit it in Word)."""
    document = Document(io.BytesIO(shipped_template("icp-b25", "application_letter")))
    for text in paragraphs:
        document.add_paragraph(text, style="LD Body")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("doc_id", [d.id for d in load_definitions("icp-b25").documents])
def test_every_shipped_template_passes_the_check(doc_id: str) -> None:
    report = check_template(shipped_template("icp-b25", doc_id), name=f"{doc_id}.docx")
    assert "company.name" in report.paths
    assert report.names <= {"company", "service", "case", "authority", "computed"}


def test_loop_variables_resolve_to_list_item_paths() -> None:
    report = check_template(shipped_template("icp-b25", "application_form"))
    assert {
        "company.shareholders",
        "company.shareholders[].name",
        "company.shareholders[].share_pct",
    } <= report.paths


def test_an_unknown_top_level_placeholder_is_refused_by_name() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with("代理人：{{ agent.name }}，{{ compnay.name }}"), name="letter.docx")
    assert caught.value.code == "documents.template_unknown_placeholder"
    assert caught.value.message == "letter.docx: unknown placeholders: agent, compnay"
    assert caught.value.message_zh == "letter.docx：模板中有未知的占位符：agent, compnay"
    assert caught.value.details["unknown"] == ["agent", "compnay"]


def test_an_unknown_field_of_a_known_root_is_refused_by_path() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(
            template_with(
                "{{ company.nmae }}；{% for s in company.shareholders %}{{ s.nationality }}{% endfor %}"
            )
        )
    assert caught.value.details["unknown"] == ["company.nmae", "company.shareholders[].nationality"]


def test_an_unknown_filter_is_refused_by_name() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with("{{ company.registered_capital_cny|in_words }}"), name="letter.docx")
    assert caught.value.code == "documents.template_unknown_filter"
    assert caught.value.message == "letter.docx: unknown filter in_words"


def test_a_syntax_error_is_refused() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with("{{ company.name "), name="letter.docx")
    assert caught.value.code == "documents.template_syntax"
    assert caught.value.message.startswith("letter.docx: template syntax error: ")


def test_set_statements_are_refused() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with("{% set x = company.name %}{{ x }}"))
    assert caught.value.code == "documents.template_construct"


def test_a_file_that_is_not_a_docx_is_refused() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(b"%PDF-1.7 not a docx", name="letter.pdf")
    assert caught.value.code == "documents.template_not_docx"
    assert caught.value.message_zh == "letter.pdf：不是 DOCX 文件"


def test_an_agency_template_is_used_for_docx_and_pdf(profile: CompanyProfile, case: CaseData) -> None:
    custom = template_with("本申请由{{ case.agency.name }}代为提交。")
    result = render_documents(
        profile, case, only=("application_letter",), templates={"application_letter": custom}
    )
    [doc] = result.documents
    assert "本申请由深圳市知行企业服务有限公司代为提交。" in docx_text(doc.docx)
    assert "本申请由深圳市知行企业服务有限公司代为提交。" in pdf_text(doc.pdf).replace("\n", "")


def test_an_invalid_agency_template_is_refused_before_anything_is_rendered(
    profile: CompanyProfile, case: CaseData
) -> None:
    with pytest.raises(
        TemplateInvalid, match=r"application_letter.docx: unknown placeholders: case.agency.fax"
    ):
        render_documents(
            profile, case, templates={"application_letter": template_with("{{ case.agency.fax }}")}
        )


def test_an_agency_template_printing_an_absent_optional_field_names_it(
    profile: CompanyProfile, case: CaseData
) -> None:
    custom = template_with(
        "营业执照有效期至{{ company.business_license_valid_until }}；"
        "{{ company.legal_representative.mobile }}"
    )
    with pytest.raises(DocumentDataMissing) as caught:
        render_documents(
            profile, case, only=("application_letter",), templates={"application_letter": custom}
        )
    assert caught.value.missing == {"application_letter": ["company.business_license_valid_until"]}


def test_a_test_on_an_absent_field_is_simply_false(profile: CompanyProfile, case: CaseData) -> None:
    custom = template_with(
        "{% if company.business_license_valid_until %}"
        "有效期至{{ company.business_license_valid_until }}{% endif %}长期有效"
    )
    result = render_documents(
        profile, case, only=("application_letter",), templates={"application_letter": custom}
    )
    assert "长期有效" in docx_text(result.documents[0].docx)


def test_the_committed_templates_match_their_source() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_docx_templates.py"), "--check"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


# -- template injection: the allow-list refuses by name, the sandbox is the second wall ------------------

PAYLOAD = (
    "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == '_wrap_close' %}"
    "{{ c.__init__.__globals__['popen']('id').read() }}{% endif %}{% endfor %}"
)
FORBIDDEN = "documents.template_forbidden"
CONSTRUCT = "documents.template_construct"
LOOP = "{% for s in company.shareholders %}"

# (payload, expected code, expected kinds of the refused constructs)
INJECTIONS: dict[str, tuple[str, str, set[str]]] = {
    "subclasses_payload": (PAYLOAD, FORBIDDEN, {"call", "internal"}),
    "cycler_globals": ("{{ cycler.__init__.__globals__ }}", FORBIDDEN, {"internal"}),
    "joiner_globals": ("{{ joiner.__init__.__globals__.os }}", FORBIDDEN, {"internal"}),
    "namespace_globals": ("{{ namespace.__init__.__globals__ }}", FORBIDDEN, {"internal"}),
    "lipsum_globals": ("{{ lipsum.__globals__['os'] }}", FORBIDDEN, {"internal"}),
    "cycler_name": ("{{ cycler }}{{ joiner }}{{ namespace }}{{ lipsum }}{{ dict }}", FORBIDDEN, {"name"}),
    "attr_filter": ("{{ company|attr('__class__') }}", FORBIDDEN, {"filter"}),
    "format_filter": ("{{ '%s'|format(company) }}", FORBIDDEN, {"filter"}),
    "str_format_method": ("{{ '{0.__class__}'.format(company) }}", FORBIDDEN, {"call"}),
    "percent_format": ("{{ '%s' % company.name }}", FORBIDDEN, {"string_format"}),
    "self_globals": ("{{ self.__init__.__globals__ }}", FORBIDDEN, {"internal"}),
    "self_context": ("{{ self._TemplateReference__context }}", FORBIDDEN, {"internal"}),
    "self_name": ("{{ self }}", FORBIDDEN, {"name"}),
    "request_environ": ("{{ request.environ }}", FORBIDDEN, {"name"}),
    "config_items": ("{{ config.items() }}", FORBIDDEN, {"call"}),
    "import": ("{% import 'x' as y %}", CONSTRUCT, {"statement"}),
    "include": ("{% include 'x' %}", CONSTRUCT, {"statement"}),
    "extends": ("{% extends 'x' %}", CONSTRUCT, {"statement"}),
    "from_import": ("{% from 'x' import y %}", CONSTRUCT, {"statement"}),
    "macro": ("{% macro m() %}{{ company.name }}{% endmacro %}", CONSTRUCT, {"statement"}),
    "call_block": ("{% call company.name() %}x{% endcall %}", CONSTRUCT, {"statement"}),
    "set_literal_class": ("{% set x = ''.__class__ %}", CONSTRUCT, {"statement"}),
    "with": ("{% with x = company %}{{ x }}{% endwith %}", CONSTRUCT, {"statement"}),
    "block": ("{% block b %}{{ company.name }}{% endblock %}", CONSTRUCT, {"statement"}),
    "filter_block": ("{% filter upper %}x{% endfilter %}", CONSTRUCT, {"statement"}),
    "autoescape": ("{% autoescape false %}{{ company.name }}{% endautoescape %}", CONSTRUCT, {"statement"}),
    "loop_over_literal": ("{% for c in ['a'] %}{{ c.__class__ }}{% endfor %}", FORBIDDEN,
                          {"literal", "internal"}),
    "loop_over_a_string": ("{% for c in company.name %}{{ c }}{% endfor %}", FORBIDDEN, {"loop_target"}),
    "loop_unpacking": ("{% for a, b in company.shareholders %}{% endfor %}", FORBIDDEN, {"loop_target"}),
    "placeholder_class": ("{{ company.name.__class__ }}", FORBIDDEN, {"internal"}),
    "placeholder_method": ("{{ company.name.upper() }}", FORBIDDEN, {"call"}),
    "concat_class": ("{{ (company.name ~ '').__class__ }}", FORBIDDEN, {"internal"}),
    "literal_attribute": ("{{ ''.join }}", FORBIDDEN, {"literal_access"}),
    "computed_value_attribute": ("{{ (company.name ~ '').upper }}", FORBIDDEN, {"value_access"}),
    "item_dunder": ("{{ company['__class__'] }}", FORBIDDEN, {"internal"}),
    "item_computed_key": ("{{ company[company.name] }}", FORBIDDEN, {"computed_key"}),
    "item_slice": ("{{ company.shareholders[0:1] }}", FORBIDDEN, {"computed_key"}),
    "range_dos": ("{{ range(10**9) }}", FORBIDDEN, {"call"}),
    "power_dos": ("{{ 10 ** 9 }}", FORBIDDEN, {"operator"}),
    "repeat_dos": ("{{ company.name * 100000 }}", FORBIDDEN, {"arithmetic"}),
    "loop_class": (LOOP + "{{ loop.__class__ }}{% endfor %}", FORBIDDEN, {"internal"}),
    "loop_cycle": (LOOP + "{{ loop.cycle('a', 'b') }}{% endfor %}", FORBIDDEN, {"call"}),
    "loop_previtem": (LOOP + "{{ loop.previtem }}{% endfor %}", FORBIDDEN, {"loop"}),
    "loop_outside_for": ("{{ loop.index }}", FORBIDDEN, {"name"}),
    "mro_call": ("{{ x.mro() }}", FORBIDDEN, {"call"}),
    "underscore_name": ("{{ _x }}", FORBIDDEN, {"internal"}),
    "test": ("{% if company.name is sameas company.name %}x{% endif %}", FORBIDDEN, {"test"}),
    "filter_argument": ("{{ company.established_on|cn_date(company.name) }}", FORBIDDEN,
                        {"filter_arguments"}),
    "filter_on_literal": ("{{ '2026-01-01'|cn_date }}", FORBIDDEN, {"filter_on_literal"}),
    "dict_literal": ("{{ {'a': company} }}", FORBIDDEN, {"literal"}),
    "statement_and_expression": ("{% set x = 1 %}{{ company.__dict__ }}", FORBIDDEN,
                                 {"statement", "internal"}),
}  # fmt: skip


@pytest.mark.parametrize("payload", list(INJECTIONS), ids=list(INJECTIONS))
def test_template_injection_is_refused_by_name(payload: str) -> None:
    text, code, kinds = INJECTIONS[payload]
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with(text), name="agency.docx")
    assert caught.value.code == code
    assert {p["kind"] for p in caught.value.details["forbidden"]} == kinds
    assert caught.value.message.startswith("agency.docx: not allowed in a document template: line ")
    assert caught.value.message_zh.startswith("agency.docx：文件模板中不允许使用：第 ")


def test_the_classic_payload_is_refused_naming_each_construct_and_its_line() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with(PAYLOAD), name="letter.docx")
    line = caught.value.details["forbidden"][0]["line"]
    assert caught.value.message == (
        f"letter.docx: not allowed in a document template: "
        f"line {line}: calling ''.__class__.__mro__[1].__subclasses__(…); "
        f"line {line}: the internal name c.__name__ (starting with _); "
        f"line {line}: calling c.__init__.__globals__['popen'](…).read(…)"
    )
    assert caught.value.message_zh == (
        f"letter.docx：文件模板中不允许使用："
        f"第 {line} 行：调用 ''.__class__.__mro__[1].__subclasses__(…)；"
        f"第 {line} 行：内部名称 c.__name__（以 _ 开头）；"
        f"第 {line} 行：调用 c.__init__.__globals__['popen'](…).read(…)"
    )


def test_a_statement_alone_keeps_its_own_code_and_message() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with("{% include 'x' %}"), name="letter.docx")
    line = caught.value.details["forbidden"][0]["line"]
    assert (
        caught.value.message
        == f"letter.docx: not allowed in a document template: line {line}: the {{% include %}} statement"
    )
    assert caught.value.message_zh == f"letter.docx：文件模板中不允许使用：第 {line} 行：{{% include %}} 语句"


def _with_header_and_title(header: str = "", title: str = "") -> bytes:
    document = Document(io.BytesIO(shipped_template("icp-b25", "application_letter")))
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if title:
        document.core_properties.title = title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_headers_and_the_rendered_document_properties_are_checked_too() -> None:
    """docxtpl renders headers, footers and core properties (title, subject …) as templates as well."""
    with pytest.raises(TemplateInvalid) as caught:
        check_template(_with_header_and_title(header="{{ cycler.__init__ }}"), name="letter.docx")
    assert caught.value.message == (
        "letter.docx: not allowed in a document template: "
        "header, line 2: the internal name cycler.__init__ (starting with _)"
    )
    with pytest.raises(TemplateInvalid) as caught:
        check_template(_with_header_and_title(title="{{ lipsum.__globals__ }}"), name="letter.docx")
    assert caught.value.message_zh == (
        "letter.docx：文件模板中不允许使用：文档属性 title：内部名称 lipsum.__globals__（以 _ 开头）"
    )


ALLOWED = (
    LOOP + "{{ loop.index }}. {{ s.name }}（{{ s.share_pct|pct }}）{% if not loop.last %}、{% endif %}"
    "{{ 2 * loop.length }}{% endfor %}"
    "{{ company.name_en if company.name_en else '无英文名' }}"
    "{% if service.coverage == 'national' %}全国"
    "{% elif service.coverage in ['provincial', 'x'] %}省内{% endif %}"
    "{{ company.name ~ '（盖章）' }}{{ company.shareholders[0].name }}{{ company['uscc'] }}"
    "{% if company.staff_total > 10 and company.technical_staff >= -1 %}规模{% endif %}{{ '字' }}{{ 3 }}"
)


def test_the_harmless_constructs_an_agency_template_may_use_pass_and_render(
    profile: CompanyProfile, case: CaseData
) -> None:
    report = check_template(template_with(ALLOWED), name="letter.docx")
    assert {"company.shareholders[].name", "company.name_en", "company.uscc"} <= report.paths
    result = render_documents(
        profile, case, only=("application_letter",), templates={"application_letter": template_with(ALLOWED)}
    )
    text = docx_text(result.documents[0].docx)
    assert (
        "1. 陈志远（70%）、42. 林晓梅（30%）4Shenzhen Yunfan Information Technology Co., Ltd.省内"
        "深圳市云帆信息科技有限公司（盖章）陈志远91440300MA5FXK2Q18规模字3"
    ) in text


def test_docxtpl_table_tags_pass_the_check() -> None:
    """{%tr for %} in the shipped form, and the vm/hm cell tags (docxtpl emits loop.first, loop.length)."""
    document = Document(io.BytesIO(shipped_template("icp-b25", "application_letter")))
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "{%tr for s in company.shareholders %}"
    table.cell(1, 0).text = "{% vm %}{{ s.name }}"
    table.cell(1, 1).text = "{% hm %}{{r s.kind|label }}"
    table.cell(2, 0).text = "{%tr endfor %}"
    out = io.BytesIO()
    document.save(out)
    report = check_template(out.getvalue())
    assert {"company.shareholders[].name", "company.shareholders[].kind"} <= report.paths


# -- the sandbox -------------------------------------------------------------------------------------------


def _context(profile: CompanyProfile, case: CaseData) -> dict[str, Any]:
    assert case.application_date is not None
    check_result = evaluator_for(case.license, case.application_date).check(profile)
    document = {"id": "application_letter", "title_zh": "书面申请", "title_en": "Application letter"}
    return build_context(profile, case, check_result, document=document)


@pytest.mark.parametrize(
    "text",
    [
        PAYLOAD,
        "{{ ''.__class__ }}",
        "{{ company.__class__.__mro__ }}",
        "{{ company.name.upper() }}",
        "{{ company.items() }}",
        "{{ 10 ** 9 }}",
        "{{ company.name * 100000 }}",
        "{{ '%s' % company.name }}",
    ],
)
def test_a_template_that_skipped_the_check_cannot_leave_the_sandbox(
    profile: CompanyProfile, case: CaseData, text: str
) -> None:
    with pytest.raises(TemplateInvalid) as caught:
        render_docx(
            template_with(text), _context(profile, case), when=datetime(2026, 1, 1, tzinfo=UTC), title="x",
            name="letter.docx",
        )  # fmt: skip
    assert caught.value.code == "documents.template_forbidden"
    assert caught.value.message.startswith("letter.docx: the template tried something a document template ")
    assert caught.value.message_zh.startswith("letter.docx：模板试图执行文件模板不允许的操作（")
    assert "<class" not in caught.value.message and "uid=" not in caught.value.message


def test_the_environment_has_only_the_document_filters_and_no_globals_or_tests() -> None:
    env = environment()
    assert isinstance(env, ImmutableSandboxedEnvironment)
    assert set(env.filters) == set(FILTERS)
    assert env.globals == {} and env.tests == {}


def test_jinja_globals_are_absent_when_rendering(profile: CompanyProfile, case: CaseData) -> None:
    """Even unchecked, ``cycler`` and ``range`` are not there: printing one is a missing value."""
    with pytest.raises(DocumentDataMissing) as caught:
        render_docx(
            template_with("{{ cycler }}{{ range }}"), _context(profile, case),
            when=datetime(2026, 1, 1, tzinfo=UTC), title="x",
        )  # fmt: skip
    assert caught.value.missing == {"application_letter": ["cycler", "range"]}
