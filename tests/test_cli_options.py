"""--config/-c, --verbose/-v and --debug work before or after any command, as README says."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from helpers import HARBOUR_ARTICLE, add_article, write_config

from digest.cli import build_parser, main


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def required_args(command: argparse.ArgumentParser) -> list[str]:
    """Placeholder values for a command's required arguments, read from the parser itself,
    so a command added later is covered too."""
    args: list[str] = []
    for action in command._actions:
        if not action.option_strings and action.dest != "help":
            args.append(next(iter(action.choices)) if action.choices else "x")
        elif action.required:
            args += [action.option_strings[0], "x"]
    return args


@pytest.mark.parametrize("name", sorted(commands()))
def test_global_options_before_or_after_every_command(name):
    parser = build_parser()
    rest = required_args(commands()[name])
    given = ["--config", "other.yaml", "--verbose", "--debug"]
    short = ["-c", "other.yaml", "-v", "--debug"]
    for argv in (
        [*given, name, *rest],
        [name, *rest, *given],
        [*short, name, *rest],
        [name, *short, *rest],
    ):
        args = parser.parse_args(argv)
        assert (args.command, args.config, args.verbose, args.debug) == (
            name,
            Path("other.yaml"),
            True,
            True,
        ), argv

    # Neither place: the defaults. Both places: the one after the command wins.
    args = parser.parse_args([name, *rest])
    assert (args.config, args.verbose, args.debug) == (Path("config.yaml"), False, False)
    args = parser.parse_args(["-c", "first.yaml", name, *rest, "-c", "second.yaml"])
    assert args.config == Path("second.yaml")


def test_config_before_the_command_is_used_for_real(tmp_path, capsys):
    path = write_config(tmp_path)
    assert main(["--config", str(path), "status"]) == 0
    assert main(["-c", str(path), "check-config"]) == 0
    assert f"{path}: OK" in capsys.readouterr().out


def test_verbose_before_the_command_turns_on_debug_lines(tmp_path, capsys):
    path = write_config(tmp_path)
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    assert main(["-v", "-c", str(path), "run"]) == 0
    assert "DEBUG: Read source 'Local' (folder)" in capsys.readouterr().err
