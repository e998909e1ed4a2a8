#include "engine/run_report.hpp"

#include <array>
#include <cstdio>
#include <fstream>

#include <openssl/evp.h>

#include "support/json_text.hpp"

namespace deid {
namespace {

// The members of one report line as their raw JSON text, by key (its raw
// quoted text too). Lines are flat objects that this program wrote; a line
// cut short by a crash, or anything else, gives nothing.
std::unordered_map<std::string, std::string> raw_members(std::string_view line) {
    std::unordered_map<std::string, std::string> members;
    std::size_t at = 0;
    auto skip_blanks = [&] {
        while (at < line.size() && (line[at] == ' ' || line[at] == '\t' || line[at] == '\r')) {
            ++at;
        }
    };
    // A string token starting at `at`, quotes included.
    auto string_token = [&]() -> std::optional<std::string_view> {
        if (at >= line.size() || line[at] != '"') {
            return std::nullopt;
        }
        const std::size_t start = at++;
        while (at < line.size() && line[at] != '"') {
            at += line[at] == '\\' ? 2 : 1;
        }
        if (at >= line.size()) {
            return std::nullopt;
        }
        ++at;
        return line.substr(start, at - start);
    };
    // Any other value: up to the next ',' or '}' outside strings and brackets.
    auto other_token = [&]() -> std::optional<std::string_view> {
        const std::size_t start = at;
        int depth = 0;
        while (at < line.size()) {
            const char c = line[at];
            if (c == '"') {
                if (!string_token()) {
                    return std::nullopt;
                }
                continue;
            }
            if (depth == 0 && (c == ',' || c == '}')) {
                break;
            }
            depth += c == '[' ? 1 : c == ']' ? -1 : 0;
            ++at;
        }
        return at < line.size() ? std::optional(line.substr(start, at - start)) : std::nullopt;
    };
    skip_blanks();
    if (at >= line.size() || line[at++] != '{') {
        return {};
    }
    while (true) {
        skip_blanks();
        const auto key = string_token();
        skip_blanks();
        if (!key || at >= line.size() || line[at++] != ':') {
            return {};
        }
        skip_blanks();
        const auto value = (at < line.size() && line[at] == '"') ? string_token() : other_token();
        if (!value) {
            return {};
        }
        members.emplace(*key, *value);
        skip_blanks();
        if (at >= line.size()) {
            return {};
        }
        if (line[at] == '}') {
            return members;
        }
        if (line[at++] != ',') {
            return {};
        }
    }
}

std::string unquoted_hex(std::string_view raw) {
    if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') {
        return "";
    }
    return std::string(raw.substr(1, raw.size() - 2));
}

}  // namespace

std::string to_json(const ReportLine& line) {
    std::string warnings = "[";
    for (std::size_t i = 0; i < line.warnings.size(); ++i) {
        warnings += (i == 0 ? "" : ",") + json_quote(line.warnings[i]);
    }
    warnings += "]";
    return "{\"input\":" + json_quote(line.input) + ",\"output\":" + json_quote(line.output) +
           ",\"status\":" + json_quote(line.status) + ",\"error\":" + json_quote(line.error) +
           ",\"sha256\":" + json_quote(line.sha256) + ",\"bytes\":" + std::to_string(line.bytes) +
           ",\"changes\":" + std::to_string(line.changes) + ",\"warnings\":" + warnings + "}";
}

std::unique_ptr<RunReport> RunReport::open(const std::filesystem::path& path, FileSystem& files, std::string& error) {
    std::error_code code;
    auto file = files.append(path, code);
    if (!file) {
        error = path.string() + ": cannot write the report: " + code.message();
        return nullptr;
    }
    return std::unique_ptr<RunReport>(new RunReport(path, std::move(file)));
}

std::optional<std::string> RunReport::append(const ReportLine& line) {
    const std::string text = to_json(line) + "\n";
    const std::lock_guard guard(lock_);
    if (const auto error = file_->write(text.data(), text.size())) {
        return path_.string() + ": cannot write the report: " + error.message();
    }
    return std::nullopt;
}

EarlierOutputs EarlierOutputs::read(const std::filesystem::path& report) {
    EarlierOutputs earlier;
    std::ifstream stream(report, std::ios::binary);
    for (std::string line; std::getline(stream, line);) {
        const auto members = raw_members(line);
        const auto output = members.find("\"output\"");
        const auto status = members.find("\"status\"");
        if (output == members.end() || status == members.end() || output->second == "\"\"") {
            continue;
        }
        if (status->second != "\"written\"" && status->second != "\"quarantined\"" && status->second != "\"resumed\"") {
            earlier.records_.erase(output->second);  // a later failure undoes an earlier success
            continue;
        }
        Record record;
        if (const auto sha = members.find("\"sha256\""); sha != members.end()) {
            record.sha256 = unquoted_hex(sha->second);
        }
        if (const auto bytes = members.find("\"bytes\""); bytes != members.end()) {
            record.bytes = std::strtoull(bytes->second.c_str(), nullptr, 10);
        }
        if (const auto input = members.find("\"input\""); input != members.end()) {
            record.input = input->second;
        }
        earlier.records_[output->second] = record;
    }
    return earlier;
}

bool EarlierOutputs::Record::written_from(const std::filesystem::path& path) const {
    return input.empty() || input == json_quote(path.string());
}

const EarlierOutputs::Record* EarlierOutputs::find(const std::filesystem::path& output) const {
    const auto found = records_.find(json_quote(output.string()));
    return found == records_.end() ? nullptr : &found->second;
}

namespace {

using DigestContext = std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)>;

DigestContext sha256_context() {
    DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
    return context;
}

std::string hex_digest(EVP_MD_CTX* context) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(context, digest.data(), &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        std::array<char, 3> pair{};
        std::snprintf(pair.data(), pair.size(), "%02x", digest[i]);
        hex += pair.data();
    }
    return hex;
}

}  // namespace

std::string sha256_of_file(const std::filesystem::path& path) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        return "";
    }
    const DigestContext context = sha256_context();
    std::array<char, 1 << 16> buffer{};
    while (stream) {
        stream.read(buffer.data(), buffer.size());
        EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(stream.gcount()));
    }
    if (stream.bad()) {
        return "";
    }
    return hex_digest(context.get());
}

std::string sha256_of_bytes(std::string_view bytes) {
    const DigestContext context = sha256_context();
    EVP_DigestUpdate(context.get(), bytes.data(), bytes.size());
    return hex_digest(context.get());
}

}  // namespace deid
