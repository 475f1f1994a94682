"""`dyad` command line: one subcommand per module in dyad.commands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> (module in dyad.commands, one-line help). Each module has add_arguments(p) and main(args).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "the service: consume, dedup, classify, publish; serves HTTP"),
    "demo": ("demo", "start a local broker, publish seeds/, run the service, print a summary"),
    "classify": ("classify", "the same pipeline offline: JSON Lines in, enriched events out"),
    "publish": ("publish", "publish a JSON Lines file of raw articles to a topic"),
    "tail": ("tail", "follow the enriched topic as readable lines or JSON"),
    "stats": ("stats_cmd", "a running service's /stats as readable tables"),
    "replay": ("replay", "move the group's committed offsets back to a time, to reprocess"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dyad",
        description="Streaming news ingestion: dedup, country pair and sector classification.",
        epilog="Configuration comes from environment variables (see README); "
        "`dyad COMMAND --help` shows each command's options and an example.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(f"dyad.commands.{module}")
        p = sub.add_parser(
            name,
            help=help_text,
            description=(mod.__doc__ or help_text).strip(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        mod.add_arguments(p)
        p.set_defaults(_module=mod)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code = args._module.main(args)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
