"""Real published reports: their figures, their narrative's numbers, and what the checks owe them.

Each entry is one 政府信息公开工作年度报告 published by a real body (different levels and provinces).
The narrative is written in our own words but keeps every number the published text states, in
the way it states it ("9件", "0宗", "1起", "(含上年度结转4件)").  ``table`` lists the non-zero
input cells; every other input cell is 0.

Sources were read as stored copies of the public pages (this machine has no internet); for most
of them the copy showed the opening and the narrative but cut off before the tables.  ``seen``
says which figures were visible in the copy: cells marked "inferred" are the ones the report's own
narrative and the 勾稽 rules fix (e.g. "收到9件……部分公开2件……不掌握5件……结转2件"); where even
that leaves a choice (which outcome row, which applicant column) the note says what we chose.

``expected`` lists (code, field key) the checks must find and nothing else; ``why`` explains each
one.  A real contradiction in a published report is kept as an expected error.
"""

from __future__ import annotations

from decimal import Decimal

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
        "seen": "全文和全部表格",
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
        "id": "gaoping-office-2023",
        "org": "高平市人民政府办公室", "year": 2023, "level": "县级政府办公室", "province": "山西（晋城）",
        "source": ("高平市人民政府办公室2023年政府信息公开工作年度报告",
                   "http://xxgk.sxgp.gov.cn/gzbm/zfbgs/zfxxgknb/202401/t20240129_1926722.shtml"),
        "seen": "前言和总体情况；三表按文字推定（9件全部为自然人；信息不存在的5件记入“本机关不掌握”）",
        "table": {"s3.new.natural": 9, "s3.partial.natural": 2,
                  "s3.unavailable.not_held.natural": 5, "s3.carry_over.natural": 2},
        "texts": {
            "s1.active.text": "2023年在门户网站信息公开专栏发布政务动态133条、市政府及政府办文件和"
                              "解读82条、常务会议图解15条，政策性文件多样化解读率达到100%，"
                              "微信公众号全年发布信息2920条。",
            "s1.requests.text": "依法做好依申请公开工作，全年共收到和办理依申请公开9件，全部为自然人"
                                "申请，上年度结转政府信息公开申请0件。处理结果中，部分公开2件，因信息"
                                "不存在的5件，结转至下一年度办理2件，主要涉及拆违治乱。",
        },
        "expected": [],
        "why": "“收到和办理9件”按新收+结转读（9 = 9 + 0）；“结转至下一年度办理2件”与四、结转一致。",
    },
    {
        "id": "changchun-sport-2023",
        "org": "长春市体育局", "year": 2023, "level": "地级市部门", "province": "吉林",
        "source": ("长春市体育局2023年政府信息公开工作年度报告",
                   "http://js.changchun.gov.cn/zcbm/styjrswj/ndbg/202401/t20240115_3271106.html"),
        "seen": "总体情况、二表全部、三表“一、本年新收”（自然人3、总计3）和“二、上年结转”（0）；"
                "办理结果按新收推定为予以公开3件",
        "table": {"s3.new.natural": 3, "s3.granted.natural": 3},
        "texts": {
            "s1.active.text": "围绕市委、市政府中心工作充实网站内容，截至2023年12月31日通过门户网站"
                              "发布政务类信息34条、概况类信息150条。",
            "s1.requests.text": "由专人协调有关处室研究答复意见，本年度共受理政府信息公开申请2件，"
                                "都在法定期限内予以答复。",
            "s1.oversight.text": "按时整理门户网站“公众留言”并及时答复，本年度共处理群众留言92条。",
        },
        "expected": [("narrative-count-mismatch", "s1.requests.text")],
        "why": "真实的矛盾：文字说受理申请2件，本报告三表“本年新收”为3件（上年结转0）。"
               "年报不能登出与自己表格矛盾的数字，是错误。",
    },
    {
        "id": "zichang-2023",
        "org": "子长市人民政府", "year": 2023, "level": "县级市政府", "province": "陕西（延安）",
        "source": ("子长市人民政府2023年度政府信息公开工作报告",
                   "http://www.zichang.gov.cn/zfxxgk/zfxxgknb/szfnb/2023n/1752504210521403394.html"),
        "seen": "前言和总体情况；三表按文字推定（12件全部答复办结，记为予以公开、自然人）",
        "table": {"s3.new.natural": 12, "s3.granted.natural": 12},
        "texts": {
            "s1.active.text": "2023年度市政府门户网站公开各类政府信息3437条，包括人事信息12条、"
                              "政务动态1740条、公告公示225条、解读及回应信息110条、其他信息1827条；"
                              "“子长发布”微信公众号发布576条，微博发布168条。",
            "s1.requests.text": "2023年度通过门户网站、邮寄等途径累计办理依申请公开信息合计12件，已全部"
                                "按期限答复办结，办结率100%，未发生因政府信息公开申请行政复议、提起"
                                "行政诉讼的情况。",
        },
        "expected": [],
        "why": "“办理12件”与新收、办结都一致。",
    },
    {
        "id": "zhanjiang-gazetteer-2023",
        "org": "湛江市人民政府地方志办公室", "year": 2023, "level": "地级市部门", "province": "广东",
        "source": ("湛江市人民政府地方志办公室2023年政府信息公开工作年度报告",
                   "https://www.zhanjiang.gov.cn/zjsfw/bmdh/dfz/zwgk/xxgkndbg/content/post_1871569.html"),
        "seen": "全文、二表和三表（全部为0）",
        "table": {},
        "texts": {
            "s1.active.text": "2023年各栏目共刊发文稿、通知、公告、公示等44篇。",
            "s1.requests.text": "2023年全年未收到行政许可申请，全年未接到信息公开申请。",
        },
        "expected": [],
        "why": "全为 0，文字说未接到申请，一致。",
    },
    {
        "id": "gaolou-2023",
        "org": "高楼乡人民政府", "year": 2023, "level": "乡镇", "province": "山东（济宁微山县）",
        "source": ("高楼乡人民政府2023年政府信息公开工作年度报告",
                   "http://www.weishan.gov.cn/module/xxgk/xxgkAnnualReport.jsp?"
                   "area=11370826004323472M&fbtime=2023"),
        "seen": "前言和总体情况；三表按文字推定（1件，记为自然人、予以公开）",
        "table": {"s3.new.natural": 1, "s3.granted.natural": 1},
        "texts": {
            "s1.active.text": "2023年全乡累计发布各类信息90条，包括重要政策及解读、工作进展、会议"
                              "公开和建议提案办理答复情况。",
            "s1.requests.text": "2023年我乡收到依申请公开件1件，均在规定时间内规范答复，未出现被行政"
                                "诉讼、行政复议的情况。",
        },
        "expected": [],
        "why": "“收到依申请公开件1件”与新收一致。",
    },
    {
        "id": "shanghai-2022",
        "org": "上海市人民政府", "year": 2022, "level": "省级（直辖市）政府", "province": "上海",
        "source": ("2022年上海市政府信息公开工作年度报告",
                   "https://shanghai.gov.cn/nw12344/20230331/4a03b5fa47ae4c73b7ec42801de6be66.html"),
        "seen": "前言和主动公开部分；二表规章按文字推定（新制定5件、废止4件），其余表格未见，记为0",
        "table": {"s2.rules.issued": 5, "s2.rules.repealed": 4},
        "texts": {
            "s1.active.text": "2022年在市政府网站和市政府公报主动公开市政府规章13件（含新制定5件，"
                              "修改4件，废止4件），市政府和市政府办公厅行政规范性文件42件，人事任免"
                              "文件106件，其他文件113件；市政府网站全年发布各类信息46106条。全年举办"
                              "市政府新闻发布活动191场，市政府领导出席25人次，其中疫情防控发布会"
                              "累计151场。",
            "s1.requests.text": "依法规范办理政府信息公开申请，做好答复和解释说明工作。",
        },
        "expected": [],
        "why": "“新制定5件”“废止4件”按规章读（本句最后提到的是规章），与二表一致；"
               "“行政规范性文件42件”是公开件数（没有“制发”“现行有效”），不核对。",
    },
    {
        "id": "gaoping-culture-2023",
        "org": "高平市文化和旅游局", "year": 2023, "level": "县级部门", "province": "山西（晋城）",
        "source": ("高平市文化和旅游局2023年政府信息公开工作年度报告",
                   "http://xxgk.sxgp.gov.cn/gzbm/gpwlj/zfxxgknb/202401/t20240130_1926962.shtml"),
        "seen": "前言和总体情况；表格按文字推定为0",
        "table": {},
        "texts": {
            "s1.active.text": "今年共公开各类政府信息129条，其中工作动态87条、公共文化服务领域12条、"
                              "政策文件10条、提案建议办理情况18条、省定民生实事2条。",
            "s1.requests.text": "本年度共收到依申请公开0宗，无行政复议、行政诉讼事项。",
        },
        "expected": [],
        "why": "“0宗”与新收 0 一致（宗 按件读）。",
    },
    {
        "id": "qijiazi-2023",
        "org": "昌图县七家子镇人民政府", "year": 2023, "level": "乡镇", "province": "辽宁（铁岭昌图县）",
        "source": ("昌图县七家子镇2023年政府信息公开工作年度报告",
                   "http://changtu.gov.cn/changtu/zwgk/zfxxgk/zfxxgknb99/2022n52/xzzfxxgkgzndbg/"
                   "2024013110470592735/index.html"),
        "seen": "总体情况、二表全部（行政处罚30）、三表前两行（0）",
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
        "id": "zongguan-2025",
        "org": "硚口区人民政府宗关街道办事处", "year": 2025, "level": "街道", "province": "湖北（武汉）",
        "source": ("宗关街道2025年政府信息公开工作年度报告",
                   "https://www.qiaokou.gov.cn/xxgk/zfxxgknb/bmjdhz/qzfpcjg/zgj/202601/"
                   "t20260123_2716705.shtml"),
        "seen": "前言和总体情况；表格按文字推定为0",
        "table": {},
        "texts": {
            "s1.active.text": "2025年通过区政府门户网站公开财政预决算信息2条、行政执法信息3条、工作"
                              "动态1条，并发布民意征集及采纳情况。",
            "s1.requests.text": "2025年，街道新收到依申请公开政府信息0件，上年结转申请0件。",
        },
        "expected": [],
        "why": "“新收到0件”“上年结转0件”与三表一致。",
    },
    {
        "id": "hengshan-2023",
        "org": "龙游县横山镇人民政府", "year": 2023, "level": "乡镇", "province": "浙江（衢州）",
        "source": ("龙游县横山镇2023年政府信息公开工作年度报告",
                   "https://www.longyou.gov.cn/art/2024/1/23/art_1229114055_88348.html"),
        "seen": "前言和总体情况；三表按文字推定（1件，记为自然人、予以公开）",
        "table": {"s3.new.natural": 1, "s3.granted.natural": 1},
        "texts": {
            "s1.active.text": "2023年新增主动公开政府信息130条，包括政务活动25条、招标投标98条、"
                              "财政预决算2条等；更新政府信息23条。",
            "s1.requests.text": "2023年度受理政府信息公开申请1件，已完成依申请公开申请1件。",
        },
        "expected": [],
        "why": "“受理1件”与新收一致；“已完成1件”没有可对应的说法，不核对。",
    },
    {
        "id": "gaoping-2025",
        "org": "高平市人民政府", "year": 2025, "level": "县级市政府", "province": "山西（晋城）",
        "source": ("高平市2025年政府信息公开工作年度报告",
                   "http://xxgk.sxgp.gov.cn/gpsrmzf/zfxxgknb/202602/t20260209_2319208.shtml"),
        "seen": "前言和总体情况；三表按文字推定（新收77、上年结转4、办结81，记为自然人、予以公开）",
        "table": {"s3.new.natural": 77, "s3.carried.natural": 4, "s3.granted.natural": 81},
        "texts": {
            "s1.active.text": "2025年门户网站发布政务动态类信息11272条，信息公开目录信息12976条；"
                              "发布市政府（市政府办）公文64篇、公示公告555条，常务会议13期全部图解，"
                              "微信公众号发布信息2912条。",
            "s1.requests.text": "2025年共新收政府信息公开申请77件，办结81件（含上年度结转4件），申请"
                                "主要集中在征地拆迁等领域。",
        },
        "expected": [],
        "why": "括号里的“上年度结转4件”按上年结转核对，不当作办结的分列；77 + 4 = 81。",
    },
    {
        "id": "yingbinlu-2021",
        "org": "于洪区迎宾路街道办事处", "year": 2021, "level": "街道", "province": "辽宁（沈阳）",
        "source": ("2021年迎宾路街道政府信息公开工作年度报告",
                   "http://www.syyh.gov.cn/zwgk/zfxxgknb/2021/jdbsczfxxgkgzndbg/202206/"
                   "t20220615_3268918.html"),
        "seen": "总体情况；三表、四表按文字推定（5件记为自然人、予以公开；复议1起尚未审结）",
        "table": {"s3.new.natural": 5, "s3.granted.natural": 5, "s4.review.pending": 1},
        "texts": {
            "s1.active.text": "截至2021年12月，主动公开疫情防控、社会救助、养老服务等方面信息423条，"
                              "并开展第十五届“5·15政务公开日”宣传活动。",
            "s1.requests.text": "2021年受理公民、法人和其他组织提出的政府信息公开申请5件，均在法定"
                                "时限内予以答复。信息公开类行政复议1起，正在办理中。",
        },
        "expected": [],
        "why": "“信息公开类行政复议1起”与四表行政复议总计一致。",
    },
]  # fmt: skip
