#include "runtime/lua/call_alarm.hpp"

#include <unistd.h>

#include <cmath>
#include <mutex>

namespace deid {

namespace {

// A real-time signal nothing else in deid uses.
int alarm_signal() { return SIGRTMIN + 5; }

// The alarm of the call running in this thread, if any. Set only while a
// call is armed, so a signal can never reach an alarm that is gone.
constinit thread_local CallAlarm* armed_alarm = nullptr;

bool install_handler(void (*handler)(int, siginfo_t*, void*)) {
    static bool installed = false;
    static std::once_flag once;
    std::call_once(once, [handler] {
        struct sigaction action {};
        action.sa_sigaction = handler;
        action.sa_flags = SA_SIGINFO | SA_RESTART;  // syscalls the call makes (deid.csv) just go on
        sigemptyset(&action.sa_mask);
        installed = sigaction(alarm_signal(), &action, nullptr) == 0;
    });
    return installed;
}

timespec as_timespec(double seconds) {
    constexpr double kLongest = 1e9;  // about 30 years: "no limit" for any run
    seconds = std::fmin(std::fmax(seconds, 1e-6), kLongest);
    timespec time{};
    time.tv_sec = static_cast<time_t>(seconds);
    time.tv_nsec = static_cast<long>((seconds - static_cast<double>(time.tv_sec)) * 1e9);
    return time;
}

}  // namespace

CallAlarm::~CallAlarm() {
    disarm();
    if (has_timer_) {
        timer_delete(timer_);
    }
}

void CallAlarm::on_signal(int /*signal*/, siginfo_t* /*info*/, void* /*context*/) {
    CallAlarm* alarm = armed_alarm;
    if (alarm != nullptr) {
        alarm->rang_ = 1;
        lua_sethook(alarm->lua_, alarm->hook_, LUA_MASKCOUNT, 1);
    }
}

bool CallAlarm::make_timer() {
    if (has_timer_ && timer_thread_ == std::this_thread::get_id()) {
        return true;
    }
    if (has_timer_) {
        timer_delete(timer_);
        has_timer_ = false;
    }
    if (!install_handler(&CallAlarm::on_signal)) {
        return false;
    }
    sigevent event{};
    event.sigev_notify = SIGEV_THREAD_ID;  // this thread, not any thread of the process
    event.sigev_signo = alarm_signal();
    event._sigev_un._tid = gettid();  // glibc 2.36 has no name for it (sigev_notify_thread_id)
    has_timer_ = timer_create(CLOCK_MONOTONIC, &event, &timer_) == 0;
    timer_thread_ = std::this_thread::get_id();
    return has_timer_;
}

void CallAlarm::arm(lua_State* lua, lua_Hook hook, double seconds) {
    rang_ = 0;
    if (!make_timer()) {
        return;
    }
    lua_ = lua;
    hook_ = hook;
    armed_alarm = this;
    itimerspec when{};
    when.it_value = as_timespec(seconds);
    timer_settime(timer_, 0, &when, nullptr);
}

void CallAlarm::disarm() {
    if (armed_alarm != this) {
        return;
    }
    // A signal sent before this returns is handled before it returns (a
    // pending signal is delivered on the way back from the kernel), while
    // armed_alarm still points here.
    const itimerspec stop{};
    timer_settime(timer_, 0, &stop, nullptr);
    armed_alarm = nullptr;
    rang_ = 0;
}

}  // namespace deid
