// Issue "Nothing lost, nothing hangs": every fault it names, reproduced on
// real files (a real tmpfs, a real hard link, injected write failures) and
// the behaviour that replaces it. Each test is named after the item.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/clean_command.hpp"
#include "engine/get_command.hpp"
#include "engine/lint_command.hpp"
#include "engine/put_command.hpp"
#include "engine/run_report.hpp"
#include "runtime/io/file_system.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"
#include "tests/test_support.hpp"

namespace deid {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::filesystem::path& kData = testing::kDicomData;
const std::filesystem::path& kCtBrain = testing::kCtBrain1;

PutOptions put_options(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& output,
                       std::string_view recipe_text) {
    PutOptions options;
    options.inputs = inputs;
    options.recipes = {testing::write_text(testing::scratch_dir() / "recipe.deid", recipe_text)};
    options.output = output;
    options.progress = ProgressStyle::none;
    options.jobs = 2;
    return options;
}

testing::CommandRun put(const PutOptions& options) { return testing::run_command(run_put, options); }

const char* const kRemoveName = "FORMAT dicom\n%header\nREMOVE PatientName\n";

std::filesystem::path copy_into(const std::filesystem::path& file, const std::filesystem::path& folder,
                                const std::string& name = "") {
    std::filesystem::create_directories(folder);
    const auto target = folder / (name.empty() ? file.filename().string() : name);
    std::filesystem::copy_file(file, target, std::filesystem::copy_options::overwrite_existing);
    return target;
}

std::size_t temporaries(const std::filesystem::path& folder) {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
        count += entry.path().filename().string().ends_with(".deid-partial") ? 1 : 0;
    }
    return count;
}

// Whether DCMTK, on its own, reads the whole file.
bool dcmtk_reads_completely(const std::filesystem::path& path) {
    DcmFileFormat file;
    return file.loadFile(path.c_str()).good() && file.loadAllDataIntoMemory().good();
}

std::vector<nlohmann::json> report_lines(const std::filesystem::path& report) {
    std::vector<nlohmann::json> lines;
    std::ifstream stream(report);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
}

// Runs the deid program itself with `arguments`; standard error is kept.
struct ProgramRun {
    int status = -1;
    std::string err;
};
ProgramRun run_program(const std::vector<std::string>& arguments, bool as_nobody = false) {
    const auto err_file = testing::scratch_dir() / "program.err";
    const pid_t child = fork();
    if (child == 0) {
        const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
        dup2(err, STDERR_FILENO);
        const int null = ::open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        if (as_nobody && (setgid(65534) != 0 || setuid(65534) != 0)) {
            _exit(99);
        }
        std::vector<char*> argv;
        std::string program = DEID_BINARY;
        argv.push_back(program.data());
        std::vector<std::string> copies = arguments;
        for (auto& argument : copies) {
            argv.push_back(argument.data());
        }
        argv.push_back(nullptr);
        execv(program.c_str(), argv.data());
        _exit(98);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::read_bytes(err_file)};
}

// --------------------------------------------- 1. inputs overwritten --

TEST(Integrity, Item1AnInputFileIsNeverItsOwnOutput) {
    const auto folder = testing::scratch_dir() / "hin";
    const auto input = copy_into(kCtBrain, folder, "x.dcm");
    const std::string original = testing::read_bytes(input);
    auto options = put_options({input}, folder, kRemoveName);
    options.overwrite = true;
    const auto run = put(options);
    EXPECT_EQ(run.status, 2);
    EXPECT_THAT(run.err, HasSubstr("deid put: error: the output folder " + folder.string() + " holds the input file " +
                                   input.string() + ": its output would take the input's place; deid never replaces "
                                   "an input\n"));
    EXPECT_THAT(run.err, ::testing::Not(HasSubstr("--overwrite")));
    EXPECT_EQ(testing::read_bytes(input), original);

    CleanOptions clean;
    clean.inputs = {input};
    clean.output = folder;
    clean.overwrite = true;
    clean.progress = ProgressStyle::none;
    const auto cleaned = testing::run_command(run_clean, clean);
    EXPECT_EQ(cleaned.status, 2);
    EXPECT_THAT(cleaned.err, HasSubstr("deid clean: error: the output folder " + folder.string() + " holds the input file"));
    EXPECT_EQ(testing::read_bytes(input), original);
}

TEST(Integrity, Item1AHardLinkToTheInputIsNeverReplaced) {
    const auto input = copy_into(kCtBrain, testing::scratch_dir() / "in", "x.dcm");
    const std::string original = testing::read_bytes(input);
    const auto out = testing::scratch_dir() / "out";
    std::filesystem::create_directories(out);
    std::filesystem::create_hard_link(input, out / "x.dcm");
    auto options = put_options({input}, out, kRemoveName);
    options.overwrite = true;
    const auto run = put(options);
    EXPECT_EQ(run.status, 1);
    EXPECT_THAT(run.err, HasSubstr(input.string() + ": error: its output " + (out / "x.dcm").string() +
                                   " is the input file itself (a hard or symbolic link to it); deid never replaces "
                                   "an input\n"));
    EXPECT_EQ(testing::read_bytes(input), original);
    EXPECT_TRUE(std::filesystem::equivalent(input, out / "x.dcm"));  // the link is left as it was
}

