#include "engine/crosswalk.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/run_gate.hpp"
#include "runtime/io/staged_file.hpp"

namespace deid {
namespace {

constexpr std::string_view kFormat = "deid crosswalk 1";

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS about (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
  input TEXT PRIMARY KEY, output TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS files_by_output ON files (output);
CREATE TABLE IF NOT EXISTS pseudonyms (
  kind TEXT NOT NULL, original TEXT NOT NULL, issuer TEXT NOT NULL, pseudonym TEXT NOT NULL,
  PRIMARY KEY (kind, original, issuer)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pseudonyms_by_pseudonym ON pseudonyms (pseudonym);
CREATE TABLE IF NOT EXISTS file_pseudonyms (
  input TEXT NOT NULL, kind TEXT NOT NULL, original TEXT NOT NULL, issuer TEXT NOT NULL,
  PRIMARY KEY (input, kind, original, issuer)) WITHOUT ROWID;
)sql";

std::string mode_text(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777U));
    return text;
}

// Creates `file` empty with mode 0600 when it does not exist (the umask
// cannot widen it; SQLite gives its -wal and -shm files the same mode).
std::optional<std::string> create_private_file(const std::filesystem::path& file) {
    const int descriptor = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (descriptor >= 0) {
        ::close(descriptor);
        return std::nullopt;
    }
    if (errno == EEXIST) {
        return std::nullopt;
    }
    return "cannot create " + file.string() + ": " + std::strerror(errno);
}

std::optional<std::string> only_owner_may_read(const std::filesystem::path& file) {
    struct stat status {};
    if (::stat(file.c_str(), &status) != 0) {
        return "cannot read " + file.string() + ": " + std::strerror(errno);
    }
    if (!S_ISREG(status.st_mode)) {
        return file.string() + " is not a regular file";
    }
    if ((status.st_mode & 077U) != 0) {
        return "the crosswalk " + file.string() + " may be read by others (mode " + mode_text(status.st_mode) +
               "); it holds identifying data, so only its owner may: chmod 600 " + file.string();
    }
    return std::nullopt;
}

// The crosswalk's `about` value, or nullopt (no such row, or no crosswalk).
std::optional<std::string> about(sqlite::Database& database, std::string_view schema, std::string_view name) {
    std::string error;
    auto statement = database.prepare("SELECT value FROM " + std::string(schema) + ".about WHERE name = ?", error);
    if (!statement) {
        return std::nullopt;
    }
    statement->bind(1, name);
    if (!statement->step(error)) {
        return std::nullopt;
    }
    return statement->text(0);
}

std::unique_ptr<sqlite::Database> open_existing(const std::filesystem::path& file, std::string& error) {
    std::error_code missing;
    if (!std::filesystem::is_regular_file(file, missing)) {
        error = file.string() + ": error: no such crosswalk";
        return nullptr;
    }
    auto database = sqlite::Database::open(file, sqlite::Database::Mode::read_only, error);
    if (!database) {
        error = file.string() + ": error: cannot open the crosswalk: " + error;
        return nullptr;
    }
    if (about(*database, "main", "format") != std::string(kFormat)) {
        error = file.string() + ": error: not a deid crosswalk (as put --mapping writes it)";
        return nullptr;
    }
    return database;
}

// A value in one tab-separated field.
std::string tsv(std::string_view value) {
    std::string out;
    for (const char c : value) {
        switch (c) {
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\\': out += "\\\\"; break;
            default: out += c;
        }
    }
    return out;
}

// A value in one CSV field (RFC 4180).
std::string csv(std::string_view value) {
    if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
        return std::string(value);
    }
    std::string out = "\"";
    for (const char c : value) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

}  // namespace

struct Crosswalk::Pending {
    const CrosswalkFile* file = nullptr;
    std::optional<std::string> error;
    bool done = false;
};

Crosswalk::Crosswalk(std::filesystem::path path, std::unique_ptr<sqlite::Database> database)
    : path_(std::move(path)), database_(std::move(database)) {}

