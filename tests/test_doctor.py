"""``xl2report doctor``: what the PC has and lacks, the exit code, the password never shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xl2report.doctor.drives import DriveKind, drive_from_mountinfo, folder_state
from xl2report.report import fonts, soffice

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Mima-2025-不可外泄"


def _doctor(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xl2report", "doctor", *args],
        cwd=cwd, capture_output=True, env={**os.environ, **(env or {})}, check=False,
    )  # fmt: skip


def _items(done: subprocess.CompletedProcess) -> dict[str, dict]:
    found = json.loads(done.stdout.decode("utf-8"))
    return {item["key"]: item for item in found["items"]} | {"": {"ok": found["ok"]}}


def test_a_ready_pc_exits_0_and_the_password_is_never_shown(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "xl2report.toml").write_text(
        '[mail]\nsmtp_host = "smtp.example.gov.cn"\nuser = "gk@example.gov.cn"\n', encoding="utf-8"
    )
    env = {"XL2REPORT_MAIL_PASSWORD": SECRET}
    done = _doctor(tmp_path, "--json", env=env)
    assert done.returncode == 0, done.stderr.decode()
    items = _items(done)
    assert items[""]["ok"] is True
    assert items["outbox"]["status"] == "ok" and items["outbox"]["data"]["writable"] is True
    assert items["outbox"]["data"]["drive"]["kind"] == "local"
    assert items["mail"]["data"]["smtp"] == "smtp.example.gov.cn"
    assert items["mail"]["data"]["password_from"] == "env"
    assert items["board"]["status"] == "ok"  # the board is in the default install
    assert set(items["fonts"]["data"]) == set(fonts.ROLES)  # every face the report names
    text = _doctor(tmp_path, env=env)
    assert text.returncode == 0
    for out in (done, text):
        assert SECRET.encode() not in out.stdout + out.stderr
    screen = text.stdout.decode("utf-8")
    assert "XL2REPORT_MAIL_PASSWORD" in screen and "smtp.example.gov.cn" in screen


def test_a_missing_inbox_or_an_unwritable_outbox_exits_1(tmp_path: Path) -> None:
    done = _doctor(tmp_path, "--json", "--inbox", "没有这个目录")
    assert done.returncode == 1
    items = _items(done)
    assert items["inbox"]["status"] == "missing" and items[""]["ok"] is False
    assert "缺少" in _doctor(tmp_path, "--inbox", "没有这个目录").stdout.decode("utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="mount")
def test_an_outbox_on_a_read_only_drive_is_named(tmp_path: Path) -> None:
    mount_point = tmp_path / "光盘"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount_point)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip("不能挂载只读的 tmpfs（需要 root）")
    try:
        (tmp_path / "inbox").mkdir()
        done = _doctor(tmp_path, "--json", "--outbox", str(mount_point / "outbox"))
        state = folder_state(mount_point)
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)
    assert done.returncode == 1
    outbox = _items(done)["outbox"]
    assert outbox["status"] == "missing" and outbox["data"]["drive"]["read_only"] is True
    assert state.drive.read_only and not state.writable and state.drive.filesystem == "tmpfs"


def test_no_libreoffice_is_a_note_not_a_failure(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    done = _doctor(tmp_path, "--json", env={soffice.ENV_VAR: str(tmp_path / "无")})
    assert done.returncode == 0
    office = _items(done)["libreoffice"]
    assert office["status"] == "note" and office["data"]["path"] is None
    assert soffice.ENV_VAR in office["lines"][0]


def test_the_screen_survives_a_gbk_redirect(tmp_path: Path) -> None:
    """Chinese Windows: stdout redirected to a file is GBK, strict."""
    (tmp_path / "inbox").mkdir()
    (tmp_path / "xl2report.toml").write_bytes('[mail]\nuser = "公开办"\n'.encode("gbk"))
    with (tmp_path / "结果.txt").open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "xl2report", "doctor"], cwd=tmp_path, stdout=out,
            stderr=subprocess.PIPE, env={**os.environ, "PYTHONIOENCODING": "gbk"}, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode("gbk", "replace")
    screen = (tmp_path / "结果.txt").read_bytes().decode("gbk")
    assert "结论" in screen and "GBK" in screen  # the settings file's encoding is said


MOUNTINFO = """\
22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw
40 22 0:45 / /mnt/county\\040share rw,relatime shared:20 - cifs //fileserver/公开办 rw,vers=3.0
41 22 0:46 / /srv/nfs rw,relatime - nfs4 10.0.0.2:/export rw
42 22 8:17 / /media/uos/KINGSTON rw,nosuid - fuseblk /dev/sdb1 rw,user_id=0
43 22 0:47 / /run/user/1000/gvfs rw,nosuid - fuse.gvfsd-fuse gvfsd-fuse rw
44 22 8:3 / /data ro,relatime - ext4 /dev/sda3 ro
45 22 11:0 / /media/cdrom ro - iso9660 /dev/sr0 ro
"""


@pytest.mark.parametrize(
    ("path", "kind", "read_only"),
    [
        ("/home/clerk/outbox", DriveKind.LOCAL, False),
        ("/mnt/county share/2024/outbox", DriveKind.NETWORK, False),
        ("/srv/nfs/outbox", DriveKind.NETWORK, False),
        ("/media/uos/KINGSTON/inbox", DriveKind.REMOVABLE, False),
        ("/run/user/1000/gvfs/smb-share:server=fs,share=gk/outbox", DriveKind.NETWORK, False),
        ("/data/outbox", DriveKind.LOCAL, True),
        ("/media/cdrom/inbox", DriveKind.OPTICAL, True),
        ("/mnt/county shared", DriveKind.LOCAL, False),  # a sibling, not inside the share
    ],
)
def test_the_drive_kind_comes_from_the_mount_table(
    tmp_path: Path, path: str, kind: DriveKind, read_only: bool
) -> None:
    sysfs = tmp_path / "sys"
    disk = sysfs / "devices" / "pci0000:00" / "usb2" / "2-1" / "block" / "sdb"
    (disk / "sdb1").mkdir(parents=True)
    (disk / "removable").write_text("1\n", encoding="ascii")
    (sysfs / "class" / "block").mkdir(parents=True)
    (sysfs / "class" / "block" / "sdb1").symlink_to(disk / "sdb1")
    drive = drive_from_mountinfo(MOUNTINFO, path, sysfs)
    assert (drive.kind, drive.read_only) == (kind, read_only)
