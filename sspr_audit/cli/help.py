"""Help text: every command's whole summary in ``--help``, never cut with "..."."""

from __future__ import annotations

import click


class WholeSummaries(click.Group):
    """A group whose command list shows each command's first sentence whole, wrapped to the terminal."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10**6)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
