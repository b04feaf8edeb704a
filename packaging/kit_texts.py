"""The files beside ``wheels/`` in the offline kit: Windows batch files, shell scripts, 说明.txt.

Encodings, decided for the machines they run on:

* ``.bat``: UTF-8 without a byte-order mark (cmd.exe would run the mark as part of ``@echo``),
  CRLF line ends; every line up to ``chcp 65001`` is ASCII, so cmd.exe reads the Chinese lines
  after it as UTF-8 on any Windows 10/11 whatever its ANSI code page (a GBK file would only be
  right on Chinese Windows).  The previous code page is put back at the end.  No ``goto`` or
  labels: cmd.exe under code page 65001 is known to misplace jumps in files with multi-byte text.
* ``.sh``: UTF-8, LF (统信 UOS / 麒麟 terminals are UTF-8).
* ``说明.txt``: UTF-8 with a byte-order mark and CRLF, so every Notepad (also before Windows 10
  1903, which took unmarked files for GBK) and every Linux editor shows it right.
"""

from __future__ import annotations

PYTHONS = ("3.13", "3.12", "3.11", "3.10")  # newest first: the installers take the newest found

_BAT_HEAD = """@echo off
setlocal
for /f "tokens=2 delims=:" %%c in ('chcp') do set "OLDCP=%%c"
chcp 65001 >nul
cd /d "%~dp0"
"""
_BAT_TAIL = """chcp %OLDCP% >nul
endlocal
"""

INSTALL_BAT = (
    _BAT_HEAD
    + """echo 正在安装 xl2report（不需要联网，约一分钟）……
set "PY="
for %%v in ({pythons}) do if not defined PY py -%%v-64 -c "import sys" >nul 2>nul && set "PY=%%v"
if not defined PY (
  echo.
  echo 没有找到 64 位的 Python 3.10 至 3.13。
  echo 请先安装 Python（见“说明.txt”），安装时保留“py launcher”、勾选“Add python.exe to PATH”，然后重新双击本文件。
  pause
  chcp %OLDCP% >nul
  exit /b 1
)
echo 使用 Python %PY%
if not exist ".venv\\Scripts\\python.exe" py -%PY%-64 -m venv .venv
if not exist ".venv\\Scripts\\python.exe" (
  echo 创建程序文件夹 .venv 失败：请把整个文件夹复制到本机磁盘（如 D:\\政务公开年报）后再试。
  pause
  chcp %OLDCP% >nul
  exit /b 1
)
".venv\\Scripts\\python.exe" -m pip install --no-index --find-links wheels --upgrade xl2report keyring
if errorlevel 1 (
  echo.
  echo 安装失败：请把上面的英文信息拍照或复制给信息中心。
  pause
  chcp %OLDCP% >nul
  exit /b 1
)
if not exist inbox mkdir inbox
if not exist outbox mkdir outbox
".venv\\Scripts\\xl2report.exe" doctor --inbox inbox --outbox outbox
echo.
echo 安装完成。以后双击“启动工作台.bat”打开报送工作台。
pause
"""
    + _BAT_TAIL
).format(pythons=" ".join(PYTHONS))

START_BAT = (
    _BAT_HEAD
    + """if not exist ".venv\\Scripts\\xl2report.exe" (
  echo 还没有安装：请先双击“安装.bat”。
  pause
  chcp %OLDCP% >nul
  exit /b 1
)
echo 正在启动报送工作台，浏览器会自动打开 http://127.0.0.1:8765/
echo 使用期间请不要关闭本窗口；关闭本窗口即停止工作台。
".venv\\Scripts\\xl2report.exe" serve --inbox inbox --outbox outbox --open
pause
"""
    + _BAT_TAIL
)

INSTALL_SH = """#!/bin/sh
# 统信 UOS、银河麒麟等 Linux 上离线安装 xl2report：sh install.sh
# 用指定的 Python：PYTHON=/usr/bin/python3.11 sh install.sh
cd "$(dirname "$0")" || exit 1
PY="${{PYTHON:-}}"
if [ -z "$PY" ]; then
  for v in {pythons} 3; do
    if command -v "python$v" >/dev/null 2>&1 && "python$v" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 13)))' 2>/dev/null; then
      PY="python$v"
      break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "没有找到 Python 3.10 至 3.13。请从应用商店或软件源安装（如 sudo apt install python3.11 python3.11-venv），见“说明.txt”。"
  exit 1
fi
echo "使用 $PY（$("$PY" --version 2>&1)）"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv || {{ echo "创建 .venv 失败：请先安装 venv 组件（如 sudo apt install python3-venv），再运行本脚本。"; rm -rf .venv; exit 1; }}
fi
.venv/bin/python -m pip install --no-index --find-links wheels --upgrade xl2report keyring || {{ echo "安装失败：请把上面的英文信息复制给信息中心。"; exit 1; }}
mkdir -p inbox outbox
.venv/bin/xl2report doctor --inbox inbox --outbox outbox
echo "安装完成。以后运行 sh start.sh 打开报送工作台。"
""".format(pythons=" ".join(PYTHONS))

