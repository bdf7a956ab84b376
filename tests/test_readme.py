"""The README names every setting and every command-line option a user needs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from outreach.cli.main import app
from outreach.core.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
# Options every command shares, explained once above the command table.
SHARED = {"--json", "--help"}


def _named(variable: str) -> bool:
    """``OUTREACH_X_Y`` in full, or as ``_Y`` after a sibling in the same table row."""
    if variable in README:
        return True
    for line in README.splitlines():
        if line.startswith("| `OUTREACH_"):
            shorthand = re.findall(r"`(_[A-Z_]+)`", line)
            first = re.match(r"\| `(OUTREACH_[A-Z]+)_", line)
            prefixes = ["OUTREACH", first.group(1)] if first else ["OUTREACH"]
            if any(head + tail == variable for head in prefixes for tail in shorthand):
                return True
    return False


def test_every_setting_is_in_the_configuration_table() -> None:
    missing = [
        f"OUTREACH_{name.upper()}"
        for name in Settings.model_fields
        if not _named(f"OUTREACH_{name.upper()}")
    ]
    assert not missing, f"the README does not name {missing}"


def _commands(group: Any, prefix: str) -> list[tuple[str, Any]]:
    """Every leaf command under ``group`` (typer's click objects), with its full path."""
    found: list[tuple[str, Any]] = []
    for name, command in getattr(group, "commands", {}).items():
        path = f"{prefix} {name}"
        if getattr(command, "commands", None):
            found.extend(_commands(command, path))
        else:
            found.append((path, command))
    return found


def test_every_command_and_option_is_in_the_command_table() -> None:
    root = typer.main.get_command(app)
    missing = []
    for path, command in _commands(root, "outreach"):
        words = path.split()
        if not any(all(w in line for w in words[1:]) for line in README.splitlines()):
            missing.append(path)
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("--") and option not in SHARED and option not in README:
                    missing.append(f"{path} {option}")
    assert not missing, f"the README does not name {missing}"