TEST(Integrity, Item1OutputFoldersAmongTheInputsAreRefused) {
    const auto data = testing::scratch_dir() / "data";
    copy_into(kCtBrain, data / "study");
    // The folder that holds the input folder.
    auto options = put_options({data / "study"}, data, kRemoveName);
    auto run = put(options);
    EXPECT_EQ(run.status, 2);
    EXPECT_THAT(run.err, HasSubstr("the output folder " + data.string() + " holds the input folder " +
                                   (data / "study").string() + ": outputs would be written among the inputs"));
    // The input folder itself, reached through a symbolic link.
    std::filesystem::create_directory_symlink(data / "study", testing::scratch_dir() / "alias");
    options.output = testing::scratch_dir() / "alias";
    run = put(options);
    EXPECT_EQ(run.status, 2);
    EXPECT_THAT(run.err, HasSubstr("is the input folder"));
    EXPECT_EQ(testing::final_names(data).size(), 1u);
}

TEST(Integrity, Item1ALinkInsideTheOutputFolderCannotLeadIntoAnInput) {
    const auto in = testing::scratch_dir() / "in";
    const auto input = copy_into(kCtBrain, in / "humans");
    const std::string original = testing::read_bytes(input);
    const auto out = testing::scratch_dir() / "out";
    std::filesystem::create_directories(out);
    std::filesystem::create_directory_symlink(in / "humans", out / "humans");
    auto options = put_options({in}, out, kRemoveName);
    options.overwrite = true;
    const auto run = put(options);
    EXPECT_EQ(run.status, 1);
    EXPECT_THAT(run.err, HasSubstr("would leave the output folder through a symbolic link"));
    EXPECT_EQ(testing::read_bytes(input), original);
}

// "out/" is the folder "out": a trailing separator (as shells complete it)
// must not make every output look as if it left the output folder.
TEST(Integrity, Item1AnOutputFolderWrittenWithATrailingSlash) {
    const auto out = testing::scratch_dir() / "out";
    auto options = put_options({kData / "deid-data" / "dicom-cookies"}, out.string() + "/", kRemoveName);
    const auto run = put(options);
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(testing::final_names(out).size(), 7u);
}

// ------------------------------------------ 2. outputs overwrite each other --

TEST(Integrity, Item2TwoInputsForOneOutputAreAUsageError) {
    const auto a = copy_into(kCtBrain, testing::scratch_dir() / "twoA", "x.dcm");
    const auto b = copy_into(kData / "deid-data/humans/ctbrain2.dcm", testing::scratch_dir() / "twoB", "x.dcm");
    const auto out = testing::scratch_dir() / "out";
    for (const bool overwrite : {false, true}) {
        auto options = put_options({a.parent_path(), b.parent_path()}, out, kRemoveName);
        options.overwrite = overwrite;
        const auto run = put(options);
        EXPECT_EQ(run.status, 2);
        EXPECT_THAT(run.err, HasSubstr("deid put: error: the inputs " + a.string() + " and " + b.string() +
                                       " would both be written to " + (out / "x.dcm").string()));
        EXPECT_FALSE(std::filesystem::exists(out));
        // Files given by name, the same way.
        options.inputs = {a, b};
        EXPECT_EQ(put(options).status, 2);
        EXPECT_FALSE(std::filesystem::exists(out));
    }
}

// ------------------------------------------------------ 3. a full disk --

// A file system that fails the way a real disk does, at a chosen step.
class FaultyDisk final : public FileSystem {
public:
    enum class Fault { none, write_after_bytes, sync, close, rename, report };
    FaultyDisk(Fault fault, std::size_t bytes = 0) : fault_(fault), bytes_(bytes) {}

