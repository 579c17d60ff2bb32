"""Deterministic, realistic company profiles for benchmarking and cross-checking the ICP (B25) rules.

``generate_profiles(n, seed)`` returns contract dicts (company-profile.schema.json, absent fields left
out) that look like what an agency's intake produces: Chinese company names in all 31 provinces,
registered capital clustered around the CNY 1,000,000 / 10,000,000 floors, provincial, national and
unstated coverage, foreign shareholders (HK, TW, MO, US, SG, VG, ...) below, at and above the 50 % cap,
inside and outside the 2024 pilot zones, content areas with valid, expired, boundary-dated, undated
and missing pre-approvals, and readiness answers that are true, false or not given yet.

Profiles come in three intake stages (complete, intake in progress, early lead) so that all three
verdicts and every condition status occur in useful proportions. Identifiers are only included when
valid: USCCs carry a correct GB 32100 check character (and a correct GB 11714 organisation-code check
character), resident IDs a correct GB 11643 check character, ICP filing numbers a plausible serial.

Everything is drawn from one ``random.Random(seed)``, iterating only over tuples, so the same
``(n, seed)`` gives the same profiles on every run and platform.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

from licensedesk.core.provinces import province_by_code

#: The date the profiles are made for: pre-approvals expire around it (the bench's as-of date).
REFERENCE_DATE = date(2026, 11, 28)

# Province → cities (name, GB/T 2260 division code, districts). Weights roughly follow where ICP
# applicants are registered; every one of the 31 codes of the schema enum occurs.
_CITIES: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "CN-BJ": (("北京市", "110108", ("海淀区", "朝阳区", "东城区", "西城区", "丰台区", "大兴区", "通州区")),),
    "CN-TJ": (("天津市", "120116", ("滨海新区", "和平区", "南开区", "河西区")),),
    "CN-HE": (("石家庄市", "130100", ("长安区", "裕华区")), ("保定市", "130600", ("竞秀区", "莲池区"))),
    "CN-SX": (("太原市", "140100", ("小店区", "迎泽区")), ("大同市", "140200", ("平城区",))),
    "CN-NM": (("呼和浩特市", "150100", ("赛罕区", "新城区")), ("包头市", "150200", ("昆都仑区",))),
    "CN-LN": (("沈阳市", "210100", ("浑南区", "和平区")), ("大连市", "210200", ("甘井子区", "中山区"))),
    "CN-JL": (("长春市", "220100", ("朝阳区", "南关区")), ("吉林市", "220200", ("船营区",))),
    "CN-HL": (("哈尔滨市", "230100", ("南岗区", "道里区")), ("大庆市", "230600", ("萨尔图区",))),
    "CN-SH": (
        (
            "上海市",
            "310115",
            (
                "浦东新区",
                "浦东新区",
                "临港新片区",
                "徐汇区",
                "静安区",
                "闵行区",
                "杨浦区",
                "长宁区",
                "嘉定区",
                "奉贤区",
            ),
        ),
    ),
    "CN-JS": (
        ("南京市", "320100", ("建邺区", "鼓楼区", "江宁区")),
        ("苏州市", "320500", ("工业园区", "姑苏区", "吴中区")),
        ("无锡市", "320200", ("滨湖区", "新吴区")),
    ),
    "CN-ZJ": (
        ("杭州市", "330100", ("西湖区", "滨江区", "余杭区", "上城区")),
        ("宁波市", "330200", ("鄞州区", "海曙区")),
        ("温州市", "330300", ("鹿城区",)),
    ),
    "CN-AH": (("合肥市", "340100", ("蜀山区", "包河区", "高新区")), ("芜湖市", "340200", ("镜湖区",))),
    "CN-FJ": (("福州市", "350100", ("鼓楼区", "仓山区")), ("厦门市", "350200", ("思明区", "湖里区"))),
    "CN-JX": (("南昌市", "360100", ("红谷滩区", "东湖区")), ("赣州市", "360700", ("章贡区",))),
    "CN-SD": (("济南市", "370100", ("历下区", "槐荫区")), ("青岛市", "370200", ("崂山区", "市南区"))),
    "CN-HA": (("郑州市", "410100", ("金水区", "郑东新区")), ("洛阳市", "410300", ("洛龙区",))),
    "CN-HB": (
        ("武汉市", "420100", ("洪山区", "江汉区", "东湖新技术开发区")),
        ("宜昌市", "420500", ("西陵区",)),
    ),
    "CN-HN": (("长沙市", "430100", ("岳麓区", "雨花区", "开福区")), ("株洲市", "430200", ("天元区",))),
    "CN-GD": (
        ("深圳市", "440300", ("南山区", "福田区", "宝安区", "龙岗区", "龙华区", "前海深港合作区")),
        ("广州市", "440100", ("天河区", "海珠区", "番禺区", "黄埔区")),
        ("东莞市", "441900", ("松山湖", "南城街道")),
        ("佛山市", "440600", ("南海区", "顺德区")),
        ("珠海市", "440400", ("横琴粤澳深度合作区", "香洲区")),
    ),
    "CN-GX": (("南宁市", "450100", ("青秀区", "西乡塘区")), ("桂林市", "450300", ("七星区",))),
    "CN-HI": (
        ("海口市", "460100", ("龙华区", "美兰区", "秀英区")),
        ("三亚市", "460200", ("吉阳区", "天涯区")),
    ),
    "CN-CQ": (("重庆市", "500112", ("渝北区", "江北区", "九龙坡区", "两江新区")),),
    "CN-SC": (("成都市", "510100", ("武侯区", "锦江区", "高新区")), ("绵阳市", "510700", ("涪城区",))),
    "CN-GZ": (("贵阳市", "520100", ("观山湖区", "南明区")), ("遵义市", "520300", ("红花岗区",))),
    "CN-YN": (("昆明市", "530100", ("五华区", "盘龙区")), ("大理白族自治州", "532900", ("大理市",))),
    "CN-XZ": (("拉萨市", "540100", ("城关区", "堆龙德庆区")),),
    "CN-SN": (("西安市", "610100", ("雁塔区", "未央区", "高新区")), ("咸阳市", "610400", ("秦都区",))),
    "CN-GS": (("兰州市", "620100", ("城关区", "七里河区")),),
    "CN-QH": (("西宁市", "630100", ("城西区", "城中区")),),
    "CN-NX": (("银川市", "640100", ("金凤区", "兴庆区")),),
    "CN-XJ": (("乌鲁木齐市", "650100", ("天山区", "沙依巴克区", "新市区")),),
}
_PROVINCE_WEIGHTS: dict[str, int] = {
    "CN-GD": 180, "CN-BJ": 130, "CN-SH": 120, "CN-ZJ": 80, "CN-JS": 70, "CN-SC": 40, "CN-FJ": 35,
    "CN-SD": 35, "CN-HB": 30, "CN-HN": 25, "CN-HA": 25, "CN-AH": 25, "CN-SN": 22, "CN-CQ": 22,
    "CN-TJ": 18, "CN-HI": 25, "CN-LN": 15, "CN-JX": 12, "CN-GX": 10, "CN-YN": 10, "CN-HE": 12,
    "CN-SX": 7, "CN-GZ": 8, "CN-JL": 6, "CN-HL": 6, "CN-NM": 5, "CN-XJ": 4, "CN-GS": 4, "CN-NX": 3,
    "CN-QH": 2, "CN-XZ": 2,
}  # fmt: skip
_PROVINCES = tuple(_PROVINCE_WEIGHTS)
_PROVINCE_CUM = tuple(_PROVINCE_WEIGHTS[c] for c in _PROVINCES)
#: Provinces of the 2024 foreign-equity pilot; majority-foreign applicants cluster there.
_PILOT_PROVINCES = ("CN-BJ", "CN-SH", "CN-HI", "CN-GD")

_ROADS = (
    "科技园路", "创业路", "建设路", "人民路", "中山路", "解放路", "长江路", "黄河路", "文化路", "学府路",
    "高新大道", "金融街", "软件园路", "数字大道", "光谷大道", "华夏路", "世纪大道", "滨海大道", "锦绣路",
)  # fmt: skip
_BUILDINGS = ("", "", "", "A座", "B座", "1号楼", "2栋", "创新大厦", "科技大厦", "国际中心")
_BRANDS: tuple[tuple[str, str], ...] = (
    ("云帆", "yunfan"), ("星河", "xinghe"), ("华信", "huaxin"), ("智联", "zhilian"), ("蓝海", "lanhai"),
    ("博远", "boyuan"), ("腾跃", "tengyue"), ("鼎盛", "dingsheng"), ("汇通", "huitong"), ("易达", "yida"),
    ("启明", "qiming"), ("天成", "tiancheng"), ("瑞丰", "ruifeng"), ("青禾", "qinghe"), ("极光", "jiguang"),
    ("灵犀", "lingxi"), ("数澜", "shulan"), ("卓越", "zhuoyue"), ("海纳", "haina"), ("众合", "zhonghe"),
    ("远景", "yuanjing"), ("新锐", "xinrui"), ("康途", "kangtu"), ("优学", "youxue"), ("乐游", "leyou"),
    ("微光", "weiguang"), ("知行", "zhixing"), ("万象", "wanxiang"), ("锦程", "jincheng"),
    ("九州", "jiuzhou"), ("合一", "heyi"), ("未来", "weilai"), ("小满", "xiaoman"), ("长风", "changfeng"),
    ("白鹭", "bailu"),
)  # fmt: skip
_INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("信息科技", "Information Technology"), ("网络科技", "Network Technology"), ("科技", "Technology"),
    ("数字科技", "Digital Technology"), ("文化传媒", "Culture & Media"), ("健康科技", "Health Technology"),
    ("教育科技", "Education Technology"), ("电子商务", "E-commerce"), ("软件", "Software"),
    ("互联网科技", "Internet Technology"), ("数据服务", "Data Services"),
    ("医药科技", "Pharmaceutical Technology"),
)  # fmt: skip
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
_GIVEN = (
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀兰", "霞", "平", "刚", "桂英", "志远", "晓梅", "浩然", "子涵", "雨桐", "思远", "家豪",
    "嘉怡", "俊杰", "欣怡", "宇航", "梓萱", "晨曦", "建华", "国强", "文博", "一鸣",
)  # fmt: skip

# Foreign investors by jurisdiction: (entity name pattern, person names). HK, MO and TW count as foreign.
_FOREIGN: dict[str, tuple[str, tuple[str, ...]]] = {
    "HK": ("{brand}控股（香港）有限公司", ("陈家豪", "黄志明", "李嘉欣", "梁振邦")),
    "TW": ("{brand}投资股份有限公司", ("林志明", "蔡雅婷", "王建民", "张惠美")),
    "MO": ("{brand}（澳门）投资有限公司", ("何鸿远", "崔世杰")),
    "US": ("{en} Holdings Inc.", ("John Smith", "Emily Chen", "Michael Brown")),
    "SG": ("{en} Capital Pte. Ltd.", ("Tan Wei Ming", "Lim Mei Ling")),
    "VG": ("{en} Global Limited", ()),
    "KY": ("{en} Group Holdings", ()),
    "JP": ("株式会社{brand}", ("佐藤健", "鈴木一郎")),
    "KR": ("{en} Co., Ltd.", ("Kim Min-jun",)),
    "GB": ("{en} Ventures Ltd", ("Oliver Jones",)),
    "DE": ("{en} GmbH", ("Lukas Müller",)),
}
_FOREIGN_JURISDICTIONS = ("HK", "HK", "HK", "TW", "TW", "US", "US", "SG", "VG", "VG", "KY", "MO", "JP", "KR",
                          "GB", "DE")  # fmt: skip

_PRE_AREAS = ("news", "publishing", "education", "healthcare", "drugs_medical_devices")
_OTHER_AREAS = ("bulletin_board", "culture_entertainment", "online_games", "audio_video", "live_streaming",
                "religion", "finance")  # fmt: skip
_ACTIVITIES = (
    "online_advertising", "paid_information", "e_commerce_own_goods", "platform_for_third_parties",
    "online_application_services", "membership_fees", "non_commercial_information", "online_data_processing",
    "call_center", "idc_hosting", "cdn", "internet_access",
)  # fmt: skip
# area → (document, issuing authority pattern, number pattern)
_APPROVAL_DOCS: dict[str, tuple[str, str, str]] = {
    "news": ("互联网新闻信息服务许可证", "{prov}互联网信息办公室", "{gb}12{year}{serial:03d}"),
    "publishing": ("网络出版服务许可证", "国家新闻出版署", "（署）网出证（{abbr}）字第{serial:03d}号"),
    "education": ("互联网教育信息服务审核同意书", "{prov}教育厅", "{abbr}教信审〔{year}〕{serial}号"),
    "healthcare": ("互联网医疗保健信息服务审核同意书", "{prov}卫生健康委员会",
                   "{abbr}卫网审字〔{year}〕第{serial}号"),
    "drugs_medical_devices": ("互联网药品信息服务资格证书", "{prov}药品监督管理局",
                              "（{abbr}）-经营性-{year}-{serial:04d}"),
    "culture_entertainment": ("网络文化经营许可证", "{prov}文化和旅游厅",
                              "{abbr}网文〔{year}〕{serial:04d}-{serial2:03d}号"),
    "audio_video": ("信息网络传播视听节目许可证", "国家广播电视总局", "{gb}{serial:05d}"),
    "online_games": ("网络游戏出版物号", "国家新闻出版署", "ISBN 978-7-{serial:04d}-{serial2:04d}-{year_d}"),
    "finance": ("金融信息服务备案", "国家互联网信息办公室", "{gb}JR{year}{serial:04d}"),
}  # fmt: skip

_STAGES = (("complete", 0.0), ("intake", 0.07), ("lead", 0.40))
_STAGE_WEIGHTS = (46, 40, 14)

_OTHER_ENTITY_TYPES = ("partnership", "sole_proprietorship", "individual_business", "public_institution",
                       "social_organization", "foreign_company", "natural_person")  # fmt: skip
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code


def _org_check(code8: str) -> str | None:
    """GB 11714 check character for an 8-character organisation code body (None if it would be 'X')."""
    total = sum(
        (int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(code8, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    if check == 10:
        return None  # 'X' is fine in an organisation code, but keep to digits for readability
    return "0" if check == 11 else str(check)


class _Generator:
    def __init__(self, seed: int, as_of: date) -> None:
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.as_of_iso = as_of.isoformat()
        self.serial = 0

    # -- small helpers --------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq: tuple[Any, ...] | str) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def weighted(self, items: tuple[Any, ...], weights: tuple[float, ...]) -> Any:
        return self.rng.choices(items, weights)[0]

    def day(self, start: date, end: date) -> str:
        return (start + timedelta(days=self.rng.randrange((end - start).days + 1))).isoformat()

    def person(self) -> str:
        return self.pick(_SURNAMES) + self.pick(_GIVEN)

    def uscc(self, division: str, kind: str = "91") -> str:
        while True:
            body = "MA" + "".join(self.pick(_USCC_ALPHABET) for _ in range(6))
            check = _org_check(body)
            if check is not None:
                break
        first17 = kind + division + body + check
        return first17 + _uscc.calc_check_digit(first17)

    def resident_id(self, division: str) -> str:
        born = date(1962, 1, 1) + timedelta(days=self.rng.randrange(365 * 38))
        first17 = f"{division}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
        return first17 + _ric.calc_check_digit(first17 + "0")

    # -- the profile ----------------------------------------------------------------------------

    def profile(self) -> dict[str, Any]:
        rng = self.rng
        self.serial += 1
        stage, q = self.weighted(_STAGES, _STAGE_WEIGHTS)
        known = lambda: rng.random() >= q  # noqa: E731  (absent = not asked yet)

        ownership = self.weighted(
            ("domestic", "minority", "half", "majority", "unknown_jurisdiction"), (70, 12, 3, 11, 4)
        )
        if ownership == "majority" and self.chance(0.5):
            code = self.pick(_PILOT_PROVINCES)
        else:
            code = rng.choices(_PROVINCES, _PROVINCE_CUM)[0]
        province = province_by_code(code)
        cities = _CITIES[code]
        city, division, districts = cities[0] if self.chance(0.6) else self.pick(cities)
        district = self.pick(districts)
        if ownership == "majority" and code in ("CN-SH", "CN-GD") and self.chance(0.5):
            city, division, districts = cities[0]  # Shanghai / Shenzhen
            district = self.pick(("浦东新区", "临港新片区")) if code == "CN-SH" else self.pick(districts)
        brand, brand_en = self.pick(_BRANDS)
        industry, industry_en = self.pick(_INDUSTRIES)

        entity_type = self.weighted(("limited_company", "joint_stock_company", "other"), (88, 7, 5))
        if entity_type == "other":
            entity_type = self.pick(_OTHER_ENTITY_TYPES)
        city_short = city.removesuffix("市") if city.endswith("市") else city
        name = self.company_name(entity_type, city, city_short, brand, industry)

        company: dict[str, Any] = {"name": name}
        if self.chance(0.3):
            company["name_en"] = f"{brand_en.title()} {industry_en} Co., Ltd."
        pre_approved = entity_type in ("limited_company", "joint_stock_company") and self.chance(0.05)
        if pre_approved:
            company["uscc"] = None
            company["name_pre_approved"] = True
        elif self.chance(0.88) and entity_type != "natural_person":
            company["uscc"] = self.uscc(division, "12" if entity_type == "public_institution" else "91")
        if known():
            company["entity_type"] = entity_type

        coverage = self.weighted(("national", "provincial", None), (32, 55, 13))
        if known():
            company["registered_capital_cny"] = self.capital(coverage)
        if not pre_approved and self.chance(0.8):
            company["established_on"] = self.day(date(2005, 1, 1), date(2026, 6, 30))
            company["business_license_valid_until"] = (
                None if self.chance(0.75) else self.day(date(2030, 1, 1), date(2055, 12, 31))
            )
        if known():
            company["province"] = code
        if self.chance(0.85):
            company["city"] = city
        if known():
            company["registered_address"] = self.address(province.name_zh, city, district, code)
        if self.chance(0.5):
            company["business_scope"] = self.pick(
                (
                    "计算机软硬件技术开发；信息技术咨询；第二类增值电信业务",
                    "网络技术开发、技术服务；互联网信息服务；广告设计、制作、发布",
                    "软件开发；数据处理和存储支持服务；第二类增值电信业务",
                    "健康咨询服务（不含诊疗服务）；互联网信息服务",
                    "教育咨询服务（不含涉许可审批的教育培训活动）；互联网信息服务",
                    "文化艺术交流活动策划；网络文化经营；互联网信息服务",
                )
            )
        if self.chance(0.8):
            company["legal_representative"] = self.legal_representative(division, ownership)
        holders, declared = self.shareholders(ownership, brand, brand_en, division, known)
        if holders is not None:
            company["shareholders"] = holders
        if declared is not None:
            company["foreign_ownership_pct"] = declared
        staff, technical = self.staff()
        if known():
            company["staff_total"] = staff
        if known():
            company["technical_staff"] = technical
        if known():
            company["on_telecom_dishonesty_list"] = self.chance(0.015)
        if self.chance(0.35):
            company["financials"] = self.financials()

        profile: dict[str, Any] = {"schema_version": "1", "company": company}
        service = self.service(coverage, known, province, code, brand_en, company.get("uscc"))
        if service is not None:
            profile["service"] = service
        readiness = self.readiness(known, stage)
        if readiness is not None:
            profile["readiness"] = readiness
        if self.chance(0.02):
            profile["extensions"] = {"crm_lead_id": f"L-2026-{self.serial:06d}", "source": "web_form"}
        return profile

    def company_name(self, entity_type: str, city: str, city_short: str, brand: str, industry: str) -> str:
        if entity_type == "joint_stock_company":
            return f"{city_short}{brand}{industry}股份有限公司"
        if entity_type == "partnership":
            return f"{city}{brand}{industry}合伙企业（有限合伙）"
        if entity_type == "sole_proprietorship":
            return f"{city}{brand}{industry}个人独资企业"
        if entity_type == "individual_business":
            return f"{city}{brand}网络工作室（个体工商户）"
        if entity_type == "public_institution":
            return f"{city}{brand}信息中心"
        if entity_type == "social_organization":
            return f"{city}互联网{brand}协会"
        if entity_type == "foreign_company":
            return f"{brand}科技（香港）有限公司"
        if entity_type == "natural_person":
            return self.person()
        return (
            f"{city}{brand}{industry}有限公司"
            if self.chance(0.7)
            else f"{city_short}{brand}{industry}有限公司"
        )

    def address(self, province_zh: str, city: str, district: str, code: str) -> str:
        rng = self.rng
        number = rng.randrange(1, 3000)
        room = f"{rng.randrange(1, 30)}{rng.randrange(1, 20):02d}室"
        building = self.pick(_BUILDINGS)
        if code == "CN-SH" and district == "临港新片区":
            road = self.pick(("环湖西二路", "水芸路", "飞渡路"))
            return f"中国（上海）自由贸易试验区临港新片区{road}{number}号{room}"
        if code == "CN-GD" and city == "深圳市" and self.chance(0.05):
            return (
                f"Room {room[:-1]}, {building or 'Tower A'}, {number} Keyuan Road, Nanshan District, Shenzhen"
            )
        head = city if city == province_zh else f"{province_zh}{city}"
        if self.chance(0.3) and city != province_zh:
            head = city  # addresses are often written without the province
        return f"{head}{district}{self.pick(_ROADS)}{number}号{building}{room}"

    def capital(self, coverage: str | None) -> float | int:
        rng = self.rng
        if coverage == "national":
            values = (10_000_000, 9_999_999, 5_000_000, 8_000_000, 10_000_000.0, 12_000_000, 20_000_000,
                      30_000_000, 50_000_000, 100_000_000, 10_500_000.5, 1_000_000)  # fmt: skip
            weights = (26, 2, 5, 3, 3, 8, 12, 8, 10, 6, 2, 2)
        else:
            values = (1_000_000, 999_999, 500_000, 800_000, 1_000_000.0, 1_000_000.01, 2_000_000, 3_000_000,
                      5_000_000, 10_000_000, 20_000_000, 100_000, 0, 1_500_000.5)  # fmt: skip
            weights = (22, 1.5, 2, 2, 2, 1, 12, 10, 14, 10, 5, 0.5, 0.3, 2)
        value = rng.choices(values, weights)[0]
        return value

    def legal_representative(self, division: str, ownership: str) -> dict[str, Any]:
        rep: dict[str, Any] = {"name": self.person()}
        kind = self.weighted(
            ("resident_id", "hk_macao_permit", "passport", None),
            (80, 6 if ownership != "domestic" else 1, 4 if ownership != "domestic" else 1, 10),
        )
        if kind == "resident_id":
            rep["id_type"] = kind
            rep["id_number"] = self.resident_id(division)
        elif kind is not None:
            rep["id_type"] = kind  # the number of a permit or passport is not checked; leave it out
        if self.chance(0.6):
            rep["mobile"] = f"1{self.pick('3456789')}{self.rng.randrange(10**9):09d}"
        return rep

    def foreign_holder(self, jurisdiction: str, brand: str, brand_en: str, pct: float) -> dict[str, Any]:
        pattern, people = _FOREIGN[jurisdiction]
        if people and self.chance(0.35):
            holder = {"name": self.pick(people), "kind": "person"}
        else:
            holder = {"name": pattern.format(brand=brand, en=brand_en.title()), "kind": "entity"}
        holder["jurisdiction"] = jurisdiction
        holder["share_pct"] = pct
        return holder

    def split(self, total: float, parts: int) -> list[float]:
        """``total`` percent in ``parts`` shares: whole or half percents, or (rarely) two decimals."""
        units = round(total * 100)
        step = 1 if units % 50 or self.chance(0.1) else 50
        slots = units // step
        if parts == 1 or slots < parts:
            return [total]
        cuts = sorted(self.rng.sample(range(1, slots), parts - 1))
        bounds = [0, *cuts, slots]
        shares = [(b - a) * step for a, b in pairwise(bounds)]
        return [s // 100 if s % 100 == 0 else s / 100 for s in shares]

    def shareholders(
        self, ownership: str, brand: str, brand_en: str, division: str, known: Any
    ) -> tuple[list[dict[str, Any]] | None, float | int | None]:
        rng = self.rng
        if ownership == "domestic":
            foreign = 0
        elif ownership == "minority":
            foreign = self.pick((10, 15, 20, 25, 30, 33.33, 35, 40, 45, 49, 49.5, 49.99))
        elif ownership == "half":
            foreign = 50
        elif ownership == "majority":
            foreign = self.pick((50.01, 50.5, 51, 55, 60, 60, 70, 75, 80, 100, 100))
        else:
            foreign = self.pick((0, 0, 20, 40, 60))
        n_foreign = 0 if foreign == 0 else (1 if foreign == 100 or self.chance(0.75) else 2)
        n_domestic = 0 if foreign == 100 else self.weighted((1, 2, 3), (45, 40, 15))
        holders: list[dict[str, Any]] = []
        for pct in self.split(100 - foreign, n_domestic) if n_domestic else []:
            if self.chance(0.7):
                holders.append(
                    {"name": self.person(), "kind": "person", "jurisdiction": "CN", "share_pct": pct}
                )
            else:
                other = self.pick(_BRANDS)[0]
                holder = {
                    "name": f"{other}投资管理有限公司",
                    "kind": "entity",
                    "jurisdiction": "CN",
                    "share_pct": pct,
                }
                if self.chance(0.6):
                    holder["uscc"] = self.uscc(division)
                holders.append(holder)
        for pct in self.split(foreign, n_foreign) if n_foreign else []:
            holders.append(self.foreign_holder(self.pick(_FOREIGN_JURISDICTIONS), brand, brand_en, pct))
        rng.shuffle(holders)
        if ownership == "unknown_jurisdiction":
            # a holder whose nationality or place of incorporation was not captured
            del holders[rng.randrange(len(holders))]["jurisdiction"]
        declared: float | int | None = None
        if ownership == "unknown_jurisdiction":
            if self.chance(0.3):
                declared = foreign
        elif foreign and self.chance(0.3):
            declared = foreign
        elif not foreign and self.chance(0.08):
            declared = 0
        if self.chance(0.02):
            # declared share that counts indirect (VIE / nominee) holdings the register does not show
            declared = self.pick((0, 30, 51, 60, 75))
        if not known():
            return None, declared if self.chance(0.3) else None
        return holders, declared

    def staff(self) -> tuple[int, int]:
        rng = self.rng
        staff = self.weighted(
            (0, 1, 2, 3, 5, 8, 12, 20, 35, 60, 120, 300), (1, 3, 5, 8, 12, 14, 14, 12, 10, 8, 5, 3)
        )
        if staff == 0:
            return 0, 0
        roll = rng.random()
        if roll < 0.05:
            return staff, 0
        return staff, max(1, round(staff * rng.uniform(0.15, 0.7)))

    def financials(self) -> dict[str, Any]:
        out: dict[str, Any] = {"latest_statement_date": self.pick(("2025-12-31", "2026-06-30", "2026-09-30"))}
        if self.chance(0.8):
            out["audited"] = self.chance(0.7)
        if self.chance(0.3):
            out["capital_verification_report"] = self.chance(0.5)
        return out

    def service(
        self, coverage: str | None, known: Any, province: Any, code: str, brand_en: str, uscc: str | None
    ) -> dict[str, Any] | None:
        rng = self.rng
        service: dict[str, Any] = {}
        if coverage is not None and known():
            service["coverage"] = coverage
        if self.chance(0.6):
            service["activities"] = rng.sample(_ACTIVITIES, self.weighted((1, 2, 3), (40, 40, 20)))
        areas: list[str] | None = None
        if known():
            kind = self.weighted(("none", "empty", "other", "pre", "pre_and_other"), (44, 3, 20, 25, 8))
            if kind == "none":
                areas = ["none"]
            elif kind == "empty":
                areas = []
            elif kind == "other":
                areas = rng.sample(_OTHER_AREAS, self.weighted((1, 2), (75, 25)))
            else:
                areas = rng.sample(_PRE_AREAS, self.weighted((1, 2, 3), (70, 24, 6)))
                if kind == "pre_and_other":
                    areas.append(self.pick(_OTHER_AREAS))
            service["content_areas"] = areas
        approvals = self.pre_approvals(areas, known, province, code)
        if approvals is not None:
            service["pre_approvals"] = approvals
        if self.chance(0.55):
            suffix = self.pick(("", "-tech", "net", "info", "365", "cloud"))
            domain = f"{brand_en}{suffix}.{self.pick(('cn', 'com', 'com.cn', 'net'))}"
            site: dict[str, Any] = {"domain": domain}
            if uscc and self.chance(0.8):
                site["owner_uscc"] = uscc
            if self.chance(0.7):
                year = self.pick((2019, 2020, 2021, 2022, 2023, 2024, 2025))
                site["icp_filing_number"] = f"{province.filing_char}ICP备{year}{rng.randrange(10**6):06d}号-1"
            else:
                site["icp_filing_number"] = None
            service["websites"] = [site]
        if self.chance(0.2):
            platforms = rng.sample(("ios", "android", "harmonyos", "wechat_mini_program"), 2)
            service["apps"] = [{"name": brand_en.title(), "platforms": platforms}]
        if self.chance(0.7):
            service["hosting"] = self.weighted(("mainland", "hong_kong", "overseas"), (90, 7, 3))
        return service or (None if self.chance(0.5) else {})

    def pre_approvals(
        self, areas: list[str] | None, known: Any, province: Any, code: str
    ) -> list[dict[str, Any]] | None:
        needed = [a for a in (areas or ()) if a in _PRE_AREAS]
        others = [a for a in (areas or ()) if a in _APPROVAL_DOCS and a not in _PRE_AREAS]
        if not needed:
            if others and self.chance(0.4):
                return [self.approval(a, "valid", province, code) for a in others]
            return [self.approval("education", "expired", province, code)] if self.chance(0.02) else None
        if not known() or self.chance(0.07):
            return None  # not asked yet
        out: list[dict[str, Any]] = []
        for area in needed:
            state = self.weighted(
                ("valid", "long_term", "expired", "lacking", "as_of", "day_before", "undated", "renewed"),
                (62, 12, 9, 7, 2, 2, 3, 3),
            )
            if state == "lacking":
                continue
            if state == "renewed":
                out.append(self.approval(area, "expired", province, code))
                state = "valid"
            out.append(self.approval(area, state, province, code))
        for area in others:
            if self.chance(0.5):
                out.append(self.approval(area, "valid", province, code))
        self.rng.shuffle(out)
        return out

    def approval(self, area: str, state: str, province: Any, code: str) -> dict[str, Any]:
        rng = self.rng
        doc, issuer, number = _APPROVAL_DOCS[area]
        year = rng.randrange(2018, 2026)
        out: dict[str, Any] = {"area": area}
        if self.chance(0.9):
            out["document_name"] = doc
        if self.chance(0.8):
            out["issued_by"] = issuer.format(prov=province.name_zh)
        if self.chance(0.8):
            out["number"] = number.format(
                gb=province.gb2260, abbr=province.abbr, year=year, year_d=year % 10,
                serial=rng.randrange(1, 9999), serial2=rng.randrange(1, 999),
            )  # fmt: skip
        as_of = self.as_of
        if state == "valid":
            out["valid_until"] = self.day(as_of + timedelta(days=1), as_of + timedelta(days=5 * 365))
        elif state == "long_term":
            out["valid_until"] = None
        elif state == "expired":
            out["valid_until"] = self.day(as_of - timedelta(days=4 * 365), as_of - timedelta(days=2))
        elif state == "as_of":
            out["valid_until"] = self.as_of_iso
        elif state == "day_before":
            out["valid_until"] = (as_of - timedelta(days=1)).isoformat()
        # "undated": valid_until left out (not known yet)
        return out

    def readiness(self, known: Any, stage: str) -> dict[str, Any] | None:
        if stage == "lead" and self.chance(0.3):
            return None
        out: dict[str, Any] = {}
        for key, p_true in (
            ("business_plan", 0.96),
            ("technical_solution", 0.95),
            ("premises_and_facilities", 0.95),
            ("long_term_service_capability", 0.96),
        ):
            if known():
                out[key] = self.chance(p_true)
        if known():
            security: dict[str, Any] = {}
            for key in ("website_security_measures", "confidentiality_management_system",
                        "user_information_security_system"):  # fmt: skip
                if known() and not self.chance(0.02):
                    security[key] = self.chance(0.975)
            out["security"] = security
        return out


def generate_profiles(n: int, seed: int = 42, *, as_of: date = REFERENCE_DATE) -> list[dict[str, Any]]:
    """``n`` profiles (contract dicts), the same for the same ``(n, seed, as_of)``; see the module doc."""
    gen = _Generator(seed, as_of)
    return [gen.profile() for _ in range(n)]
