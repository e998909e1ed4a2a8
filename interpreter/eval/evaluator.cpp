#include "interpreter/eval/evaluator.hpp"

#include <array>
#include <algorithm>
#include <charconv>
#include <functional>

#include "interpreter/eval/selection.hpp"
#include "stdlib/date_shift.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

constexpr std::uint32_t tag_key(std::uint16_t group, std::uint16_t element) {
    return (static_cast<std::uint32_t>(group) << 16U) | element;
}

// A warning about a value an action could not use names it by its size
// only: warnings go to the terminal, logs and run reports, and the value
// is the patient's, which de-identification must not copy anywhere.
std::string unprinted(const std::string& value) {
    return "its value (" + std::to_string(value.size()) + (value.size() == 1 ? " character" : " characters") +
           ", not shown: it may identify someone)";
}

class Run {
public:
    Run(const plan::Plan& plan, DatasetView& dataset, const Variables& variables, const EvaluationOptions& options)
        : plan_(plan), dataset_(dataset), variables_(variables), options_(options) {
        for (const auto& action : plan_.actions) {
            if (action.kind == ast::ActionKind::keep) {
                keeps_.push_back(&action);
            }
            if (const auto* builtin = action.value ? std::get_if<plan::BuiltinSource>(&*action.value) : nullptr;
                builtin != nullptr && builtin->builtin->needs_file_context) {
                keep_values_before_ = true;
            }
            if (action.kind == ast::ActionKind::replace || action.kind == ast::ActionKind::jitter) {
                const auto* tag = std::get_if<plan::TagMatch>(&action.field.selector);
                if (tag != nullptr && tag->group_mask == 0xFFFF) {
                    replaced_tags_.push_back(tag_key(tag->group, tag->element));
                } else {
                    replaced_otherwise_.push_back(&action);
                }
            }
        }
        // Sorted for binary search: per file, far cheaper to build than a hash set.
        std::sort(replaced_tags_.begin(), replaced_tags_.end());
        // Built-ins that read values before any action get the run's record
        // of them, with the caller's context (or none: they know no key).
        if (keep_values_before_) {
            if (options_.builtin_context != nullptr) {
                context_with_values_before_ = *options_.builtin_context;
            }
            context_with_values_before_.values_before = &values_before_;
        }
    }

    EvaluationResult run() {
        if (options_.remove_private) {
            remove_where([](const ElementInfo& e) { return e.is_private(); });
        }
        if (options_.strip_sequences) {
            remove_where([](const ElementInfo& e) { return e.is_sequence(); });
        }
        const auto& original = visible();
        groups_ = compute_groups(plan_, dataset_, original);
        // KEEP takes its elements out of the view for everything but ADD.
        for (const auto& element : original) {
            for (const auto* action : keeps_) {
                if (selects(action->field.selector, element, values_for(action->field.selector, element), groups_, memo())) {
                    kept_.insert(element.path);
                }
            }
        }
        mark_kept();
        for (const auto& action : plan_.actions) {
            apply(action);
        }
        tell_what_became_of_warned_elements();
        return std::move(result_);
    }

private:
    // The elements actions may touch, listed once. An element an action
    // removes stays listed, marked gone (compacting the listing after each
    // REMOVE would move every later entry: the cost of a recipe with many
    // REMOVE lines), and set never moves a path.
    const std::vector<ElementInfo>& visible() const {
        if (!listed_) {
            listed_ = dataset_.elements();
            std::erase_if(*listed_, [&](const ElementInfo& e) {
                return options_.protected_tags.contains(tag_key(e.group, e.element));
            });
            gone_.assign(listed_->size(), false);
            index_tags();
            mark_kept();
        }
        return *listed_;
    }

    // Where each tag is listed: an action that names one element (a
    // confidentiality profile has 600) looks there instead of at every entry.
    void index_tags() const {
        listed_at_.clear();
        listed_at_.reserve(listed_->size());
        for (std::size_t i = 0; i < listed_->size(); ++i) {
            listed_at_.emplace_back(tag_key((*listed_)[i].group, (*listed_)[i].element), i);
        }
        std::sort(listed_at_.begin(), listed_at_.end());
    }