Crosswalk::~Crosswalk() = default;

std::unique_ptr<Crosswalk> Crosswalk::open(const std::filesystem::path& file, std::string_view fingerprint,
                                           std::string& error) {
    const std::string name = file.string();
    if (auto problem = create_private_file(file)) {
        error = std::move(*problem);
        return nullptr;
    }
    if (auto problem = only_owner_may_read(file)) {
        error = std::move(*problem);
        return nullptr;
    }
    auto database = sqlite::Database::open(file, sqlite::Database::Mode::read_write, error);
    if (!database) {
        error = "cannot open the crosswalk " + name + ": " + error;
        return nullptr;
    }
    // WAL: a reader (deid mapping lookup) never waits for the run, and a
    // commit appends to the log. synchronous=NORMAL: a commit does not wait
    // for the disk (a kill loses nothing; a power cut may lose the last
    // entries, whose outputs --resume then writes again); checkpoints sync.
    if (auto problem = database->execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")) {
        error = name + ": error: not a deid crosswalk (" + *problem + ")";
        return nullptr;
    }
    if (auto problem = database->execute(std::string("BEGIN IMMEDIATE;") + std::string(kSchema))) {
        error = name + ": error: not a deid crosswalk (" + *problem + ")";
        return nullptr;
    }
    const auto format = about(*database, "main", "format");
    const auto recorded = about(*database, "main", "key_fingerprint");
    std::optional<std::string> problem;
    if (format && *format != kFormat) {
        problem = name + ": error: not a deid crosswalk of this version (" + *format + ")";
    } else if (recorded && *recorded != fingerprint) {
        problem = name + ": error: this crosswalk holds the pseudonyms of another key (fingerprint " + *recorded +
                  "), this run's key has fingerprint " + std::string(fingerprint) +
                  ": give that key (--key-file) or another crosswalk";
    }
    if (!problem && !format) {
        std::string prepare_error;
        auto insert = database->prepare("INSERT INTO about (name, value) VALUES (?, ?)", prepare_error);
        if (!insert) {
            problem = "cannot write the crosswalk " + name + ": " + prepare_error;
        } else if (auto failed = insert->reset().bind(1, "format").bind(2, kFormat).run()) {
            problem = "cannot write the crosswalk " + name + ": " + *failed;
        } else if (auto failed_key = insert->reset().bind(1, "key_fingerprint").bind(2, fingerprint).run()) {
            problem = "cannot write the crosswalk " + name + ": " + *failed_key;
        }
    }
    if (problem) {
        database->execute("ROLLBACK;");
        error = std::move(*problem);
        return nullptr;
    }
    if (auto failed = database->execute("COMMIT;")) {
        error = "cannot write the crosswalk " + name + ": " + *failed;
        return nullptr;
    }
    std::unique_ptr<Crosswalk> crosswalk(new Crosswalk(file, std::move(database)));
    if (auto failed = crosswalk->prepare_statements()) {
        error = "cannot use the crosswalk " + name + ": " + *failed;
        return nullptr;
    }
    return crosswalk;
}

std::optional<std::string> Crosswalk::prepare_statements() {
    std::string error;
    auto prepare = [&](sqlite::Statement& statement, std::string_view sql) {
        if (!error.empty()) {
            return;
        }
        if (auto prepared = database_->prepare(sql, error)) {
            statement = std::move(*prepared);
        }
    };
    prepare(insert_pseudonym_,
            "INSERT INTO pseudonyms (kind, original, issuer, pseudonym) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, original, issuer) DO NOTHING");
    prepare(find_pseudonym_, "SELECT pseudonym FROM pseudonyms WHERE kind = ? AND original = ? AND issuer = ?");
    prepare(forget_links_, "DELETE FROM file_pseudonyms WHERE input = ?");
    prepare(insert_file_, "INSERT OR REPLACE INTO files (input, output, sha256, bytes) VALUES (?, ?, ?, ?)");
    prepare(insert_link_, "INSERT OR IGNORE INTO file_pseudonyms (input, kind, original, issuer) VALUES (?, ?, ?, ?)");
    prepare(find_file_, "SELECT output, sha256 FROM files WHERE input = ?");
    prepare(forget_file_, "DELETE FROM files WHERE input = ?");
    prepare(find_owner_, "SELECT input FROM files WHERE output = ? ORDER BY input LIMIT 1");
    return error.empty() ? std::nullopt : std::optional(error);
}

