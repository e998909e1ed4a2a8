// An RSNA CTP DicomAnonymizer script as %header actions.
//
// Each enabled <e> is one action on its element: @remove() is REMOVE,
// @keep() (and @process(), @require()) KEEP, @empty() BLANK, a literal
// REPLACE, and a function a ctp_* built-in that runs CTP's algorithm
// (REPLACE, or ADD for @always(), which creates the element). Scripts with
// conditions or several functions run whole through deid_func:ctp_script.
// The <r> rules and <k> groups become REMOVE lines whose patterns spare
// what CTP spares.

#include <algorithm>
#include <map>
#include <set>

#include <re2/re2.h>

#include "ctp/translation_support.hpp"
#include "ctp/translations.hpp"
#include "ctp/xml_script.hpp"
#include "grammar/ctp/script.hpp"
#include "stdlib/ctp/functions.hpp"
#include "stdlib/ctp/interpreter.hpp"
#include "stdlib/pseudonyms.hpp"
#include "support/strings.hpp"

namespace deid::ctp {
namespace {

using stdlib::ctp::ArgumentKind;

constexpr std::uint32_t kMethodCodeSequence = 0x00120064;

struct Parameter {
    std::string value;
    SourceSpan span;
};

// One enabled <e>.
struct ElementScript {
    const XmlEntry* entry = nullptr;
    std::uint16_t group = 0;
    std::uint16_t element = 0;
    std::string text;       // trimmed, as CTP stores it
    std::size_t base = 0;   // where `text` starts in the entry's decoded text
    SourceSpan span;        // the <e ...> start tag
    SourceSpan tag_span;    // the t="..." value
    std::uint32_t tag() const { return (static_cast<std::uint32_t>(group) << 16U) | element; }
};

struct Rule {
    bool enabled = false;
    SourceSpan span;
};

// --ctp-keyed: the keyed pseudonym (README "Keyed pseudonyms") each of
// CTP's hashing and date functions becomes (stdlib::ctp::is_keyed_function).
std::string_view keyed_builtin(std::string_view function) {
    if (function == "hashuid") return "hash_uid";
    if (function == "incrementdate" || function == "hashdate") return "shift_date";
    return "hash_id";  // hash, hashname, hashptid
}

// Whether a script calls one of the functions --ctp-keyed replaces.
bool calls_keyed_function(const Script& pieces) {
    return std::any_of(pieces.pieces.begin(), pieces.pieces.end(), [](const Piece& piece) {
        const auto* call = std::get_if<Call>(&piece);
        return call != nullptr && (stdlib::ctp::is_keyed_function(call->name) ||
                                   std::any_of(call->clauses.begin(), call->clauses.end(), calls_keyed_function));
    });
}

// One argument escaped so that CTP's argument reader gives it back.
std::string escaped_argument(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '\\' || c == ',' || c == '(' || c == ')' || c == '[' || c == ']' || c == '"') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

std::string tag_regex_text(std::uint32_t tag) { return hex4(static_cast<std::uint16_t>(tag >> 16U)) + "," + hex4(static_cast<std::uint16_t>(tag & 0xFFFFU)); }

class Translator {
public:
    Translator(const SourceText& source, const ElementDictionary& dictionary, const TranslationOptions& options,
               Diagnostics& diagnostics)
        : source_(source), dictionary_(dictionary), options_(options), diagnostics_(diagnostics) {}

    ast::Recipe run(const XmlScript& xml) {
        for (const auto& entry : xml.entries) {
            read_entry(entry);
        }
        ast::HeaderSection header;
        header.span = source_.span(0, 0);
        for (const auto& script : scripts_) {
            if (auto action = translate(script)) {
                header.actions.push_back(std::move(*action));
            }
        }
        add_global_rules(header.actions);
        ast::Recipe recipe;
        recipe.file = source_.file();
        recipe.format = ast::FormatDecl{source_.span(0, 0), "dicom"};
        recipe.sections.emplace_back(std::move(header));
        return recipe;
    }

private:
    // ------------------------------------------------------------ shell --

    SourceSpan attribute_span(const XmlEntry& entry, const std::string& key) const {
        const auto* attribute = entry.attribute(key);
        return attribute != nullptr ? source_.span(attribute->begin, attribute->end) : source_.span(entry.begin, entry.end);
    }

    static bool enabled(const XmlEntry& entry) {
        const auto* en = entry.attribute("en");
        return en != nullptr && en->value == "T";
    }

    void note_odd_enable(const XmlEntry& entry) {
        const auto* en = entry.attribute("en");
        if (en != nullptr && en->value != "T" && en->value != "F") {
            diagnostics_.warning(source_.span(en->begin, en->end), "ctp-enable",
                                 "en=\"" + en->value + "\" disables this line: CTP enables only en=\"T\"");
        }
    }