    void mark_kept() const {
        kept_in_listing_.assign(listed_->size(), false);
        for (std::size_t i = 0; i < listed_->size(); ++i) {
            kept_in_listing_[i] = kept_.contains((*listed_)[i].path);
        }
    }

    PatternMemo* memo() const {
        return options_.pattern_memo != nullptr && options_.pattern_memo->plan() == &plan_ ? options_.pattern_memo : nullptr;
    }

    // Anything may have moved: list again on the next look.
    void structure_changed() { listed_.reset(); }

    // A top-level element was created (or replaced): list it where
    // elements() would, instead of listing the whole file again.
    void listed_as_added(std::uint16_t group, std::uint16_t element) {
        if (!listed_) {
            return;
        }
        const std::string path = tag_path_step(group, element);
        for (std::size_t i = 0; i < listed_->size(); ++i) {
            if (!gone_[i] && (*listed_)[i].depth == 0 && (*listed_)[i].path == path) {
                forget({i}, true);
            }
        }
        auto added = dataset_.top_level_element(group, element);
        if (!added) {
            return;
        }
        const std::uint32_t key = tag_key(group, element);
        // File meta comes first, then the dataset, each in tag order.
        const auto place = std::find_if(listed_->begin(), listed_->end(), [&](const ElementInfo& e) {
            if (e.file_meta != added->file_meta) {
                return !e.file_meta;
            }
            return e.depth == 0 && tag_key(e.group, e.element) > key;
        });
        const auto at = place - listed_->begin();
        kept_in_listing_.insert(kept_in_listing_.begin() + at, false);
        gone_.insert(gone_.begin() + at, false);
        listed_->insert(place, std::move(*added));
        // Entries from `at` on moved one place down; the new one joins the
        // index in tag order (cheaper than sorting the index again).
        const auto position = static_cast<std::size_t>(at);
        for (auto& listed : listed_at_) {
            listed.second += listed.second >= position ? 1 : 0;
        }
        const std::pair entry{key, position};
        listed_at_.insert(std::lower_bound(listed_at_.begin(), listed_at_.end(), entry), entry);
    }

    // The listed elements at `positions` are gone (`including_themselves`)
    // or have lost their items. The listing is depth first, so an
    // element's items follow it directly, deeper than it.
    void forget(const std::vector<std::size_t>& positions, bool including_themselves) {
        const auto& listing = *listed_;
        for (const std::size_t at : positions) {
            gone_[at] = gone_[at] || including_themselves;
            for (std::size_t i = at + 1; i < listing.size() && listing[i].depth > listing[at].depth; ++i) {
                gone_[i] = true;
            }
        }
    }

    std::vector<std::string> values_of(const ElementInfo& element) const {
        return dataset_.values(element.path).value_or(std::vector<std::string>{});
    }

    // Only values: groups look at values; reading them for every element
    // and action would dominate the run.
    std::vector<std::string> values_for(const plan::Selector& selector, const ElementInfo& element) const {
        return std::holds_alternative<plan::ValuesGroupMatch>(selector) ? values_of(element) : std::vector<std::string>{};
    }

    // Where the elements the action selects now are listed, last listed
    // first so that removing an item's elements never invalidates a path
    // still to be visited. The listing does not change until the action is
    // done with them.
    std::vector<std::size_t> selected_by(const plan::HeaderAction& action, bool including_kept) const {
        std::vector<std::size_t> selected;
        const auto& listing = visible();
        auto consider = [&](std::size_t i) {
            const ElementInfo& element = listing[i];
            if (!gone_[i] && (including_kept || !kept_in_listing_[i]) &&
                selects(action.field.selector, element, values_for(action.field.selector, element), groups_, memo())) {
                selected.push_back(i);
            }
        };
        if (const auto* tag = std::get_if<plan::TagMatch>(&action.field.selector); tag != nullptr && tag->group_mask == 0xFFFF) {
            const std::uint32_t key = tag_key(tag->group, tag->element);
            const auto first = std::lower_bound(listed_at_.begin(), listed_at_.end(), std::pair{key, std::size_t{0}});
            for (auto at = first; at != listed_at_.end() && at->first == key; ++at) {
                consider(at->second);
            }
        } else {
            for (std::size_t i = 0; i < listing.size(); ++i) {
                consider(i);
            }
        }
        std::reverse(selected.begin(), selected.end());
        return selected;
    }

