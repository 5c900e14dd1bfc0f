"""The words the seeder writes with: purchase items and their services, indicators, people's and places' names,
and the sentences of tenders, proposals, reports and needs. Builds on `bench/vocabulary.py` (the search benchmark's
vocabulary) without changing it, so the search benchmark's documents stay what they were."""

import random

from bench.vocabulary import COMMUNITY_STEMS, COMMUNITY_SUFFIXES, GENERAL, ORG_BRANDS, ORG_TYPES

# Third-level purchase items every district catalog carries, hung under the central catalog's second level
# (catalogs/purchase_central_2020.csv): code, name, unit, price range (yuan), required and preferred conditions
# (qualification_sample.csv codes), the services it buys and the words they use, indicator templates
# (kind, name, unit, low, high) and the groups of people served.
ITEMS = [
    ("A0101", "禁毒社会工作服务", "项目/年", 80000, 600000, "SD-R1;TPL-R1", "SD-P1",
     [("禁毒社会工作服务", "禁毒 社区戒毒 社区康复 禁毒宣传 朋辈辅导")],
     [("output_quantity", "帮扶服务对象", "人", 20, 120), ("output_quantity", "禁毒宣传活动", "场", 6, 40)],
     ("other", "youth")),
    ("A0401", "养老服务", "项目/年", 100000, 900000, "SD-R1;TPL-R1", "SD-P1;SD-P2",
     [("长者助餐服务", "长者食堂 助餐服务 老年餐桌 配餐送餐 营养膳食"),
      ("居家养老上门服务", "居家养老 上门服务 助浴 助洁 巡视探访"),
      ("社区养老驿站运营服务", "社区养老 养老驿站 日间照料 短期托养 喘息服务"),
      ("空巢独居老人关爱服务", "空巢老人 独居老人 巡视探访 紧急呼叫 时间银行"),
      ("适老化改造服务", "适老化改造 无障碍设施 居家安全评估 扶手加装")],
     [("output_quantity", "建档服务老人", "人", 100, 800), ("output_quantity", "上门探访服务", "人次", 600, 5000),
      ("output_quality", "服务记录完整率", "%", 90, 100)],
     ("elderly",)),
    ("A0402", "残疾人康复服务", "人次", 200000, 800000, "SD-R1;TPL-R1", "SD-P1",
     [("残疾人康复服务", "残疾人康复 康复训练 辅具适配 温馨家园"),
      ("残疾人就业支持服务", "辅助性就业 职业康复 职业培训 温馨家园")],
     [("output_quantity", "康复训练服务", "人次", 300, 3000), ("output_quantity", "辅具适配", "人", 20, 200)],
     ("disabled",)),
    ("A0403", "儿童关爱保护服务", "项目/年", 80000, 600000, "SD-R1;TPL-R1;SD-R6", "SD-P1",
     [("困境儿童关爱保护服务", "困境儿童 未成年人保护 个案管理 家庭监护 儿童之家"),
      ("留守儿童陪伴成长服务", "留守儿童 课后托管 亲子阅读 心理健康 四点半课堂")],
     [("output_quantity", "个案服务", "个", 10, 80), ("output_quantity", "儿童之家活动", "场", 12, 60)],
     ("youth",)),
    ("A0404", "社会救助服务", "项目/年", 100000, 700000, "SD-R1;TPL-R1", "SD-P2",
     [("社会救助服务", "社会救助 低保 特困供养 临时救助 入户核查"),
      ("困难群众帮扶服务", "困难群众 物质帮扶 精神慰藉 链接资源")],
     [("output_quantity", "困难群众走访", "户次", 200, 1200), ("output_quantity", "链接帮扶资源", "项", 5, 40)],
     ("hardship",)),
    ("A0405", "退役军人服务", "项目/年", 50000, 300000, "SD-R1;TPL-R1", "",
     [("退役军人关爱服务", "退役军人 优抚对象 关爱帮扶 就业创业")],
     [("output_quantity", "走访优抚对象", "户次", 50, 400)], ("other",)),
    ("A0501", "心理健康服务", "项目/年", 60000, 500000, "SD-R1;TPL-R1", "SD-P1",
     [("社区心理健康服务", "心理健康 心理疏导 心理咨询 危机干预 情绪疏导")],
     [("output_quantity", "心理咨询服务", "人次", 80, 800), ("output_quantity", "心理健康讲座", "场", 6, 30)],
     ("other", "elderly", "youth")),
    ("A0601", "垃圾分类宣传指导服务", "项目/年", 50000, 400000, "SD-R1;TPL-R1", "",
     [("垃圾分类宣传指导服务", "垃圾分类 桶前值守 入户宣传 环保志愿 厨余垃圾")],
     [("output_quantity", "入户宣传", "户", 500, 6000), ("output_quality", "分类准确率", "%", 80, 95)],
     ("other",)),
    ("A0801", "社区文化服务", "项目/年", 50000, 300000, "SD-R1;TPL-R1", "",
     [("非遗文化进社区服务", "非遗剪纸 传统文化 文化活动 社区文化 兴趣小组")],
     [("output_quantity", "文化活动", "场", 10, 60), ("benefit_social", "参与居民", "人次", 300, 3000)],
     ("other", "elderly", "youth")),
    ("A1001", "社区治理服务", "项目/年", 50000, 600000, "SD-R1;TPL-R1;SD-R6", "SD-P1;SD-P2",
     [("社区治理创新服务", "社区治理 基层治理 议事协商 居民自治 社区营造"),
      ("邻里互助服务", "邻里互助 邻里节 楼门长 志愿服务 社区营造"),
      ("网格化服务管理", "网格员 网格化管理 接诉即办 矛盾调解 物业管理")],
     [("output_quantity", "居民议事会议", "场", 6, 36), ("output_quantity", "培育社区自治项目", "个", 3, 15),
      ("benefit_lasting", "形成议事规则", "项", 1, 5)],
     ("other",)),
    ("A1002", "社会工作服务", "项目/年", 100000, 1200000, "SD-R1;TPL-R1;SD-R6", "SD-P1",
     [("社工站运营服务", "社工站 社会工作者 督导 个案 小组 社区活动"),
      ("五社联动示范服务", "五社联动 社区社会组织 社区志愿者 社会慈善资源 社会工作者"),
      ("社区社会工作服务", "个案服务 小组工作 社区工作 需求评估 资源链接")],
     [("output_quantity", "个案服务", "个", 10, 80), ("output_quantity", "小组活动", "节", 12, 80),
      ("output_quantity", "社区活动", "场", 6, 40), ("satisfaction", "服务对象满意度", "%", 85, 95)],
     ("elderly", "youth", "hardship", "other")),
    ("A1003", "司法社会工作服务", "项目/年", 200000, 3000000, "SD-R1;TPL-R1;SD-R6", "SD-P1",
     [("社区矫正社会工作服务", "社区矫正 矫正对象 心理疏导 教育帮扶 安置帮教"),
      ("安置帮教服务", "安置帮教 刑满释放人员 就业帮扶 心理疏导")],
     [("output_quantity", "服务工时", "小时", 2000, 40000), ("output_quantity", "在册矫正对象覆盖", "人", 50, 2200)],
     ("other",)),
    ("A1004", "志愿服务运营", "项目/年", 30000, 300000, "SD-R1;TPL-R1", "",
     [("志愿服务项目运营", "志愿服务 志愿者 志愿者招募 时间银行 积分激励")],
     [("output_quantity", "招募志愿者", "人", 50, 500), ("output_quantity", "志愿服务时长", "小时", 500, 8000)],
     ("other",)),
    ("A1005", "社区社会组织培育", "项目/年", 50000, 400000, "SD-R1;TPL-R1", "SD-P1",
     [("社区社会组织培育服务", "社区社会组织 孵化培育 能力建设 公益创投 社会组织")],
     [("output_quantity", "孵化社区社会组织", "家", 3, 20), ("output_quantity", "能力建设培训", "场", 4, 24)],
     ("other",)),
    ("A0201", "家庭教育指导服务", "项目/年", 50000, 300000, "SD-R1;TPL-R1", "",
     [("家庭教育指导服务", "家庭教育 亲职教育 婚姻家庭 家庭关系调适")],
     [("output_quantity", "家庭教育讲座", "场", 6, 30), ("output_quantity", "个案辅导", "户", 10, 60)],
     ("youth",)),
    ("B0701", "政府购买服务绩效评价", "项目", 30000, 300000, "TPL-R2", "",
     [("政府购买服务绩效评价", "绩效评价 第三方评估 指标体系 满意度调查 政府购买服务")],
     [("output_quantity", "评价项目", "个", 5, 60), ("output_timeliness", "评价报告按期提交", "%", 100, 100)],
     ("other",)),
    ("B0702", "社会组织等级评估服务", "项目", 30000, 200000, "TPL-R2", "",
     [("社会组织等级评估服务", "等级评估 社会组织 规范化建设 年度检查 信用代码")],
     [("output_quantity", "评估社会组织", "家", 10, 120)], ("other",)),
    ("B0801", "社会工作专业督导服务", "小时", 20000, 200000, "SD-R1;TPL-R1", "SD-P1",
     [("社会工作专业督导服务", "督导 社会工作者 继续教育 实务培训 职业水平考试")],
     [("output_quantity", "督导服务", "小时", 60, 600)], ("other",)),
]
# Items on every district's negative list (the reason is required and public).
NEGATIVE_ITEMS = [
    ("A1009", "社区专职工作者劳务派遣", "政府只买服务不养人：不得以购买服务名义招聘、派遣社区工作人员"),
    ("B1101", "机关办公用房物业管理", "属于机关自身运转的后勤事项，本区不纳入政府购买服务"),
]
ITEM_BY_CODE = {row[0]: row for row in ITEMS}
PURCHASABLE = [row[0] for row in ITEMS]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力宁斌欣怡晨阳浩宇佳琪雪梅亮婷瑶鑫"
ORG_EXTRA = ("", "", "", "和谐", "仁心", "益家", "睦邻", "乐活", "善行", "惠邻", "同行", "筑梦", "安康", "守望", "微光",
             "长青", "久久", "常青藤", "一心", "明德")
