#include "interpreter/resolve/action_analysis.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <unordered_map>

#include "interpreter/resolve/field_binding.hpp"
#include "interpreter/resolve/static_selection.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

using ast::ActionKind;

std::string action_word(ActionKind kind) {
    switch (kind) {
        case ActionKind::add: return "ADD";
        case ActionKind::blank: return "BLANK";
        case ActionKind::jitter: return "JITTER";
        case ActionKind::keep: return "KEEP";
        case ActionKind::replace: return "REPLACE";
        case ActionKind::remove: return "REMOVE";
    }
    return "";
}

std::string describe(const plan::HeaderAction& action) { return action_word(action.kind) + " " + action.field.text; }

// "line 12" in the same file, "other.dicom:12" across files.
std::string where(const plan::HeaderAction& other, const plan::HeaderAction& from) {
    if (other.span.file == from.span.file) {
        return "line " + std::to_string(other.span.line);
    }
    return other.span.file + ":" + std::to_string(other.span.line);
}

// A REMOVE whose value is not func: removes every element it selects.
bool removes_unconditionally(const plan::HeaderAction& action) {
    return action.kind == ActionKind::remove &&
           !(action.value && std::holds_alternative<plan::FunctionSource>(*action.value));
}

// What a plain selector names, as a key: two plain selectors name the same
// element exactly when their keys are equal (same_element).
std::string element_key(const plan::Selector& selector) {
    if (const auto* tag = std::get_if<plan::TagMatch>(&selector)) {
        return "t" + std::to_string(tag->group) + "," + std::to_string(tag->element);
    }
    if (const auto* match = std::get_if<plan::PrivateMatch>(&selector)) {
        return "p" + std::to_string(match->group) + "," + std::to_string(match->element_offset) + "," + match->creator;
    }
    return "n" + to_lower(std::get<plan::NestedNameMatch>(selector).name);
}

// Action indices, ascending.
using Indices = std::vector<std::size_t>;

// The first index of `indices` other than `except`, if any.
std::optional<std::size_t> first_other(const Indices& indices, std::size_t except) {
    for (const std::size_t j : indices) {
        if (j != except) {
            return j;
        }
    }
    return std::nullopt;
}

// The last index of `indices` below `limit`, if any.
std::optional<std::size_t> last_before(const Indices& indices, std::size_t limit) {
    const auto found = std::lower_bound(indices.begin(), indices.end(), limit);
    if (found == indices.begin()) {
        return std::nullopt;
    }
    return *std::prev(found);
}

std::optional<std::size_t> earliest(std::optional<std::size_t> a, std::optional<std::size_t> b) {
    if (!a || !b) {
        return a ? a : b;
    }
    return std::min(a, b);
}

// Every question the analysis asks ("which KEEP covers this element?",
// "which removal before line N took it?") is answered from indexes built
// once: plain actions by the element they name, expander actions by their
// text, each text matched once against each element a plain action names.
// A recipe of n lines is analysed in O(n log n) for a given set of distinct
// expander texts, whatever it repeats.
class Analysis {
public:
    Analysis(const plan::Plan& plan, const ElementDictionary& dictionary, Diagnostics& diagnostics)
        : plan_(plan), dictionary_(dictionary), diagnostics_(diagnostics) {
        std::unordered_map<std::string, std::size_t> expander_by_text;
        for (std::size_t i = 0; i < plan.actions.size(); ++i) {
            const auto& action = plan.actions[i];
            if (is_plain(action.field.selector)) {
                Plain& plain = plain_[element_key(action.field.selector)];
                (action.kind == ActionKind::add ? plain.adds : plain.by_kind[kind_index(action.kind)]).push_back(i);
                if (removes_unconditionally(action)) {
                    plain.removals.push_back(i);
                }
                continue;
            }
            // The same expander text selects the same elements: it is
            // matched against each element once, however often it repeats.
            const auto [found, inserted] = expander_by_text.try_emplace(action.field.text, expanders_.size());
            if (inserted) {
                expanders_.push_back(Expander{&action.field.selector, {}, {}});
            }
            Expander& expander = expanders_[found->second];
            auto& first = expander.first_of_kind[kind_index(action.kind)];
            first = first.value_or(i);
            if (removes_unconditionally(action)) {
                expander.removals.push_back(i);
            }
        }
    }