    void remove_where(const std::function<bool(const ElementInfo&)>& condition) {
        const auto elements = dataset_.elements();
        // Last listed first: an item's elements go before their sequence.
        for (std::size_t at = elements.size(); at-- > 0;) {
            const ElementInfo& element = elements[at];
            if (condition(element) && !options_.protected_tags.contains(tag_key(element.group, element.element))) {
                const auto before = values_of(element);
                remember_items_of(elements, at);
                if (dataset_.remove(element.path) == WriteResult::done) {
                    structure_changed();
                    record({element.path, element.nested_name, ChangeKind::removed, before, {}, {}});
                }
            }
        }
    }

    // Every change goes through here: the first one of an element keeps the
    // value it had before any action (none for an element an action
    // created), which built-ins that work on that value read (shift_date
    // after the basic profile's BLANK, RSNA CTP's functions).
    void record(Change change) {
        if (keep_values_before_ && !change.path.empty()) {
            values_before_.record(change.path, change.kind == ChangeKind::added
                                                   ? std::nullopt
                                                   : std::optional<std::string>(join_multi_value(change.before)));
        }
        result_.changes.push_back(std::move(change));
    }

    // A sequence listed at `at` is about to go or lose its items: the values
    // of the elements in them, which no action changed (so none recorded),
    // are kept for the built-ins that may still read them.
    void remember_items_of(const std::vector<ElementInfo>& listing, std::size_t at) {
        if (!keep_values_before_ || !listing[at].is_sequence()) {
            return;
        }
        for (std::size_t i = at + 1; i < listing.size() && listing[i].depth > listing[at].depth; ++i) {
            if (values_before_.recorded(listing[i].path) == nullptr) {
                const auto values = dataset_.values(listing[i].path);
                values_before_.record(listing[i].path,
                                      values ? std::optional<std::string>(join_multi_value(*values)) : std::nullopt);
            }
        }
    }

    // Blanks or removes (`kind`) the element listed at `at`, keeping the
    // values inside it for the built-ins first, and records the change;
    // false when the dataset could not.
    bool take_out(std::size_t at, ChangeKind kind, std::vector<std::string> before, const SourceSpan& by) {
        const ElementInfo& element = (*listed_)[at];
        remember_items_of(*listed_, at);
        const WriteResult done = kind == ChangeKind::blanked ? dataset_.blank(element.path) : dataset_.remove(element.path);
        if (done != WriteResult::done) {
            return false;
        }
        record({element.path, element.nested_name, kind, std::move(before), {}, by});
        return true;
    }

    // The context a built-in is called with: the caller's, or a copy that
    // also gives the values before any action.
    const stdlib::BuiltinContext* context_for(const stdlib::Builtin& builtin) const {
        return keep_values_before_ && builtin.needs_file_context ? &context_with_values_before_ : options_.builtin_context;
    }

    std::optional<std::string> value_now(const std::string& path) const {
        const auto values = dataset_.values(path);
        return values ? std::optional<std::string>(join_multi_value(*values)) : std::nullopt;
    }

    void warn(const ElementInfo* element, const plan::HeaderAction& action, std::string message) {
        result_.warnings.push_back({element ? element->path : std::string{}, std::move(message), action.span});
        changes_at_warning_.push_back(result_.changes.size());
    }

