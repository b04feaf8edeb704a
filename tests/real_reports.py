"""Real published reports: their figures, their narrative's numbers, and what the checks owe them.

Each entry is one 政府信息公开工作年度报告 published by a real body (different levels and provinces).
The narrative is written in our own words but keeps every number the published text states (as far
as the stored copy shows it), in the way it states it ("9件", "0宗", "1.46万人").  ``table`` lists
the non-zero input cells (``None``: the published cell is blank); every other input cell is 0.

Where the figures come from (read honestly):

* ``source`` is the published page (title, address); the pages were read as stored copies (this
  machine has no internet), and a stored copy shows only the first part of a page.
* ``verified`` names the tables ("二", "三", "四") whose every cell was compared with the
  published table, figure by figure.
* ``seen`` says what else of the tables the copy showed (e.g. the first rows of table 三).
* ``unverified`` is required whenever ``verified`` is not all three tables: it names the cells
  that were *not* read from the published table and where their values come from (the report's
  own narrative, or the 勾稽 rule: when 本年新收 and 上年结转 are both 0 every outcome row and
  结转下年度 must be 0).  No figure is taken from anywhere else.

``expected`` lists (code, field key) the checks must find and nothing else; ``why`` explains each
one.  A real contradiction in a published report is kept as an expected error.
"""

from __future__ import annotations

from decimal import Decimal

ALL_TABLES = ("二", "三", "四")

# Texts every entry needs but whose published wording has no number: kept short and neutral.
QUIET = {
    "s1.management.text": "严格执行信息发布审核制度，落实保密审查，规范信息发布流程。",
    "s1.platform.text": "依托政府门户网站信息公开专栏和政务新媒体发布信息，做好日常维护。",
    "s1.oversight.text": "将政务公开纳入年度工作考核，本年度未发生责任追究情况。",
    "s5.text": "主要问题是公开内容还不够丰富、解读形式较单一；下一步将加强培训，丰富公开形式。",
}