    std::unique_ptr<WritableFile> create(const std::filesystem::path& path, std::error_code& error) override {
        auto file = disk().create(path, error);
        if (!file) {
            return nullptr;
        }
        log("create", path);
        auto wrapped = std::make_unique<File>(std::move(file), *this);
        wrapped->name = path.filename().string();
        return wrapped;
    }
    std::unique_ptr<WritableFile> append(const std::filesystem::path& path, std::error_code& error) override {
        auto file = disk().append(path, error);
        if (!file) {
            return nullptr;
        }
        auto wrapped = std::make_unique<File>(std::move(file), *this);
        wrapped->is_report = true;
        return wrapped;
    }
    std::error_code rename(const std::filesystem::path& from, const std::filesystem::path& to, bool replace) override {
        if (fault_ == Fault::rename) {
            return std::make_error_code(std::errc::io_error);
        }
        const auto error = disk().rename(from, to, replace);
        if (!error) {
            const std::lock_guard guard(lock);
            events.push_back("rename " + to.filename().string());
            durability.push_back("rename " + from.filename().string());
        }
        return error;
    }
    std::error_code remove(const std::filesystem::path& path) override { return disk().remove(path); }
    std::error_code create_directories(const std::filesystem::path& path) override {
        return disk().create_directories(path);
    }
    std::optional<FileIdentity> identity(const std::filesystem::path& path) override { return disk().identity(path); }

    std::mutex lock;                  // the committer renames while workers write
    std::vector<std::string> events;  // renames and report lines, in order (one worker)
    // "create", "write", "sync" and "rename" of the outputs'
    // temporaries, by the temporary's name, in order.
    std::vector<std::string> durability;

private:
    void log(std::string_view what, const std::filesystem::path& path) {
        const std::lock_guard guard(lock);
        durability.push_back(std::string(what) + " " + path.filename().string());
    }

    struct File final : WritableFile {
        File(std::unique_ptr<WritableFile> inner, FaultyDisk& disk) : inner(std::move(inner)), owner(disk) {}
        std::error_code write(const void* bytes, std::size_t size) override {
            if (is_report) {
                if (owner.fault_ == Fault::report) {
                    return std::make_error_code(std::errc::no_space_on_device);
                }
                const std::lock_guard guard(owner.lock);
                owner.events.push_back("report " + std::string(static_cast<const char*>(bytes), size));
            } else if (owner.fault_ == Fault::write_after_bytes && written + size > owner.bytes_) {
                return std::make_error_code(std::errc::no_space_on_device);
            } else {
                owner.log("write", name);
            }
            written += size;
            return inner->write(bytes, size);
        }
        std::error_code sync() override {
            owner.log("sync", name);
            return owner.fault_ == Fault::sync ? std::make_error_code(std::errc::io_error) : inner->sync();
        }
        std::error_code close() override {
            const auto error = inner->close();
            return owner.fault_ == Fault::close && !is_report ? std::make_error_code(std::errc::no_space_on_device)
                                                              : error;
        }
        std::unique_ptr<WritableFile> inner;
        FaultyDisk& owner;
        std::size_t written = 0;
        bool is_report = false;
        std::string name;  // of an output's temporary
    };
    Fault fault_;
    std::size_t bytes_;
};

TEST(Integrity, Item3EveryInjectedWriteFailureLeavesNoFinalName) {
    using Fault = FaultyDisk::Fault;
    const std::vector<std::pair<Fault, std::string>> faults = {
        {Fault::write_after_bytes, "No space left on device"},
        {Fault::sync, "Input/output error"},
        {Fault::close, "No space left on device"},
        {Fault::rename, "Input/output error"},
    };
    for (const auto& [fault, reason] : faults) {
        const auto out = testing::fresh_subdir("out");
        FaultyDisk faulty(fault, 1000);
        auto options = put_options({kData / "deid-data/humans"}, out, kRemoveName);
        options.file_system = &faulty;
        const auto run = put(options);
        EXPECT_EQ(run.status, 1) << reason;
        EXPECT_THAT(run.err, HasSubstr("ctbrain1.dcm: error: "));
        EXPECT_THAT(run.err, HasSubstr(reason));
        EXPECT_THAT(run.err, HasSubstr("deid put: 0 written, 0 skipped, 2 failed"));
        EXPECT_THAT(testing::final_names(out), ::testing::IsEmpty()) << reason;
        EXPECT_EQ(temporaries(out), 0u) << reason;
    }
}

// The outputs are synced in groups, by a thread of their own: each must
// still have been synced itself, after its last write, before its rename.
TEST(Integrity, Item3NoOutputIsRenamedBeforeASyncCoversIt) {
    for (const unsigned jobs : {1U, 2U}) {
        FaultyDisk observed(FaultyDisk::Fault::none);
        const auto out = testing::fresh_subdir("out" + std::to_string(jobs));
        auto options = put_options({kData / "deid-data/dicom-cookies", kData / "deid-data/humans"}, out, kRemoveName);
        options.file_system = &observed;
        options.jobs = jobs;
        ASSERT_EQ(put(options).status, 0);
        const auto& log = observed.durability;
        std::map<std::string, std::size_t> created;
        std::map<std::string, std::size_t> last_write;
        std::size_t renamed = 0;
        for (std::size_t at = 0; at < log.size(); ++at) {
            const std::string what = log[at].substr(0, log[at].find(' '));
            const std::string name = log[at].substr(what.size() + 1);
            if (what == "create") {
                created[name] = at;
            } else if (what == "write") {
                last_write[name] = at;
            } else if (what == "rename") {
                ++renamed;
                ASSERT_TRUE(created.contains(name) && last_write.contains(name)) << name;
                bool covered = false;
                for (std::size_t sync = last_write[name] + 1; sync < at && !covered; ++sync) {
                    covered = log[sync] == "sync " + name;
                }
                EXPECT_TRUE(covered) << name << " renamed at " << at << " with no sync covering it (-j " << jobs << ")";
            }
        }
        EXPECT_EQ(renamed, 9u);
        EXPECT_EQ(testing::final_names(out).size(), 9u);
    }
}

