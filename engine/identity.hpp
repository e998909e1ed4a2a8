#pragma once

// The identifying values of one file, as the confidentiality profile sees
// them: every element the profile removes, blanks or replaces (and every
// private element), cut into the pieces a leak would show. `deid verify`
// searches outputs for them; `deid_func:clean_text` removes them from text.

#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/profiles.hpp"
#include "interpreter/dataset/dataset_view.hpp"
#include "stdlib/identifying_text.hpp"

namespace deid {

enum class TokenKind { value, uid, component, date, digits, word };

// One piece of an identifying value. Strong pieces (whole names of public
// name elements, dates, UIDs, ID-like values, AE titles) are reported
// wherever they turn up; weak ones (name components, words, digit runs,
// descriptions, times, numbers, private names and binary text) only when
// the input does not also hold them in an element the profile keeps: then
// the profile itself keeps them (the word HEAD of ProtocolName is also
// BodyPartExamined HEAD; a patient called TEST shares the word with a
// CodingSchemeDesignator TEST).
struct SourceToken {
    stdlib::IdentifyingToken token;
    TokenKind kind = TokenKind::value;
    bool strong = false;
};

struct IdentifyingElement {
    ElementInfo element;
    std::string value;  // '\'-joined; the printable runs of a binary value
    std::vector<SourceToken> tokens;
};

struct IdentifyingValues {
    std::vector<IdentifyingElement> elements;
    // Lower-cased values, words and components of every element the
    // profile keeps (not listed, K, or C).
    std::unordered_set<std::string> retained;
    // Their whole values: a date or UID the profile keeps (an option's K)
    // is no leak where it turns up again.
    std::unordered_set<std::string> retained_values;

    [[nodiscard]] bool significant(const SourceToken& token) const;
    // Every significant piece once, for clean_text.
    [[nodiscard]] std::vector<stdlib::IdentifyingToken> significant_tokens() const;
};

// Binary values are searched in their first bytes only: private text sits
// at the start of a blob, and pixel-sized values would cost too much.
inline constexpr std::size_t kBinaryBytesSearched = 64 * 1024;

// Reads a binary element's raw value (null: binary values are not read).
using BinaryReader = std::function<std::optional<std::string>(const ElementInfo&)>;

IdentifyingValues collect_identity(const DatasetView& dataset, const Profile& profile, const BinaryReader& binary);

// The text an element holds, as searched: values '\'-joined, or for a
// binary value its runs of at least 4 printable characters joined by
// newlines. nullopt for sequences and elements without any text.
std::optional<std::string> searchable_text(const DatasetView& dataset, const ElementInfo& element,
                                           const BinaryReader& binary);

std::string_view token_kind_word(TokenKind kind);

}  // namespace deid
