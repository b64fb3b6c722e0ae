"""What a question asks for, whether a sentence states it, and how a missing fact is named: the closed classes of
Chinese question and answer forms, checked on real question shapes."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from knowledge.answer.focus import missing_sentence, subject
from knowledge.text.answer_types import (Kind, abbreviates, about_past, announces_list, asked, counts_other_things,
                                         defines_by_enumeration, enumerates, is_item, is_title, leans_back,
                                         names_documents, points_back, runs_in, sets_target, states, states_reached, states_result,
                                         states_unit)
from knowledge.text.script import to_simplified


@pytest.mark.parametrize("question, kind", [
    ("临川区不动产登记要多长时间能办完？", Kind.DURATION),
    ("那一般需要多久？", Kind.DURATION),
    ("在临川办不动产登记要跑几个部门？", Kind.COUNT),
    ("新建区涉税审批办税时长压缩了多少？", Kind.COUNT),  # an amount of change, not a duration: 压缩80%以上
    ("临川办不动产登记，登记费要交多少钱？", Kind.MONEY),
    ("临川区新建的第一实验学校投资了多少？", Kind.MONEY),
    ("湾里政务服务一次不跑率达到多少？", Kind.RATIO),
    ("第一批负面清单是什么时候公布的？", Kind.DATE),
    ("临川区不动产登记中心的地址在哪里？", Kind.ADDRESS),
    ("临川区不动产登记中心在哪里？", Kind.ADDRESS),  # an office: its address
    ("厚嘴鸡鸠喜欢生活在哪里？", Kind.PLACE),  # not an office: any place answers
    ("雷切尔·墨索里尼是哪个国家的人？", Kind.PLACE),
    ("在哪里办理不动产登记？", Kind.PROCEDURE),  # where to get it done: a window or an app, not an address
    ("临川区政务服务中心的电话是多少？", Kind.CONTACT),
    ("临川区政务服务中心的联系方式？", Kind.CONTACT),
    ("费斯特出版公司诉乡村电话公司案此案的争议点是什么？", Kind.DEFINITION),  # 电话 named, not asked
    ("关岛是如何免除与美国通话时的高费用？", Kind.MEASURES),  # 费用 named, no amount asked
    ("办理不动产登记收费吗？", Kind.MONEY),
    ("办理不动产登记需要什么材料？", Kind.MATERIALS),
    ("怎么办理不动产登记？", Kind.PROCEDURE),
    ("臨川區怎樣打造「四最」營商環境？", Kind.MEASURES),
    ("为什么要建设“五型”政府？", Kind.REASON),
    ("红黑榜是什么？", Kind.DEFINITION),
    ("“五型”政府指的是哪五型？", Kind.LIST),
    ("审批手续能有人帮忙代办吗？", Kind.PROCEDURE),
    ("新余的改革是谁提出的？", Kind.PERSON),
    ("东芝和哪一家公司达成协议？", Kind.WHICH),
    # DRCD/CMRC dev questions the asked type once got wrong (each was told "not stated" though its passage says it)
    ("香港冠军暨遮打杯的途程有多长？", Kind.COUNT),  # a length (2400米), not how long it takes
    ("巴西於瑞典得到歷史上第一個冠軍是在西元幾年?", Kind.DATE),  # which year, not how many years
    ("聯合內閣會議其頻率為多久一次？", Kind.DATE),  # how often: 每年
    ("香港电台第六台的频率是什么？", Kind.DEFINITION),  # a radio frequency, not how often
    ("港匯指數的加權比重如何制定？", Kind.MEASURES),  # 比重 is named, no share asked
    ("恆星中不同元素被電離的比率可以從其哪一物理量確定？", Kind.WHICH),
    ("少數民族人口數占總人口數的百分之多少?", Kind.RATIO),
    ("其中漢人約佔多少比例?", Kind.RATIO),
    ("中國歷朝中以秦、漢還有哪一時期有大規模修築?", Kind.WHICH),  # 大规模 is no size asked
    ("有多少年輕人對東德的敵對行為在1968年11月發生？", Kind.COUNT),  # 多少年轻人: people, not years
    ("宜春市延时错时服务是怎么回事？", Kind.DEFINITION),  # was MEASURES, with 回事 as a word to cover
    ("吉阳政务服务中心几点上班", Kind.DATE),  # a time of day
    ("湾里区政务服务中心的办公时间是什么？", Kind.DATE),
    ("南昌市有哪几点要求？", Kind.LIST),  # 几点 of 哪几点 counts points, it asks no time
    ("临川区明确了哪几项“五型”政府建设工作举措？", Kind.LIST),  # which ones, not how many
    ("宜春市的政务服务中心周末能办事吗？", Kind.DATE),  # when it is open, not yes or no to anything
    ("湾里 政务服务 周末能办吗？", Kind.DATE),
])
def test_asked_kind(question, kind):
    assert asked(to_simplified(question)).kind == kind


def test_past_is_asked_only_when_the_question_says_so():
    assert asked("之前办不动产登记要跑几个部门？").past
    assert not asked("现在办不动产登记要跑几个部门？").past


@pytest.mark.parametrize("kind, sentence, question, expected", [
    (Kind.DURATION, "2019年9月之后,我区已经实现一般登记5个工作日,大幅度精简了办事流程", "", True),
    (Kind.DURATION, "办证周期也时间较长", "", False),
    (Kind.DURATION, "2022年兑现疫情纾困退税资金1.82亿元,涉及企业295户", "", False),  # a year is a date
    (Kind.DURATION, "2020年6月底前,各地再次梳理公布服务清单", "", False),
    (Kind.DURATION, "计约50年", "", True),
    (Kind.DURATION, "所借款项必须于5年内清还", "", True),
    (Kind.DURATION, "三个月内完成", "", True),
    (Kind.MONEY, "累计为36户企业兑现税收返还奖励资金2.29亿元", "", True),
    (Kind.MONEY, "已经实现在线申请、契税缴纳、登记费缴纳等功能", "", False),
    (Kind.RATIO, "一次不跑率达97.08%", "", True),
    (Kind.MONEY, "德国的战争赔款为2000亿金马克", "", True),
    (Kind.MONEY, "$4.9乘本路线往乐富方向", "", True),
    (Kind.RATIO, "粮食作物播种面积约占全省总播种面积的四分之三左右", "", True),
    (Kind.DATE, "两个邦的内阁成员每年举行一次联合内阁会议", "", True),
    (Kind.DATE, "设立夜间延时服务窗口，每周二、周四晚上开放至21时。", "", True),  # a schedule says when
    (Kind.DATE, "工作日9:00至17:00受理", "", True),
    (Kind.DATE, "办理时限压缩至5个工作日,24小时内答复", "", False),
    (Kind.CONTACT, "咨询电话0794-8223456", "", True),
    (Kind.CONTACT, "可以关注临川区人民政府门户网站", "", False),
    (Kind.ADDRESS, "登记中心位于临川区赣东大道1号", "", True),
    (Kind.ADDRESS, "微信公众号已经实现在线申请", "", False),
    (Kind.MATERIALS, "申请人需携带身份证原件和不动产权证书", "", True),
    (Kind.MATERIALS, "办事群众只需要跑一个部门、提交一套资料", "", False),
    # a figure the question itself quotes does not answer it
    (Kind.DATE, "2019年开始,登记数据已经共享", "2019年开始共享了什么数据？", False),
    # office hours are a clock time or a schedule, not a year
    (Kind.DATE, "2019年9月之后,我区已经实现一般登记5个工作日", "不动产登记中心几点下班？", False),
    (Kind.DATE, "工作日9:00至17:00受理", "不动产登记中心几点下班？", True),
    (Kind.DATE, "实行错时延时、节假日“不打烊”等服务", "政务服务中心的办公时间是什么？", True),
    (Kind.DATE, "营业执照于2023年3月起当场发放", "营业执照什么时候能拿到？", True),  # a licence, not opening hours
])
def test_states(kind, sentence, question, expected):
    assert states(kind, sentence, question) is expected


def test_a_count_is_answered_by_a_figure_of_the_counted_thing():
    a = asked("在临川办不动产登记要跑几个部门？")
    assert states_unit(a, "办事群众只需要跑一个部门、提交一套资料")
    assert not states_unit(a, "累计为36户企业兑现税收返还奖励")
    windows = asked("吉阳区设置了几个综合受理窗口？")
    assert states_unit(windows, "设置综合受理窗口6个,纳入综合窗口统一受理的事项322项")
    items = asked("吉阳区有多少事项可以零跑动？")
    assert states_unit(items, "截至目前,区政务服务“零跑动”事项245项,可办率55%;")
    assert not states_unit(items, "确保2022年吉阳区政务服务“零跑动”事项实现可办率达65%以上")  # a share, no count
    # 个 is the everyday measure word: the document counts the same things in 项.
    many = asked("吉阳区有多少个零跑动事项？")
    assert states_unit(many, "截至目前,区政务服务“零跑动”事项245项,可办率55%;")
    assert not states_unit(asked("要跑几个部门？"), "累计为36户企业兑现税收返还奖励")


def test_rules_asked_for_are_named_by_the_titles_issued():
    rules = asked("吉阳区出台了哪些制度？")
    assert names_documents(rules, "为理顺国有企业监督管理关系,规范企业运作,出台《区属国有企业管理暂行实施意见》;")
    assert not names_documents(rules, "持续规范内部管理制度、健全对外行权制度、完善法治规划建设工作;")  # no title
    assert not names_documents(rules, "5月11日,三亚公布了第一批《三亚市“制度执行年”行动攻坚清单》")  # 公布, a list
    assert not names_documents(asked("吉阳区有哪些亮点？"), "出台《区属国有企业管理暂行实施意见》")  # not asked


def test_a_count_of_other_named_things_is_not_the_asked_count(kb):
    big_classes = asked("临川区有多少个大班额？", kb.tokenizer.tagged("临川区有多少个大班额？"))
    schools = "这三所学校将整合为一所九年一贯制学校,建成后逐步化解临川四中、临川六中大班额现状;"
    assert counts_other_things(big_classes, schools)
    assert not counts_other_things(big_classes, "大班额减少了3个")  # the counted thing left unsaid may be the asked one
    assert not counts_other_things(big_classes, "全区城区学校大班额问题将得到有效缓解")  # no count at all
    chores = asked("宜春市要办好几件民生实事？", kb.tokenizer.tagged("宜春市要办好几件民生实事？"))
    assert not counts_other_things(chores, "重点办好十件民生实事。")  # 实事, after the word describing it
    results = asked("临川区政府每年至少推出几项创新成果？", kb.tokenizer.tagged("临川区政府每年至少推出几项创新成果？"))
    assert not counts_other_things(results, "区政府每年至少推出三项走在全市前列的创新成果。")  # 成果, after a 的 phrase


@pytest.mark.parametrize("question, unit", [
    ("南昌市有几个区参加了五型政府建设？", "区"),  # not 区参
    ("湾里区有多少个零跑动事项？", "事项"),  # not 零跑
    ("新余市撤销了几个办事处？", "办事处"),
    ("一般登记要几个工作日？", "工作日"),
    ("多少人参加了培训？", "人"),
    ("王欣逸多少岁时入围了金钟奖？", "岁"),
    ("全长多少公里？", "公里"),
    ("多少户企业获得了贷款？", "企业"),
    ("吉阳区有几个村获评五星级美丽乡村？", "村"),  # not 村获: the tagger calls 村 a morpheme, 获评 ends it
])
def test_the_counted_thing_is_the_noun_after_the_figure(kb, question, unit):
    assert asked(question, kb.tokenizer.tagged(question)).unit == unit


def test_a_measure_word_alone_is_no_category():
    assert asked("临川区明确了哪几项“五型”政府建设工作举措？").category == ""  # 项, with a quote after it
    assert asked("“五型”政府指的是哪五型？").category == "型"


def test_a_goal_is_told_from_what_has_been_reached():
    goal = "确保2022年吉阳区政务服务“零跑动”事项实现可办率达65%以上,可办事项使用率达60%以上。"
    reached = "截至目前,区政务服务“零跑动”事项245项,可办率55%;"
    assert sets_target(goal) and not states_reached(goal)
    assert states_reached(reached) and not sets_target(reached)


def test_which_five_is_answered_by_an_enumeration_of_them():
    a = asked("“五型”政府指的是哪五型？")
    assert enumerates(a, "围绕“忠诚型、创新型、担当型、服务型、过硬型”的“五型”政府建设全面发力")
    assert not enumerates(a, "要在房管局、不动产登记中心和税务局三个部门")


def test_past_and_lists():
    assert about_past("之前办理不动产登记,要在房管局、不动产登记中心和税务局三个部门")
    assert not about_past("现在已经实行了不动产登记与房屋交易、税费缴纳“一窗受理”")
    assert announces_list("在打造“四最”营商环境,我们主要采取了以下三项措施。")
    assert announces_list("主要做法如下：")
    assert not announces_list("一是实行“一对一”帮扶。")
    for item in ("一是实行“一对一”帮扶。", "（二）加强组织领导。", "首先,要明确责任。", "3.完善延时错时预约服务。"):
        assert is_item(item), item


@pytest.mark.parametrize("sentence, title", [
    ("10.完善延时错时预约服务。", True),
    ("（二）加强组织领导。", True),
    ("一是减环节。", True),
    ("一是实行“一对一”帮扶,为企业提供全程代办服务。", False),  # the item says what is done
    ("3.2020年6月底前全面推开。", False),
    ("完善延时错时预约服务。", False),  # no item number: a sentence of its own
])
def test_an_items_title_alone(sentence, title):
    assert is_title(sentence) is title


@pytest.mark.parametrize("question, expected", [
    ("临川办不动产登记，登记费要交多少钱？", "文件中没有说明登记费的具体金额。"),
    ("临川区不动产登记中心的地址在哪里？", "文件中没有写明临川区不动产登记中心的地址。"),
    ("吉阳区政务服务中心在哪里？", "文件中没有写明吉阳区政务服务中心的地址。"),
    ("临川区不动产登记要多长时间能办完？", "文件中没有说明临川区不动产登记需要多长时间。"),
    ("吉阳区设置了几个综合受理窗口？", "文件中没有给出吉阳区设置的综合受理窗口的具体数量。"),
    ("临川不动产登记需要什么材料？", "文件中没有列出临川不动产登记需要的材料。"),
    ("需要什么材料？", "文件中没有列出需要的材料。"),
    ("临川区办理不动产登记要准备什么材料？", "文件中没有列出临川区办理不动产登记需要的材料。"),
    ("吉阳政务服务中心几点上班", "文件中没有写明吉阳政务服务中心的办公时间。"),
    ("临川区不动产登记中心几点下班？", "文件中没有写明临川区不动产登记中心的办公时间。"),
    ("宜春市的政务服务中心周末能办事吗？", "文件中没有写明宜春市的政务服务中心的办公时间。"),
    ("我想问下临川办证要几天", "文件中没有说明临川办证需要多长时间。"),
    ("咨询一下登记费要交多少钱？", "文件中没有说明登记费的具体金额。"),
    ("宜春市企业一牌两卡是什么？", "文件中没有说明宜春市企业一牌两卡是什么。"),
    ("什么是一次不跑？", "文件中没有说明一次不跑是什么。"),
    ("临川区有多少个大班额？", "文件中没有给出临川区的大班额的具体数量。"),
    ("新余 办事处 为什么要撤销？", "文件中没有说明新余办事处撤销的原因。"),  # what is done, after the asking words
    ("为什么？", "文件中没有说明原因。"),
])
def test_the_missing_fact_is_named(question, expected):
    assert missing_sentence(question, asked(question)) == expected


@given(st.text(alphabet="临川区不动产登记费要交多少钱几个部门地址在哪里电话需要什么材料多长时间，？的了", max_size=30))
def test_every_question_gets_a_kind_and_a_subject_without_error(question):
    a = asked(question)
    assert isinstance(a.kind, Kind)
    assert subject(question, a) == subject(question, a).strip()
    if a.strict:
        text = missing_sentence(question, a)
        assert text.startswith("文件中没有") and text.endswith("。")


@pytest.mark.parametrize("sentence, leans, points", [
    ("面积126.76万平方公里，是世界上最低度开发国家。", True, False),
    ("并在全省率先实现“一网通办”。", True, False),
    ("同年11月9日，柏林围墙倒塌。", True, False),
    ("这种书体，被称为「粗俗体大写」。", True, True),
    ("其中，企业开办时间压缩至1个工作日。", True, True),
    ("其次，优化审批流程。", False, False),  # a list item, not a pointer back
    ("此外，还开通了微信公众号。", False, False),
    ("尼日共和国，是西非内陆国家之一。", False, False),
    ("在打造“四最”营商环境,我们主要采取了以下三项措施。", False, False),
    ("但从我区深化“放管服”工作以来,现在已经实行了“一窗受理”。", False, False),
    ("为了“让数据多跑路,群众少跑腿”,我区还在积极推进不动产登记集成服务平台建设。", False, False),  # 为了: in order to
    ("为全国首个实现“一网通办”的城市。", True, False),
])
def test_sentences_that_lean_on_the_one_before(sentence, leans, points):
    assert leans_back(sentence) is leans
    assert points_back(sentence) is points


def test_a_counting_term_is_defined_by_as_many_things_listed_with_it():
    assert defines_by_enumeration("三单", "第四,推进负面清单、权力清单、监管清单“三单”管理。")
    assert defines_by_enumeration("五型", "围绕“忠诚型、创新型、担当型、服务型、过硬型”的“五型”政府建设全面发力")
    assert defines_by_enumeration("三单", "“三单”即负面清单、权力清单、监管清单。")
    assert not defines_by_enumeration("三单", "将“三单”全过程向社会公开")  # named, not listed
    assert not defines_by_enumeration("五型", "“甲型、忠诚型、创新型、担当型、服务型、过硬型”的“五型”")  # six things
    assert not defines_by_enumeration("五型", "五型政府包括忠诚型、创新型、担当型、服务型")  # four
    assert not abbreviates("五个一") and not abbreviates("放管服") and abbreviates("四减")


def test_results_asked_are_told_from_measures_asked():
    assert asked("新余改革创新取得了哪些成效？").results and asked("吉阳区优化营商环境效果如何？").results
    assert not asked("临川区怎么优化营商环境？").results
    assert states_result("窗口平均排队等候时间压缩至3.29分钟") and states_result("今年9月,我区荣获……先进县(区)称号。")
    assert not states_result("在云湾公路湾里路口、井冈山路口设置大型宣传展板")


def test_which_takes_no_measure_word_and_short_sentences_head_what_follows():
    assert asked("湾里招商引资有哪些项目？").category == "项目" and asked("哪个部门负责？").category == "部门"
    assert runs_in("狠抓招商引资。") and runs_in("10.完善延时错时预约服务。")
    assert not runs_in("他于1900年出生。") and not runs_in("经过努力,成效明显。")
    # Two short parts ending on a quoted slogan head their body too (吉阳区's 多方联动,破解难题“面对面”。 对于群众反映……).
    assert runs_in("多方联动,破解难题“面对面”。") and runs_in("继续权力下移,群企办事“就近办”。")
    assert not runs_in("我们坚持问题导向,推行“一窗受理”改革,群众满意度明显提升。")