    // A warning says the element was left as it was; a later line may still
    // have changed it (the bundled default ADDs PatientID from a variable
    // after removing it): each warning ends with what really happened.
    void tell_what_became_of_warned_elements() {
        for (std::size_t w = 0; w < result_.warnings.size(); ++w) {
            auto& warning = result_.warnings[w];
            if (warning.path.empty()) {
                continue;
            }
            const auto before = result_.changes.begin() + static_cast<std::ptrdiff_t>(changes_at_warning_[w]);
            if (warning.message.ends_with(" not created")) {
                const auto removed = std::find_if(std::make_reverse_iterator(before), result_.changes.rend(),
                                                  [&](const Change& change) { return change.path == warning.path; });
                if (removed != result_.changes.rend() && removed->kind == ChangeKind::removed && removed->by.line > 0) {
                    warning.message += " (removed by line " + std::to_string(removed->by.line) +
                                       (removed->by.file == warning.by.file ? "" : " of " + removed->by.file) + ")";
                }
            }
            const auto changed = std::find_if(result_.changes.begin() + static_cast<std::ptrdiff_t>(changes_at_warning_[w]),
                                              result_.changes.end(),
                                              [&](const Change& change) {
                                                  return change.path == warning.path && !(change.by == warning.by);
                                              });
            if (changed == result_.changes.end()) {
                continue;
            }
            static constexpr std::array kDone = {"added", "replaced", "blanked", "removed"};
            warning.message += "; then " + std::string(kDone[static_cast<std::size_t>(changed->kind)]);
            if (changed->by.line > 0) {
                warning.message += " by line " + std::to_string(changed->by.line) +
                                   (changed->by.file == warning.by.file ? "" : " of " + changed->by.file);
            }
        }
    }

    // The new value an ADD or REPLACE writes into `element` (for an element
    // ADD creates, `exists` is false); nullopt after a warning when there is none.
    std::optional<std::vector<std::string>> new_value(const plan::HeaderAction& action, const ElementInfo* element,
                                                      const std::vector<std::string>& before, bool exists = true) {
        return std::visit(
            [&](const auto& source) -> std::optional<std::vector<std::string>> {
                using Source = std::decay_t<decltype(source)>;
                if constexpr (std::is_same_v<Source, plan::LiteralSource>) {
                    return split_multi_value(source.text);
                } else if constexpr (std::is_same_v<Source, plan::VariableSource>) {
                    const auto found = variables_.find(source.name);
                    if (found == variables_.end()) {
                        warn(element, action, "variable '" + source.name + "' is not given for this file; " +
                                                  action.field.text + (exists ? " left unchanged" : " not created"));
                        return std::nullopt;
                    }
                    return split_multi_value(found->second);
                } else if constexpr (std::is_same_v<Source, plan::FunctionSource>) {
                    const auto result = call_user(action, source.name, element, before, exists);
                    if (const auto* values = std::get_if<std::vector<std::string>>(&result)) {
                        return *values;
                    }
                    warn(element, action, "func:" + source.name + " returned " +
                                              (std::holds_alternative<bool>(result) ? "a boolean" : "nil") +
                                              ", no value; " + action.field.text +
                                              (exists ? " left unchanged" : " not created"));
                    return std::nullopt;
                } else {
                    const std::string original = join_multi_value(before);
                    const stdlib::BuiltinCall call{element ? std::string_view(element->keyword) : std::string_view(action.field.text),
                                                   original, element ? std::string_view(element->vr) : std::string_view(),
                                                   source.options, element ? std::string_view(element->path) : std::string_view(),
                                                   context_for(*source.builtin), !exists};
                    auto computed = source.builtin->compute(call);
                    if (!computed) {
                        warn(element, action, "deid_func:" + std::string(source.builtin->name) + " cannot compute a value from " +
                                                  unprinted(original) + "; element left unchanged");
                        return std::nullopt;
                    }
                    return split_multi_value(*computed);
                }
            },
            *action.value);
    }

    // `before` and `after` are taken by value: they end in the change record.
    void write(const plan::HeaderAction& action, const ElementInfo& element, std::vector<std::string> before,
               std::vector<std::string> after, ChangeKind kind) {
        const WriteResult written = dataset_.set(element.path, after);
        if (written == WriteResult::conversion_failed) {
            warn(&element, action, "'" + join_multi_value(after) + "' does not convert to " + element.vr +
                                       "; the element is left unchanged");
            return;
        }
        if (written == WriteResult::cut) {
            warn(&element, action, "a value longer than " + element.vr + " allows was cut to its maximum length");
            const auto stored = dataset_.values(element.path).value_or(after);
            record({element.path, element.nested_name, kind, std::move(before), stored, action.span});
            return;
        }
        if (written != WriteResult::done) {
            warn(&element, action, "cannot write a value into " + element.vr + " element " + element.nested_name);
            return;
        }
        record({element.path, element.nested_name, kind, std::move(before), std::move(after), action.span});
    }

