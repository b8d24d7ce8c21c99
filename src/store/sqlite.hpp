// sqlite.hpp - a thin RAII layer over the SQLite C API: a connection, prepared statements with
// typed binds and columns, and transactions. Errors are Results carrying SQLite's message; the
// busy timeout lets several processes share one database file (WAL mode).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mc::store {

class Statement {
 public:
  explicit Statement(sqlite3_stmt* s) : stmt_(s, sqlite3_finalize) {}

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind_null(int index);
  // reset - ready to run again with new bindings (one prepared statement for many rows).
  Statement& reset();
  // step - true while a row is available; false when done. An error is kept for ok()/error().
  bool step();
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::int64_t integer(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

 private:
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt_;
  std::string error_;
};

class Database {
 public:
  // open - the file (created when missing) in WAL mode, with foreign keys on.
  static Result<Database> open(const std::string& path);

  Result<void> exec(const std::string& sql);
  Result<Statement> prepare(std::string_view sql);
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_.get()); }
  std::int64_t changes() const { return sqlite3_changes64(db_.get()); }  // by the last write
  std::string message() const { return sqlite3_errmsg(db_.get()); }

 private:
  explicit Database(sqlite3* db) : db_(db, sqlite3_close_v2) {}
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_;
};

// Transaction - BEGIN IMMEDIATE (the write lock at once, so two claimers never both read the
// same pending rows); rolled back unless commit() succeeds.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Result<void> commit();
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;
};

}  // namespace mc::store
