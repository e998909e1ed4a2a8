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
                    When a CTP name and a derived legacy name coincide, the
                    alias is reported as ctp (that is where recipes got it).

Repeating CTP tags such as (60xx,3000) or (0028,04x0) are matched against
DCMTK's tags (a DCMTK range is represented by its first tag, as the C++
dictionary does); when several DCMTK tags fit the pattern, the one whose
keyword equals the CTP key is taken, otherwise the element is skipped.

Output is sorted and byte-identical on every run. With --check nothing is
written; the exit status says whether the checked-in files are up to date.
Everything dropped is listed on stderr.
"""
import argparse
import hashlib
import os
import re
import sys
import xml.etree.ElementTree as ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT_NAME = "tools/generate_dictionary_tables.py"

# Keywords a recipe can write as a plain field name. Anything else (a CTP
# script name with spaces, an empty n="") cannot be bound as an alias.
ALIAS_SYNTAX = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# "(GGGG,EEEE)", "(GGGG-GGGG,EEEE)", "(GGGG-o-GGGG,EEEE-u-EEEE)": the first
# tag of each range, as DCMTK's dictionary reports it.
DCMTK_TAG = re.compile(r"\(([0-9A-F]{4})(?:-[a-z]-[0-9A-F]{4}|-[0-9A-F]{4})?,"
                       r"([0-9A-F]{4})(?:-[a-z]-[0-9A-F]{4}|-[0-9A-F]{4})?\)")


_logged = set()


CATCH_ALL_ORIGINS = {"GENERIC", "ILLEGAL", "PRIVATE"}


def log(message):
    # The CTP dictionary and script often say the same thing twice.
    if message not in _logged:
        _logged.add(message)
        print(message, file=sys.stderr)


class Standard:
    """DCMTK's standard elements: tag -> keyword (RETIRED_ dropped)."""

    def __init__(self, path):
        self.keyword_of = {}
        with open(path, encoding="latin-1") as stream:
            for line in stream:
                if line.startswith("#") or not line.strip():
                    continue
                fields = line.rstrip("\n").split("\t")
                match = DCMTK_TAG.fullmatch(fields[0]) if len(fields) >= 5 else None
                # GENERIC/ILLEGAL/PRIVATE rows are DCMTK's catch-alls for group
                # lengths and private creators, not elements of the standard;
                # the C++ dictionary leaves them out as well.
                if not match or fields[4] in CATCH_ALL_ORIGINS:
                    continue
                tag = (int(match.group(1), 16), int(match.group(2), 16))
                keyword = fields[2]
                if keyword.startswith("RETIRED_"):
                    keyword = keyword[len("RETIRED_"):]
                self.keyword_of.setdefault(tag, keyword)
        self.lowered = {keyword.lower(): tag for tag, keyword in self.keyword_of.items()}

    def resolve(self, text, ctp_key):
        """The DCMTK tag a CTP tag ("(0010,0010)", "00100010", "(60xx,3000)") names, or None."""
        digits = re.sub(r"[(),\s]", "", text).upper()
        if not re.fullmatch(r"[0-9A-FX]{8}", digits):
            return None
        if "X" not in digits:
            tag = (int(digits[:4], 16), int(digits[4:], 16))
            if tag not in self.keyword_of:
                log("skipped CTP tag %s (%s): not in DCMTK's dictionary" % (text, ctp_key))
                return None
            return tag
        pattern = re.compile(digits.replace("X", "[0-9A-F]"))
        fitting = sorted(tag for tag in self.keyword_of if pattern.fullmatch("%04X%04X" % tag))
        if len(fitting) == 1:
            return fitting[0]
        same_keyword = [tag for tag in fitting if ctp_key and self.keyword_of[tag].lower() == ctp_key.lower()]
        if len(same_keyword) == 1:
            return same_keyword[0]
        log("skipped CTP tag %s (%s): %d DCMTK tags fit the pattern" % (text, ctp_key, len(fitting)))
        return None


def legacy_keyword(name):
    """The pre-2017 keyword spelling: "Operators' Name" -> OperatorsName."""
    # DICOM spells the micro sign "u" in keywords (ExposureInuAs); dropping it
    # would invent a different word ("ExposureInAs").
    ascii_name = name.replace("'", "").replace("\u00b5", "u").replace("\u03bc", "u")
    words = re.split(r"[^A-Za-z0-9]+", ascii_name)
    return "".join(word[:1].upper() + word[1:] for word in words if word)


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tag_text(tag):
    return "(%04X,%04X)" % tag