REPORTS: list[dict[str, object]] = [
    {
        "id": "kejing-2024",
        "org": "克井镇人民政府", "year": 2024, "level": "乡镇", "province": "河南（济源）",
        "source": ("克井镇人民政府2024年政府信息公开工作年度报告",
                   "/work/shared/seed/kejing-2024-report.txt（县政务公开办提供的原文）"),
        "verified": ALL_TABLES,
        "seen": "全文和全部表格（县政务公开办提供的原文；存储的网页里没有找到这份报告）",
        "table": {"s2.penalty.decisions": 13, "s2.fees.amount": Decimal("194.3525")},
        "texts": {
            "s1.active.text": "2024年，通过政务新媒体主动公开各类政务信息434条，其中政府信息公开"
                              "专栏发布131条，微信公众号、视频号等发布动态和政策信息303条次。",
            "s1.requests.text": "2024年进一步规范依申请公开的接收、登记、办理和答复流程。"
                                "未收到政府信息公开申请。",
            "s6.text": "2024年未收取信息处理费。",
        },
        "expected": [],
        "why": "表格和文字一致；194.3525 万元 4 位小数。",
    },
    {
        "id": "zhanjiang-gazetteer-2023",
        "org": "湛江市人民政府地方志办公室", "year": 2023, "level": "地级市部门", "province": "广东",
        "source": ("湛江市人民政府地方志办公室2023年政府信息公开工作年度报告",
                   "https://www.zhanjiang.gov.cn/zjsfw/bmdh/dfz/zwgk/xxgkndbg/content/post_1871569.html"),
        "verified": ("二",),
        "seen": "前言、总体情况、二表全部（全为0）；三表“一、本年新收”“二、上年结转”“（一）予以公开”"
                "三行（全为0）",
        "unverified": "三表其余各行按勾稽关系为0（新收、结转都是0）；四表未见，按0录入"
                      "（文字未提复议诉讼）。",
        "table": {},
        "texts": {
            "s1.active.text": "2023年各栏目共刊发文稿、通知、公告、公示等44篇。",
            "s1.requests.text": "2023年全年未收到行政许可申请，全年未接到信息公开申请。",
        },
        "expected": [],
        "why": "全为 0，文字说未接到申请，一致。",
    },
    {
        "id": "qijiazi-2023",
        "org": "昌图县七家子镇人民政府", "year": 2023, "level": "乡镇", "province": "辽宁（铁岭昌图县）",
        "source": ("昌图县七家子镇2023年政府信息公开工作年度报告",
                   "http://changtu.gov.cn/changtu/zwgk/zfxxgk/zfxxgknb99/2022n52/xzzfxxgkgzndbg/"
                   "2024013110470592735/index.html"),
        "verified": ("二",),
        "seen": "总体情况、二表全部（行政处罚30，其余0）；三表“一、本年新收”“二、上年结转”两行（全为0）",
        "unverified": "三表其余各行按勾稽关系为0；四表未见，按0录入。",
        "table": {"s2.penalty.decisions": 30},
        "texts": {
            "s1.active.text": "2023年全面梳理、更新我镇政府信息公开目录，明确主动公开的范围、形式和"
                              "时限。",
            "s1.requests.text": "本年度未收到政府信息公开申请。",
        },
        "expected": [],
        "why": "文字没有数字；二表行政处罚30、其余为0，不引起任何提醒。",
    },
    {
        "id": "liuzhou-sport-2023",
        "org": "柳州市体育局", "year": 2023, "level": "地级市部门", "province": "广西",
        "source": ("柳州市体育局2023年政府信息公开工作年度报告",
                   "http://tyj.liuzhou.gov.cn/zwgk/zfxxgknb/t19700101_3416528.shtml"),
        "verified": ("二",),
        "seen": "总体情况（没有单列依申请公开一段，我们的“依申请公开情况见下表”只是占位、不含数字）、"
                "二表全部（行政规范性文件本年制发0、废止0、现行有效10，其余0）；"
                "三表“一、本年新收”一行的六个申请人列（全为0）",
        "unverified": "三表“二、上年结转”及以下未见：新收为0，文字没有提到结转，按0录入，其余各行"
                      "按勾稽关系为0；四表未见，按0录入。",
        "table": {"s2.normative.in_force": 10},
        "texts": {
            "s1.active.text": "2023年通过局官网和微信公众号发布政策文件、部门预决算、赛事动态等信息，"
                              "全年主动公开各类文件188件，以“柳体规”文号出台了2份规范性文件，并通过"
                              "网站、新闻发布会和政策说明会解读；微信公众号有1.46万人关注，发布文章"
                              "450篇，总阅读量33万次。",
            "s1.requests.text": "依申请公开情况见下表。",
            "s1.oversight.text": "做好政务舆情回应：办理局长信箱信件24件，已处理24件，主动公开答复24件；"
                                 "办理12345热线工单100件，按时办结率100%，回访满意率超过99%。",
        },
        "expected": [("narrative-documents-mismatch", "s1.active.text")],
        "why": "真实的矛盾：文字说本年以“柳体规”文号出台了2份规范性文件，本报告二表“行政规范性文件"
               "本年制发件数”却是0。年报不能登出与自己表格矛盾的数字，是错误。信箱信件、热线工单的"
               "“办理24件”“100件”不是政府信息公开申请，不核对。",
    },
    {
        "id": "yanliang-petition-2021",
        "org": "西安市阎良区信访局", "year": 2021, "level": "县级部门", "province": "陕西（西安）",
        "source": ("阎良区信访局2021年度政府信息公开工作年度报告",
                   "http://www.yanliang.gov.cn/xxgk/bmxxgknb/61f23604f8fd1c0bdc7cf43d.html"),
        "verified": ("二",),
        "seen": "总体情况、二表全部（“行政强制”一格空白，照原样留空；其余全为0）；三表“一、本年新收”"
                "一行（全为0）",
        "unverified": "三表其余各行未见：文字说全年无依申请公开事项，上年结转按0录入，其余各行按"
                      "勾稽关系为0；四表未见，按0录入。",
        "table": {"s2.coercion.decisions": None},
        "texts": {
            "s1.active.text": "2021年在区政府网站主动公开政府信息5项：2020年度部门决算公开报告、"
                              "政务诚信承诺书、工作动态、机构信息和网上信访投诉平台。",
            "s1.requests.text": "2021年无依申请公开事项。",
        },
        "expected": [("blank-as-zero", "s2.coercion.decisions")],
        "why": "发布的二表“行政强制”一格是空白：按0计并提醒（应直接填0），这是它应得的提醒。"
               "其余全为 0，文字说无依申请公开事项，一致。“5项”不是表格里的数。",
    },
    {
        "id": "cangxi-rural-2023",
        "org": "苍溪县乡村振兴局", "year": 2023, "level": "县级部门", "province": "四川（广元）",
        "source": ("苍溪县乡村振兴局2023年政府信息公开工作年度报告",
                   "https://cncx.gov.cn/gongkai/show/20240112172050425.html"),
        "verified": ("二",),
        "seen": "前言、总体情况、二表全部（全为0）",
        "unverified": "三表未见：文字说本年未收到和处理申请，新收、结转按0录入，其余各行按勾稽关系"
                      "为0；四表未见：文字说没有政府信息公开类行政复议、行政诉讼，按0录入。",
        "table": {},
        "texts": {
            "s1.active.text": "2023年通过县政府门户网站主动公开政府信息27条，涉及预算和“三公”经费、"
                              "专项资金、公示公告、重大项目等。",
            "s1.requests.text": "2023年度未收到和处理政府信息公开申请，没有发生政府信息公开类行政复议、"
                                "行政诉讼。",
        },
        "expected": [],
        "why": "全为 0，文字说未收到申请、没有复议诉讼，一致。",
    },
    {
        "id": "yuyang-2022",
        "org": "潜江市渔洋镇人民政府", "year": 2022, "level": "乡镇", "province": "湖北（潜江）",
        "source": ("渔洋镇2022年政府信息公开工作年度报告",
                   "https://www.hbqj.gov.cn/xxgk/xxgkml/qzcxxgkml/yyz/zfxxgk/ndbg/202301/"
                   "t20230116_4490681.html"),
        "verified": ("二",),
        "seen": "总体情况、二表全部（全为0）；三表前的说明句和“一、本年新收”“二、上年结转”两行"
                "（全为0）",
        "unverified": "三表其余各行按勾稽关系为0；四表未见，按0录入。",
        "table": {},
        "texts": {
            "s1.active.text": "2022年坚持以公开为常态、不公开为例外，通过电子政务平台推进党务、政务、"
                              "事务和村务公开。",
            "s1.requests.text": "截至2021年底，我镇尚无收到和处理政府信息公开申请的情况。",
        },
        "expected": [],
        "why": "原文在2022年的报告里写“截至2021年底”（沿用旧年份）；正文也写了2022年，"
               "所以不算年份错误。说“尚无收到申请”与新收0一致。",
    },
    {
        "id": "haicheng-haifeng-2024",
        "org": "海丰县海城镇人民政府", "year": 2024, "level": "乡镇", "province": "广东（汕尾海丰县）",
        "source": ("海城镇2024年政府信息公开工作年度报告",
                   "http://gdhf.gov.cn/gdhf/zwgk/gknb/content/post_1114373.html"),
        "verified": ("二",),
        "seen": "总体情况（存储的网页开头没有标题和单位全称：网址是海丰县政府网站，正文自称海城镇、"
                "“在县委、县政府的领导下”，标题是我们据此写的）、"
                "二表全部（行政许可6359、行政处罚348，其余0）；三表从“一、本年新收”到"
                "“（三）不予公开 5.属于三类内部事务信息”各行（全为0）",
        "unverified": "三表其余各行按勾稽关系为0（新收、结转都是0）；四表未见，按0录入。",
        "table": {"s2.licensing.decisions": 6359, "s2.penalty.decisions": 348},
        "texts": {
            "s1.active.text": "2024年聚焦经济发展和民生改善，推进重点领域信息和政府决策公开。",
            "s1.requests.text": "依申请公开办理进一步规范，切实保障申请人和相关方的合法权益。",
        },
        "expected": [],
        "why": "文字没有数字；二表许可6359、处罚348，不引起任何提醒。",
    },
    {
        "id": "gaoping-office-2023",
        "org": "高平市人民政府办公室", "year": 2023, "level": "县级政府办公室", "province": "山西（晋城）",
        "source": ("高平市人民政府办公室2023年政府信息公开工作年度报告",
                   "http://xxgk.sxgp.gov.cn/gzbm/zfbgs/zfxxgknb/202401/t20240129_1926722.shtml"),
        "verified": (),
        "seen": "前言和总体情况（存储的网页在表格之前截断）",
        "unverified": "二、三、四表都未见。三表按文字录入：新收9件全部为自然人、上年结转0、部分公开2、"
                      "“信息不存在”5件记入“本机关不掌握相关政府信息”（行名是我们选的）、结转下年度2；"
                      "二表、四表按0录入。保留它只为覆盖县级政府办公室这一级。",
        "table": {"s3.new.natural": 9, "s3.partial.natural": 2,
                  "s3.unavailable.not_held.natural": 5, "s3.carry_over.natural": 2},
        "texts": {
            "s1.active.text": "2023年在门户网站信息公开专栏发布政务动态133条、市政府及政府办文件和"
                              "解读82条、常务会议图解15条，政策性文件多样化解读率达到100%，非政府"
                              "网站发布的政策解读占总量70%以上，微信公众号全年发布信息2920条。",
            "s1.requests.text": "依法做好依申请公开工作，全年共收到和办理依申请公开9件，全部为自然人"
                                "申请，上年度结转政府信息公开申请0件。处理结果中，部分公开2件，因信息"
                                "不存在的5件，结转至下一年度办理2件，主要涉及拆违治乱。",
        },
        "expected": [],
        "why": "“收到和办理9件”按新收+结转读（9 = 9 + 0）；“结转至下一年度办理2件”与四、结转一致。",
    },
    {
        "id": "zongguan-2025",
        "org": "硚口区人民政府宗关街道办事处", "year": 2025, "level": "街道", "province": "湖北（武汉）",
        "source": ("宗关街道2025年政府信息公开工作年度报告",
                   "https://www.qiaokou.gov.cn/xxgk/zfxxgknb/bmjdhz/qzfpcjg/zgj/202601/"
                   "t20260123_2716705.shtml"),
        "verified": (),
        "seen": "前言和总体情况（存储的网页在表格之前截断）",
        "unverified": "二、三、四表都未见。三表按文字（新收0件、上年结转0件）和勾稽关系为0；二表、四表"
                      "按0录入。保留它只为覆盖街道这一级。",
        "table": {},
        "texts": {
            "s1.active.text": "2025年通过区政府门户网站公开财政预决算信息2条、行政执法信息3条、工作"
                              "动态1条，并发布民意征集及采纳情况。",
            "s1.requests.text": "2025年，街道新收到依申请公开政府信息0件，上年结转申请0件。",
        },
        "expected": [],
        "why": "“新收到0件”“上年结转0件”与三表一致。",
    },
]  # fmt: skip