    void dead_actions() {
        const auto& actions = plan_.actions;
        for (std::size_t i = 0; i < actions.size(); ++i) {
            const auto& action = actions[i];
            if (!is_plain(action.field.selector)) {
                continue;
            }
            const Plain& plain = plain_.at(element_key(action.field.selector));
            const Indices& covering = covering_of(action.field.selector);
            auto find_any = [&](ActionKind kind) -> const plan::HeaderAction* {
                const auto k = kind_index(kind);
                auto j = first_other(plain.by_kind[k], i);
                for (const std::size_t e : covering) {
                    j = earliest(j, expanders_[e].first_of_kind[k]);
                }
                return j ? &actions[*j] : nullptr;
            };
            if (action.kind != ActionKind::add && action.kind != ActionKind::keep) {
                if (const auto* keep = find_any(ActionKind::keep)) {
                    dead(action, "KEEP " + keep->field.text + " at " + where(*keep, action) +
                                     " protects it (KEEP wins over everything but ADD)");
                    continue;
                }
            }
            if (action.kind == ActionKind::remove) {
                const auto* replaced = find_any(ActionKind::replace);
                const auto* jittered = replaced ? nullptr : find_any(ActionKind::jitter);
                if (const auto* target = replaced ? replaced : jittered) {
                    dead(action, action_word(target->kind) + " " + target->field.text + " at " +
                                     where(*target, action) + " targets it, and REMOVE skips REPLACE and JITTER targets");
                    continue;
                }
            }
            if (action.kind == ActionKind::blank || action.kind == ActionKind::remove) {
                // The latest removal before this line still holds unless an
                // ADD of the same element re-created it since.
                auto removal = last_before(plain.removals, i);
                for (const std::size_t e : covering) {
                    removal = std::max(removal, last_before(expanders_[e].removals, i));
                }
                const auto added = last_before(plain.adds, i);
                if (removal && (!added || *added < *removal)) {
                    const auto& remover = actions[*removal];
                    dead(action, describe(remover) + " at " + where(remover, action) + " already removed it");
                }
            }
        }
    }

    // Spec §3.4 and the writer: the output's meta header is rebuilt from
    // the dataset when the file is written, so an action on one of these
    // file-meta elements is silently undone.
    void rebuilt_meta_elements() {
        for (const auto& action : plan_.actions) {
            const auto* tag = std::get_if<plan::TagMatch>(&action.field.selector);
            if (action.kind == ActionKind::keep || tag == nullptr || tag->group != 0x0002) {
                continue;
            }
            const std::string target = tag_text(tag->group, tag->element);
            const std::string name = keyword_of(*tag) + " " + target;
            std::string why;
            switch (tag->element) {
                case 0x0002:
                    why = name + " follows the dataset's SOPClassUID (0008,0016); act on SOPClassUID instead";
                    break;
                case 0x0003:
                    why = name + " follows the dataset's SOPInstanceUID (0008,0018); act on SOPInstanceUID instead";
                    break;
                case 0x0010: why = name + " names the transfer syntax of the output, which is the input's"; break;
                case 0x0012:
                case 0x0013: why = name + " names deid as the implementation that wrote the file"; break;
                default: continue;
            }
            diagnostics_.warning(action.span, "rebuilt-meta",
                                 describe(action) + " has no effect on the output: the meta header is rebuilt when "
                                 "the file is written, and " + why);
        }
    }

    void uid_removals() {
        check_uid_removal("SOPInstanceUID", "add 'REPLACE SOPInstanceUID deid_func:pydicom_uuid'");
        check_uid_removal("SOPClassUID", "add 'KEEP SOPClassUID': it names the kind of object, not the patient");
    }

private:
    // KEEP, REPLACE, JITTER and the other kinds, by ActionKind.
    static constexpr std::size_t kKinds = 6;
    static std::size_t kind_index(ActionKind kind) { return static_cast<std::size_t>(kind); }

