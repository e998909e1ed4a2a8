#!/usr/bin/env python3
"""Generate runtime/dictionary/generated/{element_names,element_aliases}.inc.

Inputs (paths are arguments, defaults for this repository's layout):
  --ctp-dictionary  ../shared/data/ctp/dictionary.xml           (tag, name, key)
  --ctp-script      ../shared/data/ctp/example-ctp-dicom-anonymizer.script (t=, n=)
  --dcmtk           /usr/share/libdcmtk17/dicom.dic              (standard keywords)

element_names.inc   tag -> dictionary name ("Patient's Name"), from CTP names
                    with the " (Retired)" suffix removed.
element_aliases.inc alias -> tag, kind. Aliases are names recipes use that are
                    not the standard keyword of the element:
                      ctp    - CTP dictionary keys and CTP script n= names;
                      legacy - the pre-2017 keyword spelling derived from the
                               element name (apostrophes dropped, words
                               capitalised): "Patient's Name" -> PatientsName.
                    A name equal (case-insensitively) to any standard keyword
                    is never an alias; a name that would map to two elements
                    is dropped as ambiguous. Only tags DCMTK knows are kept.
Output is sorted and byte-identical on every run.
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def parse_tag(text):
    match = re.fullmatch(r"\(?([0-9A-Fa-f]{4}),?([0-9A-Fa-f]{4})\)?", text.strip())
    return (int(match.group(1), 16), int(match.group(2), 16)) if match else None


def read_dcmtk(path):
    """tag -> standard keyword (RETIRED_ dropped); repeating groups by first group."""
    keywords = {}
    with open(path, encoding="latin-1") as stream:
        for line in stream:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 3:
                continue
            match = re.fullmatch(r"\(([0-9A-F]{4})(?:-[0-9A-F]{4})?,([0-9A-F]{4})(?:-[0-9A-F]{4})?\)", fields[0])
            if not match:
                continue
            tag = (int(match.group(1), 16), int(match.group(2), 16))
            keyword = fields[2]
            if keyword.startswith("RETIRED_"):
                keyword = keyword[len("RETIRED_"):]
                keywords.setdefault(tag, keyword)
            else:
                keywords[tag] = keyword
    return keywords


def legacy_keyword(name):
    words = re.split(r"[^A-Za-z0-9]+", name.replace("'", ""))
    return "".join(word[:1].upper() + word[1:] for word in words if word)


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctp-dictionary", default=os.path.join(ROOT, "..", "shared", "data", "ctp", "dictionary.xml"))
    parser.add_argument("--ctp-script", default=os.path.join(ROOT, "..", "shared", "data", "ctp",
                                                            "example-ctp-dicom-anonymizer.script"))
    parser.add_argument("--dcmtk", default="/usr/share/libdcmtk17/dicom.dic")
    parser.add_argument("--out", default=os.path.join(ROOT, "runtime", "dictionary", "generated"))
    args = parser.parse_args()

    standard = read_dcmtk(args.dcmtk)
    standard_lower = {keyword.lower() for keyword in standard.values()}

    names = {}
    candidates = []  # (alias, tag, kind)
    for element in ElementTree.parse(args.ctp_dictionary).getroot().iter("element"):
        tag = parse_tag(element.get("tag", ""))
        if tag is None or tag not in standard:
            continue
        name = re.sub(r"\s*\(Retired\)$", "", element.get("name", "")).strip()
        if name:
            names.setdefault(tag, name)
            candidates.append((legacy_keyword(name), tag, "legacy"))
        if element.get("key"):
            candidates.append((element.get("key"), tag, "ctp"))
    with open(args.ctp_script, encoding="utf-8") as stream:
        for match in re.finditer(r'<e\b[^>]*\bt="([0-9A-Fa-f]{8})"[^>]*\bn="([^"]+)"', stream.read()):
            tag = parse_tag(match.group(1))
            if tag in standard:
                candidates.append((match.group(2), tag, "ctp"))

    by_alias = {}
    for alias, tag, kind in candidates:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", alias) or alias.lower() in standard_lower:
            continue
        by_alias.setdefault(alias.lower(), []).append((alias, tag, kind))
    aliases = []
    for lowered, entries in sorted(by_alias.items()):
        tags = {tag for _, tag, _ in entries}
        if len(tags) > 1:
            print("dropped ambiguous alias %s -> %s" % (entries[0][0], sorted(tags)), file=sys.stderr)
            continue
        # CTP spelling wins over the derived legacy one when both exist.
        alias, tag, kind = sorted(entries, key=lambda e: (e[2] != "ctp", e[0]))[0]
        aliases.append((alias, tag, kind))

    header = ("// Generated by tools/generate_dictionary_tables.py from %s; do not edit.\n"
              "// Inputs: CTP dictionary.xml, CTP example-ctp-dicom-anonymizer.script, DCMTK dicom.dic.\n")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "element_names.inc"), "w", encoding="utf-8", newline="\n") as out:
        out.write(header % "the CTP element names")
        for (group, element), name in sorted(names.items()):
            out.write("{0x%04X, 0x%04X, %s},\n" % (group, element, c_string(name)))
    with open(os.path.join(args.out, "element_aliases.inc"), "w", encoding="utf-8", newline="\n") as out:
        out.write(header % "CTP keys, CTP script names and legacy keyword spellings")
        for alias, (group, element), kind in aliases:
            out.write("{%s, 0x%04X, 0x%04X, AliasKind::%s},\n" % (c_string(alias), group, element, kind))
    counts = {}
    for _, _, kind in aliases:
        counts[kind] = counts.get(kind, 0) + 1
    print("%d names, %d aliases %s" % (len(names), len(aliases), counts), file=sys.stderr)


if __name__ == "__main__":
    main()
