"""A docxtpl Word template compiled once and rendered many times.

``DocxTemplate.render`` re-reads the .docx, re-patches its XML and recompiles the Jinja template
on every call (about 20 of its 50–57 ms).  :class:`CompiledTemplate` does that work once, with
docxtpl's own functions (``patch_xml``, ``resolve_listing``, ``fix_tables``), keeps the compiled
templates and the unchanged package parts in memory, and per render only runs Jinja and zips
the changed parts (the unchanged ones' compressed entries are reused:
:class:`~xl2report.xlsx.package.PackageWriter`).  The result has the same document text and tables as ``DocxTemplate.render(context,
autoescape=True)`` (tests prove it); :func:`render_with_docxtpl` keeps that plain path at hand.

Also owns the static analysis of a template: which placeholders (dotted paths such as
``s3.new.natural``) it uses.  Raises :class:`TemplateProblem` (Chinese message) for a file that
is not a usable Word template.  Writes no files but its compile cache
(:mod:`xl2report.report.compile_cache`): compiling the bundled template took ~0.2 s of every
run's start-up, so the compiled code is kept per user, keyed by the template's bytes.
docxtpl (and python-docx) are imported only when a template is compiled, not on a cache hit.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.environment import Template
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from xl2report.report import compile_cache
from xl2report.report.docx_package import FIXED_DATE, XML_DECL, core_xml, zip_parts
from xl2report.xlsx.package import PackageWriter

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_TAG = re.compile(r"\{[{%#]")
_TABLE_CELL_TAGS = re.compile(r"\{%-?\s*tc\s")  # {%tc … %} loops change a table's column count
_BODY_MARK = "XL2REPORT-BODY"


class TemplateProblem(Exception):
    """The Word template cannot be opened, parsed or rendered (message in Chinese)."""


def environment() -> SandboxedEnvironment:
    """Autoescaping, sandboxed (a template may come from anyone), strict about unknown names."""
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def open_template(path: Path) -> DocxTemplate:
    """The template loaded by docxtpl (python-docx underneath); TemplateProblem if it is not one."""
    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate

    try:
        tpl = DocxTemplate(str(path))
        tpl.init_docx()
    except FileNotFoundError as exc:
        raise TemplateProblem(f"找不到 Word 模板：{path}") from exc
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError) as exc:
        # Not a zip / no main document / not a Word content type / broken XML.
        raise TemplateProblem(f"无法打开 Word 模板 {path}：不是有效的 .docx 文件（{exc}）") from exc
    return tpl


def template_sources(tpl: DocxTemplate) -> list[tuple[str, str, str]]:
    """(zip member, raw XML, docxtpl-patched XML) of every part docxtpl renders.

    The body, headers, footers and footnotes, as ``DocxTemplate.render`` treats them.
    """
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    doc = tpl.docx
    out = []
    body_raw = tpl.get_xml()
    out.append((doc.part.partname.lstrip("/"), body_raw, tpl.patch_xml(body_raw)))
    seen = set()
    for rel in doc.part.rels.values():
        if rel.is_external:
            continue
        part = rel.target_part
        is_hf = rel.reltype in (RT.HEADER, RT.FOOTER)
        if (is_hf or part.content_type == FOOTNOTES) and part.blob and part.partname not in seen:
            seen.add(part.partname)
            raw = tpl.get_part_xml(part)
            out.append((part.partname.lstrip("/"), raw, tpl.patch_xml(raw)))
    return out


def parse_part(env: SandboxedEnvironment, name: str, patched: str) -> nodes.Template:
    """A patched part parsed by Jinja (once: the AST is both analysed and compiled)."""
    # As docxtpl's render_xml_part: one paragraph per line, so errors carry a useful line number.
    source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
    try:
        return env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(syntax_message(name, source, exc)) from exc


def parse_template(tpl: DocxTemplate) -> list[tuple[str, str, nodes.Template]]:
    """(zip member, raw XML, AST) of the body and of every other part that holds tags."""
    env = environment()
    return [
        (name, raw, parse_part(env, name, patched))
        for i, (name, raw, patched) in enumerate(template_sources(tpl))
        if i == 0 or _TAG.search(raw)
    ]


def syntax_message(name: str, source: str, exc: TemplateSyntaxError) -> str:
    """A Jinja syntax error with the surrounding document text (tags stripped)."""
    lines = source.splitlines()
    at = max((exc.lineno or 1) - 1, 0)
    nearby = "".join(re.sub(r"<[^>]+>", "", line) for line in lines[max(at - 1, 0) : at + 2])
    return (
        f"Word 模板（{name}）中的占位符写法有误：{exc.message}；附近文字：“{nearby.strip()[:80]}”"
    )


class CompiledTemplate:
    """A Word template ready to render: compiled Jinja per part, unchanged parts as bytes.

    ``placeholders`` are the dotted context paths the template reads (:func:`placeholder_paths`).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            data = self.path.read_bytes()
        except FileNotFoundError as exc:
            raise TemplateProblem(f"找不到 Word 模板：{path}") from exc
        except OSError as exc:
            raise TemplateProblem(f"无法读取 Word 模板 {self.path}：{exc}") from exc
        env = environment()
        key = compile_cache.key(data, compile_cache.code_fingerprint(__name__))
        compiled = compile_cache.load(key)
        if compiled is None:
            compiled = _compile(self.path, env)
            compile_cache.store(key, compiled)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                self._parts = {info.filename: zf.read(info) for info in zf.infolist()}
        except (zipfile.BadZipFile, ValueError) as exc:
            raise TemplateProblem(f"无法读取 Word 模板 {self.path}：{exc}") from exc
        names = compiled["parts"]
        templates = [
            Template.from_code(env, code, env.make_globals(None)) for code in compiled["code"]
        ]
        doc_name = names[0]
        self.document_part = doc_name  # zip member of the main document
        self.placeholders: set[str] = set(compiled["placeholders"])
        self._body = templates[0]
        self._fix_tables = compiled["fix_tables"]
        self._prefix, self._suffix = _document_shell(self._parts[doc_name])
        self._others = dict(zip(names[1:], templates[1:], strict=True))
        self._core = "docProps/core.xml" if "docProps/core.xml" in self._parts else None
        dynamic = {doc_name, *self._others, *([self._core] if self._core else [])}
        self._package = PackageWriter(zip_parts(self._parts), dynamic)

    def render(
        self, context: Mapping[str, object], title: str, author: str = "", when: str = ""
    ) -> bytes:
        """The rendered .docx as bytes; ``title``, ``author`` and ``when`` (W3CDTF) go into
        the core properties."""
        try:
            body = _finish_compiled(self._body.render(context))
            others = {name: _finish_compiled(t.render(context)) for name, t in self._others.items()}
        except TemplateError as exc:
            raise TemplateProblem(f"Word 模板 {self.path.name} 无法生成报告：{exc}") from exc
        if self._fix_tables:
            from docxtpl import DocxTemplate

            tree = DocxTemplate.fix_tables(None, body)  # type: ignore[arg-type]  # uses no state
            body = etree.tostring(tree, encoding="unicode")
        parts = {self.document_part: (self._prefix + body + self._suffix).encode("utf-8")}
        for name, xml in others.items():
            parts[name] = XML_DECL + xml.encode("utf-8")
        if self._core:
            parts[self._core] = core_xml(title, author or "xl2report", when or FIXED_DATE)
        return self._package.write(parts)


