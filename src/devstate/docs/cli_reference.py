"""The CLI reference page, generated from the click command tree itself.

Every command gets a heading with the anchor ``devstate-<sub>-<command>``, its usage
line, its help text and a table of its arguments and options, so the page can never
drift from what ``devstate --help`` prints.
"""

from __future__ import annotations

import inspect

import click

from devstate.docs.markdown import cell, code, heading, join_blocks, slug, table

_UNSET = getattr(click.core, "UNSET", None)
"""click ≥ 8.2 marks "no default" with this sentinel (older versions use None)."""


def render_cli_reference(root: click.Command, name: str = "devstate", conventions: str = "") -> str:
    """The Markdown reference of ``root`` and every subcommand, depth first, after the
    ``conventions`` section (Markdown) if given."""
    intro = (
        f"This page is generated from the command tree of `{name}` at build time; "
        f"`{name} COMMAND --help` prints the same text.\n"
    )
    context = click.Context(root, info_name=name, **root.context_settings)
    blocks = [heading(1, "Command-line reference", "top"), intro, conventions, _toc(root, context)]
    blocks += _command_blocks(root, context, level=2)
    return join_blocks(blocks)


def walk(command: click.Command, context: click.Context) -> list[tuple[click.Command, click.Context]]:
    """``command`` and its visible subcommands (sorted by name), depth first."""
    found = [(command, context)]
    if isinstance(command, click.Group):
        for sub_name in sorted(command.list_commands(context)):
            sub = command.get_command(context, sub_name)
            if sub is not None and not sub.hidden:
                sub_context = click.Context(sub, info_name=sub_name, parent=context, **sub.context_settings)
                found += walk(sub, sub_context)
    return found


def command_anchor(context: click.Context) -> str:
    return slug(*context.command_path.split())


def _toc(root: click.Command, context: click.Context) -> str:
    rows = [
        [f"[{code(ctx.command_path)}](#{command_anchor(ctx)})", cell(cmd.get_short_help_str(limit=90))]
        for cmd, ctx in walk(root, context)[1:]
    ]
    return table(["Command", "Summary"], rows)


def _command_blocks(root: click.Command, context: click.Context, level: int) -> list[str]:
    blocks = []
    for command, ctx in walk(root, context):
        depth = len(ctx.command_path.split()) - 1
        blocks.append(heading(min(level + depth, 4), code(ctx.command_path), command_anchor(ctx)))
        blocks.append(f"```text\n{command.get_usage(ctx)}\n```\n")
        blocks.append(_help_text(command))
        blocks.append(_params_table(command, ctx))
        blocks.append(_subcommands(command, ctx))
    return blocks


def _help_text(command: click.Command) -> str:
    text = inspect.cleandoc(command.help or "")
    return text.replace("\b\n", "") + "\n" if text else ""


def _params_table(command: click.Command, context: click.Context) -> str:
    rows = [row for param in command.get_params(context) if (row := _param_row(param, context))]
    return table(["Argument or option", "Type", "Default", "Description"], rows) if rows else ""


def _param_row(param: click.Parameter, context: click.Context) -> list[str] | None:
    if isinstance(param, click.Option) and param.hidden:
        return None
    names = ", ".join(code(n) for n in [*param.opts, *param.secondary_opts])
    if isinstance(param, click.Argument):
        names = code(param.make_metavar(context))
    kind = "flag" if isinstance(param, click.Option) and param.is_flag else cell(param.type.name)
    if isinstance(param.type, click.Choice):
        kind = "one of " + ", ".join(code(choice) for choice in param.type.choices)
    help_text = param.help if isinstance(param, click.Option) else ""
    return [names, kind, _default(param, context), cell(help_text or "")]


def _default(param: click.Parameter, context: click.Context) -> str:
    if isinstance(param, click.Option) and (param.is_flag or param.show_default is False):
        return ""
    value = param.get_default(context, call=False)
    if value is None or value is _UNSET or callable(value) or value == ():
        return ""
    return code(cell(value))


def _subcommands(command: click.Command, context: click.Context) -> str:
    if not isinstance(command, click.Group):
        return ""
    names = [n for n in sorted(command.list_commands(context)) if not _hidden(command, context, n)]
    links = [f"[{code(f'{context.command_path} {n}')}](#{slug(*context.command_path.split(), n)})" for n in names]
    return "Subcommands: " + ", ".join(links) + "\n" if links else ""


def _hidden(group: click.Group, context: click.Context, name: str) -> bool:
    sub = group.get_command(context, name)
    return sub is None or sub.hidden