// clean publishes through the same group committer as put.
TEST(Integrity, Item3CleanLeavesNoFinalNameWhenASyncFailsAndSyncsEveryOutput) {
    for (const auto fault : {FaultyDisk::Fault::sync, FaultyDisk::Fault::none}) {
        FaultyDisk faulty(fault);
        const auto out = testing::fresh_subdir(fault == FaultyDisk::Fault::sync ? "failed" : "written");
        CleanOptions clean;
        clean.inputs = {kData / "deid-data/dicom-cookies"};
        clean.output = out;
        clean.progress = ProgressStyle::none;
        clean.jobs = 2;
        clean.file_system = &faulty;
        const auto run = testing::run_command(run_clean, clean);
        if (fault == FaultyDisk::Fault::sync) {
            EXPECT_EQ(run.status, 1);
            // The bundled default recipe flags the cookies' burned-in annotation: quarantined.
            EXPECT_THAT(run.err, HasSubstr("image1.dcm: error: cannot write " +
                                           (out / "quarantine" / "image1.dcm").string() + ": Input/output error"));
            EXPECT_THAT(run.err, HasSubstr(" 7 failed"));
            EXPECT_THAT(testing::final_names(out), ::testing::IsEmpty());
            EXPECT_EQ(temporaries(out), 0u);
            continue;
        }
        EXPECT_EQ(run.status, 3) << run.err;  // set aside: quarantined
        EXPECT_EQ(testing::final_names(out).size(), 7u);
        std::map<std::string, std::size_t> synced;  // temporary -> when
        for (std::size_t at = 0; at < faulty.durability.size(); ++at) {
            const auto& event = faulty.durability[at];
            if (event.starts_with("sync ")) {
                synced[event.substr(5)] = at;
            } else if (event.starts_with("rename ")) {
                EXPECT_TRUE(synced.contains(event.substr(7)) && synced[event.substr(7)] < at) << event;
            }
        }
    }
}

// A real tmpfs of 3 MiB, filled by the run.
class SmallDisk {
public:
    explicit SmallDisk(const std::filesystem::path& at) : at_(at) {
        std::filesystem::create_directories(at_);
        mounted_ = ::mount("tmpfs", at_.c_str(), "tmpfs", 0, "size=3m") == 0;
    }
    ~SmallDisk() {
        if (mounted_) {
            ::umount2(at_.c_str(), MNT_DETACH);
        }
    }
    [[nodiscard]] bool mounted() const { return mounted_; }
    bool grow() { return ::mount("tmpfs", at_.c_str(), "tmpfs", MS_REMOUNT, "size=64m") == 0; }

private:
    std::filesystem::path at_;
    bool mounted_ = false;
};

TEST(Integrity, Item3AFullDiskNeverLeavesABrokenFileUnderAFinalName) {
    const auto out = testing::scratch_dir() / "small";
    SmallDisk small(out);
    if (!small.mounted()) {
        GTEST_SKIP() << "mounting a tmpfs needs CAP_SYS_ADMIN; Item3EveryInjectedWriteFailureLeavesNoFinalName "
                        "covers the same path with injected failures";
    }
    const auto report = testing::scratch_dir() / "report.jsonl";
    auto options = put_options({kData / "deid-data"}, out, kRemoveName);
    options.report = report;
    const auto full = put(options);
    EXPECT_EQ(full.status, 1);
    EXPECT_THAT(full.err, HasSubstr("No space left on device"));
    EXPECT_EQ(temporaries(out), 0u);
    std::map<std::string, nlohmann::json> by_output;
    std::size_t failed = 0;
    for (const auto& line : report_lines(report)) {
        failed += line["status"] == "failed" ? 1 : 0;
        if (line["status"] == "written") {
            by_output[line["output"].get<std::string>()] = line;
        }
    }
    EXPECT_GE(failed, 3u);
    const auto written = testing::final_names(out);
    ASSERT_FALSE(written.empty());
    for (const auto& path : written) {
        ASSERT_TRUE(by_output.contains(path.string())) << path << " has a final name but no report line";
        EXPECT_TRUE(dcmtk_reads_completely(path)) << path;
        EXPECT_EQ(by_output[path.string()]["sha256"], sha256_of_file(path)) << path;
    }
    EXPECT_EQ(written.size(), by_output.size());

    // With room again, --resume writes exactly what failed, and keeps the rest.
    ASSERT_TRUE(small.grow());
    options.resume = true;
    const auto resumed = put(options);
    EXPECT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_THAT(resumed.err, HasSubstr(std::to_string(written.size()) + " already done"));
    for (const auto& path : testing::final_names(out)) {
        EXPECT_TRUE(dcmtk_reads_completely(path)) << path;
    }
}