START_SH = """#!/bin/sh
# 启动报送工作台并打开浏览器；按 Ctrl-C 或关闭终端停止。
cd "$(dirname "$0")" || exit 1
if [ ! -x .venv/bin/xl2report ]; then
  echo "还没有安装：请先运行 sh install.sh"
  exit 1
fi
exec .venv/bin/xl2report serve --inbox inbox --outbox outbox --open
"""

README_TXT = """xl2report 离线安装包（政府信息公开工作年度报告 填报·校验·成文）
版本：{version}

一、先把整个文件夹复制到本机磁盘（如 D:\\政务公开年报 或 /home/用户名/政务公开年报），不要直接在 U 盘上安装。
    收件目录 inbox、输出目录 outbox 和设置文件 xl2report.toml 都放在这个文件夹里。

二、Windows 10/11（64 位）
  1. 安装 Python：需要 64 位的 Python 3.10、3.11、3.12 或 3.13（推荐 3.12）。
     从 https://www.python.org/downloads/windows/ 下载“Windows installer (64-bit)”，
     或从国内镜像下载（如 https://mirrors.huaweicloud.com/python/ 中 3.12 的 python-3.12.x-amd64.exe）。
     不能上网的电脑：由信息中心把安装程序一起拷到 U 盘。
     安装时勾选“Add python.exe to PATH”，保留“py launcher”。Windows 7 不能使用。
  2. 双击“安装.bat”：在本文件夹里建立 .venv，从 wheels 文件夹安装（不联网），最后显示本机检查结果。
  3. 双击“启动工作台.bat”：浏览器打开报送工作台（http://127.0.0.1:8765/）。关闭黑色窗口即停止。
  命令行：打开本文件夹，在地址栏输入 cmd 回车，再输入 .venv\\Scripts\\xl2report --help

三、统信 UOS、银河麒麟（x86_64 或 arm64/aarch64，如鲲鹏、飞腾）
  1. 需要 Python 3.10 至 3.13 和 venv 组件：终端运行 python3 --version 查看。
     版本低于 3.10 时，从应用商店或软件源安装新版（如 sudo apt install python3.11 python3.11-venv）。
     龙芯（LoongArch）电脑：本安装包没有龙芯版的组件，请联系信息中心。
  2. 终端进入本文件夹，运行 sh install.sh（可用 PYTHON=/usr/bin/python3.11 sh install.sh 指定 Python）。
  3. 运行 sh start.sh 打开报送工作台。

四、PDF 和旧格式（.xls/.et）需要 LibreOffice
  Word 年报不需要它。要生成 PDF、自动转换 .xls/.et 旧格式时，请安装 LibreOffice（含 Writer 和 Calc）：
  Windows 从 https://zh-cn.libreoffice.org/ 下载安装；统信/麒麟从应用商店安装，或 sudo apt install libreoffice-writer libreoffice-calc。
  装在非常用位置时，在 xl2report.toml 里写：
      [office]
      soffice = 'D:\\LibreOffice\\program\\soffice.exe'

五、公文字体
  年报用方正小标宋简体（标题）、黑体、楷体_GB2312、仿宋_GB2312。Windows 自带仿宋、楷体、黑体，
  没有仿宋_GB2312、楷体_GB2312、方正小标宋简体，需要时请安装单位的公文字体包。
  没有安装时，生成 PDF 会用本机已有的同类字体代替（Windows：仿宋、楷体、华文中宋或宋体；
  统信/麒麟：思源/Noto 宋体和黑体，楷体用 AR PL UKai，可 sudo apt install fonts-noto-cjk fonts-arphic-ukai）。
  双击安装时最后显示的检查结果里有“公文字体”一项；以后也可运行 xl2report doctor 查看。

六、更新到新版本
  用新安装包里的 wheels 文件夹替换本文件夹的 wheels，再双击“安装.bat”（或 sh install.sh）。
  inbox、outbox、xl2report.toml 和已生成的年报都不会改动。

七、邮箱密码
  不写在任何文件里：安装包已带 keyring，运行 .venv\\Scripts\\keyring set xl2report-mail 邮箱用户名
  （统信/麒麟：.venv/bin/keyring set xl2report-mail 邮箱用户名）存入系统钥匙串，或设置环境变量 XL2REPORT_MAIL_PASSWORD。
"""