    std::optional<std::int64_t> jitter_days(const plan::HeaderAction& action, const ElementInfo& element) {
        if (const auto* literal = std::get_if<plan::LiteralSource>(&*action.value)) {
            return parse_integer(literal->text);
        }
        if (const auto* variable = std::get_if<plan::VariableSource>(&*action.value)) {
            const auto found = variables_.find(variable->name);
            const auto days = found == variables_.end() ? std::nullopt : parse_integer(found->second);
            if (!days) {
                warn(&element, action, "variable '" + variable->name + "' gives no whole number of days; " +
                                           element.nested_name + " left unchanged");
            }
            return days;
        }
        if (const auto* function = std::get_if<plan::FunctionSource>(&*action.value)) {
            const auto result = call_user(action, function->name, &element, values_of(element));
            const auto* values = std::get_if<std::vector<std::string>>(&result);
            const auto days = values && values->size() == 1 ? parse_integer(values->front()) : std::nullopt;
            if (!days) {
                warn(&element, action, "func:" + function->name + " gave no whole number of days; " +
                                           element.nested_name + " left unchanged");
            }
            return days;
        }
        warn(&element, action, "JITTER by " + action.value_text + " is not supported here; element left unchanged");
        return std::nullopt;
    }

    // Calls a user function on `element` (`exists` false: one ADD is about
    // to create, the function sees no value); without any, warns and
    // returns no value.
    UserFunctionResult call_user(const plan::HeaderAction& action, const std::string& name, const ElementInfo* element,
                                 const std::vector<std::string>& values, bool exists = true) {
        if (options_.functions == nullptr) {
            warn(element, action, "func:" + name + " needs a Lua script (--lua); action skipped");
            return NoValue{};
        }
        try {
            return options_.functions->call({name, *element, values, action.value_text, variables_, dataset_, !exists});
        } catch (const UserFunctionError& error) {
            throw UserFunctionError(std::string(error.what()) + " (called from " + action.span.file + ":" +
                                    std::to_string(action.span.line) + " for " + element->path + ")");
        }
    }

    bool targeted_by_replace_or_jitter(const ElementInfo& element, const std::vector<std::string>& values) const {
        if (element.private_creator.empty() &&
            std::binary_search(replaced_tags_.begin(), replaced_tags_.end(), tag_key(element.group, element.element))) {
            return true;
        }
        return std::any_of(replaced_otherwise_.begin(), replaced_otherwise_.end(), [&](const plan::HeaderAction* other) {
            return selects(other->field.selector, element,
                           std::holds_alternative<plan::ValuesGroupMatch>(other->field.selector) ? values
                                                                                                   : std::vector<std::string>{},
                           groups_, memo());
        });
    }

    void apply(const plan::HeaderAction& action) {
        switch (action.kind) {
            case ast::ActionKind::keep: return;
            case ast::ActionKind::add: return add(action);
            case ast::ActionKind::replace:
                if (deciding_builtin(action) != nullptr) {
                    return replace_by_decision(action);
                }
                for (const std::size_t at : selected_by(action, false)) {
                    const ElementInfo& element = (*listed_)[at];
                    auto before = values_of(element);
                    if (auto after = new_value(action, &element, before)) {
                        write(action, element, std::move(before), std::move(*after), ChangeKind::replaced);
                    }
                }
                return;
            case ast::ActionKind::jitter:
                for (const std::size_t at : selected_by(action, false)) {
                    const ElementInfo& element = (*listed_)[at];
                    const auto before = values_of(element);
                    if (before.empty() || join_multi_value(before).empty()) {
                        continue;  // empty values stay empty
                    }
                    const auto days = jitter_days(action, element);
                    if (!days) {
                        continue;
                    }
                    const auto shifted = stdlib::shift_date_value(join_multi_value(before), element.vr, *days);
                    if (!shifted) {
                        warn(&element, action, unprinted(join_multi_value(before)) + " is no date " + element.vr +
                                                   " can be shifted; left unchanged");
                        continue;
                    }
                    write(action, element, before, split_multi_value(*shifted), ChangeKind::replaced);
                }
                return;
            case ast::ActionKind::blank: {
                std::vector<std::size_t> blanked;
                for (const std::size_t at : selected_by(action, false)) {
                    const ElementInfo& element = (*listed_)[at];
                    if (take_out(at, ChangeKind::blanked, values_of(element), action.span)) {
                        blanked.push_back(at);
                    }
                }
                forget(blanked, false);  // a blanked sequence loses its items
                return;
            }
            case ast::ActionKind::remove: {
                // Selected last listed first: an item's elements go before
                // their sequence, so no path still to visit is gone.
                std::vector<std::size_t> removed;
                for (const std::size_t at : selected_by(action, false)) {
                    const ElementInfo& element = (*listed_)[at];
                    auto before = values_of(element);
                    if (targeted_by_replace_or_jitter(element, before)) {
                        continue;  // spec §3.5 step 5
                    }
                    if (action.value && std::holds_alternative<plan::FunctionSource>(*action.value)) {
                        const auto& name = std::get<plan::FunctionSource>(*action.value).name;
                        const auto decision = call_user(action, name, &element, before);
                        if (std::holds_alternative<NoValue>(decision) && options_.functions == nullptr) {
                            continue;
                        }
                        const auto* remove = std::get_if<bool>(&decision);
                        if (remove == nullptr) {
                            warn(&element, action, "func:" + name + " must return true or false for REMOVE; element kept");
                            continue;
                        }
                        if (!*remove) {
                            continue;
                        }
                    }
                    if (take_out(at, ChangeKind::removed, std::move(before), action.span)) {
                        removed.push_back(at);
                    }
                }
                forget(removed, true);
                return;
            }
        }
    }

