"""The doctor's findings: one :class:`Item` per thing xl2report needs or can use on this PC.

``required`` items are what the main job (``xl2report run``: read the inbox, check, write Word
reports and feedback copies into the outbox) needs; :attr:`Diagnosis.ok` is whether they are all
there, and the exit code follows it.  Everything else (LibreOffice, the 公文 fonts, the board,
the keyring, mail) is reported as 提示 when missing, since the main job runs without it.
The mail password is never read: the doctor says where it would come from.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from xl2report import __version__
from xl2report.compat import SETTINGS_FILE, StrEnum, read_text_any
from xl2report.doctor.drives import DriveKind, FolderState, folder_state
from xl2report.mail.errors import MailSettingsError
from xl2report.mail.settings import KEYRING_SERVICE, PASSWORD_ENV, load_settings
from xl2report.report import fonts, office
from xl2report.report.soffice import locate, version

BOARD_PACKAGES = ("starlette", "uvicorn", "python-multipart")  # what `xl2report serve` imports
KEYRING_PACKAGES = ("keyring",) + (("pywin32-ctypes",) if sys.platform == "win32" else ())


class Status(StrEnum):
    """How an item stands."""

    OK = "ok"
    NOTE = "note"  # something optional is missing, or advice
    MISSING = "missing"  # the main job cannot run until this is put right

    @property
    def label(self) -> str:
        """Chinese mark, in GBK (no ✓/✗: the output may go to a GBK console or file)."""
        return {Status.OK: "正常", Status.NOTE: "提示", Status.MISSING: "缺少"}[self]


@dataclass(frozen=True)
class Item:
    """One thing checked: a Chinese title and lines, and the facts for ``--json``."""

    key: str
    title: str
    status: Status
    lines: tuple[str, ...]
    required: bool = False
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Diagnosis:
    """Every item, in the order a reader wants them."""

    items: list[Item]

    @property
    def ok(self) -> bool:
        """Whether everything the main job needs is there."""
        return all(i.status is not Status.MISSING for i in self.items if i.required)

    def to_dict(self) -> dict[str, object]:
        """The machine-readable view (``--json``)."""
        return {"ok": self.ok, "items": [asdict(i) for i in self.items]}


def diagnose(inbox: Path, outbox: Path, settings: Path | None = None) -> Diagnosis:
    """Check this PC for xl2report; ``settings`` defaults to ./xl2report.toml."""
    path = settings if settings is not None else Path(SETTINGS_FILE)
    board = _distributions(
        "board", "网页工作台（xl2report serve）", BOARD_PACKAGES,
        "网页工作台不能启动；重新安装 xl2report 即可装上。",
    )  # fmt: skip
    return Diagnosis(
        [
            _python(),
            _packages(),
            _inbox(inbox),
            _outbox(outbox),
            _libreoffice(path),
            _fonts(),
            board,
            _keyring(),
            _mail(path, settings is not None),
        ]
    )


def _python() -> Item:
    here = f"Python {sys.version.split()[0]}（{sys.executable}），xl2report {__version__}"
    data = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "xl2report": __version__,
    }
    return Item("python", "Python 与 xl2report", Status.OK, (here,), True, data)


def _requirements() -> list[str]:
    """The distributions the main job needs: xl2report's dependencies for this Python, less
    the board's (reported on their own)."""
    try:
        declared = metadata.requires("xl2report") or []
    except metadata.PackageNotFoundError:
        return []
    names = []
    for line in declared:
        requirement, _, marker = line.partition(";")
        if "extra" in marker or not _marker_holds(marker):
            continue
        name = re.match(r"[A-Za-z0-9_.\-]+", requirement.strip())
        if name and name.group(0) not in BOARD_PACKAGES:
            names.append(name.group(0))
    return names


def _marker_holds(marker: str) -> bool:
    """The ``python_version < "3.11"`` kind of marker this package uses; others count as true."""
    found = re.search(r"python_version\s*(<|>=)\s*[\"'](\d+)\.(\d+)[\"']", marker)
    if not found:
        return True
    wanted = (int(found.group(2)), int(found.group(3)))
    return (
        sys.version_info[:2] < wanted if found.group(1) == "<" else sys.version_info[:2] >= wanted
    )


