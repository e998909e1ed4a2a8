// "Did you mean ...?": the closest keyword, only when it is a plausible intent.

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "support/suggest.hpp"

namespace deid {
namespace {

TEST(Suggest, CorrectsCommonMisspellingsOfRealKeywords) {
    const auto& keywords = standard_dictionary().keywords();
    EXPECT_EQ(closest_match("PatientsNme", keywords), "PatientName");
    EXPECT_EQ(closest_match("PatientIDD", keywords), "PatientID");
    EXPECT_EQ(closest_match("Modalty", keywords), "Modality");
    EXPECT_EQ(closest_match("StudyDat", keywords), "StudyDate");
    EXPECT_EQ(closest_match("PatinetName", keywords), "PatientName");  // one transposition
    EXPECT_EQ(closest_match("patientname", keywords), "PatientName");  // case is not an edit
}

TEST(Suggest, StaysQuietWhenNothingIsClose) {
    const auto& keywords = standard_dictionary().keywords();
    EXPECT_EQ(closest_match("Foo", keywords), std::nullopt);
    EXPECT_EQ(closest_match("jitter", keywords), std::nullopt);
    EXPECT_EQ(closest_match("", keywords), std::nullopt);
    EXPECT_EQ(closest_match("PatientName", {}), std::nullopt);
}

TEST(Suggest, AllowsOneEditPerFourCharacters) {
    EXPECT_EQ(closest_match("ab", {"ac"}), "ac");           // short words: one edit
    EXPECT_EQ(closest_match("abcd", {"axyd"}), std::nullopt);  // two edits in four
    EXPECT_EQ(closest_match("abcdefgh", {"axcdefgy"}), "axcdefgy");
    EXPECT_EQ(closest_match("abcdefgh", {"axcdezgy"}), std::nullopt);
}

TEST(Suggest, BreaksTiesByLengthThenAlphabetically) {
    // REMOV and REMOVE are both one edit from REMOVX; REMOVE has its length.
    EXPECT_EQ(closest_match("REMOVX", {"ADD", "REMOV", "REMOVE", "REPLACE"}), "REMOVE");
    EXPECT_EQ(closest_match("REMOV", {"ADD", "REMOVE", "REPLACE"}), "REMOVE");
    // Same distance and length gap: the alphabetically first, whatever the order.
    EXPECT_EQ(closest_match("cat", {"cot", "bat"}), "bat");
    EXPECT_EQ(closest_match("cat", {"bat", "cot"}), "bat");
}

}  // namespace
}  // namespace deid
