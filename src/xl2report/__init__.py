"""xl2report: 政府信息公开工作年度报告 — locked Excel template in, checked data, Word report out."""

__version__ = "0.1.0"
