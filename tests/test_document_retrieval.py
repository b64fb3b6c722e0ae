"""Retrieval that knows the document: a chunk is found by what its document is about (issuer, title, date),
not only by its own words. Real model, real indexes, notices written here."""
from __future__ import annotations

import pytest

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.answer.query import analyse
from knowledge.config import Settings
from knowledge.index.building import build_index
from knowledge.index.bundling import bundle_document
from knowledge.ingest.chunking import chunk_document, document_header
from knowledge.models import CleanText, Document, Metadata
from knowledge.text.tokenizer import Tokenizer

# Notices as issued: a title that does not name the issuer, the issuer in the signature at the end. The measures
# never say who takes them; another district's notice on the same subject names its issuer in its measures.
_GENERAL = ("为深入贯彻《北京市生活垃圾管理条例》，巩固生活垃圾分类工作成效，推动形成绿色低碳的生活方式，经研究，"
            "现将有关事项通知如下。\n一、总体要求\n坚持党建引领、政府推动、全民参与、市场运作、城乡统筹、系统推进，"
            "以提高居民分类投放准确率为核心，以示范小区创建为抓手，持续巩固和扩大工作成果。到年底，居民分类投放"
            "准确率达到百分之九十以上，示范小区覆盖率达到百分之六十以上。\n")
ISSUERS = {"huairou.txt": "怀柔区城市管理委", "miyun.txt": "密云区城市管理委", "huairou_school.txt": "怀柔区教育委员会",
           "changping.txt": "昌平区住房和城乡建设委员会", "yanqing.txt": "延庆区卫生健康委员会", "shunyi.txt": "顺义区市场监督管理局"}
_BODIES = {
    "huairou.txt": "关于进一步加强生活垃圾分类管理工作的通知\n各镇乡人民政府、各街道办事处：\n" + _GENERAL
    + "二、主要措施\n在全部居住小区推行桶前值守，每个投放点位安排专人在早晚高峰指导居民分类投放；"
      "厨余垃圾实行日产日清，收运车辆统一喷涂标识、全程密闭；每月评选分类质量红黑榜并公开通报，"
      "对连续两个月上黑榜的小区约谈物业服务企业负责人。",
    "miyun.txt": "关于做好生活垃圾分类示范片区创建工作的通知\n各镇人民政府、各街道办事处：\n" + _GENERAL
    + "二、主要措施\n密云区城市管理委将在示范片区内开展垃圾分类入户宣传，向每户居民发放分类指引手册和分类垃圾桶；"
      "对可回收物实行预约上门回收，对大件垃圾设置临时堆放点，每周集中清运两次。",
    "huairou_school.txt": "关于做好2023年义务教育阶段入学工作的通知\n各中小学校：\n为做好本区义务教育阶段入学工作，"
    "保障适龄儿童少年平等接受义务教育的权利，现将有关事项通知如下。\n一、入学原则\n坚持免试就近入学，小学按照学区"
    "划片入学，初中采取单校划片与多校划片相结合的方式。\n二、主要措施\n适龄儿童父母或其他法定监护人须在规定时间内"
    "通过入学服务平台进行信息采集；学校对采集信息进行审核，审核通过的按照划片结果发放入学通知书。",
    "changping.txt": "关于做好2023—2024年度供暖工作的通知\n各供热单位：\n为保障群众温暖过冬，现将有关事项通知如下。"
    "\n一、主要措施\n各供热单位须于11月15日前完成管网检修和试运行，室温不得低于18摄氏度；开通24小时供热服务热线，"
    "对群众反映的不热问题须在24小时内上门处理。",
    "yanqing.txt": "关于开展老年人流感疫苗免费接种工作的通知\n各社区卫生服务中心：\n为降低流感对老年人健康的危害，"
    "现将有关事项通知如下。\n一、主要措施\n本区户籍60岁以上老年人可在就近的社区卫生服务中心免费接种流感疫苗，"
    "接种时须携带身份证；行动不便的老年人可预约家庭医生上门接种。",
    "shunyi.txt": "关于加强校园周边食品安全监管工作的通知\n各市场监管所：\n为保障学生饮食安全，现将有关事项通知如下。"
    "\n一、主要措施\n每学期开学前对校园周边二百米内的食品经营者开展全覆盖检查，重点检查进货查验记录和从业人员健康证明；"
    "对无证经营的依法取缔。",
}
DATES = {"huairou.txt": "2023-05-08", "miyun.txt": "2023-06-02", "huairou_school.txt": "2023-04-20",
         "changping.txt": "2023-10-09", "yanqing.txt": "2023-09-15", "shunyi.txt": "2023-08-28"}
