#include "grammar/ctp/pixel_script.hpp"

#include <charconv>

#include <tao/pegtl.hpp>

namespace deid::ctp {
namespace {

namespace pegtl = tao::pegtl;

namespace pixel_rules {
using pegtl::eof;
using pegtl::not_one;
using pegtl::one;
using pegtl::plus;
using pegtl::seq;
using pegtl::sor;
using pegtl::star;

struct condition_text : star<not_one<'}'>> {};
struct signature_end : one<'}'> {};
struct signature : seq<one<'{'>, condition_text, signature_end> {};
struct region_text : star<not_one<')'>> {};
struct region_end : one<')'> {};
struct region : seq<one<'('>, region_text, region_end> {};
struct free_text : plus<not_one<'{', '('>> {};
struct pixel_script : seq<star<sor<signature, region, free_text>>, eof> {};
}  // namespace pixel_rules

namespace pr = pixel_rules;

template <typename> inline constexpr const char* pixel_error = nullptr;
template <> inline constexpr auto pixel_error<pr::signature_end> = "missing '}' at the end of the signature";
template <> inline constexpr auto pixel_error<pr::region_end> = "missing ')' at the end of the region";

struct pixel_error_table {
    template <typename Rule>
    static constexpr auto message = pixel_error<Rule>;
};
template <typename Rule>
using pixel_control = pegtl::must_if<pixel_error_table>::control<Rule>;

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') {
        text.remove_suffix(1);
    }
    return text;
}

// The last line of `text` that holds anything.
std::string last_line(std::string_view text) {
    std::string_view rest = text;
    std::string found;
    while (!rest.empty()) {
        const auto newline = rest.find('\n');
        const std::string_view line = trimmed(rest.substr(0, newline));
        if (!line.empty()) {
            found = std::string(line);
        }
        rest = newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);
    }
    return found;
}

struct Reader {
    PixelScript script;
    std::string pending_text;  // free text since the last signature or region
    std::string last_name;

    void free_text(std::string_view text) { pending_text += text; }

    void signature(std::string_view condition, TextRange range) {
        PixelSignature signature;
        const std::string name = last_line(pending_text);
        signature.name = name.empty() ? last_name : name;
        last_name = signature.name;
        signature.condition_text = std::string(condition);
        signature.condition_range = {range.begin + 1, range.end - 1};
        signature.range = range;
        script.signatures.push_back(std::move(signature));
        pending_text.clear();
    }

    void region(std::string_view body, TextRange range) {
        pending_text.clear();
        if (script.signatures.empty()) {
            return;  // before the first signature: comment, as for CTP
        }
        std::vector<std::int64_t> numbers;
        std::string_view rest = body;
        bool numeric = true;
        while (true) {
            const auto comma = rest.find(',');
            const std::string_view part = trimmed(rest.substr(0, comma));
            std::int64_t number = 0;
            const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), number);
            numeric = numeric && error == std::errc{} && end == part.data() + part.size() && !part.empty();
            numbers.push_back(number);
            if (comma == std::string_view::npos) {
                break;
            }
            rest = rest.substr(comma + 1);
        }
        if (numbers.size() != 4 || !numeric) {
            script.warnings.push_back({"'(" + std::string(body) + ")' is no region x,y,width,height: skipped, as CTP skips it",
                                       range});
            return;
        }
        script.signatures.back().regions.push_back({numbers[0], numbers[1], numbers[2], numbers[3], range});
    }
};

template <typename Rule>
struct pixel_action : pegtl::nothing<Rule> {};

template <>
struct pixel_action<pr::free_text> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, Reader& reader) {
        reader.free_text(in.string_view());
    }
};
template <>
struct pixel_action<pr::signature> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, Reader& reader) {
        const std::string_view whole = in.string_view();
        const std::size_t begin = in.position().byte;
        reader.signature(whole.substr(1, whole.size() - 2), {begin, begin + whole.size()});
    }
};
template <>
struct pixel_action<pr::region> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, Reader& reader) {
        const std::string_view whole = in.string_view();
        const std::size_t begin = in.position().byte;
        reader.region(whole.substr(1, whole.size() - 2), {begin, begin + whole.size()});
    }
};

}  // namespace

PixelScript read_pixel_script(std::string_view text) {
    Reader reader;
    pegtl::memory_input input(text.data(), text.size(), "pixel script");
    try {
        pegtl::parse<pr::pixel_script, pixel_action, pixel_control>(input, reader);
    } catch (const pegtl::parse_error& error) {
        const auto& position = error.positions().front();
        reader.script.errors.push_back({std::string(error.message()), {position.byte, position.byte + 1}});
    }
    return std::move(reader.script);
}

}  // namespace deid::ctp
