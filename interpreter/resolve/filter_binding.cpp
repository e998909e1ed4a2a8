#include "interpreter/resolve/filter_binding.hpp"

#include "support/strings.hpp"

namespace deid {
namespace {

bool needs_regex(ast::CriterionTest test) {
    return test == ast::CriterionTest::contains || test == ast::CriterionTest::notcontains;
}

bool needs_alternatives(ast::CriterionTest test) {
    return test == ast::CriterionTest::equals || test == ast::CriterionTest::notequals;
}

std::vector<std::string> split_alternatives(const std::string& value) {
    std::vector<std::string> alternatives;
    std::size_t start = 0;
    while (true) {
        const auto bar = value.find('|', start);
        alternatives.push_back(to_lower(trim(std::string_view(value).substr(start, bar - start))));
        if (bar == std::string::npos) {
            return alternatives;
        }
        start = bar + 1;
    }
}

class FilterBinder {
public:
    FilterBinder(FieldBinder& binder, Diagnostics& diagnostics) : binder_(binder), diagnostics_(diagnostics) {}

    plan::FilterLabel label(const ast::Label& label) {
        plan::FilterLabel bound{label.name, label.span, {}, {}};
        for (const auto& line : label.lines) {
            plan::FilterLine bound_line{line.connective, {}};
            bool complete = true;
            for (const auto& criterion : line.criteria) {
                auto bound_criterion = this->criterion(criterion);
                complete = complete && bound_criterion.has_value();
                if (bound_criterion) {
                    bound_line.criteria.push_back(std::move(*bound_criterion));
                }
            }
            // A line with a criterion that failed to bind is dropped whole
            // (its error is reported); the plan is not run with errors.
            if (complete) {
                bound.lines.push_back(std::move(bound_line));
            }
        }
        for (const auto& coordinates : label.coordinates) {
            if (auto region = this->region(coordinates)) {
                bound.regions.push_back(std::move(*region));
            }
        }
        if (label.lines.empty() && label.coordinates.empty()) {
            diagnostics_.warning(label.span, "empty-label",
                                 "LABEL '" + label.name + "' has no criteria and no coordinates: it never matches");
        }
        return bound;
    }

private:
    std::optional<plan::FilterCriterion> criterion(const ast::Criterion& criterion) {
        auto field = binder_.bind_filter_field(criterion.field);
        plan::FilterCriterion bound;
        bound.connective = criterion.connective;
        bound.test = criterion.test;
        bound.value = criterion.value.value_or("");
        bound.span = criterion.span;
        if (needs_regex(criterion.test)) {
            bound.regex = binder_.compile(std::string(trim(bound.value)), criterion.value_span, "filter value");
            if (!bound.regex) {
                return std::nullopt;
            }
        }
        if (needs_alternatives(criterion.test)) {
            bound.alternatives = split_alternatives(bound.value);
            if (bound.alternatives.size() > 1) {
                diagnostics_.note(criterion.value_span, "equals-alternatives",
                                  "'" + bound.value +
                                      "' is compared as alternatives separated by '|'; the established tool compares "
                                      "the whole text literally and never matches it");
            }
        }
        if (!field) {
            return std::nullopt;
        }
        bound.field = std::move(*field);
        return bound;
    }

    std::optional<plan::Region> region(const ast::CoordinatesLine& line) {
        plan::Region region{line.mask, plan::WholeImage{}, line.span};
        if (const auto* from = std::get_if<ast::RegionFrom>(&line.region)) {
            auto sequence = binder_.bind_filter_field(from->field);
            if (!sequence) {
                return std::nullopt;
            }
            const auto entry = binder_.entry_of(from->field);
            if (entry && entry->vr != "SQ") {
                diagnostics_.error(from->field.span, "bad-coordinates",
                                   "from:" + from->field.text + " must name a sequence of regions such as "
                                   "SequenceOfUltrasoundRegions; " + entry->keyword + " is " + entry->vr);
                return std::nullopt;
            }
            region.area = plan::RegionsFrom{std::move(*sequence)};
            return region;
        }
        if (const auto* rect = std::get_if<ast::RegionRect>(&line.region)) {
            const auto& n = rect->numbers;
            plan::Rect bounds{n[0], n[1], n[2], n[3]};
            if (line.ctp) {
                bounds.xmax = n[0] + n[2];
                bounds.ymax = n[1] + n[3];
            }
            if (n[0] < 0 || n[1] < 0 || n[2] < 0 || n[3] < 0) {
                diagnostics_.error(line.region_span, "bad-coordinates", "coordinates cannot be negative: '" + line.text + "'");
                return std::nullopt;
            }
            if (bounds.xmin >= bounds.xmax || bounds.ymin >= bounds.ymax) {
                diagnostics_.error(line.region_span, "bad-coordinates",
                                   "empty region '" + line.text + "': " +
                                       (line.ctp ? std::string("width and height must be positive")
                                                 : std::string("xmin must be below xmax and ymin below ymax")));
                return std::nullopt;
            }
            region.area = bounds;
        }
        return region;
    }

    FieldBinder& binder_;
    Diagnostics& diagnostics_;
};

}  // namespace

std::vector<plan::FilterGroup> bind_filters(const ast::CombinedRecipe& recipe, FieldBinder& binder,
                                            Diagnostics& diagnostics) {
    FilterBinder filters(binder, diagnostics);
    std::vector<plan::FilterGroup> groups;
    for (const auto& section : recipe.filters) {
        plan::FilterGroup group{section.name, {}};
        for (const auto& label : section.labels) {
            group.labels.push_back(filters.label(label));
        }
        groups.push_back(std::move(group));
    }
    return groups;
}

}  // namespace deid
