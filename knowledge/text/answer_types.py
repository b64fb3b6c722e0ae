"""What a question asks for (a duration, a count, an amount, an address, a list of measures, …) and whether a
sentence states it: the asked type decides what a sentence must contain to answer the question.

Patterns, not a model: the forms are closed classes of Chinese (多久/多长时间, 多少钱, 几个 + measure word,
电话/热线, 一是……二是……) that a regular expression states exactly and a reviewer can read.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    DURATION = "duration"
    DATE = "date"
    MONEY = "money"
    RATIO = "ratio"
    COUNT = "count"  # any figure: 几个部门, 多少项, 压缩了多少
    PERSON = "person"
    ADDRESS = "address"  # the address of an office: 地址, 登记中心在哪里
    PLACE = "place"  # where something is or happens: 生活在哪里, 哪个国家
    CONTACT = "contact"  # phone, hotline, e-mail
    MATERIALS = "materials"
    PROCEDURE = "procedure"
    MEASURES = "measures"  # how something is done: the measures taken
    REASON = "reason"
    DEFINITION = "definition"
    LIST = "list"  # which ones: 哪些, 哪五型
    YESNO = "yesno"
    WHICH = "which"  # what/which X, answered by an X
    OTHER = "other"


# Facts that a sentence states literally or not at all: when no passage on the topic states one, the
# honest reply is that the documents do not say it.
STRICT = frozenset({Kind.DURATION, Kind.DATE, Kind.MONEY, Kind.RATIO, Kind.COUNT, Kind.ADDRESS, Kind.CONTACT,
                    Kind.MATERIALS})

_CN_DIGIT = "零〇一二三四五六七八九十百千万亿两几"
_NUMBER = rf"(?:\d+(?:[.,]\d+)*|[{_CN_DIGIT}]+)"
_MEASURE = "个项家户名条件种次座所位批类场台辆套张份本部支级期轮"
# Offices whose address is asked ("登记中心在哪里"); answer.focus names the office in the "not stated" reply.
OFFICES = "中心|大厅|窗口|局|厅|委|办公室|办事处|服务站|服务点|政府|法院|派出所|医院"

# First match wins, so the specific kinds come before the general ones (多少钱 before 多少, 怎么办理 before 怎么).
_ASKED: tuple[tuple[Kind, str], ...] = (
    (Kind.CONTACT, r"(?:电话|热线|手机号|邮箱|传真)(?:号码)?(?:是|为)?(?:多少|什么|啥|哪个|几号)|联系方式|联系电话|咨询电话|"
                   r"服务热线|怎么联系|如何联系|联系谁|打什么电话|打哪个电话"),
    (Kind.MATERIALS, r"(?:什么|哪些|何种)(?:材料|资料|证件|手续材料)|材料有哪些|需要带什么|要带什么|带哪些|提供什么|提交什么"),
    # "费用" alone is no question of money ("如何免除高费用"): an amount is asked with 多少/几 or 收费/免费.
    (Kind.MONEY, r"多少钱|几块钱|多少元|多少费|(?:费用|收费|价格|金额|补贴|补助|资金|税费|罚款)[^，,。？?]{0,4}(?:多少|几)|"
                 r"(?:收|交|缴|付|罚|赔|补|投资|投入|花费|花)了?多少|多少(?:资金|经费|万元|亿元)|收费标准|怎么收费|如何收费|"
                 r"收费吗|要钱吗|免费吗|要不要钱|收不收费"),
    # How often is a schedule (每年, 每周二), not a length of time.
    (Kind.DATE, r"多久一次|多长时间一次|每隔多久|(?:多久|多长时间)(?:举办|举行|召开|开展|进行)一次"),
    # 多长 alone is a length (途程有多长: 2400米) and 西元几年 a year: neither is how long something takes.
    (Kind.DURATION, r"多久|多长时间|多少时间|几天|多少天|几个(?:工作)?日|多少个?工作日|几个月|多少个月|"
                    r"(?<![近这前后元国])几年(?![轻级纪龄])|多少年(?![轻级纪龄])|几个小时|多少小时|时限是|期限是|办结时限|什么时候能办(?:完|好|结)|"
                    r"多快|办完要|要花多少时间"),
    # 几点 of a time of day (几点上班, 几点开门), not of 有哪几点要求; the hours of an office are a time too.
    (Kind.DATE, r"几点(?:钟|上班|下班|开门|关门|开始|结束|营业|办公|开放|截止|以?[前后])|(?:上班|下班|办公|营业|开放|工作)时间|"
                r"(?:周末|节假日|双休日|晚上|中午)(?:也)?(?:能|可以|可)?(?:办(?:事|理|业务)?|上班|开门|营业|开放)|"
                r"什么时候|何时|何年|哪一?年|(?:西元|公元|民国)几年|哪一?天|几月|几号|什么时间|哪个朝代|什么朝代|日期是|截止到?什么"),
    # The noun alone is a subject (港汇指数的加权比重如何制定): a share is asked with 多少/几/多大.
    (Kind.RATIO, r"百分之几|百分之多少|多少%|(?:比例|占比|比率|比重)[^，,。？?]{0,4}(?:多少|几|多大)|(?:多少|多大|什么)的?(?:比例|比重|占比)|"
                 r"(?:率|比)[是为达到有]*多少|多少倍|几成|增长了?多少|下降了?多少"),
    (Kind.PERSON, r"谁|哪位|什么人|何人|哪个人|哪些人"),
    # Where to get something done is a procedure (a window, a hall, an app), not an address.
    (Kind.PROCEDURE, r"(?:在|去|到)?(?:哪里|哪儿|哪|什么地方)(?:可以|能|才能)?(?:办|申请|提交|交|缴|领|预约|咨询|投诉|反映)"),
    # An office's address: asked outright, or "where is" an office (登记中心, 政务服务大厅, 税务局).
    (Kind.ADDRESS, rf"地址|门牌|(?:{OFFICES})(?:的位置)?"
                   r"(?:在|位于)?(?:哪里|哪儿|哪|什么地方|何处)"),
    (Kind.PLACE, r"在哪里|在哪儿|在哪|去哪|到哪|哪里|哪儿|什么地方|何处|何地|位于|地点|位置|"
                 r"哪个(?:国家|城市|地区|省|市|县|区|镇)|哪[国省市县]|哪座城市"),
    # A size is a figure too (有多长: 2400米, 多高, 多远); 大规模 and 数量 alone are no question of one.
    # 哪几项 asks which ones (a list), 几项 how many.
    (Kind.COUNT, rf"多少|(?<!哪)几[{_MEASURE}]|多大|多长|多高|多宽|多深|多远|多重"),
    (Kind.REASON, r"为什么|为何|什么原因|原因|怎么会|为啥|目的是什么|有什么意义|意义何在"),
    (Kind.PROCEDURE, r"(?:怎么|怎样|如何|怎么样)(?:办理|申请|办|预约|补办|缴纳|交|登记|报名|认定|领取|注销|变更)|流程|步骤|手续|程序|怎么弄|去哪办"),
    (Kind.DEFINITION, r"怎么一?回事|什么是|是什么|指什么|指的是什么|是指什么|什么意思|含义|意思是|叫什么|名称是|别名|又称|简称是"),
    (Kind.LIST, rf"哪些|哪几|哪[二三四五六七八九十两\d]+[{_MEASURE}型类]?|包括什么|包含什么|有什么(?!用|区别|不同|影响|作用)"),
    (Kind.MEASURES, r"措施|举措|做法|办法|对策|怎么做|怎样做|如何做|怎么|怎样|如何|采取了?什么|有何"),
    (Kind.YESNO, r"吗[？?]?$|是否|能否|可否|能不能|可不可以|会不会|有没有|是不是|要不要|需不需要"),
    (Kind.WHICH, r"什么|甚么|哪一|哪个|哪种|哪家|哪支|哪部|哪条|哪|何"),
)
_ASKED_RE = tuple((kind, re.compile(p)) for kind, p in _ASKED)

# The words of a question that only ask: they are not content to be matched in a passage.
QUESTION_WORDS = re.compile(r"怎么一?回事|一?回事|请问|什么|甚么|多少|哪些|哪个|哪一|哪里|哪儿|哪|怎么样|怎么|怎样|如何|为什么|为何|"
                            r"是否|能否|可否|能不能|谁|几|吗|呢|啊|何")
_PAST_ASKED = re.compile(r"以前|之前|过去|原来|原先|当初|曾经|改革前|那时")
# A sentence that opens on the past describes what was, not what is: "之前办理不动产登记,要在……三个部门"
_PAST_OPENING = re.compile(r"^[^，,。]{0,6}(?:之前|以前|过去|原来|原先|此前|以往|曾经|当时)")
_PRESENT = re.compile(r"现在|目前|如今|已经|已实现|现已|之后|以来|今年|只需|只要")

# What each kind looks like in a sentence that states it.
_STATES: dict[Kind, re.Pattern[str]] = {
    # 2022年 and 6月 are dates, not durations (that would be 6个月): 湾里区企业开办要多久 was answered with 2022年兑现……
    Kind.DURATION: re.compile(rf"(?<![\d.,])(?!(?:1[5-9]|20)\d\d\s*年){_NUMBER}\s*(?:个)?(?:半)?"
                              r"(?:工作日|自然日|小时|分钟|天|日(?!期)|周|个月|年(?![前后底初])|秒)"
                              r"|当场|当天|当日|即时|立等可取|即办|马上办|随到随办|一次办结|即来即办|实时"),
    Kind.DATE: re.compile(rf"\d{{3,4}}\s*年|[〇零一二三四五六七八九]{{4}}年|\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|{_NUMBER}月(?:份|底|初|中旬|上旬|下旬)?"
                          r"|年底|年初|上半年|下半年|今年|去年|明年|世纪|年代|朝"
                          # a schedule answers 什么时候开放 too: 每周二、周四晚上开放至21时, 工作日9:00
                          r"|每周|每(?:年|月|季度?|天|日|隔)|周[一二三四五六日]|星期[一二三四五六日天]|(?<![\d个])工作日|节假日|双休日"
                          r"|\d{1,2}\s*[:：]\s*\d{2}|(?<![\d.])\d{1,2}\s*时(?![间期段])"),
    Kind.MONEY: re.compile(rf"[$＄￥¥]\s*\d|{_NUMBER}\s*(?:多)?(?:万|亿|千|百)?(?:元|块|美元|港元|港币|欧元|英镑|日元|韩元|台币|澳元|加元|金?马克|法郎|卢布|比索|披索|卢比|镑|两白银|两银子?)|免费|不收费|不收取|无需缴费|零收费|减免"),
    Kind.RATIO: re.compile(rf"\d+(?:\.\d+)?\s*[%％‰]|百分之|[{_CN_DIGIT}]+分之[{_CN_DIGIT}]+|{_NUMBER}成|{_NUMBER}倍|翻番|翻一番"),
    Kind.COUNT: re.compile(rf"\d|[{_CN_DIGIT}]+\s*[{_MEASURE}]|[%％]|百分之|翻番"),
    Kind.ADDRESS: re.compile(r"地址|位于|坐落|\d+\s*号(?!文)|[路街道巷]\s*\d|\d+\s*(?:楼|层|室)\b|[^\s，。]{1,12}(?:路|街|大道|巷)\d+号?"),
    Kind.CONTACT: re.compile(r"(?<!\d)(?:\d{3,4}[-－—]?)?\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)|12345|热线|[\w.]+@[\w.]+"),
    Kind.MATERIALS: re.compile(r"(?:需要|需|须|应当|携带|提供|提交|准备|持|凭)[^。；;]{0,30}"
                               r"(?:身份证|户口|户籍|证明|申请书|申请表|合同|原件|复印件|照片|营业执照|证照|权属证书|不动产权证|发票|协议)"
                               r"|(?:材料|资料)(?:包括|有|如下|清单)|(?:材料|资料)[:：]"),
    Kind.PLACE: re.compile(r"[\u4e00-\u9fff]{1,8}(?:省|市|县|区|镇|乡|村|国|州|岛|山|河|江|湖|海|路|街|港|湾|洲)|位于|坐落|地址"),
    Kind.PERSON: re.compile(r"[\u4e00-\u9fff]{1,3}(?:·[\u4e00-\u9fff]{1,6})+|(?:先生|女士|教授|博士|局长|区长|市长|书记|主任|院士|皇帝|国王)"),
    Kind.REASON: re.compile(r"因为|由于|为了|因此|所以|原因|导致|目的|旨在|以便|是因"),
    Kind.DEFINITION: re.compile(r"是指|指的是|即|称为|又称|又名|简称|就是|是一[个种项支座部]|意为|意思是|包括|分为"),
    Kind.LIST: re.compile(r"(?:[^、，,。；]{1,12}、){2,}|一是|二是|首先|其次|第一|第二|[①②③]|[（(][一二三四五六][)）]"),
    Kind.PROCEDURE: re.compile(r"办理|申请|提交|受理|审核|审批|登记|预约|窗口|网上|线上|在线|流程|步骤|材料|资料|一窗|一网|一次"),
    Kind.MEASURES: re.compile(r"一是|二是|三是|首先|其次|推进|推行|实行|实施|建立|开展|落实|采取|打造|优化|完善|加强|深化|创新|推动|设立|开通|推出"),
}

# A sentence that announces a list: the answer to "what measures" is its items, not the announcement alone.
_ANNOUNCES = re.compile(rf"(?:以下|如下|下列|下面)(?:{_NUMBER})?(?:[{_MEASURE}方面点])?|主要(?:有|是|包括|采取了?|做了|从){_NUMBER}?"
                        rf"|(?:采取|实施|推出|制定|明确|做好|抓好|开展|推行)了?{_NUMBER}[{_MEASURE}方面点](?!.{{0,3}}[，,])"
                        r"|[:：]\s*$")
ITEM = re.compile(rf"^\s*(?:[一二三四五六七八九十]+是|首先|其次|再次|最后|另外|此外|第[一二三四五六七八九十\d]+[，,、是条]?"
                  rf"|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.、．)）]|[①②③④⑤⑥⑦⑧⑨⑩]|一方面|另一方面|再一方面)")


@dataclass(frozen=True)
class Asked:
    """What a question asks for."""

    kind: Kind
    cue_start: int = -1  # where the asking words are in the simplified question (-1: none)
    cue_end: int = -1
    measure: str = ""  # the measure word asked with: 个 of 几个部门, 户 of 多少户企业
    unit: str = ""  # the counted or measured thing: 部门 of 几个部门, 公里 of 多少公里
    category: str = ""  # the kind of thing asked for: 公司 of 哪一家公司
    past: bool = False  # the question asks how things were, not how they are
    results: bool = False  # the question asks what was achieved (取得了哪些成效), not what was done

    @property
    def strict(self) -> bool:
        return self.kind in STRICT


_UNIT = re.compile(rf"(?:多少|几)([{_MEASURE}]?)([^\s，。？?！!的了是吗呢和与及、]{{1,2}})?")
# 哪些 takes no measure word: 项 of 哪些项目 and 部 of 哪些部门 begin the noun (哪个部门, 哪一家公司 do take one).
_CATEGORY = re.compile(rf"哪些([\u4e00-\u9fff]{{1,2}})|(?:哪一?|什么|甚么|何)[{_CN_DIGIT}\d]*[{_MEASURE}]?([\u4e00-\u9fff]{{1,2}})")


def asked(simplified_question: str, tagged: Sequence[tuple[str, str]] = ()) -> Asked:
    """The asked type of a simplified question. `tagged`: its words with their jieba tags
    (knowledge.text.tokenizer.Tokenizer.tagged), which tell what a count counts (_counted_thing)."""
    q = simplified_question.strip()
    past = bool(_PAST_ASKED.search(q))
    results = bool(RESULTS_ASKED.search(q))
    for kind, pattern in _ASKED_RE:
        m = pattern.search(q)
        if m:
            unit = _UNIT.search(q, max(0, m.start() - 2)) if kind in (Kind.COUNT, Kind.DURATION) else None
            category = _CATEGORY.search(q) if kind in (Kind.WHICH, Kind.LIST) else None
            counted = (_counted_thing(unit, tagged, len(simplified_question) - len(simplified_question.lstrip()))
                       or unit.group(2) or "") if unit else ""
            return Asked(kind, m.start(), m.end(), unit.group(1) if unit else "", counted,
                         _category(category), past, results and kind in (Kind.WHICH, Kind.LIST, Kind.MEASURES))
    return Asked(Kind.OTHER, past=past)


def _category(match: re.Match | None) -> str:
    """What a 哪/什么 question asks for; not a lone measure word, which the regex falls back on when a quote or
    nothing follows it (哪几项“五型”……举措: 项 names no kind of thing)."""
    found = (match.group(1) or match.group(2)) if match else ""
    return "" if len(found) == 1 and found in _MEASURE else found


# Tags (jieba's) of what a counted thing is made of, and of what ends it: 几个区参加了 counts 区, 多少个零跑动事项 事项.
_NOUN_TAGS = ("n", "vn", "t", "j")
_END_TAGS = ("u", "x", "y", "p", "c", "r", "d", "f", "e")


def _counted_thing(unit: re.Match, tagged: Sequence[tuple[str, str]], lead: int) -> str:
    """The counted thing as the question's words say it: the last noun of the phrase after 几个/多少 (`unit`, a
    _UNIT match in the question stripped of its `lead` spaces), which the two characters _UNIT takes can miss
    (几个区参加 -> 区参, 多少个零跑动事项 -> 零跑). "" when no noun follows, or no words are given."""
    head, at, seen, phrase = "", -lead, 0, ""
    for word, tag in tagged:
        begin, at = at, at + len(word)
        if begin < unit.end(1) < at and not head:  # 几年 is one word: its 年 is what is counted
            return word[unit.end(1) - begin:]
        if begin < unit.end(1) or not word.strip():
            continue
        if tag.startswith(("v", "a")) and phrase and not head:
            # 几个村获评: the tagger calls 村 a morpheme, not a noun; the verb still ends what is counted.
            return phrase if len(phrase) <= 3 else ""
        if tag.startswith(_END_TAGS) or tag.startswith(("v", "a")) and head or seen >= 4:
            break
        seen += 1
        phrase += word
        if tag.startswith("q"):  # a measure after the figure is what is counted: 公里 of 多少公里, 岁 of 多少岁时
            return word
        if tag.startswith(_NOUN_TAGS):
            head = word
    return head


# A time of day asked (几点上班, 办公时间): the hours of an office, answered by a clock time or a schedule, not a year.
# 营业 alone is no time (营业执照什么时候能拿到).
HOURS_ASKED = re.compile(r"几点|(?:上班|下班|办公|营业|开放|工作)时间|上班|下班|开门|关门|"
                         r"(?:周末|节假日|双休日|晚上|中午)(?:也)?(?:能|可以|可)?(?:办(?:事|理|业务)?|开放)")
_HOURS_STATED = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}|(?<![\d.])\d{1,2}\s*[时点](?![间期段])|[上下]午|早上|晚上|中午|全天|"
                           r"24小时|不打烊|(?<![\d个])工作日|节假日|双休日|周末|周[一二三四五六日]|星期[一二三四五六日天]|每天|每日")


def states(kind: Kind, sentence: str, question: str = "") -> bool:
    """Whether a simplified sentence contains a fact of this kind that the question does not already hold
    (a figure the question quotes does not answer it)."""
    pattern = _HOURS_STATED if kind is Kind.DATE and HOURS_ASKED.search(question) else _STATES.get(kind)
    if pattern is None:
        return False
    return any(m.group(0) not in question for m in pattern.finditer(sentence))


def enumerates(asked: Asked, sentence: str) -> bool:
    """"哪五型" is answered by an enumeration of 型s (忠诚型、创新型、担当型……); "哪些" by any list of three."""
    item = re.escape(asked.category) if len(asked.category) == 1 else ""  # 型 of 哪五型: every item ends in it
    return bool(re.search(rf"(?:[^、，,。；;]{{1,10}}{item}[、，,]){{2,}}[^、，,。；;]{{1,10}}{item}", sentence))


_NUMERALS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# A listed thing, taken whole (possessive): a list of six is not read as one of five by cutting its last item short.
_LISTED = r"[^、，,。；;：:“”\"《》()（）\s]{1,14}+"
_LIST_START = r"(?:^|(?<=[，,。；;：:“”\"《》()（）\s为以即指括]))"


def abbreviates(term: str) -> bool:
    """A term that counts the things it abbreviates: 三单, 五型, 四减 (not 五个一 or 三个表率, whose things are
    written as one word or not named)."""
    return 2 <= len(term) <= 4 and term[:1] in _NUMERALS and "个" not in term


def defines_by_enumeration(term: str, sentence: str) -> bool:
    """Whether the sentence names a counting term and lists that many things: 负面清单、权力清单、监管清单“三单”
    defines 三单, “忠诚型、创新型、担当型、服务型、过硬型”的“五型” 五型, 以精简材料、缩短时限、简化流程、减少跑动次数为
    工作目标,制定《……“四减”工作实施方案》 四减; 三单 alone, or beside two or six things, does not."""
    if not abbreviates(term) or term not in sentence:
        return False
    # The list starts at a clause, a quote or a verb introducing it, not after a 、, and no 、 follows it.
    items = rf"{_LIST_START}{_LISTED}(?:、{_LISTED}){{{_NUMERALS[term[0]] - 1}}}(?!、)"
    return bool(re.search(items, sentence))


# 出台了哪些制度: rules and papers are listed by their titles, each issued by a verb (出台《区属国有企业管理暂行实施意见》).
_DOCUMENT_CATEGORY = re.compile(r"制度|文件|政策|办法|规定|规章|方案|意见|条例|细则")
_ISSUES_DOCUMENT = re.compile(r"(?:出台|制定|印发|编制|修订|发布|颁布|起草|完善|更新)[^，,。；;《]{0,6}《[^《》]{4,}》")


def names_documents(asked: Asked, sentence: str) -> bool:
    """Whether the sentence answers 哪些制度/文件/政策 with the titles of documents it says were issued."""
    return (asked.kind is Kind.LIST and bool(_DOCUMENT_CATEGORY.fullmatch(asked.category))
            and bool(_ISSUES_DOCUMENT.search(sentence)))


def states_unit(asked: Asked, sentence: str, question: str = "") -> bool:
    """"几个部门" is answered by a figure of 部门 (一个部门, 部门3个); "多少户企业" by 36户."""
    if not (asked.unit or asked.measure):
        return False
    if asked.kind is Kind.DURATION:  # 几天 is answered by 5个工作日 or 2小时: any length of time
        return states(Kind.DURATION, sentence, question)
    # 个 is the everyday measure word: 多少个事项 is answered by 事项245项, 多少个企业 by 574家.
    measure = f"[{_MEASURE}]" if asked.measure == "个" else re.escape(asked.measure)
    figure = rf"{_NUMBER}\s*{measure}" if asked.measure else _NUMBER
    # 多少事项 is not answered by 事项实现可办率达65%: a percentage counts no items.
    figure = rf"(?<![\d.]){figure}(?![\d.]*\s*[%％‰])" if asked.kind == Kind.COUNT else figure
    forms = [rf"{figure}\s*[{_MEASURE}]?\s*{re.escape(asked.unit)}", rf"{re.escape(asked.unit)}.{{0,6}}?{figure}"] if asked.unit else [figure]
    return any(m.group(0) not in question for form in forms for m in re.finditer(form, sentence))


def counts_other_things(asked: Asked, sentence: str) -> bool:
    """Whether the sentence names the asked thing and every count of it counts a named thing other than that: "这三所
    学校将整合为一所九年一贯制学校……化解大班额现状" names 大班额 and counts schools (临川区有多少个大班额？)."""
    if asked.kind is not Kind.COUNT or not asked.unit:
        return False
    if asked.unit not in sentence:  # one that does not name the asked thing may leave it unsaid (共有17座)
        return False
    # What a count counts is in the words after its measure word: 十件民生实事 counts 实事, 16座旧型政府廉租屋大厦 屋,
    # 三项走在全市前列的创新成果 成果 (the head after a 的).
    counts = list(re.finditer(rf"(?<![\d.]){_NUMBER}\s*[{_MEASURE}]((?:[\u4e00-\u9fff]{{0,12}}?的)?[\u4e00-\u9fff]{{0,10}})",
                              sentence))
    return bool(counts) and all(len(m.group(1)) >= 2 and asked.unit not in m.group(1) for m in counts)