def read_ctp_dictionary(path, standard):
    """tag -> name, and alias candidates (alias, tag, kind)."""
    names = {}
    candidates = []
    for element in ElementTree.parse(path).getroot().iter("element"):
        key = (element.get("key") or "").strip()
        tag = standard.resolve(element.get("tag", ""), key)
        if tag is None:
            continue
        name = re.sub(r"\s*\(Retired\)$", "", element.get("name", "")).strip()
        if name:
            if tag in names and names[tag] != name:
                log("kept name %r of %s, not the later %r" % (names[tag], tag_text(tag), name))
            names.setdefault(tag, name)
            candidates.append((legacy_keyword(name), tag, "legacy"))
        if key:
            candidates.append((key, tag, "ctp"))
    return names, candidates


def read_ctp_script(path, standard):
    candidates = []
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    for element in re.finditer(r"<e\b([^>]*)>", text):
        attributes = dict(re.findall(r'\b(\w+)="([^"]*)"', element.group(1)))
        if "t" not in attributes or "n" not in attributes:
            continue
        name = attributes["n"].strip()
        tag = standard.resolve(attributes["t"], name) if re.fullmatch(r"[0-9A-Fa-fXx]{8}", attributes["t"]) else None
        if tag is not None:
            candidates.append((name, tag, "ctp"))
    return candidates


def select_aliases(candidates, standard):
    by_alias = {}
    for alias, tag, kind in candidates:
        if not ALIAS_SYNTAX.fullmatch(alias):
            log("dropped %s name %r of %s: not a plain keyword" % (kind, alias, tag_text(tag)))
            continue
        owner = standard.lowered.get(alias.lower())
        if owner is not None:
            # Most are simply the standard keyword again; one naming a
            # different element is a real collision worth knowing about.
            if owner != tag:
                log("dropped %s alias %s of %s: it is the standard keyword of %s" %
                    (kind, alias, tag_text(tag), tag_text(owner)))
            continue
        by_alias.setdefault(alias.lower(), []).append((alias, tag, kind))
    aliases = []
    for lowered in sorted(by_alias):
        entries = by_alias[lowered]
        tags = sorted({tag for _, tag, _ in entries})
        if len(tags) > 1:
            log("dropped ambiguous alias %s -> %s" % (entries[0][0], ", ".join(tag_text(tag) for tag in tags)))
            continue
        alias, tag, kind = min(entries, key=lambda entry: (entry[2] != "ctp", entry[0]))
        aliases.append((alias, tag, kind))
    return aliases


def header(what, inputs):
    lines = ["// Generated by %s: %s. Do not edit; re-run the script." % (SCRIPT_NAME, what),
             "// Inputs (sha256):"]
    for label, path in inputs:
        with open(path, "rb") as stream:
            digest = hashlib.sha256(stream.read()).hexdigest()[:16]
        lines.append("//   %s %s (%s)" % (label, os.path.basename(path), digest))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctp-dictionary", default=os.path.join(ROOT, "..", "shared", "data", "ctp", "dictionary.xml"))
    parser.add_argument("--ctp-script", default=os.path.join(ROOT, "..", "shared", "data", "ctp",
                                                            "example-ctp-dicom-anonymizer.script"))
    parser.add_argument("--dcmtk", default="/usr/share/libdcmtk17/dicom.dic")
    parser.add_argument("--out", default=os.path.join(ROOT, "runtime", "dictionary", "generated"))
    parser.add_argument("--check", action="store_true", help="compare with the files in --out, write nothing")
    args = parser.parse_args()

    standard = Standard(args.dcmtk)
    names, candidates = read_ctp_dictionary(args.ctp_dictionary, standard)
    candidates += read_ctp_script(args.ctp_script, standard)
    aliases = select_aliases(candidates, standard)

    inputs = [("CTP", args.ctp_dictionary), ("CTP", args.ctp_script), ("DCMTK", args.dcmtk)]
    outputs = {
        "element_names.inc":
            header("tag -> dictionary name, from the CTP element names", inputs) +
            "".join("{0x%04X, 0x%04X, %s},\n" % (group, element, c_string(name))
                    for (group, element), name in sorted(names.items())),
        "element_aliases.inc":
            header("legacy keyword and CTP name -> standard element", inputs) +
            "".join("{%s, 0x%04X, 0x%04X, AliasKind::%s},\n" % (c_string(alias), group, element, kind)
                    for alias, (group, element), kind in aliases),
    }

    counts = {}
    for _, _, kind in aliases:
        counts[kind] = counts.get(kind, 0) + 1
    log("%d names, %d aliases (%s)" % (len(names), len(aliases),
                                       ", ".join("%s %d" % item for item in sorted(counts.items()))))

    stale = []
    for file_name, text in outputs.items():
        path = os.path.join(args.out, file_name)
        if args.check:
            try:
                with open(path, encoding="utf-8", newline="") as stream:
                    if stream.read() != text:
                        stale.append(path)
            except FileNotFoundError:
                stale.append(path)
            continue
        os.makedirs(args.out, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    if stale:
        log("out of date: %s" % ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
