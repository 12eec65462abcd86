// Synchronous::deferred keeps the promise of "full" at sync(): these tests
// count the syncs SQLite asks of each file through a VFS that wraps the
// default one, and check that nothing is synced or checkpointed inside a
// commit, and that sync() syncs what was committed.

#include "store/store.hpp"
#include "temp_file.hpp"

#include <cstring>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <sqlite3.h>
#include <string>
#include <unistd.h>

using namespace rtchat::store;

namespace {

struct CountedFile {
    sqlite3_file base;  // must come first: SQLite sees this
    sqlite3_file* real; // the default VFS's file, right after
    std::string kind;   // "db", "wal" or "other"
};

std::map<std::string, int> syncs; // by kind
std::map<std::string, int> writes;
sqlite3_vfs counted_vfs;
sqlite3_io_methods counted_methods;

sqlite3_file* real_of(sqlite3_file* f) {
    return reinterpret_cast<CountedFile*>(f)->real;
}

int counted_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out) {
    auto* real_vfs = static_cast<sqlite3_vfs*>(vfs->pAppData);
    auto* cf = reinterpret_cast<CountedFile*>(file);
    cf->real = reinterpret_cast<sqlite3_file*>(sqlite3_malloc(real_vfs->szOsFile));
    std::memset(cf->real, 0, static_cast<size_t>(real_vfs->szOsFile));
    new (&cf->kind) std::string((flags & SQLITE_OPEN_MAIN_DB) ? "db"
                                : (flags & SQLITE_OPEN_WAL)   ? "wal"
                                                              : "other");
    const int rc = real_vfs->xOpen(real_vfs, name, cf->real, flags, out);
    // SQLite calls xClose only when pMethods is set, so set it only on success.
    cf->base.pMethods = cf->real->pMethods ? &counted_methods : nullptr;
    if (!cf->base.pMethods) {
        sqlite3_free(cf->real);
        cf->kind.~basic_string();
    }
    return rc;
}

void install_counted_vfs() {
    static bool done = false;
    if (done)
        return;
    done = true;
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    counted_vfs = *real;
    counted_vfs.zName = "counted";
    counted_vfs.pAppData = real;
    counted_vfs.szOsFile = static_cast<int>(sizeof(CountedFile));
    counted_vfs.xOpen = counted_open;
    counted_methods.iVersion = 2; // with the shared-memory methods WAL needs
    counted_methods.xClose = [](sqlite3_file* f) {
        auto* cf = reinterpret_cast<CountedFile*>(f);
        const int rc = cf->real->pMethods->xClose(cf->real);
        sqlite3_free(cf->real);
        cf->kind.~basic_string();
        return rc;
    };
    counted_methods.xRead = [](sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
        return real_of(f)->pMethods->xRead(real_of(f), b, n, o);
    };
    counted_methods.xWrite = [](sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
        ++writes[reinterpret_cast<CountedFile*>(f)->kind];
        return real_of(f)->pMethods->xWrite(real_of(f), b, n, o);
    };
    counted_methods.xTruncate = [](sqlite3_file* f, sqlite3_int64 size) {
        return real_of(f)->pMethods->xTruncate(real_of(f), size);
    };
    counted_methods.xSync = [](sqlite3_file* f, int flags) {
        ++syncs[reinterpret_cast<CountedFile*>(f)->kind];
        return real_of(f)->pMethods->xSync(real_of(f), flags);
    };
    counted_methods.xFileSize = [](sqlite3_file* f, sqlite3_int64* size) {
        return real_of(f)->pMethods->xFileSize(real_of(f), size);
    };
    counted_methods.xLock = [](sqlite3_file* f, int l) {
        return real_of(f)->pMethods->xLock(real_of(f), l);
    };
    counted_methods.xUnlock = [](sqlite3_file* f, int l) {
        return real_of(f)->pMethods->xUnlock(real_of(f), l);
    };
    counted_methods.xCheckReservedLock = [](sqlite3_file* f, int* out) {
        return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
    };
    counted_methods.xFileControl = [](sqlite3_file* f, int op, void* arg) {
        return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
    };
    counted_methods.xSectorSize = [](sqlite3_file* f) {
        return real_of(f)->pMethods->xSectorSize(real_of(f));
    };
    counted_methods.xDeviceCharacteristics = [](sqlite3_file* f) {
        return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
    };
    counted_methods.xShmMap = [](sqlite3_file* f, int page, int size, int extend,
                                 void volatile** out) {
        return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
    };
    counted_methods.xShmLock = [](sqlite3_file* f, int offset, int n, int flags) {
        return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
    };
    counted_methods.xShmBarrier = [](sqlite3_file* f) {
        real_of(f)->pMethods->xShmBarrier(real_of(f));
    };
    counted_methods.xShmUnmap = [](sqlite3_file* f, int remove) {
        return real_of(f)->pMethods->xShmUnmap(real_of(f), remove);
    };
    sqlite3_vfs_register(&counted_vfs, 0);
}