    // ------------------------------------------- built-ins that decide --

    // A built-in that decides (RSNA CTP's functions): it may keep, empty or
    // remove its element, hold the file back or write coded items.
    const stdlib::Builtin* deciding_builtin(const plan::HeaderAction& action) const {
        const auto* source = action.value ? std::get_if<plan::BuiltinSource>(&*action.value) : nullptr;
        return source != nullptr && source->builtin->decide != nullptr ? source->builtin : nullptr;
    }

    std::optional<stdlib::Decision> decide(const plan::HeaderAction& action, const ElementInfo& element,
                                           const std::vector<std::string>& before, bool exists) {
        const auto& source = std::get<plan::BuiltinSource>(*action.value);
        const std::string original = join_multi_value(before);
        const stdlib::BuiltinCall call{element.keyword, original,       element.vr, source.options, element.path,
                                       context_for(*source.builtin), !exists};
        auto decision = source.builtin->decide(call);
        if (!decision) {
            warn(&element, action, "deid_func:" + std::string(source.builtin->name) + " cannot compute a value from " +
                                       unprinted(original) + "; element left unchanged");
        }
        return decision;
    }

    void hold(const plan::HeaderAction& action, const stdlib::Decision& decision) {
        if (!result_.hold) {
            result_.hold = FileHold{decision.kind == stdlib::Decision::Kind::skip_file ? FileHold::Kind::skip
                                                                                       : FileHold::Kind::quarantine,
                                    decision.value, action.span};
        }
    }

    enum class Fate { stays, blanked, removed };

    // Carries out a decision on the element listed at `at`.
    Fate carry_out(const plan::HeaderAction& action, std::size_t at, const std::vector<std::string>& before,
                   const stdlib::Decision& decision) {
        const ElementInfo& element = (*listed_)[at];
        switch (decision.kind) {
            case stdlib::Decision::Kind::set:
                write(action, element, before, split_multi_value(decision.value), ChangeKind::replaced);
                return Fate::stays;
            case stdlib::Decision::Kind::keep: return Fate::stays;
            case stdlib::Decision::Kind::blank:
                return take_out(at, ChangeKind::blanked, before, action.span) ? Fate::blanked : Fate::stays;
            case stdlib::Decision::Kind::remove:
                return take_out(at, ChangeKind::removed, before, action.span) ? Fate::removed : Fate::stays;
            case stdlib::Decision::Kind::quarantine_file:
            case stdlib::Decision::Kind::skip_file: hold(action, decision); return Fate::stays;
            case stdlib::Decision::Kind::append_codes:
                warn(&element, action, "coded items are written by ADD only; " + element.nested_name + " left unchanged");
                return Fate::stays;
        }
        return Fate::stays;
    }

