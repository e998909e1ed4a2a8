#pragma once

#include <string>
#include <variant>
#include <vector>

#include "interpreter/dataset/dataset_view.hpp"
#include "interpreter/plan/plan.hpp"

namespace deid {

// A region of a matched LABEL as the dataset resolves it: a rectangle, the
// whole image, or the rectangles read from a sequence (`from:Field`).
struct MatchedRegion {
    ast::RegionMask mask = ast::RegionMask::blank;
    std::variant<plan::Rect, plan::WholeImage, std::vector<plan::Rect>> area;
};

struct FilterMatch {
    std::string group;
    std::string label;
    std::string reason;  // the criteria that held, readable
    std::vector<MatchedRegion> regions;
    SourceSpan span;
};

struct FilterOutcome {
    bool flagged = false;
    std::vector<FilterMatch> matches;  // groups in recipe order, LABELs in order
};

// Screens one dataset with the plan's %filter groups (spec §4).
FilterOutcome screen(const plan::Plan& plan, const DatasetView& dataset);

// "xmin,ymin,xmax,ymax"
std::string rect_text(const plan::Rect& rect);

}  // namespace deid
