#!/usr/bin/env python3
"""Writes deid(1) and the bash completion from `deid --help` and each
command's --help, so that both always say what the program takes.

    help_pages.py --deid build/deid --version 0.1.0 \
        --man build/deid.1 --completion build/deid.bash-completion

Reads CLI11's help layout: a description line, "Usage: PROGRAM ...", then
sections ("Positionals:", "Options:", "Subcommands:") of entries indented
by two blanks, "NAMES [TYPE] [...] [REQUIRED]  description" (a long NAMES
puts the description on the next line); any other text (a footer) is kept
as it is.
"""

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Entry:
    names: list  # ["-o", "--output"], or ["inputs"] for a positional
    types: list  # ["TEXT"], ["TEXT:{text,json}"], [] for a flag
    repeated: bool = False
    required: bool = False
    description: str = ""

    @property
    def takes_value(self):
        return bool(self.types)

    @property
    def takes_number(self):
        return any(kind in ("INT", "UINT", "FLOAT", "NUMBER") for kind in self.types)

    @property
    def choices(self):
        for kind in self.types:
            match = re.search(r":\{([^}]*)\}", kind)
            if match:
                return match.group(1).split(",")
        return []


@dataclass
class Help:
    description: str = ""
    usage: str = ""
    sections: list = field(default_factory=list)  # (title, [Entry]) or (None, [text lines])


