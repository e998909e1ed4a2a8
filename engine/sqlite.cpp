#include "engine/sqlite.hpp"

#include <utility>

#include <sqlite3.h>

namespace deid::sqlite {

Statement::Statement(Statement&& other) noexcept
    : database_(std::exchange(other.database_, nullptr)), statement_(std::exchange(other.statement_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(statement_);
        database_ = std::exchange(other.database_, nullptr);
        statement_ = std::exchange(other.statement_, nullptr);
    }
    return *this;
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // Values are bytes (a DICOM value need not be UTF-8): stored as given.
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t number) {
    sqlite3_bind_int64(statement_, index, number);
    return *this;
}

bool Statement::step(std::string& error) {
    const int status = sqlite3_step(statement_);
    if (status == SQLITE_ROW) {
        return true;
    }
    if (status != SQLITE_DONE) {
        error = sqlite3_errmsg(database_);
        sqlite3_reset(statement_);
    }
    return false;
}

std::optional<std::string> Statement::run() {
    std::string error;
    while (step(error)) {
    }
    sqlite3_reset(statement_);
    return error.empty() ? std::nullopt : std::optional(error);
}

std::string Statement::text(int column) const {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement_, column));
    const int size = sqlite3_column_bytes(statement_, column);
    return bytes == nullptr ? std::string() : std::string(bytes, static_cast<std::size_t>(size));
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(statement_, column); }

std::unique_ptr<Database> Database::open(const std::filesystem::path& file, Mode mode, std::string& error) {
    sqlite3* handle = nullptr;
    const int flags = (mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                      SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(file.c_str(), &handle, flags, nullptr) != SQLITE_OK) {
        error = handle != nullptr ? sqlite3_errmsg(handle) : "out of memory";
        sqlite3_close(handle);
        return nullptr;
    }
    sqlite3_extended_result_codes(handle, 1);
    // Another process writing the same crosswalk (a second put on this
    // machine) holds the write lock for one transaction at a time: wait.
    sqlite3_busy_timeout(handle, 30'000);
    return std::unique_ptr<Database>(new Database(handle));
}

Database::~Database() { sqlite3_close(handle_); }

std::optional<std::string> Database::execute(std::string_view sql) {
    const std::string text(sql);
    char* message = nullptr;
    if (sqlite3_exec(handle_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string error = message != nullptr ? message : sqlite3_errmsg(handle_);
        sqlite3_free(message);
        return error;
    }
    return std::nullopt;
}

std::optional<Statement> Database::prepare(std::string_view sql, std::string& error) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(handle_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr) != SQLITE_OK) {
        error = sqlite3_errmsg(handle_);
        sqlite3_finalize(statement);
        return std::nullopt;
    }
    return Statement(handle_, statement);
}

std::int64_t Database::changes() const { return sqlite3_changes64(handle_); }

std::string Database::last_error() const { return sqlite3_errmsg(handle_); }

}  // namespace deid::sqlite
