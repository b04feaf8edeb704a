"""Reading published reports: a .pdf/.docx/.doc/.wps/.html/.mhtml/.txt report in, values out.

The room has two halves.  The *extractors* (``docx_text``, ``pdf_text``, ``html_text``,
``plain_text``, dispatched by ``extract``) turn a file into one plain :class:`~xl2report.
published.document.Document`: paragraphs and table rows in reading order, merged cells marked.
The *parser* (``labels``, ``tables``, ``sections``, ``reader``) reads the national 2021 format
from that document deterministically: every label, row and column comes from the form
definition (:mod:`xl2report.form.national`), never retyped here.  No network, no OCR, no LLM.
"""