    void replace_by_decision(const plan::HeaderAction& action) {
        std::vector<std::size_t> removed;
        std::vector<std::size_t> blanked;
        for (const std::size_t at : selected_by(action, false)) {
            const ElementInfo& element = (*listed_)[at];
            const auto before = values_of(element);
            const auto decision = decide(action, element, before, true);
            if (!decision) {
                continue;
            }
            switch (carry_out(action, at, before, *decision)) {
                case Fate::removed: removed.push_back(at); break;
                case Fate::blanked: blanked.push_back(at); break;
                case Fate::stays: break;
            }
        }
        forget(removed, true);
        forget(blanked, false);
    }

    std::vector<std::string> code_values(const stdlib::Decision& decision) const {
        std::vector<std::string> values;
        for (const auto& code : decision.codes) {
            values.push_back(code.value);
        }
        return values;
    }

    void append_codes(const plan::HeaderAction& action, const ElementInfo& element, const std::vector<std::string>& before,
                      const stdlib::Decision& decision, bool exists) {
        std::vector<DatasetView::CodedItem> items;
        for (const auto& code : decision.codes) {
            items.push_back({code.scheme, code.value, code.meaning});
        }
        if (dataset_.append_coded_items(element.group, element.element, items, decision.replace_codes) != WriteResult::done) {
            warn(&element, action, "cannot write coded items into " + element.nested_name);
            return;
        }
        structure_changed();
        record({element.path, element.nested_name, exists ? ChangeKind::replaced : ChangeKind::added, before,
                code_values(decision), action.span});
    }

    // ADD with a deciding built-in: the top-level element, or a new one.
    void add_by_decision(const plan::HeaderAction& action, const std::vector<std::size_t>& selected,
                         const plan::TagMatch* tag) {
        std::vector<std::size_t> removed;
        std::vector<std::size_t> blanked;
        bool restructured = false;
        for (const std::size_t at : selected) {
            const ElementInfo element = (*listed_)[at];
            const auto before = values_of(element);
            const auto decision = decide(action, element, before, true);
            if (!decision) {
                continue;
            }
            if (decision->kind == stdlib::Decision::Kind::append_codes) {
                append_codes(action, element, before, *decision, true);
                restructured = true;  // the listing is gone: nothing more to visit
                break;
            }
            switch (carry_out(action, at, before, *decision)) {
                case Fate::removed: removed.push_back(at); break;
                case Fate::blanked: blanked.push_back(at); break;
                case Fate::stays: break;
            }
        }
        if (!restructured && listed_) {
            forget(removed, true);
            forget(blanked, false);
        }
        if (!selected.empty() || tag == nullptr) {
            return;
        }
        const ElementInfo created = dataset_.new_top_level_element(tag->group, tag->element);
        const auto decision = decide(action, created, {}, false);
        if (!decision) {
            return;
        }
        switch (decision->kind) {
            case stdlib::Decision::Kind::keep:
            case stdlib::Decision::Kind::remove: return;
            case stdlib::Decision::Kind::quarantine_file:
            case stdlib::Decision::Kind::skip_file: return hold(action, *decision);
            case stdlib::Decision::Kind::append_codes: return append_codes(action, created, {}, *decision, false);
            case stdlib::Decision::Kind::blank:
            case stdlib::Decision::Kind::set: break;
        }
        const std::vector<std::string> after =
            decision->kind == stdlib::Decision::Kind::blank ? std::vector<std::string>{""} : split_multi_value(decision->value);
        if (created.is_sequence() && join_multi_value(after).empty()) {
            // An empty sequence: created with no items.
            return append_codes(action, created, {}, stdlib::Decision{stdlib::Decision::Kind::append_codes, {}, {}, false}, false);
        }
        create(action, created, after);
    }

    // ADD of an element that is absent (top level).
    void create(const plan::HeaderAction& action, const ElementInfo& created, const std::vector<std::string>& after) {
        const WriteResult written = dataset_.add(created.group, created.element, "", after);
        listed_as_added(created.group, created.element);
        if (written == WriteResult::done || written == WriteResult::cut) {
            if (written == WriteResult::cut) {
                warn(&created, action, "a value longer than " + created.vr + " allows was cut to its maximum length");
            }
            const auto stored = dataset_.values(created.path).value_or(after);
            record({created.path, created.nested_name, ChangeKind::added, {}, stored, action.span});
        } else if (written == WriteResult::conversion_failed) {
            warn(&created, action, "'" + join_multi_value(after) + "' does not convert to " + created.vr + "; " +
                                       action.field.text + " is not created");
        } else {
            warn(&created, action, "cannot create " + action.field.text);
        }
    }

