// What Swift cannot say itself: atomics and a CPU pause for the engine's spinning worker pool
// (Kernels/SpinPool.swift), and a software prefetch for the decoding kernel (Kernels/FewRows.swift).
// Compiler builtins, so they work on Linux and macOS without the Synchronization module.
#ifndef PREFIXLAB_INTRINSICS_H
#define PREFIXLAB_INTRINSICS_H

static inline void prefetch_read(const void *p) { __builtin_prefetch(p, 0, 3); }


static inline long spin_load(const long *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void spin_store(long *p, long v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline long spin_add(long *p, long v) { return __atomic_add_fetch(p, v, __ATOMIC_ACQ_REL); }
static inline int spin_cas(long *p, long expected, long desired) {
    return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
// Sequentially consistent, for the sleep handshake (a store then a load that must not pass it).
static inline void spin_store_sc(long *p, long v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline long spin_load_sc(const long *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