std::optional<std::string> Crosswalk::write_one(const CrosswalkFile& file) {
    for (const auto& entry : file.pseudonyms) {
        if (auto failed = insert_pseudonym_.reset()
                              .bind(1, entry.kind)
                              .bind(2, entry.original)
                              .bind(3, entry.issuer)
                              .bind(4, entry.pseudonym)
                              .run()) {
            return "cannot write the crosswalk " + path_.string() + ": " + *failed;
        }
        if (database_->changes() == 0) {
            std::string error;
            find_pseudonym_.reset().bind(1, entry.kind).bind(2, entry.original).bind(3, entry.issuer);
            const bool found = find_pseudonym_.step(error);
            const std::string known = found ? find_pseudonym_.text(0) : std::string();
            find_pseudonym_.reset();
            if (found && known != entry.pseudonym) {
                return "the crosswalk " + path_.string() + " already gives this file's " + entry.kind +
                       " another pseudonym: the recipe gives this original a different value now (a value that "
                       "is not a function of the original: random, or from per-file variables)";
            }
        }
    }
    if (auto failed = forget_links_.reset().bind(1, file.input).run()) {
        return "cannot write the crosswalk " + path_.string() + ": " + *failed;
    }
    if (auto failed = insert_file_.reset()
                          .bind(1, file.input)
                          .bind(2, file.output)
                          .bind(3, file.sha256)
                          .bind(4, static_cast<std::int64_t>(file.bytes))
                          .run()) {
        return "cannot write the crosswalk " + path_.string() + ": " + *failed;
    }
    for (const auto& entry : file.pseudonyms) {
        if (auto failed =
                insert_link_.reset().bind(1, file.input).bind(2, entry.kind).bind(3, entry.original).bind(4, entry.issuer).run()) {
            return "cannot write the crosswalk " + path_.string() + ": " + *failed;
        }
    }
    return std::nullopt;
}

void Crosswalk::commit(const std::vector<Pending*>& batch) {
    const std::lock_guard guard(database_lock_);
    if (auto failed = database_->execute("BEGIN IMMEDIATE;")) {
        for (auto* pending : batch) {
            pending->error = "cannot write the crosswalk " + path_.string() + ": " + *failed;
        }
        return;
    }
    for (auto* pending : batch) {
        // Each file in a savepoint: one file's conflict leaves the others' entries.
        database_->execute("SAVEPOINT file;");
        pending->error = write_one(*pending->file);
        if (pending->error) {
            database_->execute("ROLLBACK TO file;");
        }
        database_->execute("RELEASE file;");
    }
    if (auto failed = database_->execute("COMMIT;")) {
        database_->execute("ROLLBACK;");
        for (auto* pending : batch) {
            if (!pending->error) {
                pending->error = "cannot write the crosswalk " + path_.string() + ": " + *failed;
            }
        }
    }
}

std::optional<std::string> Crosswalk::record(const CrosswalkFile& file) {
    Pending mine{&file, std::nullopt, false};
    std::unique_lock lock(queue_lock_);
    queue_.push_back(&mine);
    while (!mine.done) {
        if (committing_) {
            committed_.wait(lock);
            continue;
        }
        // This worker commits everything queued, its own entry included;
        // the entries that arrive meanwhile make the next transaction.
        committing_ = true;
        std::vector<Pending*> batch;
        batch.swap(queue_);
        lock.unlock();
        commit(batch);
        lock.lock();
        for (auto* pending : batch) {
            pending->done = true;
        }
        committing_ = false;
        committed_.notify_all();
    }
    return mine.error;
}