    void add(const plan::HeaderAction& action) {
        // ADD acts on the top-level element only (spec §3): the same keyword
        // inside sequence items is left alone, as the established tool does.
        auto selected = selected_by(action, true);
        std::erase_if(selected, [&](std::size_t at) { return (*listed_)[at].depth > 0; });
        if (deciding_builtin(action) != nullptr) {
            const auto* tag = std::get_if<plan::TagMatch>(&action.field.selector);
            const bool creatable = tag != nullptr && tag->group_mask == 0xFFFF &&
                                   !options_.protected_tags.contains(tag_key(tag->group, tag->element));
            return add_by_decision(action, selected, creatable ? tag : nullptr);
        }
        for (const std::size_t at : selected) {
            const ElementInfo& element = (*listed_)[at];
            auto before = values_of(element);
            if (auto after = new_value(action, &element, before)) {
                write(action, element, std::move(before), std::move(*after), ChangeKind::replaced);
            }
        }
        if (!selected.empty()) {
            return;
        }
        const auto* tag = std::get_if<plan::TagMatch>(&action.field.selector);
        if (tag == nullptr || tag->group_mask != 0xFFFF) {
            return;  // only a named element can be created
        }
        if (options_.protected_tags.contains(tag_key(tag->group, tag->element))) {
            return;
        }
        const ElementInfo created = dataset_.new_top_level_element(tag->group, tag->element);
        auto after = new_value(action, &created, {}, false);
        if (!after) {
            return;
        }
        create(action, created, *after);
    }

    const plan::Plan& plan_;
    DatasetView& dataset_;
    const Variables& variables_;
    const EvaluationOptions& options_;
    GroupContents groups_;
    std::set<std::string> kept_;
    mutable std::optional<std::vector<ElementInfo>> listed_;
    mutable std::vector<bool> kept_in_listing_;  // per listed element: KEEP took it out of the view
    mutable std::vector<bool> gone_;             // per listed element: removed, or an item of a removed or blanked one
    mutable std::vector<std::pair<std::uint32_t, std::size_t>> listed_at_;  // (tag, listing position), sorted
    std::vector<const plan::HeaderAction*> keeps_;
    // REPLACE and JITTER actions (spec §3.5 step 5): the tags they name, and the others.
    std::vector<std::uint32_t> replaced_tags_;  // sorted
    std::vector<const plan::HeaderAction*> replaced_otherwise_;
    EvaluationResult result_;
    std::vector<std::size_t> changes_at_warning_;  // per warning: how many changes came before it
    // The values of changed elements before the first action, kept when a
    // built-in reads them (needs_file_context), and the context that gives
    // them to it.
    bool keep_values_before_ = false;
    stdlib::ValuesBeforeActions values_before_{[this](const std::string& path) { return value_now(path); }};
    stdlib::BuiltinContext context_with_values_before_;
};

}  // namespace

std::set<std::uint32_t> default_protected_tags() {
    return {
        tag_key(0x7FE0, 0x0010),  // PixelData
        tag_key(0x0028, 0x1201),  // RedPaletteColorLookupTableData
        tag_key(0x0028, 0x1202),  // GreenPaletteColorLookupTableData
        tag_key(0x0028, 0x1203),  // BluePaletteColorLookupTableData
        tag_key(0x0028, 0x3010),  // VOILUTSequence
        tag_key(0x0002, 0x0000),  // FileMetaInformationGroupLength
        tag_key(0x0002, 0x0001),  // FileMetaInformationVersion
        tag_key(0x0002, 0x0010),  // TransferSyntaxUID
        tag_key(0x0002, 0x0012),  // ImplementationClassUID
    };
}

EvaluationResult evaluate(const plan::Plan& plan, DatasetView& dataset, const Variables& variables,
                          const EvaluationOptions& options) {
    return Run(plan, dataset, variables, options).run();
}

}  // namespace deid
