"""Commands about the form itself: ``template``, ``fields``, ``codes``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from xl2report.cli.app import cli
from xl2report.cli.help import UserError
from xl2report.cli.streams import json_text


@cli.command()
@click.option("--org", help="机关名称；给出后预填并锁定。")
@click.option("--year", type=int, help="报告年度（四位数字）；给出后预填并锁定。")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="输出文件（.xlsx）。")
@click.option("--password", help="工作表保护密码（可选；防误改，不是加密）。")
@click.option("--values", "values_file", type=click.Path(path_type=Path, exists=True),
              help="按字段代码预填数字和文字的 JSON 文件（如 examples/kejing-2024.json）。")  # fmt: skip
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
@click.option(
    "--submit-to", help="写在封面“报送要求”处的话，如“请于2025年1月15日前发送至 gkb@xx.gov.cn”。"
)
@click.option("--roster", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="名单（.xlsx 或 .csv，表头：机关名称、代码、联系人、邮箱）：每个单位一份模板，"
                   "-o 为输出目录。")  # fmt: skip
@click.option("--outbox", type=click.Path(path_type=Path, file_okay=False),
              help="在这个输出目录（run 用的那个）登记每份模板的下发编号，收回时据此核对报送"
                   "单位；--roster 时默认 outbox，单个 --org 时给出才登记。")  # fmt: skip
@click.option("--previous-year", "previous_year", type=click.Path(path_type=Path, exists=True),
              help="上年的输出目录（用其台账中已通过的报送）或上年报回的工作簿所在文件夹："
                   "“二、上年结转”按上年“结转下年度”预填并锁定，二表旁列出上年现行有效件数。"
                   "需要 --year。")  # fmt: skip
def template(
    org: str | None,
    year: int | None,
    output: Path | None,
    password: str | None,
    values_file: Path | None,
    force: bool,
    submit_to: str | None,
    roster: Path | None,
    outbox: Path | None,
    previous_year: Path | None,
) -> None:
    """生成填报模板（每个部分一张表，只有白色格子可填，合计和校验自动计算）。"""
    from xl2report.form.national import YEAR_MAX, YEAR_MIN
    from xl2report.xlsx.template import TemplateOptions, form_title, write_template

    if year is not None and not (YEAR_MIN <= year <= YEAR_MAX):
        raise UserError(f"年度应为 {YEAR_MIN}—{YEAR_MAX} 之间的四位数字，现为 {year}。")
    if org is not None and not org.strip():
        raise UserError("机关名称不能为空。")
    if org is not None:
        from xl2report.batch.roster import name_problem

        why = name_problem(org.strip())
        if why:
            raise UserError(f"机关名称{why}。")
    if previous_year is not None and year is None:
        raise UserError("使用 --previous-year 时请用 --year 指定本年度（上年数据取 年度−1）。")
    if roster is not None:
        if org is not None or values_file is not None:
            raise UserError("--roster 不能与 --org、--values 同时使用。")
        if output is None or output.suffix.lower() == ".xlsx":
            raise UserError("使用 --roster 时请用 -o 指定输出目录（每个单位一个文件）。")
        from xl2report.batch.roster import TemplateRequest, read_roster, write_roster_templates

        entries = read_roster(roster)
        outbox = outbox or Path("outbox")  # as run's default: the register is where run looks
        request = TemplateRequest(
            year, password=password, submit_to=submit_to, overwrite=force, register=outbox
        )
        if previous_year is not None:
            _hand_out(entries, output, year, previous_year, request)  # type: ignore[arg-type]
        else:
            paths = write_roster_templates(entries, output, request)
            click.echo(f"已为 {len(paths)} 个单位生成填报模板：{output}")
        click.echo(
            f"每份模板的下发编号已登记在 {outbox}；用 run --outbox {outbox} 收回时据此核对报送单位。"
        )
        return
    values = _load_values(values_file) if values_file else None
    if output is None:
        output = Path(f"{(org or '').strip()}{form_title(year)}填报表.xlsx")
    if output.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件应以 .xlsx 结尾：{output}")
    fill = None
    if previous_year is not None:
        if not org or not org.strip():
            raise UserError("使用 --previous-year 时请用 --org 给出机关名称（或用 --roster）。")
        from xl2report.batch.lastyear import fill_for

        fill, data = fill_for(org.strip(), year, previous_year)  # type: ignore[arg-type]
        found = "已按上年数据预填" if fill.values is not None else "上年数据中没有该单位，未预填"
        click.echo(f"{found}（{data.source}，{data.year}年度）。", err=True)
    issue = None
    if outbox is not None and org:
        from xl2report.batch.issued import issue_numbers

        (issue,) = issue_numbers(outbox, [org.strip()], year)
    options = TemplateOptions(
        org=org.strip() if org else None, year=year, password=password, submit_to=submit_to,
        last_year=fill, issue=issue,
    )  # fmt: skip
    write_template(output, options, values, overwrite=force)
    click.echo(f"已生成填报模板：{output}")
    if issue:
        click.echo(f"下发编号已登记在 {outbox}；用 run --outbox {outbox} 收回时据此核对报送单位。")


def _hand_out(entries, output: Path, year: int, previous: Path, request) -> None:  # type: ignore[no-untyped-def]
    """template --roster --previous-year: say how many start from last year, and who does not."""
    from xl2report.batch.lastyear import hand_out

    done = hand_out(entries, output, year, previous, request)
    click.echo(
        f"已为 {len(done.paths)} 个单位生成填报模板：{output}；其中 {len(done.prefilled)} 个按"
        f"{year - 1}年度已通过的报送预填了上年数据，{len(done.missing)} 个没有上年数据。"
    )
    if done.missing:
        click.echo(f"没有上年数据（模板封面已注明）：{_names(done.missing)}", err=True)
    if done.unmatched:
        click.echo(
            f"上年数据中有 {len(done.unmatched)} 个单位不在名单中：{_names(done.unmatched)}"
            "（如已更名，请核对名单中的机关名称）", err=True,
        )  # fmt: skip
    for line in done.skipped[:10]:
        click.echo(f"未采用：{line}", err=True)


def _names(names: list[str], limit: int = 10) -> str:
    shown = "、".join(names[:limit])
    return shown + (f" 等 {len(names)} 个" if len(names) > limit else "")


def _load_values(path: Path) -> dict:
    from xl2report.checks.cells import coerce_values

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data = data.get("values", data) if isinstance(data, dict) else data
        if not isinstance(data, dict):
            raise UserError(
                f'{path}：预填数据应为一个 JSON 对象（{{"字段代码": 值, …}}，'
                f"见 examples/kejing-2024.json），现在是{_json_kind(data)}。"
            )
        values = coerce_values(data)
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}：不是 UTF-8 编码的 JSON 文件，请另存为 UTF-8。") from exc
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}：不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列附近有误）。"
        ) from exc
    except KeyError as exc:
        raise UserError(f"{path}：没有这个字段代码 {exc}（见 xl2report fields）。") from exc
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise UserError(f"{path}：无法读取预填数据（{exc}）。") from exc
    from xl2report.form.national import FORM, MAX_ORG_CHARS, MAX_TEXT_CHARS, ORG

    for key, value in values.items():
        limit = MAX_ORG_CHARS if key == ORG.key else MAX_TEXT_CHARS
        if isinstance(value, str) and len(value) > limit:
            raise UserError(
                f"{path}：字段 {key}（{FORM.field(key).label}）有 {len(value)} 个字，"
                f"超过上限 {limit} 个字。"
            )
    return values


def _json_kind(data: object) -> str:
    kinds = {list: "一个列表", str: "一段文字", bool: "真/假值", int: "一个数字", float: "一个数字"}
    return "空值（null）" if data is None else kinds.get(type(data), "其他类型")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 列表输出。")
def fields(as_json: bool) -> None:
    """列出字段代码表：每个字段的代码、工作表、单元格、标签、类型。"""
    from xl2report.docs import field_rows

    rows = field_rows()
    if as_json:
        click.echo(json_text(rows))
        return
    from xl2report.cli.console import print_table
    from xl2report.form.types import Kind, ValueType

    print_table(
        ["字段代码", "工作表", "单元格", "标签", "类别", "类型"],
        [
            [r["key"], r["sheet"], r["cell"], r["label"], Kind(r["kind"]).label,
             ValueType(r["type"]).label]
            for r in rows
        ],
    )  # fmt: skip


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 列表输出。")
def codes(as_json: bool) -> None:
    """列出全部校验结果代码及其含义（级别：错误 / 提醒；--json 中为 error / warning）。"""
    from xl2report.checks.catalogue import CATALOGUE

    rows = [
        {"code": c.code, "level": str(c.level), "group": c.group, "name": c.name, "title": c.title}
        for c in CATALOGUE.values()
    ]
    if as_json:
        click.echo(json_text(rows))
        return
    from xl2report.cli.console import print_table

    print_table(
        ["名称", "级别", "类别", "含义", "代码"],
        [[c.name, c.level.label, c.group, c.title, c.code] for c in CATALOGUE.values()],
    )
