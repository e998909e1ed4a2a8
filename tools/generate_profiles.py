#!/usr/bin/env python3
"""Generate the PS3.15 confidentiality profiles as deid recipes.

Input:  ../shared/data/standard/confidentiality_profile_attributes.json
        (DICOM PS3.15 Annex E Table E.1-1: per attribute the action of the
        Basic Application Level Confidentiality Profile and of each option)
        and DCMTK's dicom.dic (keywords and VRs).
Output: recipes/profiles/deid.profile.basic        the basic profile
        recipes/profiles/deid.profile.<option>     one recipe per option, run after basic
        recipes/profiles/deid.profile.pseudonyms   keyed pseudonyms for the IDs the
                                                   profile empties, run last
        engine/generated/confidentiality_profile.inc  the same table for `deid verify`

How each action of the table becomes a recipe action (README, "Profiles"):
  X       REMOVE
  Z       BLANK                  (a blanked sequence has no items)
  D       REPLACE deid_func:dummy (a value valid for the element's VR);
          a UI gets deid_func:consistent_uid, a sequence is BLANKed
  U       REPLACE deid_func:consistent_uid
  X/Z, Z/D, X/Z/D   BLANK        (a present element stays present and empty:
                                  valid wherever the IOD has it as Type 2 or 3)
  X/D     as D                   (Z is not allowed: the IOD may need a value)
  X/Z/U*  no action on the sequence: its items stay, and every UID in them is
          replaced by the U rows, which act at any depth
Options: K becomes KEEP (KEEP wins over every other action of the run); C
becomes, by VR, REPLACE deid_func:shift_date (dates and times),
REPLACE deid_func:clean_text (text), KEEP for a sequence (its items are
handled by the rows that act at any depth), and nothing for bitmaps and
curves, which deid cannot clean (they stay removed).

Output is byte-identical on every run. With --check nothing is written; the
exit status says whether the committed files are up to date.
"""
import argparse
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT_NAME = "tools/generate_profiles.py"

# Flag name, column of the table, CID 7050 code, code meaning. In this order
# everywhere: the C++ table's option columns and ProfileOption.
OPTIONS = [
    ("retain-uids", "rtnUIDsOpt", "113110", "Retain UIDs Option"),
    ("retain-device-identity", "rtnDevIdOpt", "113109", "Retain Device Identity Option"),
    ("retain-institution-identity", "rtnInstIdOpt", "113112", "Retain Institution Identity Option"),
    ("retain-patient-characteristics", "rtnPatCharsOpt", "113108", "Retain Patient Characteristics Option"),
    ("retain-long-full-dates", "rtnLongFullDatesOpt", "113106",
     "Retain Longitudinal Temporal Information Full Dates Option"),
    ("retain-long-modified-dates", "rtnLongModifDatesOpt", "113107",
     "Retain Longitudinal Temporal Information Modified Dates Option"),
    ("clean-descriptors", "cleanDescOpt", "113105", "Clean Descriptors Option"),
    ("clean-structured-content", "cleanStructContOpt", "113104", "Clean Structured Content Option"),
    ("clean-graphics", "cleanGraphOpt", "113103", "Clean Graphics Option"),
]
# Retain Safe Private (rtnSafePrivOpt, 113111) is left out: the table has one
# row for it ("private attributes: C") and the list of safe private
# attributes (PS3.15 Table E.3.10-1) is not in the data deid is built from.