class DeferredSync : public ::testing::Test {
protected:
    void SetUp() override {
        install_counted_vfs();
        path = fresh_db_file("sync.db");
        syncs.clear();
        writes.clear();
    }

    std::string uri() const { return "file:" + path.string() + "?vfs=counted"; }

    std::filesystem::path path;
};

Chat a_chat(Store& store) {
    return store.create_chat({"alice", "", 1, "", "co1", "", 0, {}});
}

} // namespace

TEST_F(DeferredSync, FullSyncsTheWalInEveryCommit) {
    Store store(uri(), Synchronous::full);
    Chat c = a_chat(store);
    syncs.clear();
    store.add_message(c.id, "co1", Role::co, "one");
    store.add_message(c.id, "co1", Role::co, "two");
    EXPECT_EQ(syncs["wal"], 2);
}

TEST_F(DeferredSync, ACommitWaitsForSyncAndSyncSyncsItOnce) {
    Store store(uri(), Synchronous::deferred);
    Chat c = a_chat(store);
    store.sync();
    syncs.clear();
    store.add_message(c.id, "co1", Role::co, "one");
    store.add_message(c.id, "co1", Role::co, "two");
    EXPECT_EQ(syncs["wal"], 0) << "a commit synced by itself";
    EXPECT_EQ(store.messages(c.id).size(), 2u) << "committed rows are readable at once";
    store.sync();
    EXPECT_EQ(syncs["wal"], 1);
    store.sync();
    EXPECT_EQ(syncs["wal"], 1) << "nothing new, yet synced again";
}

TEST_F(DeferredSync, CheckpointsOnlyWhenAsked) {
    Store store(uri(), Synchronous::deferred);
    Chat c = a_chat(store);
    const std::string page(3000, 'x'); // about a WAL frame per message
    store.sync();
    writes.clear();
    syncs.clear();
    for (int i = 0; i < 1200; ++i)
        store.add_message(c.id, "co1", Role::co, page);
    store.sync();
    EXPECT_EQ(writes["db"], 0) << "a commit checkpointed the WAL into the database";
    store.checkpoint_if_due();
    EXPECT_GT(writes["db"], 0) << "the checkpoint did not run";
    EXPECT_GE(syncs["db"], 1) << "the checkpoint did not sync the database";
}

TEST_F(DeferredSync, MessageIdsAfterARestartPassAnyShownBefore) {
    int64_t last = 0;
    int64_t chat = 0;
    {
        Store store(uri(), Synchronous::deferred);
        chat = a_chat(store).id;
        last = store.add_message(chat, "co1", Role::co, "before").id;
        store.sync();
    }
    Store store(uri(), Synchronous::deferred);
    const int64_t next = store.add_message(chat, "co1", Role::co, "after").id;
    EXPECT_GT(next, last + 999);
    EXPECT_EQ(a_chat(store).id, chat + 1) << "chat ids, which people see, should count by one";
}
