"""Deterministic Chinese documents for the search benchmark: tenders, funded projects, organizations, catalog
items and needs, written from the vocabulary of government purchase of social services in Beijing.

`generate(n, seed)` yields `marketplace.search.documents.Document` objects; the same (n, seed) gives the same
documents on every machine (only `random.Random(seed)` is used, never the global generator or the clock).
"""

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from marketplace.search.documents import BODY_LIMIT, Document

KIND_WEIGHTS = {"project": 35, "tender": 25, "organization": 20, "need": 15, "item": 5}
YEARS = ("2022", "2023", "2024", "2025", "2026")
STATUSES = {
    "tender": ("enquiry", "tendering", "evaluation", "awarded", "contracted", "contracted", "contracted",
               "cancelled", "unsuccessful"),
    "project": ("active", "active", "completed", "completed", "completed", "terminated"),
    "organization": ("verified",) * 12 + ("suspended", "revoked"),
    "item": ("listed",) * 9 + ("negative",),
    "need": ("submitted", "replied", "planned", "resolved", "resolved", "declined"),
}

# district: (code, streets); street codes are the district code plus a 3-digit index (statistical codes).
DISTRICTS = {
    "东城区": ("110101", "东华门街道 景山街道 交道口街道 安定门街道 北新桥街道 东四街道 朝阳门街道 "
                       "建国门街道 东直门街道 和平里街道 前门街道 崇文门外街道 天坛街道 "
                       "体育馆路街道 龙潭街道 永定门外街道 东花市街道"),
    "西城区": ("110102", "西长安街街道 新街口街道 月坛街道 展览路街道 德胜街道 金融街街道 什刹海街道 大栅栏街道 "
                       "天桥街道 椿树街道 陶然亭街道 广安门内街道 牛街街道 白纸坊街道 广安门外街道"),
    "朝阳区": ("110105", "建外街道 朝外街道 呼家楼街道 三里屯街道 左家庄街道 香河园街道 和平街街道 安贞街道 亚运村街道 "
                       "小关街道 酒仙桥街道 麦子店街道 团结湖街道 六里屯街道 八里庄街道 双井街道 劲松街道 潘家园街道 "
                       "垡头街道 望京街道"),
    "丰台区": ("110106", "右安门街道 太平桥街道 西罗园街道 大红门街道 南苑街道 东高地街道 东铁匠营街道 六里桥街道 "
                       "丰台街道 新村街道 长辛店街道 云岗街道 方庄街道 宛平街道"),
    "石景山区": ("110107", "八宝山街道 老山街道 八角街道 古城街道 苹果园街道 金顶街街道 广宁街道 五里坨街道 鲁谷街道"),
    "海淀区": ("110108", "万寿路街道 永定路街道 羊坊店街道 甘家口街道 紫竹院街道 北下关街道 北太平庄街道 学院路街道 "
                       "中关村街道 海淀街道 青龙桥街道 清华园街道 燕园街道 香山街道 清河街道 花园路街道 西三旗街道 "
                       "马连洼街道 田村路街道 上地街道"),
    "门头沟区": ("110109", "大峪街道 城子街道 东辛房街道 大台街道 王平镇 永定镇 龙泉镇 潭柘寺镇"),
    "房山区": ("110111", "城关街道 新镇街道 向阳街道 东风街道 迎风街道 星城街道 良乡镇 周口店镇 琉璃河镇 长阳镇"),
    "通州区": ("110112", "中仓街道 新华街道 北苑街道 玉桥街道 潞源街道 通运街道 永顺镇 梨园镇 宋庄镇 张家湾镇 台湖镇"),
    "顺义区": ("110113", "胜利街道 光明街道 石园街道 空港街道 双丰街道 旺泉街道 仁和镇 后沙峪镇 高丽营镇 杨镇"),
    "昌平区": ("110114", "城北街道 城南街道 天通苑北街道 天通苑南街道 霍营街道 回龙观街道 龙泽园街道 史各庄街道 "
                       "沙河镇 南口镇 小汤山镇"),
    "大兴区": ("110115", "兴丰街道 林校路街道 清源街道 亦庄地区 黄村镇 旧宫镇 西红门镇 瀛海镇 礼贤镇"),
}
COMMUNITY_STEMS = (  # noqa: SIM905 (data reads better as one string)
    "和平 幸福 光明 团结 新华 春晖 金台 安华 花园 北里 南里 西里 东里 建设 胜利 友谊 育新 怡海 "
    "青塔 枫林 柳荫 桃源 翠微 永安 民旺 新源 芳城 紫金 双榆 杏林").split()
