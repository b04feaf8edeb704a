"""Readings of a narrative's words that the checks and the report must agree on.

A section reading only "无" says nothing: the checks report it where the national format wants
content (五), and the report treats it as empty where it generates wording (六).  Whether 六
already states the 信息处理费 figures decides whether the report adds the generated sentence.
Pure: text in, answer out.
"""

from __future__ import annotations

import re

# Punctuation, spaces and dashes around a bare "无": none of them says anything either.
_FILLER = re.compile(r"[\s\W_—－-]+", re.UNICODE)
# What is left of a text that says nothing ("无。", "暂无", "本年度无。", "无其他需要报告的事项"
# is content and is not matched).
_NOTHING = re.compile(
    r"(?:本年度?|今年|全年)?(?:暂|均|尚)?(?:无|没有|不存在)(?:明显|突出|主要)?"
    r"(?:问题|情况|内容|事项)?|略|空|待定"
)
# A sentence on fees with a figure in it: "收取信息处理费200元", "发出收费通知2件".
_FEE_SENTENCE = re.compile(r"[^。；;\n]*(?:信息处理费|收费通知)[^。；;\n]*")
_FIGURE = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?\s*(?:万元|元|件|份)")


def content_of(text: str) -> str:
    """``text`` without spaces, punctuation and dashes: what is left to read."""
    return _FILLER.sub("", text)


def says_nothing(text: str) -> bool:
    """True for an empty text and for one reading only "无", "暂无。", "-", "/" and the like."""
    left = content_of(text)
    return not left or _NOTHING.fullmatch(left) is not None


def states_fee_figures(text: str) -> bool:
    """Whether ``text`` has a sentence giving a 信息处理费 or 收费通知 figure."""
    return any(_FIGURE.search(s) for s in _FEE_SENTENCE.findall(text))