std::optional<std::string> Crosswalk::forget(std::string_view input) {
    const std::lock_guard guard(database_lock_);
    return forget_entries({std::string(input)});
}

std::optional<std::string> Crosswalk::forget_entries(const std::vector<std::string>& inputs) {
    std::optional<std::string> failed = database_->execute("BEGIN IMMEDIATE;");
    if (failed) {
        return "cannot write the crosswalk " + path_.string() + ": " + *failed;
    }
    for (const auto& input : inputs) {
        if (!failed) {
            failed = forget_file_.reset().bind(1, input).run();
        }
        if (!failed) {
            failed = forget_links_.reset().bind(1, input).run();
        }
    }
    if (!failed) {
        failed = database_->execute("COMMIT;");
    }
    if (failed) {
        database_->execute("ROLLBACK;");
        return "cannot write the crosswalk " + path_.string() + ": " + *failed;
    }
    return std::nullopt;
}

bool Crosswalk::has_entry(std::string_view input, std::string_view output, std::string_view sha256) {
    const std::lock_guard guard(database_lock_);
    std::string error;
    find_file_.reset().bind(1, input);
    const bool found = find_file_.step(error) && find_file_.text(0) == output && find_file_.text(1) == sha256;
    find_file_.reset();
    return found;
}

std::optional<std::string> Crosswalk::input_of(std::string_view output) {
    const std::lock_guard guard(database_lock_);
    std::string error;
    find_owner_.reset().bind(1, output);
    std::optional<std::string> input;
    if (find_owner_.step(error)) {
        input = find_owner_.text(0);
    }
    find_owner_.reset();
    return input;
}

std::variant<std::size_t, std::string> Crosswalk::forget_missing_outputs() {
    const std::lock_guard guard(database_lock_);
    std::string error;
    auto rows = database_->prepare("SELECT input, output FROM files", error);
    if (!rows) {
        return "cannot read the crosswalk " + path_.string() + ": " + error;
    }
    std::vector<std::string> missing;
    while (rows->step(error)) {
        std::error_code absent;
        if (!std::filesystem::exists(std::filesystem::symlink_status(rows->text(1), absent))) {
            missing.push_back(rows->text(0));
        }
    }
    rows->reset();
    if (!error.empty()) {
        return "cannot read the crosswalk " + path_.string() + ": " + error;
    }
    if (missing.empty()) {
        return std::size_t{0};
    }
    if (auto failed = forget_entries(missing)) {
        return *failed;
    }
    return missing.size();
}

std::optional<std::string> Crosswalk::checkpoint() {
    const std::lock_guard guard(database_lock_);
    if (auto failed = database_->execute("PRAGMA wal_checkpoint(TRUNCATE);")) {
        return "cannot write the crosswalk " + path_.string() + ": " + *failed;
    }
    return std::nullopt;
}

// ------------------------------------------------------------ reading --

std::variant<std::vector<CrosswalkPair>, std::string> crosswalk_files(const std::filesystem::path& file) {
    std::string error;
    auto database = open_existing(file, error);
    if (!database) {
        return error;
    }
    auto rows = database->prepare("SELECT input, output FROM files ORDER BY input", error);
    if (!rows) {
        return file.string() + ": error: " + error;
    }
    std::vector<CrosswalkPair> pairs;
    while (rows->step(error)) {
        pairs.push_back({rows->text(0), rows->text(1)});
    }
    if (!error.empty()) {
        return file.string() + ": error: " + error;
    }
    return pairs;
}

