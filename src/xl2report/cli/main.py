"""Command line: thin layer over the library.  Each command parses options, calls one library
function, prints the result (readable Chinese by default, ``--json`` for machines) and picks the
exit code.  Errors are turned into messages in one place, :func:`main`.

Exit codes: 0 success / all valid; 1 findings (some file invalid); 2 usage error, unreadable
input or a fatal problem.  Heavy libraries are imported inside the commands so ``--help`` is fast.
"""

from __future__ import annotations

import sys

import click

# Each module registers its commands on the group when imported.
from xl2report.cli import (  # noqa: F401
    batch_commands,
    check_commands,
    county_commands,
    doctor_commands,
    form_commands,
    import_commands,
    mail_commands,
    remind_commands,
    web_commands,
)
from xl2report.cli.app import cli
from xl2report.cli.help import EXIT_FATAL, EXIT_OK, UserError, translate_usage
from xl2report.cli.streams import prepare as prepare_streams

# click >= 8.2 raises this for a group called without a command (older clicks print the help
# and exit 0 themselves); either way a bare ``xl2report`` shows the help and succeeds.
_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place where exceptions become messages and exit codes."""
    if getattr(sys, "frozen", False):  # a frozen executable is started again as each worker
        import multiprocessing  # (only then: the import costs every start ~20 ms)

        multiprocessing.freeze_support()
    prepare_streams()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="xl2report", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("已中止。", err=True)
        sys.exit(EXIT_FATAL)
    except click.ClickException as exc:
        if isinstance(exc, _NO_ARGS) and exc.ctx is not None:  # bare `xl2report`: the help
            click.echo(exc.ctx.get_help())
            sys.exit(EXIT_OK)
        if isinstance(exc, click.UsageError) and not isinstance(exc, UserError):
            click.echo(f"用法错误：{translate_usage(exc)}", err=True)
            if exc.ctx is not None:
                click.echo(f"查看帮助：{exc.ctx.command_path} --help", err=True)
        else:
            exc.show()
        sys.exit(exc.exit_code if isinstance(exc, UserError) else EXIT_FATAL)
    except Exception as exc:  # the single top-level handler: never a traceback for a user
        from xl2report.atomic import OutputExistsError
        from xl2report.errors import FatalError, in_use_text, open_elsewhere, os_error_text

        if debug:
            raise
        if isinstance(exc, FatalError):
            click.echo(f"错误：{exc}", err=True)
        elif isinstance(exc, OutputExistsError):
            click.echo(f"错误：输出文件已存在：{exc}（如需覆盖请加 --force）。", err=True)
        elif isinstance(exc, OSError) and open_elsewhere(exc):
            path = exc.filename2 or exc.filename or ""  # a rename's target
            click.echo(f"错误：{in_use_text(path, '写入或改名', '然后重试')}", err=True)
        elif isinstance(exc, PermissionError):
            click.echo(f"错误：没有写入权限：{exc.filename or exc}", err=True)
        elif isinstance(exc, OSError):
            click.echo(
                f"错误：文件操作失败：{os_error_text(exc)}（{exc.filename or ''}）", err=True
            )
        else:
            click.echo(f"内部错误：{type(exc).__name__}: {exc}（加 --debug 查看详情）", err=True)
        sys.exit(EXIT_FATAL)
    sys.exit(EXIT_OK)
