#include "interpreter/resolve/group_order.hpp"

#include <algorithm>
#include <optional>

namespace deid {
namespace {

using plan::GroupRef;

// The group a selector names, if it names one.
std::optional<GroupRef> referenced_group(const plan::Selector& selector) {
    if (const auto* fields = std::get_if<plan::FieldsGroupMatch>(&selector)) {
        return GroupRef{plan::GroupKind::fields, fields->index};
    }
    if (const auto* values = std::get_if<plan::ValuesGroupMatch>(&selector)) {
        return GroupRef{plan::GroupKind::values, values->index};
    }
    return std::nullopt;
}

// Depth-first over the references; a reference to a group still on the
// path closes a cycle.
class GroupSorter {
public:
    GroupSorter(plan::Plan& plan, Diagnostics& diagnostics)
        : plan_(plan), diagnostics_(diagnostics),
          state_fields_(plan.fields.size(), State::unvisited), state_values_(plan.values.size(), State::unvisited) {}

    void run() {
        for (std::size_t i = 0; i < plan_.fields.size(); ++i) {
            visit({plan::GroupKind::fields, i});
        }
        for (std::size_t i = 0; i < plan_.values.size(); ++i) {
            visit({plan::GroupKind::values, i});
        }
    }

private:
    enum class State { unvisited, on_path, done };

    State& state(const GroupRef& group) {
        return group.kind == plan::GroupKind::fields ? state_fields_[group.index] : state_values_[group.index];
    }

    const std::string& name(const GroupRef& group) const {
        return group.kind == plan::GroupKind::fields ? plan_.fields[group.index].name : plan_.values[group.index].name;
    }

    // The fields a group selects with, whatever its kind.
    template <typename Visit>
    void for_each_field(const GroupRef& group, Visit visit_field) {
        if (group.kind == plan::GroupKind::fields) {
            auto& fields = plan_.fields[group.index].fields;
            std::erase_if(fields, [&](plan::BoundField& field) { return !visit_field(field); });
        } else {
            auto& sources = plan_.values[group.index].sources;
            std::erase_if(sources, [&](plan::ValuesSource& source) { return !visit_field(source.field); });
        }
    }

    void visit(const GroupRef& group) {
        if (state(group) != State::unvisited) {
            return;
        }
        state(group) = State::on_path;
        path_.push_back(group);
        // Returns false for a reference that closes a cycle: it is dropped.
        for_each_field(group, [&](const plan::BoundField& field) {
            const auto target = referenced_group(field.selector);
            if (!target) {
                return true;
            }
            if (state(*target) == State::on_path) {
                report_cycle(*target, field);
                return false;
            }
            visit(*target);
            return true;
        });
        path_.pop_back();
        state(group) = State::done;
        plan_.group_order.push_back(group);
    }

    void report_cycle(const GroupRef& target, const plan::BoundField& field) {
        const auto start = std::find(path_.begin(), path_.end(), target);
        const bool mixed = std::any_of(start, path_.end(), [&](const GroupRef& g) { return g.kind != target.kind; });
        auto label = [&](const GroupRef& g) {
            return mixed ? std::string(g.kind == plan::GroupKind::fields ? "fields:" : "values:") + name(g) : name(g);
        };
        std::string chain;
        for (auto step = start; step != path_.end(); ++step) {
            chain += label(*step) + " → ";
        }
        chain += label(target);
        diagnostics_.error(field.span, "group-cycle",
                           "group '" + name(target) + "' refers to itself: " + chain);
    }

    plan::Plan& plan_;
    Diagnostics& diagnostics_;
    std::vector<State> state_fields_;
    std::vector<State> state_values_;
    std::vector<GroupRef> path_;
};

}  // namespace

void order_groups(plan::Plan& plan, Diagnostics& diagnostics) {
    plan.group_order.clear();
    GroupSorter(plan, diagnostics).run();
}

}  // namespace deid