int run_mapping_lookup(const std::filesystem::path& file, LookupBy by, std::string_view value, std::ostream& out,
                       std::ostream& err) {
    std::string error;
    auto database = open_existing(file, error);
    if (!database) {
        err << error << '\n';
        return kExitRecipeError;
    }
    const std::string column = by == LookupBy::pseudonym ? "pseudonym" : "original";
    auto rows = database->prepare("SELECT kind, original, issuer, pseudonym FROM pseudonyms WHERE " + column +
                                      " = ? ORDER BY kind, original, issuer, pseudonym",
                                  error);
    if (!rows) {
        err << file.string() << ": error: " << error << '\n';
        return kExitRecipeError;
    }
    rows->bind(1, value);
    std::size_t found = 0;
    while (rows->step(error)) {
        out << tsv(rows->text(0)) << '\t' << tsv(rows->text(1)) << '\t' << tsv(rows->text(2)) << '\t'
            << tsv(rows->text(3)) << '\n';
        ++found;
    }
    if (!error.empty()) {
        err << file.string() << ": error: " << error << '\n';
        return kExitRecipeError;
    }
    if (found == 0) {
        err << "deid mapping lookup: no entry has that " << (by == LookupBy::pseudonym ? "pseudonym" : "original")
            << '\n';
        return 1;
    }
    return 0;
}

int run_mapping_export(const std::filesystem::path& file, std::ostream& out, std::ostream& err) {
    std::string error;
    auto database = open_existing(file, error);
    if (!database) {
        err << error << '\n';
        return kExitRecipeError;
    }
    auto rows = database->prepare(
        "SELECT f.input, f.output, f.sha256, f.bytes, l.kind, l.original, l.issuer, p.pseudonym "
        "FROM files f LEFT JOIN file_pseudonyms l ON l.input = f.input "
        "LEFT JOIN pseudonyms p ON p.kind = l.kind AND p.original = l.original AND p.issuer = l.issuer "
        "ORDER BY f.input, l.kind, l.original, l.issuer",
        error);
    if (!rows) {
        err << file.string() << ": error: " << error << '\n';
        return kExitRecipeError;
    }
    out << "input,output,sha256,bytes,kind,original,issuer,pseudonym\n";
    while (rows->step(error)) {
        out << csv(rows->text(0)) << ',' << csv(rows->text(1)) << ',' << rows->text(2) << ',' << rows->integer(3)
            << ',' << csv(rows->text(4)) << ',' << csv(rows->text(5)) << ',' << csv(rows->text(6)) << ','
            << csv(rows->text(7)) << '\n';
    }
    if (!error.empty()) {
        err << file.string() << ": error: " << error << '\n';
        return kExitRecipeError;
    }
    return 0;
}

namespace {

// Merges the crosswalk attached as `source` into `main`; an error naming
// both sides of a conflict, or nothing.
std::optional<std::string> merge_attached(sqlite::Database& database, const std::filesystem::path& input,
                                          const std::string& first_input) {
    const std::string name = input.string();
    if (about(database, "source", "format") != std::string(kFormat)) {
        return name + ": error: not a deid crosswalk (as put --mapping writes it)";
    }
    const auto fingerprint = about(database, "source", "key_fingerprint").value_or("");
    const auto merged = about(database, "main", "key_fingerprint");
    if (merged && *merged != fingerprint) {
        return name + ": error: made with the key of fingerprint " + fingerprint + ", " + first_input +
               " with the key of fingerprint " + *merged + ": crosswalks of different keys do not merge";
    }
    std::string error;
    auto conflict = database.prepare(
        "SELECT s.kind, s.original, s.issuer, m.pseudonym, s.pseudonym FROM source.pseudonyms s "
        "JOIN main.pseudonyms m ON m.kind = s.kind AND m.original = s.original AND m.issuer = s.issuer "
        "WHERE m.pseudonym <> s.pseudonym ORDER BY s.kind, s.original, s.issuer LIMIT 1",
        error);
    if (!conflict) {
        return name + ": error: " + error;
    }
    if (conflict->step(error)) {
        const std::string issuer = conflict->text(2).empty() ? "" : " (issuer '" + conflict->text(2) + "')";
        return name + ": error: conflict: " + conflict->text(0) + " '" + conflict->text(1) + "'" + issuer + " is '" +
               conflict->text(3) + "' in the crosswalks merged before it and '" + conflict->text(4) + "' in " + name;
    }
    auto file_conflict = database.prepare(
        "SELECT s.input, m.output, s.output FROM source.files s JOIN main.files m ON m.input = s.input "
        "WHERE m.output <> s.output OR m.sha256 <> s.sha256 ORDER BY s.input LIMIT 1",
        error);
    if (!file_conflict) {
        return name + ": error: " + error;
    }
    if (file_conflict->step(error)) {
        return name + ": error: conflict: the input " + file_conflict->text(0) + " has the output " +
               file_conflict->text(1) + " in the crosswalks merged before it and " + file_conflict->text(2) +
               " (or another hash) in " + name;
    }
    if (!error.empty()) {
        return name + ": error: " + error;
    }
    std::optional<std::string> failed = database.execute(
        "INSERT OR IGNORE INTO main.pseudonyms SELECT kind, original, issuer, pseudonym FROM source.pseudonyms;"
        "INSERT OR IGNORE INTO main.files SELECT input, output, sha256, bytes FROM source.files;"
        "INSERT OR IGNORE INTO main.file_pseudonyms SELECT input, kind, original, issuer FROM source.file_pseudonyms;");
    if (!failed && !merged) {
        auto insert = database.prepare("INSERT INTO main.about (name, value) VALUES ('key_fingerprint', ?)", error);
        failed = insert ? insert->bind(1, fingerprint).run() : std::optional(error);
    }
    if (failed) {
        return name + ": error: " + *failed;
    }
    return std::nullopt;
}

}  // namespace

