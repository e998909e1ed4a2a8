// Benchmark helper for bench/run.sh:
//   corpus: writes N copies of sample DICOM files with distinct identifiers;
//   floor:  loads and saves every file with plain DCMTK, the lower bound any
//           DCMTK-based de-identifier pays before doing any work of its own;
//           --durable also writes each under a temporary name, fsyncs it and
//           renames it: the least a tool that never leaves a broken file
//           under a final name (and survives a power cut) pays;
//           --sync-at-end saves as the plain floor, then makes everything
//           written durable with one syncfs: the least any tool pays to have
//           its outputs on the disk when it ends, with none of the above.

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/oflog/oflog.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

int usage() {
    std::cerr << "usage: deid_bench_tool corpus --from DIR [--from DIR...] --count N --out OUTDIR [--seed S]\n"
                 "       deid_bench_tool floor IN_DIR OUT_DIR [-j N] [--durable | --sync-at-end]\n";
    return 2;
}

std::optional<unsigned long long> parse_number(std::string_view text) {
    try {
        std::size_t used = 0;
        const unsigned long long value = std::stoull(std::string(text), &used);
        if (used == text.size()) {
            return value;
        }
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

// Sorted so that the corpus (and the order the floor visits files) is reproducible.
std::vector<fs::path> regular_files(const fs::path& root) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.is_regular_file()) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// GCC 12 has no std::format.
[[gnu::format(printf, 1, 2)]] std::string format(const char* pattern, ...) {
    char buffer[256];
    std::va_list values;
    va_start(values, pattern);
    std::vsnprintf(buffer, sizeof buffer, pattern, values);
    va_end(values);
    return buffer;
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// 2.25.<38 digits>: a random-looking 19-digit head per (seed, kind) and the copy
// index as the 19-digit tail, so UIDs are distinct by construction and stay
// below 2^128 as PS3.5 B.2 requires for the 2.25 root.
std::string make_uid(std::uint64_t seed, std::uint64_t kind, std::uint64_t index) {
    const std::uint64_t head = 1'000'000'000'000'000'000ULL + splitmix64(seed * 16 + kind) % 9'000'000'000'000'000'000ULL;
    return format("2.25.%llu%019llu", static_cast<unsigned long long>(head), static_cast<unsigned long long>(index));
}

int run_corpus(const std::vector<std::string_view>& args) {
    std::vector<fs::path> sources;
    std::optional<unsigned long long> count;
    std::optional<unsigned long long> seed = 1;
    fs::path out;
    for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
        if (args[i] == "--from") {
            sources.emplace_back(args[i + 1]);
        } else if (args[i] == "--count") {
            count = parse_number(args[i + 1]);
        } else if (args[i] == "--out") {
            out = args[i + 1];
        } else if (args[i] == "--seed") {
            seed = parse_number(args[i + 1]);
        } else {
            return usage();
        }
    }
    if (args.size() % 2 != 0 || sources.empty() || !count || !seed || out.empty()) {
        return usage();
    }

    // Sources are read once and unreadable ones are reported below; DCMTK's own
    // parse warnings about them are noise here.
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    std::vector<std::unique_ptr<DcmFileFormat>> templates;
    for (const auto& source : sources) {
        for (const auto& path : regular_files(source)) {
            auto file = std::make_unique<DcmFileFormat>();
            // Everything in memory: the copies are written from the template, never re-read.
            if (file->loadFile(path.c_str()).good() && file->loadAllDataIntoMemory().good()) {
                templates.push_back(std::move(file));
            } else {
                std::cerr << "skipped (not readable as DICOM): " << path.string() << '\n';
            }
        }
    }
    if (templates.empty()) {
        std::cerr << "no readable DICOM file under the --from folders\n";
        return 1;
    }

    // 25 files per series folder, 4 series per study, 4 studies per patient.
    constexpr unsigned long long per_leaf = 25;
    for (unsigned long long i = 0; i < *count; ++i) {
        const unsigned long long leaf = i / per_leaf;
        const fs::path folder =
            out / format("p%04llu", leaf / 16) / format("study%02llu", leaf / 4 % 4) / format("series%llu", leaf % 4);
        if (i % per_leaf == 0) {
            fs::create_directories(folder);
        }
        DcmFileFormat& file = *templates[i % templates.size()];
        DcmDataset& data = *file.getDataset();
        // As in a PACS export: the files of a series folder share their
        // patient, study and series, so a layout by UID makes as many folders
        // as the corpus has. Every SOP Instance UID differs, so per-identifier
        // state inside deid grows with the corpus and shows up in the peak-RSS
        // comparison.
        const unsigned long long patient = leaf / 16;
        const unsigned long long study = leaf / 4;
        const std::string sop = make_uid(*seed, 3, i);
        const bool ok = data.putAndInsertString(DCM_PatientName, format("BENCH^PATIENT%06llu", patient).c_str()).good() &&
                        data.putAndInsertString(DCM_PatientID, format("BENCH%llu-%06llu", *seed, patient).c_str()).good() &&
                        data.putAndInsertString(DCM_StudyInstanceUID, make_uid(*seed, 1, study).c_str()).good() &&
                        data.putAndInsertString(DCM_SeriesInstanceUID, make_uid(*seed, 2, leaf).c_str()).good() &&
                        data.putAndInsertString(DCM_SOPInstanceUID, sop.c_str()).good() &&
                        file.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, sop.c_str()).good();
        const fs::path target = folder / format("IM%05llu.dcm", i);
        const OFCondition saved = ok ? file.saveFile(target.c_str(), EXS_Unknown) : EC_IllegalCall;
        if (saved.bad()) {
            std::cerr << "cannot write " << target.string() << ": " << saved.text() << '\n';
            return 1;
        }
    }
    std::cout << format("wrote %llu files from %zu templates to %s\n", *count, templates.size(), out.c_str());
    return 0;
}

