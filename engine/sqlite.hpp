#pragma once

// A thin RAII layer over SQLite's C API for the crosswalk: a connection and
// prepared statements that finalize themselves. Errors come back as text
// (SQLite's own message); nothing here throws.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace deid::sqlite {

class Statement {
public:
    Statement() = default;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Binds parameters 1, 2, ... (the statement is reset first).
    Statement& reset();
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t number);

    // One step: true while there is a row; false when done. `error` is set
    // (and false returned) on failure.
    bool step(std::string& error);
    // Runs to its end; an error message, or nothing.
    std::optional<std::string> run();

    // Columns of the current row.
    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] std::int64_t integer(int column) const;

private:
    friend class Database;
    Statement(sqlite3* database, sqlite3_stmt* statement) : database_(database), statement_(statement) {}
    sqlite3* database_ = nullptr;
    sqlite3_stmt* statement_ = nullptr;
};

class Database {
public:
    enum class Mode { read_only, read_write };
    // Opens an existing file (read_write also creates it when missing).
    static std::unique_ptr<Database> open(const std::filesystem::path& file, Mode mode, std::string& error);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Runs SQL text (any number of statements, no parameters).
    std::optional<std::string> execute(std::string_view sql);
    // A prepared statement; nullopt with `error` set.
    std::optional<Statement> prepare(std::string_view sql, std::string& error);
    // Rows changed by the last INSERT, UPDATE or DELETE.
    [[nodiscard]] std::int64_t changes() const;
    [[nodiscard]] std::string last_error() const;

private:
    explicit Database(sqlite3* handle) : handle_(handle) {}
    sqlite3* handle_ = nullptr;
};

}  // namespace deid::sqlite