CITY_STEMS = "岭 澜 嘉 泽 安 宁 昌 平 兴 和 云 溪 川 江 阳 庆 瑞 丰 泰 华".split()  # noqa: SIM905
PLACE_STEMS = (  # noqa: SIM905 (data reads better as one string)
               "东湖 西山 南苑 北塘 青石 白鹭 红枫 金桥 银杏 松林 柳湾 桃园 杏坛 梅岭 兰亭 竹溪 荷塘 枫桥 槐荫 "
               "榆林 凤鸣 龙泉 鹤鸣 燕归 雁塔 长乐 永宁 太平 新安 广福 福田 富民 利民 惠民 康宁 德胜 崇文 "
               "文昌 武定 启明 朝阳 晨光 星火 望江 临河 沿江 滨湖 环城 中山 人民 解放 建设 光华 复兴").split()

TEAM_ROLES = ("项目主管", "一线社工", "一线社工", "督导", "志愿者协调员")
DISQUALIFY_REASONS = ("未按要求提供有效的年检结论", "投标报价明细与总价不一致", "项目团队人员资质证明材料缺失",
                      "服务方案未响应招标文件实质性要求")
CANCEL_REASONS = ("上级部门统一采购同类服务，本项目终止，预算调剂使用", "服务需求发生重大变化，需重新论证",
                  "预算调整，本年度不再实施", "采购文件存在错误，终止后重新发布")