def _compile(path: Path, env: SandboxedEnvironment) -> compile_cache.Compiled:
    """What :class:`CompiledTemplate` keeps of a template: part names, compiled code,
    placeholders and whether tables need fixing (all of it cacheable)."""
    tpl = open_template(path)
    sources = [
        (name, raw, patched)
        for i, (name, raw, patched) in enumerate(template_sources(tpl))
        if i == 0 or _TAG.search(raw)
    ]
    # Parsed and compiled without docxtpl's line breaks: it inserts a "\n" before every
    # <w:p only to take it out again after rendering (a regex pass over each document).
    # User text is escaped, so it can never form a "<w:p"; the output is the same (tests
    # compare with plain docxtpl).  The line breaks only serve error messages.
    asts = [_parse_compact(env, name, patched) for name, _, patched in sources]
    return {
        "parts": [name for name, _, _ in sources],
        "code": [env.compile(ast) for ast in asts],
        "placeholders": sorted(placeholder_paths(asts)),
        "fix_tables": bool(_TABLE_CELL_TAGS.search(sources[0][1])),
    }


def _parse_compact(env: SandboxedEnvironment, name: str, patched: str) -> nodes.Template:
    """``patched`` parsed as it is; a syntax error is reported as :func:`parse_part` reports it
    (with a line per paragraph, so the message can quote the text around it)."""
    try:
        return env.parse(patched)
    except TemplateSyntaxError as exc:
        parse_part(env, name, patched)  # raises TemplateProblem with the nearby text
        raise TemplateProblem(syntax_message(name, patched, exc)) from exc