    void read_entry(const XmlEntry& entry) {
        const SourceSpan span = source_.span(entry.begin, entry.end);
        const auto* t = entry.attribute("t");
        if (entry.name == "p") {
            if (t == nullptr) {
                diagnostics_.error(span, "ctp-script", "<p> needs t=\"NAME\"");
                return;
            }
            params_[t->value] = Parameter{entry.text, span};  // later <p> of one name win, as in CTP
            return;
        }
        if (entry.name != "e" && entry.name != "k" && entry.name != "r") {
            diagnostics_.warning(span, "ctp-script", "CTP ignores <" + entry.name + "> in an anonymizer script");
            return;
        }
        note_odd_enable(entry);
        if (t == nullptr) {
            diagnostics_.error(span, "ctp-script", "<" + entry.name + "> needs t=\"...\"");
            return;
        }
        if (entry.name == "e") {
            read_element(entry, *t, span);
        } else if (entry.name == "k") {
            read_keep(entry, *t);
        } else {
            read_rule(entry, *t);
        }
    }

    void read_element(const XmlEntry& entry, const XmlAttribute& t, const SourceSpan& span) {
        const SourceSpan tag_span = source_.span(t.begin, t.end);
        const bool hex = t.value.size() == 8 &&
                         std::all_of(t.value.begin(), t.value.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
        if (!hex) {
            diagnostics_.error(tag_span, "ctp-tag", "t=\"" + t.value + "\" is no tag: CTP reads eight hexadecimal digits, GGGGEEEE");
            return;
        }
        if (!enabled(entry)) {
            return;
        }
        ElementScript script;
        script.entry = &entry;
        script.group = static_cast<std::uint16_t>(std::stoul(t.value.substr(0, 4), nullptr, 16));
        script.element = static_cast<std::uint16_t>(std::stoul(t.value.substr(4), nullptr, 16));
        const std::string_view whole = entry.text;
        const std::string_view trimmed = stdlib::ctp::java_trim(whole);
        script.base = trimmed.empty() ? 0 : static_cast<std::size_t>(trimmed.data() - whole.data());
        script.text = std::string(trimmed);
        script.span = span;
        script.tag_span = tag_span;
        const auto name = entry.attribute("n");
        const std::string key = t.value + "/" + (name != nullptr ? name->value : "");
        for (auto& earlier : scripts_) {
            if (earlier.tag() != script.tag()) {
                continue;
            }
            const auto* earlier_name = earlier.entry->attribute("n");
            if (t.value + "/" + (earlier_name != nullptr ? earlier_name->value : "") == key) {
                // The same key: CTP's table keeps the later one.
                diagnostics_.warning(earlier.span, "ctp-duplicate",
                                     "this element is scripted again on line " + std::to_string(span.line) +
                                         ", which CTP keeps; this line has no effect");
                earlier = script;
                return;
            }
            diagnostics_.error(span, "ctp-duplicate",
                               "(" + hex4(script.group) + "," + hex4(script.element) + ") is scripted twice, here and on line " +
                                   std::to_string(earlier.span.line) +
                                   " under another name: CTP keeps either, as its table happens to order them");
            return;
        }
        scripts_.push_back(std::move(script));
    }

    void read_keep(const XmlEntry& entry, const XmlAttribute& t) {
        if (!enabled(entry)) {
            return;
        }
        const SourceSpan span = source_.span(t.begin, t.end);
        if (t.value.starts_with("safe")) {
            diagnostics_.error(span, "ctp-unsupported",
                               "keeping safe private elements is not supported: deid has no table of safe private "
                               "elements (CTP's PrivateTagIndex); remove this line or keep the groups you trust");
            return;
        }
        const bool hex = !t.value.empty() && t.value.size() <= 4 &&
                         std::all_of(t.value.begin(), t.value.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
        if (!hex) {
            diagnostics_.error(span, "ctp-keep", "t=\"" + t.value + "\" is no group: <k> keeps a group written GGGG");
            return;
        }
        keep_groups_.insert(static_cast<std::uint16_t>(std::stoul(t.value, nullptr, 16)));
    }

    void read_rule(const XmlEntry& entry, const XmlAttribute& t) {
        const SourceSpan span = source_.span(entry.begin, entry.end);
        Rule rule{enabled(entry), span};
        if (t.value == "privategroups") {
            remove_private_ = rule;
        } else if (t.value == "unspecifiedelements") {
            remove_unspecified_ = rule;
        } else if (t.value == "overlays") {
            remove_overlays_ = rule;
        } else if (t.value == "curves") {
            remove_curves_ = rule;
        } else if (rule.enabled) {
            diagnostics_.warning(source_.span(t.begin, t.end), "ctp-rule",
                                 "CTP knows no rule '" + t.value +
                                     "' (privategroups, unspecifiedelements, overlays, curves): it does nothing");
        }
    }

    // ----------------------------------------------------------- scripts --

    SourceSpan span_in(const ElementScript& script, TextRange range) const {
        const auto& offsets = script.entry->text_offsets;
        auto raw = [&](std::size_t index) {
            const std::size_t at = std::min(script.base + index, offsets.empty() ? 0 : offsets.size() - 1);
            return offsets.empty() ? script.entry->end : offsets[at];
        };
        return source_.span(raw(range.begin), std::max(raw(range.end), raw(range.begin) + 1));
    }

    SourceSpan text_span(const ElementScript& script) const { return span_in(script, {0, script.text.size()}); }

    // What a @NAME argument stands for; the argument itself otherwise.
    std::optional<std::string> parameter(const ElementScript& script, const Argument& argument) {
        const std::string_view text = stdlib::ctp::java_trim(argument.text);
        if (!text.starts_with('@') && !text.starts_with('$')) {
            return std::string(text);
        }
        const auto found = params_.find(std::string(text.substr(1)));
        if (found == params_.end()) {
            diagnostics_.error(span_in(script, argument.range), "ctp-parameter",
                               "no parameter " + std::string(text) + " is defined (<p t=\"" + std::string(text.substr(1)) +
                                   "\">): CTP reads it as null");
            return std::nullopt;
        }
        return found->second.value;
    }

    std::optional<std::pair<std::uint16_t, std::uint16_t>> element(const ElementScript& script, const Argument& argument) {
        auto found = element_named(argument.text, dictionary_);
        if (!found) {
            diagnostics_.error(span_in(script, argument.range), "ctp-element",
                               "unknown element '" + argument.text + "': CTP reads a name it does not know as a missing element");
        }
        return found;
    }

    // Checks every call of a script (and of its clauses); false after reporting.
    bool check(const ElementScript& script, const Script& pieces) {
        bool good = true;
        for (const auto& piece : pieces.pieces) {
            if (const auto* call = std::get_if<Call>(&piece)) {
                good = check_call(script, *call) && good;
            }
        }
        return good;
    }

    bool check_call(const ElementScript& script, const Call& call) {
        const SourceSpan name_span = span_in(script, call.name_range);
        if (const auto reason = stdlib::ctp::unsupported_reason(call.name)) {
            diagnostics_.error(name_span, "ctp-unsupported", "@" + call.name + " is not supported: " + *reason);
            return false;
        }
        if (!stdlib::ctp::is_supported_function(call.name)) {
            diagnostics_.error(name_span, "ctp-unknown-function",
                               "unknown CTP function @" + call.name + " (CTP writes '@" + call.name +
                                   "(...)' into the element as text)");
            return false;
        }
        bool good = check_arguments(script, call);
        for (const auto& clause : call.clauses) {
            good = check(script, clause) && good;
        }
        return good;
    }

    bool needs_arguments(const ElementScript& script, const Call& call, std::size_t count) {
        if (call.arguments.size() >= count) {
            return true;
        }
        diagnostics_.error(span_in(script, call.range), "ctp-arguments",
                           "@" + call.name + " needs " + std::to_string(count) + " argument" + (count == 1 ? "" : "s") +
                               " (CTP writes the argument list into the element instead)");
        return false;
    }

    bool check_arguments(const ElementScript& script, const Call& call) {
        const std::string& name = call.name;
        bool good = true;
        if (name == "hashuid") {
            good = needs_arguments(script, call, 2);
            if (call.arguments.size() > 2) {
                diagnostics_.error(span_in(script, call.arguments[2].range), "ctp-unsupported",
                                   "@hashuid with a third argument (another element's script appended) is not supported");
                good = false;
            }
        } else if (name == "hashname" || name == "hashptid" || name == "round" || name == "hashdate") {
            good = needs_arguments(script, call, 2);
        } else if (name == "incrementdate") {
            good = needs_arguments(script, call, 2);
            if (call.arguments.size() > 2) {
                diagnostics_.error(span_in(script, call.arguments[2].range), "ctp-unsupported",
                                   "@incrementdate with a lookup table key is not supported: it reads CTP's lookup table");
                good = false;
            }
        } else if (name == "modifydate") {
            good = needs_arguments(script, call, 4);
        } else if (name == "hash" || name == "contents" || name == "value" || name == "lowercase" || name == "uppercase" ||
                   name == "initials" || name == "truncate" || name == "pathelement" || name == "param") {
            good = needs_arguments(script, call, 1);
        } else if (name == "if") {
            good = needs_arguments(script, call, 2) && check_condition(script, call);
        }
        for (std::size_t i = 0; good && i < call.arguments.size(); ++i) {
            const auto kind = stdlib::ctp::argument_kind(name, i);
            const Argument& argument = call.arguments[i];
            if (kind == ArgumentKind::parameter) {
                good = parameter(script, argument).has_value();
            } else if (kind == ArgumentKind::condition_value && argument.text.starts_with('@')) {
                good = parameter(script, argument).has_value();
            } else if (kind == ArgumentKind::element) {
                good = element_reference(script, argument).has_value();
            }
        }
        if (good && (name == "round" || name == "incrementdate")) {
            const auto value = parameter(script, call.arguments[1]);
            if (!stdlib::ctp::java_parse_long(*value)) {
                diagnostics_.error(span_in(script, call.arguments[1].range), "ctp-number",
                                   "'" + *value + "' is no whole number: CTP " +
                                       (name == "round" ? std::string("writes the argument list into the element")
                                                        : std::string("empties every date this script increments")));
                good = false;
            }
        }
        if (good && name == "contents" && call.arguments.size() > 1) {
            good = check_regex(script, call.arguments[1]);
        }
        return good;
    }

    bool check_regex(const ElementScript& script, const Argument& argument) {
        std::string_view pattern = stdlib::ctp::java_trim(argument.text);
        if (pattern.size() >= 2 && pattern.front() == '"' && pattern.back() == '"') {
            pattern = pattern.substr(1, pattern.size() - 2);
        }
        const RE2 regex(std::string(pattern), RE2::Quiet);
        if (!regex.ok()) {
            diagnostics_.error(span_in(script, argument.range), "ctp-regex",
                               "the regular expression '" + std::string(pattern) + "' cannot be run here: " + regex.error());
            return false;
        }
        return true;
    }

    bool check_condition(const ElementScript& script, const Call& call) {
        static const std::set<std::string, std::less<>> conditions = {"isblank", "contains", "equals", "matches", "exists", "greaterthan"};
        const std::string condition(stdlib::ctp::java_trim(call.arguments[1].text));
        if (!conditions.contains(condition)) {
            diagnostics_.error(span_in(script, call.arguments[1].range), "ctp-condition",
                               "unknown condition '" + condition +
                                   "' (isblank, contains, equals, matches, exists, greaterthan): CTP takes it as false");
            return false;
        }
        if (condition == "matches" && call.arguments.size() > 2) {
            return check_regex(script, call.arguments[2]);
        }
        return true;
    }

    // An element reference as the run reads it: "this", or [GGGG,EEEE]
    // steps (root:, ::) — names bound here, through the dictionary.
    std::optional<std::string> element_reference(const ElementScript& script, const Argument& argument) {
        std::string_view text = stdlib::ctp::java_trim(argument.text);
        if (text == "this" || text.empty()) {
            return std::string(text);
        }
        std::string out;
        if (text.starts_with("root:")) {
            out = "root:";
            text = stdlib::ctp::java_trim(text.substr(5));
        }
        while (true) {
            const auto separator = text.find("::");
            Argument step{std::string(text.substr(0, separator)), argument.range};
            const auto found = element(script, step);
            if (!found) {
                return std::nullopt;
            }
            out += "[" + hex4(found->first) + "," + hex4(found->second) + "]";
            if (separator == std::string_view::npos) {
                return out;
            }
            out += "::";
            text = text.substr(separator + 2);
        }
    }

    // --------------------------------------------------------- actions --

    ast::FieldExpr field(const ElementScript& script) const {
        return field_for_tag(script.group, script.element, dictionary_, script.tag_span);
    }

    ast::HeaderAction action(const ElementScript& script, ast::ActionKind kind, std::optional<ast::Value> value = {}) const {
        return header_action(kind, field(script), std::move(value), script.span);
    }

    static bool is_call(const Script& pieces, std::string_view name, std::size_t arguments = 0) {
        if (pieces.pieces.size() != 1) {
            return false;
        }
        const auto* call = std::get_if<Call>(&pieces.pieces.front());
        return call != nullptr && call->name == name && call->arguments.size() == arguments;
    }

    static bool is_literal(const Script& pieces) {
        return std::all_of(pieces.pieces.begin(), pieces.pieces.end(), [](const Piece& p) { return std::holds_alternative<Text>(p); });
    }

    static std::string literal_text(const Script& pieces) {
        std::string text;
        for (const auto& piece : pieces.pieces) {
            text += std::get<Text>(piece).text;
        }
        return text;
    }

    // A literal value: as it stands where the recipe language holds it.
    ast::Value literal(const std::string& text, const SourceSpan& span) const {
        if (is_plain_literal(text)) {
            return literal_value(text, span);
        }
        return builtin_value("ctp_text", {{"text", stdlib::ctp::percent_encode(text), span}}, span);
    }

    std::optional<ast::HeaderAction> translate(const ElementScript& script) {
        const auto parsed = parse_script(script.text);
        if (!parsed.errors.empty()) {
            const auto& error = parsed.errors.front();
            diagnostics_.error(span_in(script, error.range), "ctp-syntax", error.message);
            return std::nullopt;
        }
        if (!check(script, parsed.script)) {
            return std::nullopt;
        }
        if (remove_overlays_.enabled && (script.group & 0xFF00U) == 0x6000U) {
            diagnostics_.note(script.span, "ctp-dead",
                              "CTP removes overlays (the <r t=\"overlays\"> rule) before it reads their scripts: this "
                              "line has no effect");
            return std::nullopt;
        }
        Script pieces = parsed.script;
        const bool always = script.text.starts_with("@always()");
        if (always) {
            pieces.pieces.erase(pieces.pieces.begin());
        }
        const ast::ActionKind set = always ? ast::ActionKind::add : ast::ActionKind::replace;
        const SourceSpan value_span = text_span(script);

        if (script.tag() == kMethodCodeSequence) {
            return method_codes(script, pieces, value_span);
        }
        if (pieces.pieces.empty()) {
            return always ? action(script, set, builtin_value("ctp_text", {{"text", "", value_span}}, value_span))
                          : action(script, ast::ActionKind::blank);
        }
        if (is_call(pieces, "keep") || is_call(pieces, "process")) {
            return action(script, ast::ActionKind::keep);
        }
        if (is_call(pieces, "remove")) {
            return action(script, ast::ActionKind::remove);
        }
        if (is_call(pieces, "empty")) {
            return always ? action(script, set, builtin_value("ctp_text", {{"text", "@empty()", value_span}}, value_span))
                          : action(script, ast::ActionKind::blank);
        }
        if (pieces.pieces.size() == 1 && std::holds_alternative<Call>(pieces.pieces.front()) &&
            std::get<Call>(pieces.pieces.front()).name == "require" && !always) {
            return action(script, ast::ActionKind::keep);  // present: kept; absent: CTP does not look
        }
        if (is_literal(pieces)) {
            return action(script, set, literal(literal_text(pieces), value_span));
        }
        // --ctp-keyed with @always(): an absent element is created only as
        // CTP would, which the whole script decides.
        const bool keyed_creation = options_.keyed && always && calls_keyed_function(pieces);
        if (pieces.pieces.size() == 1 && std::holds_alternative<Call>(pieces.pieces.front()) && !keyed_creation) {
            if (auto value = function_value(script, std::get<Call>(pieces.pieces.front()), value_span)) {
                return action(script, set, std::move(*value));
            }
        }
        return action(script, set, whole_script(script, parsed.script, value_span));
    }

    std::optional<ast::HeaderAction> method_codes(const ElementScript& script, const Script& pieces, const SourceSpan& span) {
        if (is_call(pieces, "remove")) {
            return action(script, ast::ActionKind::remove);
        }
        if (is_call(pieces, "keep")) {
            return action(script, ast::ActionKind::keep);
        }
        if (!is_literal(pieces)) {
            diagnostics_.error(span, "ctp-unsupported",
                               "DeIdentificationMethodCodeSeq takes codes written out (113100/113105/...) here; "
                               "functions in it are not supported");
            return std::nullopt;
        }
        const std::string codes(stdlib::ctp::java_trim(literal_text(pieces)));
        if (codes.empty()) {
            return std::nullopt;  // CTP writes nothing for an empty script
        }
        return header_action(ast::ActionKind::add, field(script),
                             builtin_value("ctp_method_codes", {{"codes", stdlib::ctp::percent_encode(codes), span}}, span),
                             script.span);
    }

    // The whole script, run by deid_func:ctp_script: element names become
    // tags and parameters their values, in the script's own syntax.
    ast::Value whole_script(const ElementScript& script, const Script& pieces, const SourceSpan& span) {
        std::string text = script.text;
        std::vector<std::pair<TextRange, std::string>> replacements;
        collect_rewrites(script, pieces, replacements);
        std::sort(replacements.begin(), replacements.end(),
                  [](const auto& a, const auto& b) { return a.first.begin > b.first.begin; });
        for (const auto& [range, replacement] : replacements) {
            text.replace(range.begin, range.end - range.begin, replacement);
        }
        const bool keyed = options_.keyed && calls_keyed_function(pieces);
        return builtin_value(keyed ? "ctp_keyed_script" : "ctp_script", {{"script", stdlib::ctp::percent_encode(text), span}},
                             span);
    }

    void collect_rewrites(const ElementScript& script, const Script& pieces,
                          std::vector<std::pair<TextRange, std::string>>& replacements) {
        for (const auto& piece : pieces.pieces) {
            const auto* call = std::get_if<Call>(&piece);
            if (call == nullptr) {
                continue;
            }
            for (std::size_t i = 0; i < call->arguments.size(); ++i) {
                const Argument& argument = call->arguments[i];
                const auto kind = stdlib::ctp::argument_kind(call->name, i);
                if (kind == ArgumentKind::element) {
                    replacements.push_back({argument.range, element_reference(script, argument).value_or("")});
                } else if (kind == ArgumentKind::parameter ||
                           (kind == ArgumentKind::condition_value && argument.text.starts_with('@'))) {
                    replacements.push_back({argument.range, escaped_argument(parameter(script, argument).value_or(""))});
                }
            }
            for (const auto& clause : call->clauses) {
                collect_rewrites(script, clause, replacements);
            }
        }
    }

    // A single call as its ctp_* built-in, where it has one.
    std::optional<ast::Value> function_value(const ElementScript& script, const Call& call, const SourceSpan& span) {
        std::vector<OptionText> options;
        auto text_option = [&](const std::string& key, std::size_t index, bool as_parameter) {
            if (index >= call.arguments.size()) {
                return;
            }
            const Argument& argument = call.arguments[index];
            std::string value;
            if (as_parameter) {
                value = parameter(script, argument).value_or("");
            } else {
                std::string_view text = stdlib::ctp::java_trim(argument.text);
                if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
                    text = text.substr(1, text.size() - 2);
                }
                value = std::string(text);
            }
            options.push_back({key, stdlib::ctp::percent_encode(value), span_in(script, argument.range)});
        };
        // A number CTP reads leniently: left out where it would not read it.
        auto number_option = [&](const std::string& key, std::size_t index, bool as_parameter) {
            if (index >= call.arguments.size()) {
                return;
            }
            const Argument& argument = call.arguments[index];
            const std::string value = as_parameter ? parameter(script, argument).value_or("")
                                                   : std::string(stdlib::ctp::java_trim(argument.text));
            if (const auto number = stdlib::ctp::java_parse_int(value)) {
                options.push_back({key, std::to_string(*number), span_in(script, argument.range)});
            } else if (!value.empty()) {
                diagnostics_.warning(span_in(script, argument.range), "ctp-number",
                                     "'" + value + "' is no whole number: CTP goes on as if it were not given");
            }
        };
        auto element_option = [&](const std::string& key, std::size_t index) -> bool {
            if (index >= call.arguments.size()) {
                return true;
            }
            const Argument& argument = call.arguments[index];
            const std::string_view text = stdlib::ctp::java_trim(argument.text);
            if (text == "this") {
                return true;
            }
            if (text.empty() || text.find("::") != std::string_view::npos || text.starts_with("root:")) {
                return false;  // only ctp_script reads paths
            }
            const auto found = element(script, argument);
            if (!found) {
                return false;
            }
            options.push_back({key, field_for_tag(found->first, found->second, dictionary_, {}).text, span_in(script, argument.range)});
            return true;
        };
        const std::string& name = call.name;
        if (options_.keyed && stdlib::ctp::is_keyed_function(name)) {
            const std::size_t of = name == "hashuid" || name == "hashptid" ? 1 : 0;
            if (!element_option("of", of)) {
                return std::nullopt;  // a path: the whole script reads it
            }
            add_keyed_options(script, call, of, options);
            return builtin_value(std::string(keyed_builtin(name)), options, span);
        }
        std::string builtin = "ctp_" + name;
        if (name == "hashuid") {
            text_option("root", 0, true);
            if (!element_option("of", 1)) return std::nullopt;
        } else if (name == "hash") {
            if (!element_option("of", 0)) return std::nullopt;
            number_option("length", 1, true);
        } else if (name == "hashname") {
            if (!element_option("of", 0)) return std::nullopt;
            const auto length = stdlib::ctp::java_parse_int(parameter(script, call.arguments[1]).value_or(""));
            options.push_back({"length", std::to_string(length.value_or(4)), span_in(script, call.arguments[1].range)});
            number_option("words", 2, true);
        } else if (name == "hashptid") {
            text_option("site", 0, true);
            if (!element_option("of", 1)) return std::nullopt;
            number_option("length", 2, true);
        } else if (name == "incrementdate") {
            if (!element_option("of", 0)) return std::nullopt;
            number_option("days", 1, true);
        } else if (name == "modifydate") {
            if (!element_option("of", 0)) return std::nullopt;
            text_option("year", 1, true);
            text_option("month", 2, true);
            text_option("day", 3, true);
        } else if (name == "hashdate") {
            if (!element_option("of", 0) || !element_option("key", 1)) return std::nullopt;
        } else if (name == "initials") {
            if (!element_option("of", 0)) return std::nullopt;
            number_option("offset", 1, false);
        } else if (name == "lowercase" || name == "uppercase") {
            if (!element_option("of", 0)) return std::nullopt;
        } else if (name == "round") {
            if (!element_option("of", 0)) return std::nullopt;
            number_option("size", 1, true);
        } else if (name == "truncate") {
            if (!element_option("of", 0)) return std::nullopt;
            number_option("length", 1, false);
        } else if (name == "contents" && call.arguments.size() <= 3) {
            if (!element_option("of", 0)) return std::nullopt;
            text_option("regex", 1, false);
            text_option("replacement", 2, false);
        } else if (name == "value") {
            if (!element_option("of", 0)) return std::nullopt;
            text_option("default", 1, false);
        } else if (name == "pathelement") {
            if (!element_option("of", 0)) return std::nullopt;
            number_option("index", 1, false);
        } else if (name == "date" || name == "time") {
            text_option("separator", 0, false);
        } else if (name == "require") {
            if (!call.arguments.empty() && stdlib::ctp::java_trim(call.arguments[0].text) == "this") {
                options.push_back({"of", field_for_tag(script.group, script.element, dictionary_, {}).text,
                                   span_in(script, call.arguments[0].range)});
            } else if (!element_option("of", 0)) {
                return std::nullopt;
            }
            text_option("default", 1, false);
        } else if (name == "param") {
            const auto value = parameter(script, call.arguments[0]);
            return literal(value.value_or(""), span);
        } else if (name == "append" && is_literal(call.clauses.front())) {
            options.push_back({"text", stdlib::ctp::percent_encode(literal_text(call.clauses.front())), span});
        } else if (name == "blank") {
            const auto count = call.arguments.empty() ? std::optional<std::int32_t>(0) : stdlib::ctp::java_parse_int(call.arguments[0].text);
            if (!count) {
                return std::nullopt;
            }
            options.push_back({"count", std::to_string(*count), span});
        } else if (name != "quarantine" && name != "skip") {
            return std::nullopt;  // @if, @select, @append of functions, @always(): the whole script
        }
        return builtin_value(builtin, options, span);
    }

    // --ctp-keyed: the keyed pseudonym in place of CTP's function. The
    // element read stays (`of`, argument `of` of the call); what only CTP's
    // algorithm needs goes: the UID root (keyed UIDs are 2.25.), the site,
    // the days (the patient's offset: the one the profile's shift_date
    // gives), the element hashed for @hashdate's days.
    void add_keyed_options(const ElementScript& script, const Call& call, std::size_t of, std::vector<OptionText>& options) {
        const std::string& name = call.name;
        const std::size_t length_at = of + 1;
        if ((name == "hash" || name == "hashname" || name == "hashptid") && length_at < call.arguments.size()) {
            const Argument& argument = call.arguments[length_at];
            const auto ctp_length = stdlib::ctp::java_parse_long(parameter(script, argument).value_or(""));
            const int length = stdlib::ctp::keyed_id_length(ctp_length);
            if (ctp_length && *ctp_length > 0 && *ctp_length != length) {
                diagnostics_.note(span_in(script, argument.range), "ctp-keyed",
                                  "--ctp-keyed: a keyed ID has " + std::to_string(stdlib::kShortestId) + " to " +
                                      std::to_string(stdlib::kLongestId) + " characters; this one gets " +
                                      std::to_string(length));
            }
            options.push_back({"length", std::to_string(length), span_in(script, argument.range)});
        }
        if (name == "hashdate" && call.arguments.size() > 1) {
            const auto hashed = element_named(call.arguments[1].text, dictionary_);
            if (!hashed || hashed->first != 0x0010 || hashed->second != 0x0020) {
                diagnostics_.note(span_in(script, call.arguments[1].range), "ctp-keyed",
                                  "--ctp-keyed: dates move by the patient's offset (from PatientID and "
                                  "IssuerOfPatientID), not by days hashed from this element");
            }
        }
    }

    // ------------------------------------------------------ global rules --

    std::set<std::uint32_t> scripted_tags() const {
        std::set<std::uint32_t> tags;
        for (const auto& script : scripts_) {
            if (!(remove_overlays_.enabled && (script.group & 0xFF00U) == 0x6000U)) {
                tags.insert(script.tag());
            }
        }
        return tags;
    }

    static std::string tags_alternative(const std::set<std::uint32_t>& tags) {
        std::string out;
        for (const auto tag : tags) {
            out += (out.empty() ? "" : "|") + tag_regex_text(tag);
        }
        return out.empty() ? "" : "^\\((" + out + ")\\)$";
    }

    static std::string groups_alternative(const std::vector<std::string>& groups) {
        std::string out;
        for (const auto& group : groups) {
            out += (out.empty() ? "" : "|") + group;
        }
        return out.empty() ? "" : "^\\((" + out + "),[0-9A-F]{4}\\)$";
    }

    static std::string any_of(const std::vector<std::string>& alternatives) {
        std::string out;
        for (const auto& alternative : alternatives) {
            if (!alternative.empty()) {
                out += (out.empty() ? "" : "|") + alternative;
            }
        }
        return out;
    }

    ast::HeaderAction remove_matching(ast::PatternKind kind, const std::string& pattern, const SourceSpan& span) const {
        const std::string spelling = kind == ast::PatternKind::except ? "except" : "contains";
        ast::FieldExpr field{span, spelling + ":" + pattern, ast::PatternField{kind, spelling, pattern, span}};
        return header_action(ast::ActionKind::remove, std::move(field), std::nullopt, span);
    }

    // Sequences whose items CTP leaves as they are: scripted, but not
    // @process()ed (nor removed or emptied), so unspecified elements inside
    // them stay.
    std::string kept_items_alternative() const {
        std::string out;
        for (const auto& script : scripts_) {
            const auto entry = dictionary_.find_tag(script.group, script.element);
            const bool sequence = entry ? entry->vr == "SQ" : script.group % 2 == 1;
            const std::string& text = script.text;
            if (!sequence || text.find("@process()") != std::string::npos || text == "@remove()" || text == "@empty()") {
                continue;
            }
            std::string names = "\\(" + tag_regex_text(script.tag()) + "\\)";
            if (entry && !entry->keyword.empty()) {
                names = entry->keyword + "|" + names;
            }
            out += (out.empty() ? "" : "|") + names;
        }
        return out.empty() ? "" : "(^|__)(" + out + ")__";
    }

    void add_global_rules(std::vector<ast::HeaderAction>& actions) const {
        const auto scripted = scripted_tags();
        if (remove_overlays_.enabled) {
            actions.push_back(remove_matching(ast::PatternKind::contains, "^\\(60[0-9A-F]{2},[0-9A-F]{4}\\)$", remove_overlays_.span));
        }
        if (remove_curves_.enabled) {
            if (!remove_unspecified_.enabled) {
                diagnostics_.note(remove_curves_.span, "ctp-curves",
                                  "CTP removes curves only together with <r t=\"unspecifiedelements\">; deid removes "
                                  "them, as this rule says");
            }
            actions.push_back(remove_matching(ast::PatternKind::contains, "^\\(50[0-9A-F]{2},[0-9A-F]{4}\\)$", remove_curves_.span));
        }
        std::vector<std::string> kept_groups;
        std::vector<std::string> kept_odd_groups;
        for (const auto group : keep_groups_) {
            kept_groups.push_back(hex4(group));
            if (group % 2 == 1) {
                kept_odd_groups.push_back(hex4(group));
            }
        }
        if (remove_private_.enabled) {
            diagnostics_.note(remove_private_.span, "ctp-private",
                              "CTP removes private elements at the top level only; deid removes them inside sequences too");
            std::set<std::uint32_t> scripted_private;
            std::copy_if(scripted.begin(), scripted.end(), std::inserter(scripted_private, scripted_private.end()),
                         [](std::uint32_t tag) { return (tag >> 16U) % 2 == 1; });
            const std::string spared = any_of({"^\\([0-9A-F]{3}[02468ACE],[0-9A-F]{4}\\)$", tags_alternative(scripted_private),
                                               groups_alternative(kept_odd_groups)});
            actions.push_back(remove_matching(ast::PatternKind::except, spared, remove_private_.span));
        }
        if (remove_unspecified_.enabled) {
            std::vector<std::string> groups = {"0002", "0028", "7FE0"};
            groups.insert(groups.end(), kept_groups.begin(), kept_groups.end());
            if (!remove_overlays_.enabled) {
                groups.emplace_back("60[0-9A-F]{2}");
            }
            if (!remove_curves_.enabled) {
                groups.emplace_back("50[0-9A-F]{2}");
            }
            std::set<std::uint32_t> kept = scripted;
            kept.insert({0x00080016, 0x00080018, 0x0020000D});  // SOP Class, SOP Instance and Study Instance UID
            const std::string spared = any_of({groups_alternative(groups), tags_alternative(kept), kept_items_alternative()});
            actions.push_back(remove_matching(ast::PatternKind::except, spared, remove_unspecified_.span));
        }
    }

    const SourceText& source_;
    const ElementDictionary& dictionary_;
    const TranslationOptions& options_;
    Diagnostics& diagnostics_;
    std::map<std::string, Parameter> params_;
    std::vector<ElementScript> scripts_;
    std::set<std::uint16_t> keep_groups_;
    Rule remove_private_;
    Rule remove_unspecified_;
    Rule remove_overlays_;
    Rule remove_curves_;
};

}  // namespace

ast::Recipe translate_anonymizer(const SourceText& source, const ElementDictionary& dictionary,
                                 const TranslationOptions& options, Diagnostics& diagnostics) {
    const auto xml = read_xml_script(source, diagnostics);
    if (!xml) {
        return ast::Recipe{source.file(), std::nullopt, {}};
    }
    return Translator(source, dictionary, options, diagnostics).run(*xml);
}

}  // namespace deid::ctp