# A sentence that opens on its predicate or on a pronoun leans on the sentence before for its subject: "面积126.76万
# 平方公里，是世界上最低度开发国家。" says which country only after "尼日共和国……。"; "并在全省率先……" who did it.
_LEANS_BACK = re.compile(r"^(?:是|为(?![了何此])|系|并|又|也|亦|还|曾|即|且|均|都|位于|面积|人口|全长|总长|长约|共有|拥有|成为|属于|"
                         r"同年|次年|翌年|当年|其中|其(?![他它余实次])|他们?|她们?|它们?|该|此(?![外前后次])|这(?![样么]做)|"
                         r"上述|前者|后者|两者|二者)")
# One that opens on a demonstrative and a measure word names what the sentence before described: "这种书体，被称为……".
_POINTS_BACK = re.compile(r"^(?:(?:这|此|该|上述|前述|以上)(?:[一两]?[种个项些类条座部位名次批])|其中)")


def leans_back(sentence: str) -> bool:
    """The sentence's subject is in the sentence before it (see _LEANS_BACK)."""
    return bool(_LEANS_BACK.match(sentence.lstrip()))


def points_back(sentence: str) -> bool:
    """The sentence names, with a demonstrative, what the sentence before described (see _POINTS_BACK)."""
    return bool(_POINTS_BACK.match(sentence.lstrip()))