TEST(Integrity, Item3ResumeRedoesOutputsThatAreEmptyCutOrUnrecorded) {
    const auto out = testing::scratch_dir() / "out";
    const auto report = testing::scratch_dir() / "report.jsonl";
    auto options = put_options({kData / "deid-data/dicom-cookies"}, out, kRemoveName);
    options.report = report;
    ASSERT_EQ(put(options).status, 0);
    const auto complete = testing::folder_contents(out);
    std::filesystem::resize_file(out / "image1.dcm", 0);
    std::filesystem::resize_file(out / "image2.dcm", std::filesystem::file_size(out / "image2.dcm") / 2);
    std::ofstream(out / "image3.dcm", std::ios::app) << "x";  // still reads as DICOM, but not what was written
    options.resume = true;
    auto run = put(options);
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_THAT(run.err, HasSubstr((out / "image1.dcm").string() + " is empty; it is written again"));
    EXPECT_THAT(run.err, HasSubstr((out / "image2.dcm").string() + " differs from what the report recorded"));
    EXPECT_THAT(run.err, HasSubstr((out / "image3.dcm").string() + " differs from what the report recorded"));
    EXPECT_THAT(run.err, HasSubstr("deid put: 3 written, 0 skipped, 0 failed, 4 already done"));
    EXPECT_EQ(testing::folder_contents(out), complete);

    // Without a report, what does not read as DICOM to its end.
    options.report.reset();
    std::filesystem::resize_file(out / "image4.dcm", std::filesystem::file_size(out / "image4.dcm") / 2);
    run = put(options);
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_THAT(run.err, HasSubstr((out / "image4.dcm").string() + " does not read as DICOM"));
    EXPECT_THAT(run.err, HasSubstr("deid put: 1 written, 0 skipped, 0 failed, 6 already done"));
    EXPECT_EQ(testing::folder_contents(out), complete);
}

// ------------------------------------------------ 4. the report lags --

TEST(Integrity, Item4EachReportLineIsWrittenRightAfterItsOutput) {
    FaultyDisk observed(FaultyDisk::Fault::none);
    auto options = put_options({kData / "deid-data/dicom-cookies"}, testing::scratch_dir() / "out", kRemoveName);
    options.report = testing::scratch_dir() / "report.jsonl";
    options.file_system = &observed;
    options.jobs = 1;
    ASSERT_EQ(put(options).status, 0);
    ASSERT_EQ(observed.events.size(), 14u);
    for (std::size_t i = 0; i < observed.events.size(); i += 2) {
        const std::string name = observed.events[i].substr(std::string("rename ").size());
        EXPECT_TRUE(observed.events[i].starts_with("rename ")) << observed.events[i];
        EXPECT_THAT(observed.events[i + 1], HasSubstr("/" + name + "\",\"status\":\"written\""));
        EXPECT_TRUE(observed.events[i + 1].ends_with("\n"));  // whole lines, one write each
    }
}

// Each report line's size and SHA-256 are those of the file written, whether
// the worker wrote it or, held in memory, the committer's writer (-j 1 on
// a machine with a core to spare for it).
TEST(Integrity, Item4TheReportHashesWhatWasWritten) {
    for (const unsigned jobs : {1U, 2U}) {
        const auto out = testing::fresh_subdir("hashed" + std::to_string(jobs));
        const auto report = testing::fresh_subdir("hashed-report" + std::to_string(jobs)) / "report.jsonl";
        auto options = put_options({kData / "deid-data/humans", kData / "deid-data/dicom-cookies"}, out, kRemoveName);
        options.report = report;
        options.jobs = jobs;
        ASSERT_EQ(put(options).status, 0);
        std::size_t written = 0;
        for (const auto& line : report_lines(report)) {
            ASSERT_EQ(line["status"], "written") << line.dump();
            const std::filesystem::path output = line["output"].get<std::string>();
            EXPECT_EQ(line["sha256"], sha256_of_file(output)) << output;
            EXPECT_EQ(line["bytes"], std::filesystem::file_size(output)) << output;
            ++written;
        }
        EXPECT_EQ(written, 9u);
        EXPECT_EQ(testing::final_names(out).size(), 9u);
    }
}