int run_mapping_merge(const std::filesystem::path& output, const std::vector<std::filesystem::path>& inputs,
                      std::ostream& out, std::ostream& err) {
    std::error_code error_code;
    if (std::filesystem::exists(std::filesystem::symlink_status(output, error_code))) {
        err << "deid mapping merge: error: " << output.string()
            << " exists; merge writes a new crosswalk (name the existing one as an input to add to it)\n";
        return kExitRecipeError;
    }
    for (const auto& input : inputs) {
        std::string error;
        if (!open_existing(input, error)) {
            err << error << '\n';
            return kExitRecipeError;
        }
    }
    const auto temporary = temporary_beside(output);
    std::filesystem::remove(temporary, error_code);  // a merge that was killed left it
    std::string error;
    if (auto problem = create_private_file(temporary)) {
        err << "deid mapping merge: error: " << *problem << '\n';
        return kExitRecipeError;
    }
    std::optional<std::string> failed;
    {
        auto database = sqlite::Database::open(temporary, sqlite::Database::Mode::read_write, error);
        if (!database) {
            failed = "cannot create " + temporary.string() + ": " + error;
        } else {
            failed = database->execute("PRAGMA synchronous = FULL; BEGIN IMMEDIATE;" + std::string(kSchema) +
                                       "INSERT INTO about (name, value) VALUES ('format', '" + std::string(kFormat) +
                                       "'); COMMIT;");
            for (const auto& input : inputs) {
                if (failed) {
                    break;
                }
                auto attach = database->prepare("ATTACH DATABASE ? AS source", error);
                failed = attach ? attach->bind(1, input.string()).run() : std::optional(error);
                if (failed) {
                    failed = input.string() + ": error: " + *failed;
                    break;
                }
                database->execute("BEGIN IMMEDIATE;");
                failed = merge_attached(*database, input, inputs.front().string());
                database->execute(failed ? "ROLLBACK;" : "COMMIT;");
                database->execute("DETACH DATABASE source;");
            }
        }
    }
    if (!failed && ::link(temporary.c_str(), output.c_str()) != 0) {
        failed = "cannot write " + output.string() + ": " + std::strerror(errno);
    }
    std::filesystem::remove(temporary, error_code);
    if (failed) {
        err << (failed->find(": error: ") == std::string::npos ? "deid mapping merge: error: " : "") << *failed
            << "\ndeid mapping merge: nothing written\n";
        return kExitRecipeError;
    }
    out << "deid mapping merge: " << inputs.size() << " crosswalk" << (inputs.size() == 1 ? "" : "s") << " merged into "
        << output.string() << '\n';
    return 0;
}

}  // namespace deid