def _installed(names: tuple[str, ...] | list[str]) -> tuple[dict[str, str], list[str]]:
    have, missing = {}, []
    for name in names:
        try:
            have[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    return have, missing


def _packages() -> Item:
    names = _requirements()
    if not names:
        line = "xl2report 不是用 pip 安装的（如直接从源码运行），无法核对它需要的组件。"
        return Item("packages", "批量处理需要的组件", Status.NOTE, (line,), True)
    have, missing = _installed(names)
    data: dict[str, object] = {"installed": have, "missing": missing}
    if missing:
        line = (
            f"缺少 {'、'.join(missing)}：请重新安装 xl2report（安装包的 安装.bat 或 install.sh）。"
        )
        return Item("packages", "批量处理需要的组件", Status.MISSING, (line,), True, data)
    line = f"{len(have)} 个都已安装：" + "、".join(f"{n} {v}" for n, v in have.items())
    return Item("packages", "批量处理需要的组件", Status.OK, (line,), True, data)


def _where(state: FolderState) -> str:
    drive = state.drive
    text = drive.kind.label + (f"（{drive.filesystem}）" if drive.filesystem else "")
    return text + ("，只读" if drive.read_only else "")


def _folder_data(state: FolderState) -> dict[str, object]:
    data = asdict(state)
    data["drive"] = {**asdict(state.drive), "kind": str(state.drive.kind)}
    return data


def _inbox(inbox: Path) -> Item:
    state = folder_state(inbox)
    title = f"收件目录 {inbox}"
    if not state.exists or not state.readable:
        lines = (f"{state.path}：{state.problem}。请建好这个文件夹，或用 --inbox 指明收件目录。",)
        return Item("inbox", title, Status.MISSING, lines, True, _folder_data(state))
    lines = [f"{state.path}：{_where(state)}，可以读取"]
    status = Status.OK
    if state.writable:
        lines[0] += "，可以写入"
    else:
        lines.append(
            f"不能写入（{state.problem}）：网页上传和 --move-processed 需要写入，批量处理不受影响。"
        )
        status = Status.NOTE
    return Item("inbox", title, status, (*lines, *_drive_advice(state)), True, _folder_data(state))


def _outbox(outbox: Path) -> Item:
    state = folder_state(outbox, create_ok=True)
    title = f"输出目录 {outbox}"
    lines = [
        f"{state.path}：{_where(state)}" + ("" if state.exists else "（还不存在，运行时建立）")
    ]
    if not state.writable:
        lines.append(
            f"不能写入（{state.problem}）：年报、反馈表和台账都写在这里；请换一个文件夹或改正权限。"
        )
        return Item("outbox", title, Status.MISSING, tuple(lines), True, _folder_data(state))
    lines[0] += "，可以写入"
    advice = _drive_advice(state)
    status = Status.NOTE if advice else Status.OK
    return Item("outbox", title, status, (*lines, *advice), True, _folder_data(state))


def _drive_advice(state: FolderState) -> tuple[str, ...]:
    if state.drive.kind is DriveKind.NETWORK:
        return (
            "在网络驱动器上：台账（SQLite 数据库）在共享文件夹上可能出错，建议输出目录放在本机磁盘。",
        )
    if state.drive.kind is DriveKind.REMOVABLE:
        return ("在 U 盘或移动硬盘上：拔出前请先停止工作台和 watch。",)
    return ()


def _libreoffice(settings: Path) -> Item:
    found = locate(settings)
    data: dict[str, object] = {"path": found.path, "source": found.source}
    if found.path is None:
        why = found.problem or "没有找到 LibreOffice"
        lines = (f"{why}：不能生成 PDF，不能自动转换 .xls/.et 旧格式；Word 年报不受影响。",
                 "安装 LibreOffice（官方网站 zh-cn.libreoffice.org，或统信/麒麟的应用商店）后再运行本检查。")  # fmt: skip
        return Item("libreoffice", "LibreOffice（PDF、旧格式转换）", Status.NOTE, lines, data=data)
    data["version"] = found_version = version(found.path)
    line = f"{found.path}（{found.source}），版本 {found_version or '未知'}"
    if not office.writer_available():
        data["writer"] = False
        return Item("libreoffice", "LibreOffice（PDF、旧格式转换）", Status.NOTE,
                    (line, office.WRITER_MISSING), data=data)  # fmt: skip
    data["writer"] = True
    return Item("libreoffice", "LibreOffice（PDF、旧格式转换）", Status.OK, (line,), data=data)


def _fonts() -> Item:
    fonts.installed_families.cache_clear()  # a font installed since: the doctor says so
    installed = fonts.installed_families()
    title = "公文字体（PDF 中的样子）"
    if installed is None:
        line = "无法列出本机已安装的字体（Linux 上请安装 fontconfig）。"
        return Item("fonts", title, Status.NOTE, (line,))
    lines, data = [], {}
    for choice in fonts.choices(set(installed)):
        data[choice.name] = {"role": choice.role, "installed": choice.installed,
                             "stand_in": choice.stand_in}  # fmt: skip
        if choice.installed:
            lines.append(f"{choice.role} {choice.name}：已安装")
        elif choice.stand_in:
            lines.append(f"{choice.role} {choice.name}：未安装，PDF 中用“{choice.stand_in}”代替")
        else:
            lines.append(
                f"{choice.role} {choice.name}：未安装，也没有同类字体，由 LibreOffice 自选"
            )
    complete = all(c.installed for c in fonts.choices(set(installed)))
    if not complete:
        lines.append(
            "要与纸质公文完全一致，请安装缺少的字体（Word、WPS 打开年报时，缺少的字体按年报登记的备选字体仿宋、楷体等显示）。"
        )
    return Item("fonts", title, Status.OK if complete else Status.NOTE, tuple(lines), data=data)


def _distributions(key: str, title: str, names: tuple[str, ...], missing_text: str) -> Item:
    have, missing = _installed(names)
    data: dict[str, object] = {"installed": have, "missing": missing}
    if missing:
        return Item(key, title, Status.NOTE, (f"缺少 {'、'.join(missing)}：{missing_text}",),
                    data=data)  # fmt: skip
    line = "已安装：" + "、".join(f"{n} {v}" for n, v in have.items())
    return Item(key, title, Status.OK, (line,), data=data)


def _keyring() -> Item:
    item = _distributions("keyring", "系统钥匙串（保存邮箱密码）", KEYRING_PACKAGES,
                          f"邮箱密码只能用环境变量 {PASSWORD_ENV} 给出。")  # fmt: skip
    if item.status is not Status.OK:
        return item
    import keyring  # present: checked above

    try:
        backend = keyring.get_keyring()
        name = f"{type(backend).__module__}.{type(backend).__name__}"
    except Exception as exc:  # any backend failure means "not usable", never a crash
        name = f"出错：{type(exc).__name__}"
    data = {**item.data, "backend": name}
    if name.startswith("keyring.backends.fail") or name.startswith("出错"):
        line = f"keyring 已安装，但本机没有可用的钥匙串（{name}）：邮箱密码请用环境变量 {PASSWORD_ENV}。"
        return Item("keyring", item.title, Status.NOTE, (*item.lines, line), data=data)
    return Item("keyring", item.title, Status.OK, (*item.lines, f"使用：{name}"), data=data)


def _mail(path: Path, named: bool) -> Item:
    title = "邮件设置（xl2report.toml 的 [mail]）"
    if not named and not path.is_file():
        line = f"当前文件夹没有 {SETTINGS_FILE}：不用邮件收发时不需要（见 README“邮箱设置”）。"
        return Item("mail", title, Status.NOTE, (line,), data={"file": None})
    try:
        settings = load_settings(path)
        _text, note = read_text_any(path)
    except (MailSettingsError, OSError, UnicodeDecodeError) as exc:
        return Item("mail", title, Status.NOTE, (str(exc),), data={"file": str(path)})
    data: dict[str, object] = {
        "file": str(path), "smtp": settings.smtp_host, "smtp_port": settings.smtp_port_used,
        "imap": settings.imap_host, "imap_port": settings.imap_port_used, "user": settings.user,
        "from": settings.sender, "security": str(settings.security),
    }  # fmt: skip
    lines = [f"设置文件：{path}" + (f"（{note}）" if note else "")]
    if settings.smtp_host:
        lines.append(
            f"发信服务器：{settings.smtp_host}:{settings.smtp_port_used}，{settings.security.label}"
        )
    if settings.imap_host:
        lines.append(f"收信服务器：{settings.imap_host}:{settings.imap_port_used}")
    lines.append(
        f"用户名：{settings.user or '（未设置）'}；发件人：{settings.sender or settings.user or '（未设置）'}"
    )
    if os.environ.get(PASSWORD_ENV):
        source = f"环境变量 {PASSWORD_ENV}（已设置）"
    else:
        source = (f"系统钥匙串（服务 {KEYRING_SERVICE}，用户 {settings.user or '…'}）；"
                  f"没有存入时：keyring set {KEYRING_SERVICE} {settings.user or '用户名'}")  # fmt: skip
    data["password_from"] = "env" if os.environ.get(PASSWORD_ENV) else "keyring"
    lines.append(f"密码来自：{source}（不显示密码）")
    status = Status.OK if settings.smtp_host or settings.imap_host else Status.NOTE
    return Item("mail", title, status, tuple(lines), data=data)