def about_past(sentence: str) -> bool:
    """A sentence that describes how things were (之前……要跑三个部门) rather than how they are."""
    return bool(_PAST_OPENING.search(sentence))


def about_present(sentence: str) -> bool:
    return bool(_PRESENT.search(sentence))


# Which places did something (哪些地区, 哪几个区县), not which place one thing is in.
_PLACES_ASKED = re.compile(r"哪(?:些|几个?)(?:地区|地方|区县|县区|县市|市县|区(?![域间别])|县|单位)")


def asks_places(simplified_question: str) -> bool:
    return bool(_PLACES_ASKED.search(simplified_question))


# What was achieved, asked as interview hosts ask it: 取得了哪些成效, 有什么变化, 效果如何.
RESULTS_ASKED = re.compile(r"(?:取得|有|带来|收到|产生)了?(?:哪些|什么|怎样的?|何种|多大|啥)的?(?:成效|成果|成绩|效果|变化|进展|实效)|"
                           r"(?:成效|成果|成绩|效果|变化)(?:如何|怎么样|怎样|有哪些|是什么)")
# A sentence stating an achievement: a figure reached, an award, a change made.
_RESULT = re.compile(r"取得了|实现了|完成了|获得|荣获|获评|被评为|评为|压缩至|压缩到|缩短至|缩短到|减少到|减少了|降低了|提高到|提升至|"
                     r"提高了|提升了|增长|下降|增至|增加了|达到|达\d|成效|成果|殊荣|称号|惠及|位居|前列|翻番")