TEST(Integrity, Item4AKilledRunHasAReportLineForEveryOutput) {
    const auto in = testing::scratch_dir() / "in";
    for (int copy = 0; copy < 30; ++copy) {
        copy_into(kData / "deid-data/dicom-cookies/image1.dcm", in, "c" + std::to_string(copy) + ".dcm");
    }
    const auto out = testing::scratch_dir() / "out";
    const auto report = testing::scratch_dir() / "report.jsonl";
    const auto recipe = testing::write_text(testing::scratch_dir() / "r.deid", kRemoveName);
    const pid_t child = fork();
    if (child == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        dup2(null, STDERR_FILENO);
        dup2(null, STDOUT_FILENO);
        execl(DEID_BINARY, DEID_BINARY, "put", in.c_str(), "-r", recipe.c_str(), "-o", out.c_str(), "--report",
              report.c_str(), "-j", "1", static_cast<char*>(nullptr));
        _exit(98);
    }
    // Killed once a few outputs exist, mid-run.
    for (int wait = 0; wait < 2000 && testing::final_names(out).size() < 5; ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    const auto outputs = testing::final_names(out);
    ASSERT_GE(outputs.size(), 5u);
    auto unlisted = [&] {
        std::set<std::string> listed;
        for (const auto& line : report_lines(report)) {
            listed.insert(line["output"].get<std::string>());
        }
        std::vector<std::filesystem::path> missing;
        for (const auto& output : testing::final_names(out)) {
            if (!listed.contains(output.string())) {
                missing.push_back(output);
            }
        }
        return missing;
    };
    // At most the one file in flight (-j 1) was renamed but not yet reported.
    EXPECT_LE(unlisted().size(), 1u);
    // --resume takes an unlisted output for unfinished and writes it again.
    auto options = put_options({in}, out, kRemoveName);
    options.report = report;
    options.resume = true;
    const auto resumed = put(options);
    EXPECT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_THAT(unlisted(), ::testing::IsEmpty());
    EXPECT_EQ(testing::final_names(out).size(), 30u);
}

// ----------------------------------------- 5. a file name stops the batch --

TEST(Integrity, Item5ANameThatIsNoUtf8StopsNothing) {
    const auto in = testing::scratch_dir() / "in";
    copy_into(kCtBrain, in, std::string("a\xe9.dcm"));
    copy_into(kData / "deid-data/humans/ctbrain2.dcm", in, "b.dcm");
    auto options = put_options({in}, testing::scratch_dir() / "out", kRemoveName);
    options.report = testing::scratch_dir() / "report.jsonl";
    const auto run = put(options);
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_THAT(run.err, HasSubstr("deid put: 2 written"));
    const std::string report = testing::read_bytes(*options.report);
    EXPECT_THAT(report, HasSubstr("/in/a\\udce9.dcm\",\"output\":"));  // Python's surrogateescape
    EXPECT_EQ(std::count(report.begin(), report.end(), '\n'), 2);

    GetOptions get;
    get.inputs = {in};
    get.progress = ProgressStyle::none;
    const auto got = testing::run_command(run_get, get);
    EXPECT_EQ(got.status, 0) << got.err;
    EXPECT_THAT(got.out, HasSubstr("a\\udce9.dcm\": {"));
}

// ------------------------------------ 6. unreadable files pass as not DICOM --

TEST(Integrity, Item6AFileThatCannotBeReadFailsWithTheReason) {
    const auto in = testing::scratch_dir() / "in";
    const auto locked = copy_into(kCtBrain, in, "locked.dcm");
    copy_into(kData / "deid-data/humans/ctbrain2.dcm", in, "open.dcm");
    std::filesystem::permissions(locked, std::filesystem::perms::none);
    std::filesystem::permissions(testing::scratch_dir(), std::filesystem::perms::all);
    std::filesystem::permissions(in, std::filesystem::perms::all);
    const auto out = testing::scratch_dir() / "out";
    std::filesystem::create_directories(out);
    std::filesystem::permissions(out, std::filesystem::perms::all);
    const auto recipe = testing::write_text(testing::scratch_dir() / "r.deid", kRemoveName);
    std::filesystem::permissions(recipe, std::filesystem::perms::all);
    // As root every file can be read: the program then runs as nobody.
    const auto run = run_program({"put", in.string(), "-r", recipe.string(), "-o", out.string(), "-q"},
                                 ::geteuid() == 0);
    EXPECT_EQ(run.status, 1) << run.err;
    EXPECT_THAT(run.err, HasSubstr(locked.string() + ": error: cannot read the file: Permission denied\n"));
    EXPECT_THAT(run.err, HasSubstr("deid put: 1 written, 0 skipped, 1 failed"));
}

// --------------------------------------------- 7. garbage accepted as DICOM --

TEST(Integrity, Item7ZerosAndCutFilesAreNeverWritten) {
    const auto in = testing::scratch_dir() / "in";
    std::filesystem::create_directories(in);
    for (const std::size_t size : {128, 1024, 4096}) {
        testing::write_text(in / ("zeros" + std::to_string(size) + ".dcm"), std::string(size, '\0'));
    }
    const std::string ct = testing::read_bytes(kData / "pydicom-test-files/CT_small.dcm");
    testing::write_text(in / "cut1000.dcm", ct.substr(0, 1000));    // inside an element
    testing::write_text(in / "cut20000.dcm", ct.substr(0, 20000));  // inside the pixel data
    testing::write_text(in / "cut400.dcm", ct.substr(0, 400));      // at an element boundary
    const auto out = testing::scratch_dir() / "out";
    auto options = put_options({in}, out, kRemoveName);
    options.report = testing::scratch_dir() / "report.jsonl";
    const auto run = put(options);
    EXPECT_EQ(run.status, 1);
    for (const std::size_t size : {128, 1024, 4096}) {
        EXPECT_THAT(run.err, HasSubstr("zeros" + std::to_string(size) + ".dcm: skipped: not a DICOM file"));
    }
    EXPECT_THAT(run.err, HasSubstr("cut1000.dcm: error: broken DICOM file: "));
    EXPECT_THAT(run.err, HasSubstr("cut20000.dcm: error: broken DICOM file: "));
    // Complete as far as it goes: written, but not in silence.
    const std::string warning = "no pixel data: truncated? (its SOP class is an image storage class; written as it is)";
    EXPECT_THAT(run.err, HasSubstr("cut400.dcm: warning: " + warning));
    EXPECT_THAT(testing::final_names(out), ElementsAre(out / "cut400.dcm"));
    bool reported = false;
    for (const auto& line : report_lines(*options.report)) {
        if (line["input"].get<std::string>().ends_with("cut400.dcm")) {
            reported = line["warnings"] == nlohmann::json::array({warning});
        }
    }
    EXPECT_TRUE(reported);
}

// -------------------------------------------------------- 8. symlinks --

TEST(Integrity, Item8ALinkToAFolderIsReportedNotSilentlySkipped) {
    const auto in = testing::scratch_dir() / "in";
    copy_into(kCtBrain, testing::scratch_dir() / "elsewhere");
    copy_into(kData / "deid-data/humans/ctbrain2.dcm", in);
    std::filesystem::create_directory_symlink(testing::scratch_dir() / "elsewhere", in / "linked");
    std::filesystem::create_directory_symlink(in, in / "loop");
    const auto run = put(put_options({in}, testing::scratch_dir() / "out", kRemoveName));
    EXPECT_EQ(run.status, 0);
    const std::string reason = ": skipped: a symbolic link to a folder is not followed (give its target as an input "
                               "to include it)\n";
    EXPECT_THAT(run.err, HasSubstr((in / "linked").string() + reason));
    EXPECT_THAT(run.err, HasSubstr((in / "loop").string() + reason));
    EXPECT_THAT(run.err, HasSubstr("deid put: 1 written, 2 skipped, 0 failed"));
}

// -------------------------------------------- 9. and 10. are Lua's own: lua_hooks_test

// ----------------------------------------- 11. self-referencing groups --

TEST(Integrity, Item11GroupThatRefersToItselfIsALintErrorNotACrash) {
    const auto recipe = testing::write_text(testing::scratch_dir() / "cycle.deid",
                                            "FORMAT dicom\n"
                                            "%fields a\n"
                                            "FIELD PatientName\n"
                                            "FIELD fields:b\n"
                                            "%fields b\n"
                                            "FIELD fields:a\n"
                                            "%fields self\n"
                                            "FIELD fields:self\n"
                                            "%values v\n"
                                            "FIELD fields:w\n"
                                            "%fields w\n"
                                            "FIELD values:v\n"
                                            "%header\n"
                                            "REMOVE fields:a\n");
    LintOptions lint;
    lint.recipes = {recipe};
    const auto run = testing::run_command(run_lint, lint);
    EXPECT_EQ(run.status, 1);
    const std::string where = recipe.string();
    EXPECT_THAT(run.out, HasSubstr(where + ":6:7: error: group 'a' refers to itself: a → b → a\n"));
    EXPECT_THAT(run.out, HasSubstr(where + ":8:7: error: group 'self' refers to itself: self → self\n"));
    // Groups are visited fields first, so the cycle closes at v's reference.
    EXPECT_THAT(run.out,
                HasSubstr(where + ":10:7: error: group 'w' refers to itself: fields:w → values:v → fields:w\n"));
}

TEST(Integrity, Item11ForcedRunWithAGroupCycleTerminatesAndUsesTheRest) {
    auto options = put_options({kCtBrain}, testing::scratch_dir() / "out",
                               "FORMAT dicom\n%fields a\nFIELD PatientName\nFIELD fields:b\n"
                               "%fields b\nFIELD PatientID\nFIELD fields:a\n%header\nREMOVE fields:a\n");
    EXPECT_EQ(put(options).status, 2);  // refused: a lint error
    options.force = true;
    const auto run = put(options);
    ASSERT_EQ(run.status, 0) << run.err;
    // a = PatientName + b, and b = PatientID (its reference back to a dropped).
    DcmFileFormat written;
    ASSERT_TRUE(written.loadFile((options.output / "ctbrain1.dcm").c_str()).good());
    EXPECT_FALSE(written.getDataset()->tagExists(DCM_PatientID));
    EXPECT_FALSE(written.getDataset()->tagExists(DCM_PatientName));
    EXPECT_TRUE(written.getDataset()->tagExists(DCM_IssuerOfPatientID));
}

// A group may name a group defined after it, of either kind.
TEST(Integrity, Item11GroupsMayNameLaterGroups) {
    auto options = put_options({kCtBrain}, testing::scratch_dir() / "out",
                               "FORMAT dicom\n%fields early\nFIELD values:late\n"
                               "%values late\nFIELD PatientID\n%header\nREMOVE fields:early\n");
    const auto run = put(options);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_THAT(run.err, ::testing::Not(HasSubstr("error")));
}

// ------------------------------------------------- 12. quadratic lint --

// Not a timing: the old analysis took minutes here, past the suite's timeout.
TEST(Integrity, Item12LintOf300000LinesFinishes) {
    std::string recipe = "FORMAT dicom\n%header\n";
    for (int i = 0; i < 300000; ++i) {
        recipe += "REMOVE PatientName\n";
    }
    LintOptions lint;
    lint.recipes = {testing::write_text(testing::scratch_dir() / "long.deid", recipe)};
    const auto run = testing::run_command(run_lint, lint);
    EXPECT_THAT(run.err, HasSubstr("0 errors, 299999 warnings"));
}

// ------------------------------------------- acceptance: mutated files --

// Deterministic mutants of real files: cut anywhere, bits flipped, runs of
// bytes zeroed.
std::string mutant(const std::string& original, std::mt19937& random) {
    std::string bytes = original;
    switch (random() % 3) {
        case 0: bytes.resize(random() % bytes.size()); break;
        case 1:
            for (unsigned flips = 1 + random() % 16; flips > 0; --flips) {
                bytes[random() % bytes.size()] ^= static_cast<char>(1U << (random() % 8));
            }
            break;
        default: {
            const std::size_t at = random() % bytes.size();
            const std::size_t length = std::min<std::size_t>(bytes.size() - at, 1 + random() % 64);
            std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), length, '\0');
        }
    }
    return bytes;
}