COMMUNITY_SUFFIXES = ("社区", "一社区", "二社区", "东社区", "西社区", "北社区", "南社区", "家园社区", "小区社区")

# (catalog code, service name, the words its texts use)
SERVICES = [
    ("A0401", "长者助餐服务", "长者食堂 助餐服务 老年餐桌 配餐送餐 营养膳食"),
    ("A0401", "居家养老上门服务", "居家养老 上门服务 助浴 助洁 巡视探访"),
    ("A0401", "社区养老驿站运营服务", "社区养老 养老驿站 日间照料 短期托养 喘息服务"),
    ("A0402", "失能老人照护服务", "失能老人 长期照护 康复护理 护理员培训 安宁疗护"),
    ("A0402", "空巢独居老人关爱服务", "空巢老人 独居老人 巡视探访 紧急呼叫 时间银行"),
    ("A0403", "适老化改造服务", "适老化改造 无障碍设施 居家安全评估 扶手加装"),
    ("A0501", "困境儿童关爱保护服务", "困境儿童 未成年人保护 个案管理 家庭监护 儿童之家"),
    ("A0501", "留守儿童陪伴成长服务", "留守儿童 课后托管 亲子阅读 心理健康 四点半课堂"),
    ("A0502", "青少年社会工作服务", "青少年 禁毒 预防犯罪 法治宣传 朋辈辅导"),
    ("A0601", "社区矫正社会工作服务", "社区矫正 矫正对象 心理疏导 教育帮扶 安置帮教"),
    ("A0601", "安置帮教服务", "安置帮教 刑满释放人员 就业帮扶 心理疏导"),
    ("A0701", "残疾人康复服务", "残疾人康复 残疾人 康复训练 辅具适配 温馨家园"),
    ("A0701", "残疾人就业支持服务", "残疾人 辅助性就业 职业康复 职业培训"),
    ("A0801", "社会救助服务", "社会救助 低保 特困供养 困难群众 临时救助 入户核查"),
    ("A0801", "困难群众帮扶服务", "困难群众 低保 物质帮扶 精神慰藉 链接资源"),
    ("A0901", "社区治理创新服务", "社区治理 基层治理 议事协商 居民自治 社区营造"),
    ("A0901", "社区社会组织培育服务", "社区社会组织 孵化培育 能力建设 公益创投 社会组织"),
    ("A0902", "网格化服务管理", "网格员 网格化管理 接诉即办 矛盾调解 物业管理"),
    ("A0903", "邻里互助服务", "邻里互助 邻里节 楼门长 志愿服务 社区营造"),
    ("A1001", "志愿服务项目运营", "志愿服务 志愿者 志愿者招募 时间银行 积分激励"),
    ("A1101", "垃圾分类宣传指导服务", "垃圾分类 桶前值守 入户宣传 环保志愿 厨余垃圾"),
    ("A1201", "心理健康服务", "心理健康 心理疏导 心理咨询 危机干预 情绪疏导"),
    ("A1301", "社工站运营服务", "社工站 社会工作者 督导 个案 小组 社区活动"),
    ("A1301", "社会工作专业人才培训", "社会工作者 职业水平考试 继续教育 督导 实务培训"),
    ("A1401", "家庭教育指导服务", "家庭教育 亲职教育 婚姻家庭 家庭关系调适"),
    ("A1501", "退役军人服务", "退役军人 优抚对象 关爱帮扶 就业创业"),
    ("A1601", "非遗文化进社区服务", "非遗剪纸 传统文化 文化活动 社区文化 兴趣小组"),
    ("B0101", "政府购买服务绩效评价", "绩效评价 第三方评估 政府购买服务 指标体系 满意度调查"),
    ("B0201", "社会组织等级评估服务", "等级评估 社会组织 规范化建设 年度检查 信用代码"),
    ("B0301", "社区服务中心运营服务", "社区服务中心 党群服务 便民服务 一刻钟便民生活圈"),
]
GENERAL = (  # noqa: SIM905
    "养老服务 社会工作 社会工作者 社会组织 社区服务 政府购买服务 购买服务 承接主体 志愿服务 社区治理 "
    "居民 服务对象 项目 服务 专业 社区 街道 老年人 儿童 家庭 需求评估 满意度 入户走访 活动 宣传 培训 "
    "个案服务 小组工作 社区工作 资源链接 服务台账 月度报告 绩效目标 验收").split()
