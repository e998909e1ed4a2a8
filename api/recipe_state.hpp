#pragma once

// What a compiled deid::api::Recipe holds: the plan and everything a run
// decides once. Shared read-only by every Applier (and thread) using it.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "deid/deid.hpp"
#include "engine/profiles.hpp"
#include "engine/pseudonym_key.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "interpreter/plan/plan.hpp"
#include "runtime/lua/lua_limits.hpp"

struct deid::api::Recipe::State {
    plan::Plan plan;
    std::optional<Profile> profile;  // writes the method elements, holds back burned-in annotation
    EvaluationOptions evaluation;     // per call: functions, pattern memo and built-in context added
    std::vector<std::filesystem::path> lua_scripts;
    std::vector<std::filesystem::path> lua_data;
    LuaLimits lua_limits;
    bool clean_pixels = false;
    bool needs_file_context = false;  // the plan calls a built-in reading the whole file
    std::int64_t date_shift_days = 0;  // drawn once per compile(), as once per `deid put` run
    std::optional<PseudonymKey> key;   // CompileOptions::key_file
};
