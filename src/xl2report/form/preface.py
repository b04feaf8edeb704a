"""The 前言: the standard opening paragraph of a published report, built from the cover.

Almost every published report opens with the same paragraph before 一、总体情况: the legal basis
(条例 and 国办公开办函〔2021〕30号), what the report contains, the statistical period
(自X年1月1日起至12月31日止), where the electronic version is published and whom to contact.
:func:`standard_preface` writes it from the unit's name, the year and whatever contact details
are known; the template prefills it and the report uses it when the 前言 cell is left empty.
Pure: values in, text out.
"""

from __future__ import annotations

from collections.abc import Mapping

PREFACE_KEY = "preface.text"
# The cover's 联系电话 (info.phone) is the filler's, for the county office: never published here.
_CONTACT_NAMES = {"info.address": "地址", "info.postcode": "邮编", "info.public_phone": "电话",
                  "info.email": "电子邮箱"}  # fmt: skip


def standard_preface(values: Mapping[str, object]) -> str:
    """The standard 前言 for ``values`` (``info.org``, ``info.year`` and the contact fields)."""
    org = _text(values.get("info.org")) or "本机关"
    year = values.get("info.year")
    sentences = [
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府"
        "信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
        "（国办公开办函〔2021〕30号）要求编制。",
        "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开"
        "行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。",
    ]
    if isinstance(year, int) and not isinstance(year, bool):
        sentences.append(f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。")
    website = _text(values.get("info.website"))
    if website:
        sentences.append(f"本报告电子版可在{website}查阅或下载。")
    details = [f"{name}：{_text(values.get(key))}" for key, name in _CONTACT_NAMES.items()
               if _text(values.get(key))]  # fmt: skip
    contact = f"（{'；'.join(details)}）" if details else ""
    sentences.append(f"如对本报告有疑问，请与{org}联系{contact}。")
    return "".join(sentences)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