ORG_BRANDS = (  # noqa: SIM905
    "阳光 馨心 益友 同心 和众 恒爱 惠民 乐龄 夕阳红 彩虹 春雨 暖心 启航 慧心 仁爱 博爱 康乐 晨曦 "
    "厚德 致远 百合 向日葵 蒲公英 新起点 连心 安心 睦邻 翔宇 众善 知行").split()
ORG_TYPES = ("社会工作服务中心", "社会工作事务所", "养老服务中心", "志愿者协会", "社区服务中心", "公益基金会",
             "康复服务中心", "心理咨询服务中心", "青少年服务中心", "助老服务社", "社会组织发展中心", "家庭服务中心")
ORG_TYPE_LABELS = ("民办非企业单位", "社会服务机构", "社会团体", "基金会")
BODIES = ("民政局", "残联", "司法局", "卫生健康委", "妇联", "团委", "退役军人事务局", "城市管理委")
NEED_OPENINGS = ("希望增设", "建议开展", "盼望有", "急需", "能否提供", "请求帮助协调")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
EPOCH = datetime(2022, 1, 1, tzinfo=UTC)


def uscc(rng: random.Random, region_code: str) -> str:
    """An 18-character unified social credit code of a social organization (5 = civil affairs registration,
    1/2/3 = group/service body/foundation), with a valid GB 32100 check character."""
    head = "5" + rng.choice("123") + region_code + "".join(rng.choice(USCC_ALPHABET[:10] + "MJ") for _ in range(9))
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(head, USCC_WEIGHTS, strict=True))
    return head + USCC_ALPHABET[(31 - total % 31) % 31]