TERMINATION_REASONS = ("服务机构人员变动频繁，无法按合同配备团队，经协商提前终止",
                       "本阶段绩效评价不合格，经协商提前终止", "服务对象搬迁，服务需求消失，双方协商解除")
CHALLENGE_GROUNDS = ("成交供应商团队中有人员不具备招标文件要求的持证资格，请求复核评审结果。",
                     "评审中对我方服务方案的打分明显偏低且未说明理由，请求重新评审。")
CHALLENGE_ANSWERS = {False: "经复核，评审程序和打分符合采购文件规定，质疑不成立。",
                     True: "经复核，成交供应商所列人员证书已过期，质疑成立，依次递补排名第二的供应商。"}
RETURN_COMMENTS = ("请补充活动签到表和照片说明，并核对服务人次统计口径。", "实际完成值与台账不一致，请修改后重新提交。")
MARK_COMMENTS = ("服务过程规范，台账完整，居民反映良好。", "指标基本完成，个别活动参与人数偏少。",
                 "专业性较强，建议加强资源链接。")
RATING_COMMENTS = ("服务很贴心，工作人员耐心。", "活动丰富，希望以后多办。", "上门次数有点少。", None, None, None)
DONORS = ("爱心人士", "社区居民", "北京某科技有限公司", "热心邻居", "退休教师", "志愿者协会会员")
NEED_OPENINGS = ("希望增设", "建议开展", "盼望有", "急需", "能否提供", "请求帮助协调")
NEED_REPLIES = ("街道已收到，正在与社区研究落实方案。", "已转相关科室办理，将在近期答复进展。")
RESOLVED = ("已协调社区服务站落实，居民可到服务站预约。", "已由街道现有项目承接，服务已经开展。")
DECLINED = ("该事项不属于政府购买服务范围，已转物业公司处理。", "经评估暂不具备实施条件，明年统筹考虑。")


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def community_name(rng: random.Random) -> str:
    return rng.choice(COMMUNITY_STEMS + PLACE_STEMS) + rng.choice(COMMUNITY_SUFFIXES) + "居委会"


