#pragma once
// A database file for one test: in this test process's own folder under
// the system's temporary one, with no file (nor WAL, nor shared memory)
// left of that name from an earlier run.

#include <filesystem>
#include <string>
#include <unistd.h>

inline std::filesystem::path fresh_db_file(const std::string& name) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("rtchat-unit-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const auto path = dir / name;
    for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(path.string() + suffix);
    return path;
}