def states_result(sentence: str) -> bool:
    """Whether the sentence states something achieved (压缩至3.29分钟, 荣获……称号, 惠及企业574家)."""
    return bool(_RESULT.search(sentence))


# A goal set rather than a figure reached: 确保2022年……可办率达65%以上 beside 截至目前……可办率55%.
_TARGET = re.compile(r"确保|力争|争取|目标|预计|计划|预期|到20\d\d年|将(?:达到|实现|提高|提升|增加)")
_REACHED = re.compile(r"截至|截止|目前|现已|已经|已[有达完实办]|累计|现有")
TARGET_ASKED = re.compile(r"目标|计划|力争|争取|预计|要达到|将达到|要实现|打算")


def sets_target(sentence: str) -> bool:
    """A sentence that states a goal (确保……达65%以上) rather than what has been reached."""
    return bool(_TARGET.search(sentence)) and not _REACHED.search(sentence)


def states_reached(sentence: str) -> bool:
    """A sentence that states what has been reached so far (截至目前……可办率55%)."""
    return bool(_REACHED.search(sentence)) and not _TARGET.search(sentence)


def announces_list(sentence: str) -> bool:
    """"我们主要采取了以下三项措施。" "主要做法如下：" — the items follow."""
    return len(sentence) <= 80 and bool(_ANNOUNCES.search(sentence))