NOTICES = {name: f"{body}\n{ISSUERS[name]}\n{int(DATES[name][:4])}年{int(DATES[name][5:7])}月{int(DATES[name][8:])}日"
           for name, body in _BODIES.items()}
QUESTION = "怀柔区城市管理委在垃圾分类方面采取了哪些措施？"


def _measures(kb: KnowledgeBase, doc_id: str) -> str:
    return next(c.chunk_id for c in kb.chunks if c.doc_id == doc_id and "二、主要措施" in c.text)


def test_a_question_naming_the_issuer_finds_measures_that_never_name_it():
    """With the issuer known to metadata (Metadata.issuer), every chunk's header carries it."""
    settings = Settings()
    docs = [Document(name, text, CleanText(text, tuple(range(len(text))), (), ()),
                     Metadata(text.split("\n")[0], DATES[name], "", (), "news", ISSUERS[name]), "")
            for name, text in NOTICES.items()]
    tokenizer = Tokenizer(settings.user_dict)
    kb = KnowledgeBase(settings, [bundle_document(d, settings, tokenizer) for d in docs], tokenizer=tokenizer)
    measures = _measures(kb, "huairou.txt")
    assert "怀柔" not in kb.chunks[kb.chunk_row[measures]].text
    hits = kb.search(analyse(kb, QUESTION), k=5)
    assert hits[0].chunk.chunk_id == measures
    assert hits[0].document == 1.0 > next(h.document for h in hits if h.chunk.doc_id == "miyun.txt")


@pytest.fixture(scope="module")
def notices_kb(tmp_path_factory) -> KnowledgeBase:
    folder = tmp_path_factory.mktemp("notices")
    for name, text in NOTICES.items():
        (folder / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=folder, index_dir=tmp_path_factory.mktemp("notices-index"))
    build_index(settings, progress=False)
    return KnowledgeBase.load(settings)


def test_the_issuers_notice_is_the_best_document_though_it_names_the_issuer_once(notices_kb):
    """Files on disk, the issuer unknown to metadata: only the signature names it, once, while another district's
    notice on the same subject says 城市管理委 and 垃圾分类 more often. The document-level index still ranks the
    issuer's notice first, and every chunk of it shares that score."""
    hits = notices_kb.search(analyse(notices_kb, QUESTION), k=10)
    document = {h.chunk.doc_id: h.document for h in hits}
    assert document["huairou.txt"] == 1.0 > document["miyun.txt"]
    assert hits[0].chunk.doc_id == "huairou.txt"


def test_the_header_carries_issuer_and_date_unless_the_title_names_them():
    meta = Metadata("關於垃圾分類的通知", "2023-05-08", "", (), "news", "懷柔區城市管理委")
    assert document_header(meta) == ["关于垃圾分类的通知", "怀柔区城市管理委", "2023年5月8日"]
    named = Metadata("怀柔区城市管理委关于垃圾分类的通知", "", "", (), "news", "怀柔区城市管理委")
    assert document_header(named) == ["怀柔区城市管理委关于垃圾分类的通知"]
    text = "一、主要措施\n在全部居住小区推行桶前值守。\n怀柔区城市管理委"
    doc = Document("a.txt", text, CleanText(text, tuple(range(len(text))), (), ()), meta, "")
    measures, signature = chunk_document(doc, 300, 1)
    assert measures.search_text.split("\n")[:4] == ["关于垃圾分类的通知", "怀柔区城市管理委", "2023年5月8日", "一、主要措施"]
    assert "关于垃圾分类的通知" not in signature.search_text  # nothing but a signature: no header to match by