BINARY_VRS = {"OB", "OW", "OD", "OF", "OL", "OV", "UN", "ox", "xs", "px", "lt"}
DATE_VRS = {"DA", "DT", "TM"}
TEXT_VRS = {"AE", "AS", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"}

# The table names the dataset's AE titles (Station AE Title, ...) but not
# those of the file meta header, which name the same devices.
META_AE_TITLES = [
    ((0x0002, 0x0016), "SourceApplicationEntityTitle", "Source Application Entity Title"),
    ((0x0002, 0x0017), "SendingApplicationEntityTitle", "Sending Application Entity Title"),
    ((0x0002, 0x0018), "ReceivingApplicationEntityTitle", "Receiving Application Entity Title"),
]
# Text of structured content and graphics that the table does not list:
# the basic profile removes it with its sequence; the clean options keep the
# sequence and so must clean the text inside.
NESTED_TEXT = {
    "clean-structured-content": [((0x0040, 0xA160), "TextValue", "Text Value, in content items")],
    "clean-graphics": [((0x0070, 0x0006), "UnformattedTextValue", "Unformatted Text Value, in text objects")],
}

PRIVATE_ROW = "(GGGG,EEEE) WHERE GGGG IS ODD"
# Every element of an odd group, private creators included (tag strings are
# "(GGGG,EEEE)" whatever the depth).
PRIVATE_FIELD = r"startswith:\([0-9A-F]{3}[13579BDF],"
# Curve Data (50XX,XXXX): every element of the even groups 5000-50FE.
CURVE_FIELD = r"startswith:\(50[0-9A-F][02468ACE],"

TAG = re.compile(r"\(([0-9A-FX]{4}),([0-9A-FX]{4})\)")
DCMTK_TAG = re.compile(r"\(([0-9A-F]{4})(?:-([0-9A-F]{4}))?,([0-9A-F]{4})\)")


class Dictionary:
    """DCMTK's standard elements: tag -> (keyword, VR); ranges by their first group."""

    def __init__(self, path):
        self.entries = {}
        with open(path, encoding="latin-1") as stream:
            for line in stream:
                if line.startswith("#") or not line.strip():
                    continue
                fields = line.rstrip("\n").split("\t")
                match = DCMTK_TAG.fullmatch(fields[0].upper()) if len(fields) >= 5 else None
                if not match or fields[4] in {"GENERIC", "ILLEGAL", "PRIVATE"}:
                    continue
                keyword = fields[2]
                if keyword.startswith("RETIRED_"):
                    keyword = keyword[len("RETIRED_"):]
                tag = (int(match.group(1), 16), int(match.group(3), 16))
                self.entries.setdefault(tag, (keyword, fields[1]))

    def find(self, tag):
        return self.entries.get(tag)


class Row:
    """One attribute of Table E.1-1."""

    def __init__(self, raw, dictionary):
        self.raw = raw
        self.name = " ".join(raw["name"].split())  # some names hold line breaks
        self.basic = raw["basicProfile"]
        self.options = {flag: raw.get(column, "") for flag, column, _, _ in OPTIONS}
        self.private = raw["tag"] == PRIVATE_ROW
        self.curve = False
        self.group_mask = 0xFFFF
        self.element_mask = 0xFFFF
        if self.private:
            self.tag = (0x0001, 0x0000)
            self.group_mask = 0x0001
            self.element_mask = 0x0000
            self.keyword, self.vr = None, None
            return
        match = TAG.fullmatch(raw["tag"].upper())
        if not match:
            raise SystemExit("unexpected tag %r in the table" % raw["tag"])
        group_text, element_text = match.groups()
        if "X" in group_text:
            # (50XX,....) and (60XX,....): the even groups of the range.
            self.group_mask = 0xFF01
            group_text = group_text.replace("X", "0")
        if "X" in element_text:
            self.element_mask = 0x0000
            element_text = element_text.replace("X", "0")
        self.tag = (int(group_text, 16), int(element_text, 16))
        self.curve = self.tag[0] == 0x5000 and self.element_mask == 0
        entry = None if self.curve else dictionary.find(self.tag)
        self.keyword, self.vr = entry if entry else (None, None)

    def field(self):
        if self.private:
            return PRIVATE_FIELD
        if self.curve:
            return CURVE_FIELD
        if self.group_mask == 0xFF01:
            # A repeating-group keyword (OverlayData) would bind to every
            # group too, but older tools match nothing for it (lint notes
            # that); the tag pattern says what it means.
            return r"startswith:\(%02X[0-9A-F][02468ACE],%04X\)" % (self.tag[0] >> 8, self.tag[1])
        return self.keyword or "(%04X,%04X)" % self.tag

    def tag_text(self):
        return "(GGGG,EEEE), GGGG odd," if self.private else "(%s)" % self.raw["tag"].strip("()")

    def sort_key(self):
        return (self.tag[0] if not self.private else -1, self.tag[1])


def basic_rule(row):
    """The action the basic profile takes, after the multi-choice rules: one of
    remove, blank, dummy, uid, keep_sequence."""
    action = row.basic
    if action in ("X/Z", "Z/D", "X/Z/D"):
        action = "Z"
    elif action == "X/D":
        action = "D"
    elif action == "X/Z/U*":
        return "keep_sequence"
    if action == "D" and row.vr == "UI":
        return "uid"
    if action == "D" and row.vr == "SQ":
        return "blank"
    return {"X": "remove", "Z": "blank", "D": "dummy", "U": "uid"}[action]


def option_rule(row, flag):
    """The action an option takes on a row, or None: keep, shift_date, clean_text,
    keep_sequence, or cannot_clean."""
    action = row.options[flag]
    if not action:
        return None
    if action == "K":
        return "keep"
    if action != "C":
        raise SystemExit("unexpected option action %r for %s" % (action, row.name))
    if row.private:
        return "cannot_clean"
    if row.vr == "SQ":
        return "keep_sequence"
    if row.vr in DATE_VRS:
        return "shift_date"
    if row.curve or row.vr is None or row.vr in BINARY_VRS:
        return "cannot_clean"
    if row.vr in TEXT_VRS:
        return "clean_text"
    raise SystemExit("no clean rule for VR %s (%s)" % (row.vr, row.name))


def recipe_line(action, field, comment):
    # The comment goes above: after an action, older tools read it as the
    # action's value (lint notes every such line).
    return "# %s\n%s %s" % (comment, action, field)


# File meta elements that deid rebuilds from the dataset when it writes a
# file: an action on them would be undone (lint warns); the dataset element
# they follow is what the profile acts on.
REBUILT_META = {
    (0x0002, 0x0002): "follows SOPClassUID",
    (0x0002, 0x0003): "follows SOPInstanceUID, which the U rule replaces",
    (0x0002, 0x0010): "names the output's transfer syntax",
    (0x0002, 0x0012): "names deid",
    (0x0002, 0x0013): "names deid",
}


def basic_line(row):
    rule = basic_rule(row)
    comment = "%s %s: %s" % (row.tag_text(), row.name, row.basic)
    if not row.private and row.tag in REBUILT_META:
        return "# %s -> deid rebuilds it when it writes the file: it %s" % (comment, REBUILT_META[row.tag])
    if rule == "keep_sequence":
        return "# %s %s: %s -> its items stay; the UIDs in them are replaced by the U rows" % (
            row.tag_text(), row.name, row.basic)
    if rule == "remove":
        return recipe_line("REMOVE", row.field(), comment)
    if rule == "blank":
        return recipe_line("BLANK", row.field(), comment + ("" if row.basic == "Z" else " -> Z"))
    if rule == "dummy":
        return recipe_line("REPLACE", row.field() + " deid_func:dummy", comment)
    return recipe_line("REPLACE", row.field() + " deid_func:consistent_uid", comment)


def option_line(row, flag):
    rule = option_rule(row, flag)
    comment = "%s %s: %s (basic: %s)" % (row.tag_text(), row.name, row.options[flag], row.basic)
    if not row.private and row.tag in REBUILT_META:
        return "# %s -> deid rebuilds it when it writes the file: it %s" % (comment, REBUILT_META[row.tag])
    if rule in ("keep", "keep_sequence"):
        return recipe_line("KEEP", row.field(), comment)
    if rule == "shift_date":
        return recipe_line("REPLACE", row.field() + " deid_func:shift_date", comment)
    if rule == "clean_text":
        return recipe_line("REPLACE", row.field() + " deid_func:clean_text", comment)
    return "# %s %s: C -> stays as basic has it (%s): deid cannot clean it" % (row.tag_text(), row.name, row.basic)


def digest(path):
    with open(path, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()[:16]


def recipe_header(title, table_path, lines):
    return [
        "# %s" % title,
        "# Generated by %s from DICOM PS3.15 Table E.1-1" % SCRIPT_NAME,
        "# (%s, sha256 %s). Do not edit: re-run the generator." % (os.path.basename(table_path), digest(table_path)),
        "#",
    ] + ["# " + line if line else "#" for line in lines] + ["FORMAT dicom", ""]


def basic_recipe(rows, table_path):
    lines = recipe_header("PS3.15 Basic Application Level Confidentiality Profile (code 113100)", table_path, [
        "Table actions as recipe actions (README, \"Profiles\"):",
        "  X remove: REMOVE.  Z zero length: BLANK (a blanked sequence has no items).",
        "  D dummy: REPLACE deid_func:dummy, a value valid for the element's VR",
        "    (a UI: deid_func:consistent_uid; a sequence: BLANK).",
        "  U UID: REPLACE deid_func:consistent_uid, the same output UID for the same",
        "    input UID in every file and run (with the site's key: deid_func:hash_uid).",
        "  X/Z, Z/D, X/Z/D: BLANK (a present element stays, empty).  X/D: as D.",
        "  X/Z/U*: the sequence stays; the U rows replace the UIDs in its items.",
        "Every action selects its element at any depth, inside sequence items too.",
        "The options (deid.profile.<option>) run after this recipe; deid writes",
        "DeidentificationMethod and DeidentificationMethodCodeSequence after them.",
    ]) + [
        "%labels",
        "ADD profile basic",
        "ADD code 113100",
        "ADD meaning Basic Application Confidentiality Profile",
        "",
        "%header",
    ]
    for row in sorted(rows, key=Row.sort_key):
        lines.append(basic_line(row))
    lines += ["", "# Not in Table E.1-1: the file meta header's AE titles, which name devices as"
              " Station AE Title does."]
    for (group, element), keyword, name in META_AE_TITLES:
        lines.append(recipe_line("REMOVE", keyword, "(%04X,%04X) %s: X (deid)" % (group, element, name)))
    lines += [
        "",
        "# What the output says of itself (PS3.15 E.1.1).",
        "ADD PatientIdentityRemoved YES",
        "ADD LongitudinalTemporalInformationModified REMOVED",
        "",
    ]
    return "\n".join(lines)


OPTION_NOTES = {
    "retain-long-full-dates": ["Dates and times are kept as they are."],
    "retain-long-modified-dates": [
        "Dates are shifted by the patient's whole number of days (deid_func:shift_date:",
        "derived from the site's key and the original PatientID and IssuerOfPatientID,",
        "the same for every file of the patient in every batch); times of day stay.",
    ],
    "clean-descriptors": ["Descriptions are kept, with every identifying value of the same file removed",
                          "from them (deid_func:clean_text)."],
    "clean-structured-content": ["The sequences are kept: the rows that act at any depth handle names, dates",
                                 "and UIDs in their items, and deid_func:clean_text their text."],
    "clean-graphics": ["Graphic annotations are kept with their text cleaned; overlay bitmaps and",
                       "curves stay removed: deid cannot clean them."],
}


def option_recipe(flag, code, meaning, rows, table_path):
    notes = [
        "Runs after deid.profile.basic. K becomes KEEP, which wins over every other",
        "action of the run; C: REPLACE deid_func:shift_date (dates), REPLACE",
        "deid_func:clean_text (text), KEEP for a sequence (its items are handled by",
        "the rows that act at any depth).",
    ] + OPTION_NOTES.get(flag, [])
    lines = recipe_header("PS3.15 %s (code %s), option --profile basic,%s" % (meaning, code, flag),
                          table_path, notes) + [
        "%labels",
        "ADD profile %s" % flag,
        "ADD code %s" % code,
        "ADD meaning %s" % meaning,
        "",
        "%header",
    ]
    for row in sorted(rows, key=Row.sort_key):
        if row.options[flag]:
            lines.append(option_line(row, flag))
    if flag == "retain-device-identity":
        lines += ["", "# Not in Table E.1-1: the file meta header's AE titles, as the dataset's (C)."]
        for (group, element), keyword, name in META_AE_TITLES:
            lines.append(recipe_line("REPLACE", keyword + " deid_func:clean_text",
                                     "(%04X,%04X) %s: C (deid)" % (group, element, name)))
    for (group, element), keyword, name in NESTED_TEXT.get(flag, []):
        lines += ["", "# Not in Table E.1-1: text inside the sequences this option keeps."]
        lines.append(recipe_line("REPLACE", keyword + " deid_func:clean_text",
                                 "(%04X,%04X) %s: C (deid)" % (group, element, name)))
    if flag == "retain-long-full-dates":
        lines += ["", "ADD LongitudinalTemporalInformationModified UNMODIFIED"]
    if flag == "retain-long-modified-dates":
        lines += ["", "ADD LongitudinalTemporalInformationModified MODIFIED"]
    lines.append("")
    return "\n".join(lines)


# The identifiers the basic profile empties (Z, Z/D) that keyed pseudonyms
# replace instead: PS3.15's Z allows a non-empty dummy, and a pseudonym that is the
# same in every batch lets a site link a patient's studies again. Tag,
# keyword, prefix of deid_func:hash_id.
PSEUDONYM_ROWS = [
    ((0x0010, 0x0020), "PatientID", "P"),
    ((0x0008, 0x0050), "AccessionNumber", "A"),
    ((0x0020, 0x0010), "StudyID", "S"),
]


def pseudonyms_recipe(rows, table_path):
    by_tag = {row.tag: row for row in rows if not row.private}
    lines = recipe_header("Keyed pseudonyms for the identifiers the profile empties", table_path, [
        "Runs after deid.profile.basic and its options, in every --profile run (they",
        "always have a key: --key-file, else the per-user key). deid_func:hash_id is",
        "the prefix and 12 characters of base 32 of HMAC-SHA256 with the site's key:",
        "the same original gives the same pseudonym in every batch, and nobody without",
        "the key can compute one. The top-level PatientID's pseudonym is the",
        "patient's: PatientID with IssuerOfPatientID. An empty value stays empty.",
    ]) + [
        "%labels",
        "ADD profile pseudonyms",
        "",
        "%header",
    ]
    for tag, keyword, prefix in PSEUDONYM_ROWS:
        row = by_tag[tag]
        if row.keyword != keyword or row.basic not in ("Z", "Z/D"):
            raise SystemExit("the table no longer allows a value (Z or Z/D) for %s" % keyword)
        lines.append(recipe_line("REPLACE", "%s deid_func:hash_id prefix=%s" % (keyword, prefix),
                                 "%s %s: %s -> a keyed pseudonym" % (row.tag_text(), row.name, row.basic)))
    lines.append("")
    return "\n".join(lines)


RULE_ENUM = {
    "remove": "remove", "blank": "blank", "dummy": "dummy", "uid": "uid", "keep_sequence": "keep_sequence",
    "keep": "keep",
}


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cpp_table(rows, table_path):
    lines = [
        "// Generated by %s from DICOM PS3.15 Table E.1-1 (%s, sha256 %s)." % (
            SCRIPT_NAME, os.path.basename(table_path), digest(table_path)),
        "// Do not edit; re-run the script. Columns: group, element, group mask,",
        "// element mask, basic action as the table writes it, the rule deid applies,",
        "// the action of each option (K, C or -, in ProfileOption order), name.",
    ]
    for row in sorted(rows, key=Row.sort_key):
        options = "".join(row.options[flag] or "-" for flag, _, _, _ in OPTIONS)
        lines.append("{0x%04X, 0x%04X, 0x%04X, 0x%04X, %s, BasicRule::%s, %s, %s}," % (
            row.tag[0], row.tag[1], row.group_mask, row.element_mask, c_string(row.basic),
            RULE_ENUM[basic_rule(row)], c_string(options), c_string(row.name)))
    lines.append("// Not in Table E.1-1, deid's: the file meta header's AE titles (as Station AE Title).")
    device_only = "".join("C" if flag == "retain-device-identity" else "-" for flag, _, _, _ in OPTIONS)
    for (group, element), _, name in META_AE_TITLES:
        lines.append("{0x%04X, 0x%04X, 0xFFFF, 0xFFFF, \"X\", BasicRule::remove, %s, %s}," % (
            group, element, c_string(device_only), c_string(name)))
    lines.append("// Not in Table E.1-1, deid's: text inside the sequences the clean options keep (kept by basic,")
    lines.append("// which empties or removes those sequences).")
    for flag, nested in sorted(NESTED_TEXT.items()):
        cleaning = "".join("C" if option == flag else "-" for option, _, _, _ in OPTIONS)
        for (group, element), _, name in nested:
            lines.append("{0x%04X, 0x%04X, 0xFFFF, 0xFFFF, \"K\", BasicRule::keep, %s, %s}," % (
                group, element, c_string(cleaning), c_string(name)))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", default=os.path.join(ROOT, "..", "shared", "data", "standard",
                                                        "confidentiality_profile_attributes.json"))
    parser.add_argument("--dcmtk", default="/usr/share/libdcmtk17/dicom.dic")
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args()

    dictionary = Dictionary(args.dcmtk)
    with open(args.table, encoding="utf-8") as stream:
        rows = [Row(raw, dictionary) for raw in json.load(stream)]
    outputs = {os.path.join("recipes", "profiles", "deid.profile.basic"): basic_recipe(rows, args.table)}
    for flag, _, code, meaning in OPTIONS:
        outputs[os.path.join("recipes", "profiles", "deid.profile." + flag)] = option_recipe(
            flag, code, meaning, rows, args.table)
    outputs[os.path.join("recipes", "profiles", "deid.profile.pseudonyms")] = pseudonyms_recipe(rows, args.table)
    outputs[os.path.join("engine", "generated", "confidentiality_profile.inc")] = cpp_table(rows, args.table)

    stale = []
    for relative, text in sorted(outputs.items()):
        path = os.path.join(ROOT, relative)
        if args.check:
            try:
                with open(path, encoding="utf-8", newline="") as stream:
                    if stream.read() != text:
                        stale.append(relative)
            except FileNotFoundError:
                stale.append(relative)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    if stale:
        print("out of date: %s" % ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