    // The actions naming one element plainly.
    struct Plain {
        std::array<Indices, kKinds> by_kind;  // every kind but ADD
        Indices adds;
        Indices removals;  // REMOVEs without func:
    };
    // The expander actions written with one text (`REMOVE contains:Date`).
    struct Expander {
        const plan::Selector* selector = nullptr;
        std::array<std::optional<std::size_t>, kKinds> first_of_kind;
        Indices removals;  // REMOVEs without func:
    };

    std::string keyword_of(const plan::TagMatch& tag) const {
        const auto entry = dictionary_.find_tag(tag.group, tag.element);
        return entry ? entry->keyword : "";
    }

    std::optional<DictionaryEntry> entry_of(const plan::Selector& selector) const {
        if (const auto* tag = std::get_if<plan::TagMatch>(&selector)) {
            return dictionary_.find_tag(tag->group, tag->element);
        }
        return std::nullopt;
    }

    // The expanders (by index into expanders_) that select the element a
    // plain selector names. Expanders select by names and tags, which only
    // a dictionary element has; private and nested forms are covered by
    // plain actions alone.
    const Indices& covering_of(const plan::Selector& selector) {
        static const Indices kNone;
        const auto entry = entry_of(selector);
        if (!entry) {
            return kNone;
        }
        const std::uint32_t tag = (std::uint32_t{entry->group} << 16U) | entry->element;
        auto [found, inserted] = covering_.try_emplace(tag);
        if (inserted) {
            for (std::size_t e = 0; e < expanders_.size(); ++e) {
                if (selects(*expanders_[e].selector, *entry, plan_) == Selection::yes) {
                    found->second.push_back(e);
                }
            }
        }
        return found->second;
    }

    void dead(const plan::HeaderAction& action, const std::string& reason) {
        diagnostics_.warning(action.span, "dead-action", describe(action) + " has no effect: " + reason);
    }

    void check_uid_removal(std::string_view keyword, const std::string& advice) {
        const auto entry = dictionary_.find_keyword(keyword);
        if (!entry) {
            return;
        }
        auto selects_uid = [&](const plan::HeaderAction& other) {
            return selects(other.field.selector, *entry, plan_) == Selection::yes;
        };
        const auto& actions = plan_.actions;
        bool spared = false;                    // a KEEP, REPLACE or JITTER of the UID anywhere
        std::optional<std::size_t> last_add;    // the last plain ADD of it
        for (std::size_t j = 0; j < actions.size(); ++j) {
            const auto kind = actions[j].kind;
            if ((kind == ActionKind::keep || kind == ActionKind::replace || kind == ActionKind::jitter) &&
                selects_uid(actions[j])) {
                spared = true;
            }
            if (kind == ActionKind::add && is_plain(actions[j].field.selector) && selects_uid(actions[j])) {
                last_add = j;
            }
        }
        if (spared) {
            return;
        }
        for (std::size_t i = 0; i < actions.size(); ++i) {
            const bool added_back = last_add && *last_add > i;
            if (removes_unconditionally(actions[i]) && !added_back && selects_uid(actions[i])) {
                diagnostics_.warning(actions[i].span, "uid-removed",
                                     describe(actions[i]) + " removes " + std::string(keyword) + " " +
                                         tag_text(entry->group, entry->element) +
                                         " and nothing gives it a new value, so the output is no valid DICOM instance (" +
                                         advice + ")");
            }
        }
    }

    const plan::Plan& plan_;
    const ElementDictionary& dictionary_;
    Diagnostics& diagnostics_;
    std::unordered_map<std::string, Plain> plain_;
    std::vector<Expander> expanders_;
    std::unordered_map<std::uint32_t, Indices> covering_;  // by the element's tag
};

}  // namespace

void analyse_actions(const plan::Plan& plan, const ElementDictionary& dictionary, Diagnostics& diagnostics) {
    Analysis analysis(plan, dictionary, diagnostics);
    analysis.dead_actions();
    analysis.rebuilt_meta_elements();
    analysis.uid_removals();
}

}  // namespace deid
