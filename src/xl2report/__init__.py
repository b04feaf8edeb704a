"""xl2report: 政府信息公开工作年度报告 — locked Excel template in, checked data, Word report out."""

__version__ = "0.1.0"

# Set by the command line before xl2report.log is imported (which applies it): importing loguru
# only when a module actually logs keeps quick commands quick.
pending_log_level: str | None = None
