"""The command line: parse options and configuration, run one command, choose the exit code.

main.py builds the parser and dispatches; commands.py runs scan/check/explain/apply/bases;
bot.py the bot; branch.py the branch/PR options; options.py and config.py the configuration
file and suppression options; suppressions.py what scan and apply do with suppressions.

May import every other package (it is the top of the pipeline); nothing imports cli.
"""

from fixer.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