def run_help(deid, *command):
    result = subprocess.run([deid, *command, "--help"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"help_pages.py: {deid} {' '.join(command)} --help exited with {result.returncode}")
    return result.stdout


def parse_entry(line):
    columns = re.split(r" {2,}", line.strip(), maxsplit=1)
    tokens = columns[0].split()
    entry = Entry(names=tokens[0].split(","), types=[])
    for token in tokens[1:]:
        if token == "...":
            entry.repeated = True
        elif token == "REQUIRED":
            entry.required = True
        elif not token.startswith("["):  # "[default]" is no type
            entry.types.append(token)
    entry.description = columns[1] if len(columns) > 1 else ""
    return entry


def parse_help(text, program):
    help_ = Help()
    lines = text.splitlines()
    index = 0
    description = []
    while index < len(lines) and not lines[index].startswith("Usage:"):
        if lines[index].strip():
            description.append(lines[index].strip())
        index += 1
    help_.description = " ".join(description)
    if index < len(lines):
        # The program as it was run ("./deid", "/build/path/deid") reads "deid".
        usage = lines[index][len("Usage:"):].strip()
        help_.usage = re.sub(r"^\S*deid\b", program, usage)
        index += 1
    section = None
    for line in lines[index:]:
        heading = re.fullmatch(r"([A-Z][A-Za-z ]*):", line)
        if heading:
            section = (heading.group(1), [])
            help_.sections.append(section)
        elif not line.strip():
            section = None
        elif section is not None and section[0] is not None and line.startswith("  "):
            entries = section[1]
            if re.match(r" {4,}\S", line) and entries:  # a description below a long name, or its next line
                entries[-1].description = (entries[-1].description + " " + line.strip()).strip()
            else:
                entries.append(parse_entry(line))
        else:
            if section is None or section[0] is not None:
                section = (None, [])
                help_.sections.append(section)
            section[1].append(line)
    return help_


def entries(help_, title):
    for name, items in help_.sections:
        if name == title:
            return items
    return []


# ---- deid(1) ----

def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-").replace("§", "\\(sc")
    return "\\&" + text if text.startswith((".", "'")) else text


def roff_entry(entry):
    names = ", ".join(f"\\fB{roff(name)}\\fR" for name in entry.names)
    value = " ".join(f"\\fI{roff(kind)}\\fR" for kind in entry.types)
    line = f"{names} {value}".strip()
    if entry.repeated:
        line += " ..."
    description = roff(entry.description)
    if entry.required:
        description += " (required)"
    return f".TP\n{line}\n{description}\n"


def roff_text(lines):
    return ".PP\n.nf\n" + "\n".join(roff(line) for line in lines) + "\n.fi\n"


def roff_sections(help_, skip=()):
    out = ""
    for title, items in help_.sections:
        if title in skip:
            continue
        if title is None:
            out += roff_text(items)
            continue
        out += f".PP\n\\fI{roff(title)}\\fR\n.RS 4\n" + "".join(roff_entry(entry) for entry in items) + ".RE\n"
    return out


def roff_top_level(top):
    """deid --help beyond its commands: its options, then each other section
    (an "Exit status:" table, say) under its own heading, and free text
    under NOTES."""
    out = "".join(roff_entry(entry) for entry in entries(top, "Options"))
    for title, items in top.sections:
        if title is None:
            out += ".SH NOTES\n" + roff_text(items)
        elif title not in ("Options", "Subcommands"):
            out += f".SH {roff(title.upper())}\n" + "".join(roff_entry(entry) for entry in items)
    return out


def usage_arguments(help_):
    """What the usage line gives after "deid COMMAND"."""
    words = help_.usage.split(" ", 2)
    return words[2] if len(words) > 2 else ""


def man_page(top, commands, version):
    synopsis = "\n.br\n".join(f"\\fBdeid {roff(name)}\\fR {roff(usage_arguments(help_))}"
                               for name, help_ in commands)
    sections = ""
    for name, help_ in commands:
        sections += f'.SS "deid {roff(name)}"\n{roff(help_.description)}\n'
        sections += f".PP\n\\fBdeid {roff(name)}\\fR {roff(usage_arguments(help_))}\n"
        sections += roff_sections(help_)
    template = (HERE / "deid.1.in").read_text(encoding="utf-8")
    return (template.replace("@VERSION@", version)
            .replace("@DESCRIPTION@", roff(top.description.split(":", 1)[-1].strip()))
            .replace("@SYNOPSIS@", synopsis)
            .replace("@COMMANDS@", sections)
            .replace("@GLOBAL@", roff_top_level(top)))


# ---- bash completion ----

def shell_words(words):
    return " ".join(words)


def completion(top, commands):
    global_options = [name for entry in entries(top, "Options") for name in entry.names]
    cases = []
    for name, help_ in commands:
        options = entries(help_, "Options")
        flags = [n for entry in options if not entry.takes_value for n in entry.names]
        valued = [n for entry in options if entry.takes_value for n in entry.names]
        numeric = [n for entry in options if entry.takes_number for n in entry.names]
        cases.append(f'        {name}) flags="{shell_words(flags)}" valued="{shell_words(valued)}" '
                     f'numeric="{shell_words(numeric)}" ;;')
        for entry in options:
            if entry.choices:
                pattern = "|".join(f"{name}\\ {option}" for option in entry.names)
                cases.append(f'        {pattern}) COMPREPLY=($(compgen -W "{shell_words(entry.choices)}" -- "$cur")); return ;;')
    option_cases = [case for case in cases if 'flags="' in case]
    choice_cases = [case for case in cases if 'flags="' not in case]
    profile_options = []
    for _, help_ in commands:
        for entry in entries(help_, "Options"):
            match = re.search(r"\(options: ([a-z, -]+)\)", entry.description)
            if "--profile" in entry.names and match:
                profile_options = [option.strip() for option in match.group(1).split(",")]
    template = (HERE / "deid.bash-completion.in").read_text(encoding="utf-8")
    return (template.replace("@COMMANDS@", shell_words(name for name, _ in commands))
            .replace("@GLOBAL_OPTIONS@", shell_words(global_options))
            .replace("@OPTION_CASES@", "\n".join(option_cases))
            .replace("@CHOICE_CASES@", "\n".join(choice_cases))
            .replace("@PROFILE_OPTIONS@", shell_words(profile_options)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deid", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--man", type=Path, required=True)
    parser.add_argument("--completion", type=Path, required=True)
    arguments = parser.parse_args()

    top = parse_help(run_help(arguments.deid), "deid")
    names = [entry.names[0] for entry in entries(top, "Subcommands")]
    if not names:
        sys.exit("help_pages.py: deid --help lists no commands")
    commands = [(name, parse_help(run_help(arguments.deid, name), "deid")) for name in names]
    arguments.man.write_text(man_page(top, commands, arguments.version), encoding="utf-8")
    arguments.completion.write_text(completion(top, commands), encoding="utf-8")


if __name__ == "__main__":
    main()