def _finish_compiled(xml: str) -> str:
    """docxtpl's post-processing of a rendered part (``render_xml_part``), for a part compiled
    without docxtpl's inserted line breaks (so their removal is left out)."""
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    return _resolve_listing(xml)


def _resolve_listing(xml: str) -> str:
    """docxtpl's ``resolve_listing``; it only rewrites \\t \\n \\a \\f inside text, so skipping
    it when none is present gives the same result without its per-paragraph regex passes."""
    if not any(ch in xml for ch in "\t\n\a\f"):
        return xml
    from docxtpl import DocxTemplate

    return DocxTemplate.resolve_listing(None, xml)  # type: ignore[arg-type]  # uses no state


def _document_shell(document_xml: bytes) -> tuple[str, str]:
    """document.xml split around its body, so a rendered body can be dropped in."""
    root = etree.fromstring(document_xml, etree.XMLParser(resolve_entities=False))
    body = root.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}body")
    if body is None:
        raise TemplateProblem("Word 模板没有正文（w:body）。")
    # Emptied in place (clear() also drops its attributes and tail): replacing the body with
    # another element made lxml move the whole detached tree, ~15 ms of every run's start-up.
    body.clear()
    body.text = _BODY_MARK
    shell = etree.tostring(root, encoding="UTF-8", xml_declaration=True, standalone=True)
    text = shell.decode("utf-8")
    # Split around the marker element, whatever prefix or declarations it serialised with.
    start = text.index(_BODY_MARK)
    return text[: text.rindex("<", 0, start)], text[text.index(">", start) + 1 :]


def placeholder_paths(asts: Iterable[nodes.Template]) -> set[str]:
    """Dotted paths of the context a template reads (``s3.new.natural``, ``draft``).

    Names bound inside the template (loop variables, ``set``) are not context and are left out.
    """
    used: set[str] = set()
    for ast in asts:
        roots = meta.find_undeclared_variables(ast)
        used |= {p for p in _paths(ast) if p.split(".", 1)[0] in roots}
    return used


def _paths(node: nodes.Node) -> Iterable[str]:
    path = _chain(node)
    if path is not None:
        yield path
        return
    for child in node.iter_child_nodes():
        yield from _paths(child)


def _chain(node: nodes.Node) -> str | None:
    """'a.b.c' for Getattr/Getitem-with-string chains ending in a loaded Name, else None."""
    parts: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            parts.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name):
            if node.ctx != "load":
                return None
            parts.append(node.name)
            return ".".join(reversed(parts))
        else:
            return None


def render_with_docxtpl(path: Path, context: Mapping[str, object]) -> bytes:
    """The plain docxtpl path (reference for tests and benchmarks): open, render, save."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(path))
    tpl.render(dict(context), autoescape=True)
    buffer = io.BytesIO()
    tpl.save(buffer)
    return buffer.getvalue()
