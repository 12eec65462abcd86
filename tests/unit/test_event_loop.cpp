#include "ipc/event_loop.hpp"

#include <gtest/gtest.h>
#include <thread>

using namespace rtchat;

// Work handed over from other threads runs on the loop's thread, all of it,
// in the order each thread posted it.
TEST(EventLoop, PostedWorkRunsOnTheLoopThread) {
    ipc::EventLoop loop;
    const auto loop_thread = std::this_thread::get_id();
    constexpr int per_thread = 2000;
    int ran = 0;
    int last_of[2] = {-1, -1};
    bool in_order = true;
    bool on_loop_thread = true;
    std::vector<std::jthread> posters;
    for (int t = 0; t < 2; ++t)
        posters.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i)
                loop.post([&, t, i] {
                    on_loop_thread = on_loop_thread && std::this_thread::get_id() == loop_thread;
                    in_order = in_order && last_of[t] == i - 1;
                    last_of[t] = i;
                    if (++ran == 2 * per_thread)
                        loop.stop();
                });
        });
    loop.run();
    EXPECT_EQ(ran, 2 * per_thread);
    EXPECT_TRUE(in_order);
    EXPECT_TRUE(on_loop_thread);
}
