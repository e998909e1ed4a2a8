#pragma once

#include <csignal>
#include <ctime>
#include <thread>

#include <lua.hpp>

namespace deid {

// Makes a Lua call notice its deadline at its next instruction. The count
// hook runs every thousand instructions, and one instruction can take tens
// of milliseconds (comparing two 30 MB strings, or turning one into a
// number), so a thousand of them would overrun a limit of seconds by many.
// A POSIX timer signals the thread running the call when the time is up;
// the handler raises a flag and sets the state's count hook to every
// instruction, as Lua's own interpreter does on Ctrl-C (lua_sethook is safe
// in a signal handler). The hook then ends the call. The timer is made in
// the first thread that arms it, and made again if another thread does.
// Without a timer (the system refused one) the hook's clock check remains.
class CallAlarm {
public:
    CallAlarm() = default;
    ~CallAlarm();
    CallAlarm(const CallAlarm&) = delete;
    CallAlarm& operator=(const CallAlarm&) = delete;

    // Rings in `seconds` unless disarmed first: sets `hook` on `lua` to run
    // at every instruction.
    void arm(lua_State* lua, lua_Hook hook, double seconds);
    // No ring any more, and rang() is false again.
    void disarm();

    [[nodiscard]] bool rang() const { return rang_ != 0; }

private:
    static void on_signal(int signal, siginfo_t* info, void* context);
    bool make_timer();

    timer_t timer_{};
    bool has_timer_ = false;
    std::thread::id timer_thread_;
    lua_State* lua_ = nullptr;
    lua_Hook hook_ = nullptr;
    volatile std::sig_atomic_t rang_ = 0;
};

}  // namespace deid