OFCondition save_durably(DcmFileFormat& file, const fs::path& target) {
    const fs::path temporary = fs::path(target) += ".part";
    OFCondition status = file.saveFile(temporary.c_str(), EXS_Unknown);
    if (status.bad()) {
        return status;
    }
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    const bool closed = fd >= 0 && ::close(fd) == 0;
    if (!synced || !closed || std::rename(temporary.c_str(), target.c_str()) != 0) {
        return makeOFCondition(0, 1, OF_error, "cannot sync or rename the output");
    }
    return EC_Normal;
}

int run_floor(const std::vector<std::string_view>& args) {
    std::vector<std::string_view> positional;
    unsigned long long jobs = std::max(1U, std::thread::hardware_concurrency());
    bool durable = false;
    bool sync_at_end = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "-j" && i + 1 < args.size()) {
            const auto value = parse_number(args[++i]);
            if (!value || *value == 0) {
                return usage();
            }
            jobs = *value;
        } else if (args[i] == "--durable") {
            durable = true;
        } else if (args[i] == "--sync-at-end") {
            sync_at_end = true;
        } else {
            positional.push_back(args[i]);
        }
    }
    if (positional.size() != 2 || (durable && sync_at_end)) {
        return usage();
    }
    const fs::path in = positional[0];
    const fs::path out = positional[1];

    const auto start = std::chrono::steady_clock::now();
    const std::vector<fs::path> files = regular_files(in);
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> failed{0};
    const auto work = [&] {
        for (std::size_t i = next++; i < files.size(); i = next++) {
            const fs::path target = out / files[i].lexically_relative(in);
            std::error_code ignored;  // another thread may create the same folder; saveFile reports real failures
            fs::create_directories(target.parent_path(), ignored);
            DcmFileFormat file;
            OFCondition status = file.loadFile(files[i].c_str());
            if (status.good()) {
                status = durable ? save_durably(file, target) : file.saveFile(target.c_str(), EXS_Unknown);
            }
            if (status.bad()) {
                ++failed;
                std::cerr << files[i].string() << ": " << status.text() << '\n';
            }
        }
    };
    std::vector<std::jthread> workers;
    for (unsigned long long t = 1; t < jobs; ++t) {
        workers.emplace_back(work);
    }
    work();
    workers.clear();
    if (sync_at_end) {
        const int folder = ::open(out.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (folder < 0 || ::syncfs(folder) != 0) {
            std::cerr << "cannot sync " << out.string() << '\n';
            ++failed;
        }
        if (folder >= 0) {
            ::close(folder);
        }
    }
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;

    std::cout << format("files %zu failed %zu seconds %.3f jobs %llu\n", files.size(), failed.load(), seconds.count(), jobs);
    return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        return usage();
    }
    const std::string_view command = argv[1];
    const std::vector<std::string_view> args(argv + 2, argv + argc);
    try {
        if (command == "corpus") {
            return run_corpus(args);
        }
        if (command == "floor") {
            return run_floor(args);
        }
    } catch (const std::exception& error) {
        std::cerr << "deid_bench_tool: " << error.what() << '\n';
        return 1;
    }
    return usage();
}