def is_item(sentence: str) -> bool:
    """A list item's opening: 一是……, 首先……, （一）……, 1. ……"""
    return bool(ITEM.match(sentence))


# A run-in heading in two short parts that ends on a quoted slogan: 继续权力下移,群企办事“就近办”。
_SLOGAN_HEADING = re.compile(r"[^，,。、；;：:？?！!“”\d]{2,10}[，,][^，,。、；;：:？?！!“”\d]{2,10}“[^”，,。]{2,8}”。")


def runs_in(sentence: str) -> bool:
    """A short sentence that heads what follows it in its paragraph, numbered or not (狠抓招商引资。, 为提质增效强力度。,
    10.完善延时错时预约服务。, 继续权力下移,群企办事“就近办”。): what is done is in the sentences after it."""
    if is_title(sentence):
        return True
    core = sentence.strip()
    if _SLOGAN_HEADING.fullmatch(core):
        return True
    return core.endswith("。") and 0 < len(core) - 1 <= 12 and not re.search(r"[，,、：:；;？?！!\d“”「」《》()（）]", core)


def is_title(sentence: str) -> bool:
    """A numbered item's title and nothing more ("10.完善延时错时预约服务。"): what the item does is in the
    sentences after it."""
    m = ITEM.match(sentence)
    rest = sentence[m.end():].strip(" 。.；;：:") if m else ""
    return 0 < len(rest) <= 20 and not re.search(r"[，,、：:；;]|\d", rest)
