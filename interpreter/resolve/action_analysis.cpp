#include "interpreter/resolve/action_analysis.hpp"

#include <string>

#include "interpreter/resolve/field_binding.hpp"
#include "interpreter/resolve/static_selection.hpp"

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

class Analysis {
public:
    Analysis(const plan::Plan& plan, const ElementDictionary& dictionary, Diagnostics& diagnostics)
        : plan_(plan), dictionary_(dictionary), diagnostics_(diagnostics) {}

    void dead_actions() {
        const auto& actions = plan_.actions;
        for (std::size_t i = 0; i < actions.size(); ++i) {
            const auto& action = actions[i];
            if (!is_plain(action.field.selector)) {
                continue;
            }
            const std::optional<DictionaryEntry> entry = entry_of(action.field.selector);
            auto covers = [&](const plan::HeaderAction& other) {
                return same_element(other.field.selector, action.field.selector) ||
                       (entry && !is_plain(other.field.selector) &&
                        selects(other.field.selector, *entry, plan_) == Selection::yes);
            };
            if (action.kind != ActionKind::add && action.kind != ActionKind::keep) {
                if (const auto* keep = find_any(i, ActionKind::keep, covers)) {
                    dead(action, "KEEP " + keep->field.text + " at " + where(*keep, action) +
                                     " protects it (KEEP wins over everything but ADD)");
                    continue;
                }
            }
            if (action.kind == ActionKind::remove) {
                const auto* replaced = find_any(i, ActionKind::replace, covers);
                const auto* jittered = replaced ? nullptr : find_any(i, ActionKind::jitter, covers);
                if (const auto* target = replaced ? replaced : jittered) {
                    dead(action, action_word(target->kind) + " " + target->field.text + " at " +
                                     where(*target, action) + " targets it, and REMOVE skips REPLACE and JITTER targets");
                    continue;
                }
            }
            if (action.kind == ActionKind::blank || action.kind == ActionKind::remove) {
                if (const auto* removal = earlier_removal(i, covers)) {
                    dead(action, describe(*removal) + " at " + where(*removal, action) + " already removed it");
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

    template <typename Covers>
    const plan::HeaderAction* find_any(std::size_t except, ActionKind kind, Covers covers) const {
        for (std::size_t j = 0; j < plan_.actions.size(); ++j) {
            if (j != except && plan_.actions[j].kind == kind && covers(plan_.actions[j])) {
                return &plan_.actions[j];
            }
        }
        return nullptr;
    }

    // The latest removal before `index` that still holds (no ADD re-created
    // the element since, and no REPLACE or JITTER makes it skip the element).
    template <typename Covers>
    const plan::HeaderAction* earlier_removal(std::size_t index, Covers covers) const {
        const auto& action = plan_.actions[index];
        for (std::size_t j = index; j-- > 0;) {
            const auto& other = plan_.actions[j];
            if (other.kind == ActionKind::add && same_element(other.field.selector, action.field.selector)) {
                return nullptr;
            }
            if (removes_unconditionally(other) && covers(other)) {
                return &other;
            }
        }
        return nullptr;
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
        for (std::size_t i = 0; i < actions.size(); ++i) {
            if (!removes_unconditionally(actions[i]) || !selects_uid(actions[i])) {
                continue;
            }
            const bool spared = find_any(i, ActionKind::keep, selects_uid) || find_any(i, ActionKind::replace, selects_uid) ||
                                find_any(i, ActionKind::jitter, selects_uid);
            bool added_back = false;
            for (std::size_t j = i + 1; j < actions.size(); ++j) {
                added_back = added_back || (actions[j].kind == ActionKind::add && is_plain(actions[j].field.selector) &&
                                            selects_uid(actions[j]));
            }
            if (!spared && !added_back) {
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
};

}  // namespace

void analyse_actions(const plan::Plan& plan, const ElementDictionary& dictionary, Diagnostics& diagnostics) {
    Analysis analysis(plan, dictionary, diagnostics);
    analysis.dead_actions();
    analysis.rebuilt_meta_elements();
    analysis.uid_removals();
}

}  // namespace deid
