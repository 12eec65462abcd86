#pragma once

#include "store/db.hpp"

namespace rtchat::store {

/// The schema version this build writes (PRAGMA user_version).
int current_schema_version();
/// Brings the database up to current_schema_version(), one numbered step per
/// transaction. Refuses a database written by a newer rtchat.
void migrate(Database& db);
/// Stops at schema version `target`; tests use it to build older databases.
void migrate(Database& db, int target);

} // namespace rtchat::store