class Vocabulary:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        rng = self.rng
        self.streets = []       # (district, district code, street, street code)
        self.communities = []   # (district, district code, street, street code, community, community code)
        for district, (code, names) in DISTRICTS.items():
            for i, street in enumerate(names.split(), start=1):
                street_code = f"{code}{i:03d}"
                self.streets.append((district, code, street, street_code))
                for j in range(1, rng.randint(6, 14)):
                    name = rng.choice(COMMUNITY_STEMS) + rng.choice(COMMUNITY_SUFFIXES)
                    self.communities.append((district, code, street, street_code, name, f"{street_code}{j:03d}"))
        self.organizations = []  # (name, credit code, district, district code)
        seen = set()
        while len(self.organizations) < 3000:
            district = rng.choice(list(DISTRICTS))
            code = DISTRICTS[district][0]
            name = f"北京市{district}{rng.choice(ORG_BRANDS)}{rng.choice(ORG_TYPES)}"
            if name not in seen:
                seen.add(name)
                self.organizations.append((name, uscc(rng, code), district, code))
        self._kinds = list(KIND_WEIGHTS)
        self._weights = list(KIND_WEIGHTS.values())

    # -- pieces ---------------------------------------------------------------------------------------------

    def _sentence(self, service, place, org) -> str:
        rng = self.rng
        code, name, words = service
        word = rng.choice(words.split())
        general = rng.choice(GENERAL)
        templates = (
            f"本项目面向{place}辖区{rng.choice(('老年人', '困境家庭', '残疾人', '青少年', '居民', '重点人群'))}，"
            f"由专业社会工作者提供{word}等{name}。",
            f"项目周期内计划开展{word}{rng.randint(2, 60)}次，服务{rng.randint(20, 2000)}人次，{general}覆盖率不低于"
            f"{rng.randint(60, 99)}%。",
            f"承接主体{org[0]}（统一社会信用代码{org[1]}）具有{rng.choice(('三年以上', '五年以上', '相关'))}"
            f"{rng.choice(('养老服务', '社会工作', '志愿服务', '社区治理'))}经验。",
            f"通过{word}、{rng.choice(words.split())}和{general}，提升{place}"
            f"{rng.choice(('社区治理', '基层治理', '养老服务', '为老服务'))}水平。",
            f"服务内容包括{word}、{rng.choice(GENERAL)}、{rng.choice(GENERAL)}及{rng.choice(words.split())}。",
            f"项目预算{rng.randint(5, 300) * 10000}元，资金来源为"
            f"{rng.choice(('区级财政', '市级福彩公益金', '街道专项经费'))}，"
            f"按{rng.choice(('季度', '月度', '里程碑'))}支付。",
            f"配备社会工作者{rng.randint(1, 12)}名、志愿者{rng.randint(5, 200)}名，建立{general}台账。",
            f"{place}{rng.choice(('居委会', '社区服务站', '社工站', '党群服务中心'))}协助组织{word}和心理疏导活动。",
            f"绩效目标：服务对象满意度达到{rng.randint(85, 99)}%，{word}完成率{rng.randint(90, 100)}%。",
        )
        return rng.choice(templates)

    def _body(self, service, place, org, *lead: str) -> str:
        rng = self.rng
        target = rng.randint(100, 600) - sum(len(p) for p in lead)
        parts, size = [], 0
        while size < target:
            sentence = self._sentence(service, place, org)
            parts.append(sentence)
            size += len(sentence)
        return " ".join([*lead, "".join(parts)])[:BODY_LIMIT]

    def _community(self):
        return self.rng.choice(self.communities)

    # -- documents ----------------------------------------------------------------------------------------

    def document(self, number: int) -> Document:
        rng = self.rng
        kind = rng.choices(self._kinds, self._weights)[0]
        year = rng.choice(YEARS)
        status = rng.choice(STATUSES[kind])
        dated = EPOCH + timedelta(days=365 * (int(year) - 2022) + rng.randint(0, 364), seconds=rng.randint(0, 86399))
        service = rng.choice(SERVICES)
        category, service_name = service[0], service[1]
        district, dcode, street, scode, community, ccode = self._community()
        org = rng.choice(self.organizations)
        regions = (ccode, scode, dcode, "110100", "110000")
        key = f"{kind}:{number}"
        if kind in ("tender", "project"):
            pattern = rng.randrange(4)
            if pattern == 0:
                title = f"{district}{street}{year}年{service_name}项目"
            elif pattern == 1:
                title = f"{district}{rng.choice(BODIES)}{year}年度{service_name}采购项目"
                regions = (dcode, "110100", "110000")
            elif pattern == 2:
                title = f"{street}{community}{service_name}项目"
            else:
                title = f"{district}{year}年{service_name}（第{rng.randint(1, 6)}包）"
                regions = (dcode, "110100", "110000")
            reference = f"BJ{dcode}-{year}-{rng.randint(1, 9999):04d}"
            if kind == "tender":
                body = self._body(service, street, org, reference, service_name, f"{district}{rng.choice(BODIES)}",
                                  f"{street}")
            else:
                title = title + rng.choice(("", "", "服务合同"))
                body = self._body(service, street, org, reference, org[0], org[1], f"{district}{rng.choice(BODIES)}",
                                  service_name, f"{street}{community}")
            return Document(key=key, kind=kind, title=title, body=body, status=status, category=category, year=year,
                            regions=regions, url=f"/{kind}s/{number}", dated=dated)
        if kind == "organization":
            name, code, district, dcode = rng.choice(self.organizations)
            # The 3,000 names repeat across 100k documents; a branch suffix keeps most titles distinct.
            if rng.random() < 0.7:
                name = f"{name}（{rng.choice(DISTRICTS[district][1].split())}站）"
            org = (name, code)
            intro = self._body(service, district, org, code, rng.choice(ORG_TYPE_LABELS), f"{district}民政局")
            return Document(key=key, kind=kind, title=name, body=intro, status=status, year=year,
                            regions=(dcode, "110100", "110000"), url=f"/organizations/{number}", dated=dated)
        if kind == "item":
            title = rng.choice((service_name, f"{service_name}（{rng.choice(service[2].split())}）"))
            body = self._body(service, district, org, category, f"{district}{year}年政府购买服务指导性目录",
                              f"计量单位：{rng.choice(('人次', '户', '小时', '项'))}")
            return Document(key=key, kind=kind, title=title, body=body, status=status, category=category, year=year,
                            regions=(dcode, "110100", "110000"), url=f"/catalogs/1/items/{category}", dated=dated)
        word = rng.choice(service[2].split())
        title = f"{community}{rng.choice(NEED_OPENINGS)}{word}"
        body = self._body(service, f"{street}{community}", org, service_name, f"{street}{community}")
        return Document(key=key, kind=kind, title=title, body=body, status=status, category=category, year=year,
                        regions=regions, url=f"/needs/{number}", dated=dated)


def generate(n: int, seed: int = 1) -> Iterator[Document]:
    vocabulary = Vocabulary(seed)
    for number in range(1, n + 1):
        yield vocabulary.document(number)


def sample_organization(seed: int = 1) -> tuple[str, str]:
    """(name, credit code) of an organization the documents of this seed mention (the first one drawn)."""
    return Vocabulary(seed).organizations[0][:2]
