#include "interpreter/eval/filters.hpp"

#include <algorithm>
#include <charconv>

#include "interpreter/eval/selection.hpp"
#include "support/strings.hpp"

namespace deid {
namespace {

class Screening {
public:
    Screening(const plan::Plan& plan, const DatasetView& dataset)
        : plan_(plan), dataset_(dataset), elements_(dataset.elements()) {}

    FilterOutcome run() {
        FilterOutcome outcome;
        for (const auto& group : plan_.filters) {
            for (const auto& label : group.labels) {
                std::string reason;
                if (matches(label, reason)) {
                    outcome.flagged = true;
                    outcome.matches.push_back({group.name, label.name, reason, regions_of(label), label.span});
                }
            }
        }
        return outcome;
    }

private:
    // The top-level element a filter field names, if present.
    const ElementInfo* find(const plan::BoundField& field) const {
        static const GroupContents no_groups;
        for (const auto& element : elements_) {
            if (element.depth == 0 && selects(field.selector, element, {}, no_groups)) {
                return &element;
            }
        }
        return nullptr;
    }

    bool holds(const plan::FilterCriterion& criterion) const {
        const ElementInfo* element = find(criterion.field);
        const auto values = element ? dataset_.values(element->path).value_or(std::vector<std::string>{})
                                    : std::vector<std::string>{};
        auto any_value = [&](const auto& test) { return std::any_of(values.begin(), values.end(), test); };
        auto contains = [&] {
            return any_value([&](const std::string& v) { return re2::RE2::PartialMatch(to_lower(trim(v)), *criterion.regex); });
        };
        auto equals = [&] {
            return any_value([&](const std::string& v) {
                const std::string value = to_lower(trim(v));
                return std::find(criterion.alternatives.begin(), criterion.alternatives.end(), value) !=
                       criterion.alternatives.end();
            });
        };
        switch (criterion.test) {
            case ast::CriterionTest::contains: return contains();
            case ast::CriterionTest::notcontains: return !contains();
            case ast::CriterionTest::equals: return equals();
            case ast::CriterionTest::notequals: return !equals();
            case ast::CriterionTest::missing: return element == nullptr;
            case ast::CriterionTest::present: return element != nullptr;
            case ast::CriterionTest::empty:
                return element != nullptr && std::all_of(values.begin(), values.end(), [](const std::string& v) {
                           return trim(v).empty();
                       });
        }
        return false;
    }

    // Spec §4: a line is read left to right without precedence; a line with
    // a leading operator joins the check before it, any other line starts a
    // new check; the LABEL matches if any check holds. A LABEL with only
    // coordinates always matches.
    bool matches(const plan::FilterLabel& label, std::string& reason) const {
        if (label.lines.empty()) {
            reason = label.name;
            return !label.regions.empty();
        }
        bool any_check = false;
        bool check = false;
        std::string check_reason;
        for (std::size_t l = 0; l < label.lines.size(); ++l) {
            const auto& line = label.lines[l];
            bool result = false;
            std::string line_reason;
            for (std::size_t c = 0; c < line.criteria.size(); ++c) {
                const auto& criterion = line.criteria[c];
                const bool holds_now = holds(criterion);
                const std::string text = criterion.field.text + " " + std::string(ast::keyword(criterion.test)) +
                                         (criterion.value.empty() ? "" : " " + criterion.value);
                if (c == 0) {
                    result = holds_now;
                    line_reason = text;
                } else if (criterion.connective == ast::Connective::any_of) {
                    result = result || holds_now;
                    line_reason += " or " + text;
                } else {
                    result = result && holds_now;
                    line_reason += " and " + text;
                }
            }
            if (l > 0 && line.connective == ast::Connective::all_of) {
                check = check && result;
                check_reason += " and " + line_reason;
            } else if (l > 0 && line.connective == ast::Connective::any_of) {
                check = check || result;
                check_reason += " or " + line_reason;
            } else {
                if (l > 0 && check) {
                    any_check = true;
                    reason = check_reason;
                }
                check = result;
                check_reason = line_reason;
            }
        }
        if (check && !any_check) {
            reason = check_reason;
        }
        return any_check || check;
    }

    std::vector<plan::Rect> regions_from(const plan::BoundField& sequence) const {
        std::vector<plan::Rect> rects;
        const ElementInfo* element = find(sequence);
        if (element == nullptr) {
            return rects;
        }
        auto number = [&](const std::string& item, const char* tag) -> std::optional<std::int64_t> {
            const auto values = dataset_.values(item + tag);
            return values && !values->empty() ? parse_integer(trim(values->front())) : std::nullopt;
        };
        auto item_exists = [&](const std::string& item) {
            return std::any_of(elements_.begin(), elements_.end(),
                               [&](const ElementInfo& e) { return e.path.starts_with(item); });
        };
        // Each item of the sequence is one region (US Region Calibration Module).
        for (std::size_t i = 0; item_exists(element->path + "__" + std::to_string(i) + "__"); ++i) {
            const std::string item = element->path + "__" + std::to_string(i) + "__";
            const auto x0 = number(item, "(0018,6018)");
            const auto y0 = number(item, "(0018,601A)");
            const auto x1 = number(item, "(0018,601C)");
            const auto y1 = number(item, "(0018,601E)");
            if (x0 && y0 && x1 && y1) {
                rects.push_back({*x0, *y0, *x1, *y1});
            }
        }
        return rects;
    }

    std::vector<MatchedRegion> regions_of(const plan::FilterLabel& label) const {
        std::vector<MatchedRegion> regions;
        for (const auto& region : label.regions) {
            MatchedRegion matched{region.mask, plan::WholeImage{}};
            if (const auto* rect = std::get_if<plan::Rect>(&region.area)) {
                matched.area = *rect;
            } else if (const auto* from = std::get_if<plan::RegionsFrom>(&region.area)) {
                matched.area = regions_from(from->sequence);
            }
            regions.push_back(std::move(matched));
        }
        return regions;
    }

    const plan::Plan& plan_;
    const DatasetView& dataset_;
    std::vector<ElementInfo> elements_;
};

}  // namespace

std::string rect_text(const plan::Rect& rect) {
    return std::to_string(rect.xmin) + "," + std::to_string(rect.ymin) + "," + std::to_string(rect.xmax) + "," +
           std::to_string(rect.ymax);
}

FilterOutcome screen(const plan::Plan& plan, const DatasetView& dataset) { return Screening(plan, dataset).run(); }

}  // namespace deid
