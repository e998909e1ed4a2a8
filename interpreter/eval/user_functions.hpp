#pragma once

// `func:NAME` in a recipe calls a user function through this interface; the
// Lua implementation is in runtime/lua. The evaluator never sees Lua.

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "interpreter/ast/source_span.hpp"
#include "interpreter/dataset/dataset_view.hpp"

namespace deid {

struct UserFunctionCall {
    std::string_view function;
    const ElementInfo& element;
    const std::vector<std::string>& values;  // the element's current values
    std::string_view recipe_value;           // the recipe text after the field, e.g. "func:lookup"
    const std::map<std::string, std::string, std::less<>>& variables;
    const DatasetView& dataset;
    // The element is not there yet: ADD is about to create it (field.value is nil).
    bool element_absent = false;
};

struct NoValue {};  // the function returned nil
using UserFunctionResult = std::variant<NoValue, std::vector<std::string>, bool>;

// A user function failed (runtime error, budget, memory): the file being
// processed fails; the message names the script position.
struct UserFunctionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class UserFunctions {
public:
    virtual ~UserFunctions() = default;
    [[nodiscard]] virtual bool defines(std::string_view function) const = 0;
    // Throws UserFunctionError.
    virtual UserFunctionResult call(const UserFunctionCall& call) = 0;
};

}  // namespace deid