TEST(Integrity, MutatedFilesNeverCrashHangOrGiveAnOutputDcmtkCannotRead) {
    std::vector<std::filesystem::path> samples;
    for (const auto& folder : {kData / "deid-data/dicom-cookies", kData / "deid-data/humans",
                               kData / "deid-data/ultrasounds", kData / "pydicom-test-files"}) {
        for (const auto& entry : std::filesystem::directory_iterator(folder)) {
            if (entry.path().extension() == ".dcm" && entry.file_size() < 3'000'000) {
                samples.push_back(entry.path());
            }
        }
    }
    std::sort(samples.begin(), samples.end());
    const auto in = testing::fresh_subdir("mutants");
    std::mt19937 random(20261202);
    for (std::size_t i = 0; i < 315; ++i) {
        const auto& sample = samples[(i * 7) % samples.size()];
        testing::write_text(in / ("m" + std::to_string(i) + "-" + sample.filename().string()),
                            mutant(testing::read_bytes(sample), random));
    }
    const auto out = testing::scratch_dir() / "out";
    auto options = put_options({in}, out, "FORMAT dicom\n%header\nREMOVE PatientName\nBLANK contains:Date\n");
    options.clean_pixels = true;
    options.with_default_recipe = true;
    options.force = true;
    const auto run = put(options);
    EXPECT_TRUE(run.status == 0 || run.status == 1) << run.err;
    std::size_t outputs = 0;
    for (const auto& output : testing::final_names(out)) {
        const auto input = in / output.filename();
        EXPECT_TRUE(dcmtk_reads_completely(input)) << output << " was written from an input DCMTK cannot read";
        EXPECT_TRUE(dcmtk_reads_completely(output)) << output;
        ++outputs;
    }
    EXPECT_GT(outputs, 50u);  // many mutants are still whole files
    EXPECT_EQ(temporaries(out), 0u);

    GetOptions get;
    get.inputs = {in};
    get.progress = ProgressStyle::none;
    const auto got = testing::run_command(run_get, get);
    EXPECT_TRUE(got.status == 0 || got.status == 1);
    EXPECT_FALSE(nlohmann::json::parse(got.out, nullptr, false).is_discarded());
}

}  // namespace
}  // namespace deid