def street_name(rng: random.Random, town: bool) -> str:
    return rng.choice(PLACE_STEMS) + ("镇" if town else "街道")


def org_name(rng: random.Random, place: str) -> str:
    return f"{place}{rng.choice(ORG_BRANDS)}{rng.choice(ORG_EXTRA)}{rng.choice(ORG_TYPES)}"


def sentence(rng: random.Random, service: tuple[str, str], place: str) -> str:
    name, words = service
    word, other = rng.choice(words.split()), rng.choice(words.split())
    general = rng.choice(GENERAL)
    return rng.choice((
        f"面向{place}辖区{rng.choice(('老年人', '困境家庭', '残疾人', '青少年', '居民'))}，"
        f"由专业社会工作者提供{word}等{name}。",
        f"计划开展{word}{rng.randint(2, 60)}次，服务{rng.randint(20, 2000)}人次，"
        f"{general}覆盖率不低于{rng.randint(60, 99)}%。",
        f"通过{word}、{other}和{general}，提升{place}{rng.choice(('社区治理', '为老服务', '社会服务'))}水平。",
        f"服务内容包括{word}、{rng.choice(GENERAL)}及{other}。",
        f"配备社会工作者{rng.randint(1, 12)}名、志愿者{rng.randint(5, 200)}名，建立{general}台账。",
        f"绩效目标：服务对象满意度达到{rng.randint(85, 99)}%，{word}完成率{rng.randint(90, 100)}%。",
    ))


_POOLS: dict[str, list[str]] = {}
PLACE = "\x00"


def paragraph(rng: random.Random, service: tuple[str, str], place: str, low: int = 80, high: int = 240) -> str:
    """Sentences about the service in that place. Drawn from a pool of 64 sentences per service (made once, from
    the service's name), which keeps a province's millions of paragraphs cheap: one draw per sentence."""
    pool = _POOLS.get(service[0])
    if pool is None:
        maker = random.Random(f"pool:{service[0]}")
        pool = _POOLS[service[0]] = [sentence(maker, service, PLACE) for _ in range(64)]
    target, parts, size = rng.randint(low, high), [], 0
    while size < target:
        parts.append(pool[int(rng.random() * 64)])
        size += len(parts[-1])
    return "".join(parts).replace(PLACE, place)


def deliverables(rng: random.Random, service: tuple[str, str]) -> str:
    words = service[1].split()
    rng.shuffle(words)
    return "\n".join(f"{w}服务" if not w.endswith("服务") else w for w in words[:rng.randint(2, 4)])

