"""The documentation: the README as the way in, the API page, and one spelling per name.

`make test` builds the site with `mkdocs build --strict` (`make docs`), which fails on a
broken link, anchor or API reference. These are the fast checks the build cannot make:
that the README stays short and links to every page, that the API page covers the whole
flat API, and that every flag and value the pages show is one the code accepts.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import explain
from explain.io import entry
from explain.report import cli as report_cli
from explain.scale import cli as explain_cli
from explain.serve import cli as serve_cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_LINES = 200

# Commands whose flags are declared as literals in their own parsers.
LITERAL_FLAG_SOURCES = (
    *sorted((ROOT / "benchmarks").glob("*.py")),
    ROOT / "scripts" / "load_test.py",
    ROOT / "explain" / "io" / "build.py",
    ROOT / "explain" / "scale" / "convert.py",
)
# Flags of other tools the pages show: pip, ray, mkdocs, pytest.
OTHER_TOOLS_FLAGS = frozenset(
    {
        "--address",
        "--dashboard-host",
        "--editable",
        "--head",
        "--index-url",
        "--log-cli-level",
        "--no-deps",
        "--strict",
        "--working-dir",
    }
)
# Demo mode's flags arrive with another change; the section is checked by hand at merge.
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
SPAN = re.compile(r"`([^`\n]+)`")
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")
FLAG_VALUE = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)[ =]([a-z0-9_.-]+)(?![\w|])")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def nav_pages() -> list[str]:
    """The pages of mkdocs.yml's nav, as paths under docs/."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config["nav"])
    return found


def documents() -> dict[str, str]:
    """The README and every page, by name."""
    paths = [README, *sorted(DOCS.glob("*.md"))]
    return {path.relative_to(ROOT).as_posix(): path.read_text() for path in paths}


def code_in(text: str) -> Iterator[str]:
    """The fenced blocks and inline code spans of a Markdown text."""
    yield from FENCE.findall(text)
    yield from SPAN.findall(FENCE.sub("", text))


def parsers() -> list[argparse.ArgumentParser]:
    """Every parser of the project's own commands, subcommands included."""
    found = [explain_cli.parser(), serve_cli.parser(), report_cli.parser()]
    pending = [entry.parser()]
    while pending:
        parser = pending.pop()
        found.append(parser)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
    return found


def choices_by_flag() -> dict[str, set[str]]:
    """The values each flag of the project's commands takes, for flags with a fixed set."""
    found: dict[str, set[str]] = {}
    for parser in parsers():
        for action in parser._actions:
            for flag in action.option_strings:
                found.setdefault(flag, set())
                if action.choices is not None and not isinstance(
                    action, argparse._SubParsersAction
                ):
                    found[flag] |= {str(choice) for choice in action.choices}
    return found


def known_flags() -> set[str]:
    literal = set()
    for source in LITERAL_FLAG_SOURCES:
        literal |= set(re.findall(r"\"(--[a-z][a-z0-9-]*)\"", source.read_text()))
    return set(choices_by_flag()) | literal | OTHER_TOOLS_FLAGS


def test_the_readme_stays_a_five_minute_read() -> None:
    lines = README.read_text().count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines; keep it to {README_MAX_LINES} and move the rest to docs/"
    )


@pytest.mark.parametrize("page", nav_pages())
def test_the_readme_links_to_every_page_of_the_site(page: str) -> None:
    targets = {link.split("#")[0] for link in LINK.findall(README.read_text())}
    assert f"docs/{page}" in targets, f"README.md has no link to docs/{page}"


def test_every_page_is_in_the_nav_and_every_nav_entry_is_a_page() -> None:
    assert sorted(nav_pages()) == sorted(path.name for path in DOCS.glob("*.md"))


def test_the_readmes_relative_links_point_at_files() -> None:
    for link in LINK.findall(README.read_text()):
        if "://" in link or link.startswith("#"):
            continue
        assert (ROOT / link.split("#")[0]).is_file(), f"README.md links to missing {link}"


def test_the_api_page_documents_the_whole_flat_api() -> None:
    documented = set(re.findall(r"^::: explain\.(\w+)$", (DOCS / "api.md").read_text(), re.M))
    assert documented == set(explain.__all__)


def test_make_test_runs_the_strict_docs_build() -> None:
    makefile = (ROOT / "Makefile").read_text()
    test_prerequisites = re.search(r"^test:(.*)$", makefile, re.M)
    assert test_prerequisites is not None
    assert "docs" in test_prerequisites.group(1).split()
    recipe = re.search(r"^docs:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe is not None
    assert "mkdocs build --strict" in recipe.group(1)
    # --quiet drops the warnings before --strict can count them.
    assert not re.search(r"\s(-q|--quiet)\b", recipe.group(1))


def test_every_flag_in_the_docs_is_one_a_command_takes() -> None:
    flags = known_flags()
    unknown = {
        (name, flag)
        for name, text in documents().items()
        for code in code_in(text)
        for flag in FLAG.findall(code)
        if flag not in flags
    }
    assert not unknown


def test_every_flag_value_in_the_docs_is_one_the_flag_takes() -> None:
    choices = choices_by_flag()
    wrong = {
        (name, flag, value)
        for name, text in documents().items()
        for code in code_in(text)
        for flag, value in FLAG_VALUE.findall(code)
        if choices.get(flag) and value not in choices[flag]
    }
    assert not wrong


def test_names_are_spelled_as_the_code_spells_them() -> None:
    """`log_odds`, never `log-odds`: a method, baseline, output or mode has one spelling."""
    names = [*explain.METHODS, *explain.BASELINES, *explain.OUTPUT_KINDS, *explain.LONG_MODES]
    variants = {name.replace("_", "-"): name for name in names if "_" in name}
    misspelt = {
        (document, variant, variants[variant])
        for document, text in documents().items()
        for code in code_in(text)
        for variant in variants
        if re.search(rf"(?<![\w-]){re.escape(variant)}(?![\w-])", code)
    }
    assert not misspelt
