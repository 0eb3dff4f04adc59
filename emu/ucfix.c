/* A workaround for Unicorn 2.0.x's store path (Debian bookworm ships 2.0.1).
 *
 * In 2.0.x every guest store to RAM takes QEMU's "notdirty" slow path, and that path calls
 * page_collection_lock() for the page written: it allocates a GTree and a struct, looks up
 * the page's translated blocks, and frees it all again in page_collection_unlock(). Unicorn
 * runs one vCPU and compiles the page locks out (translate-all.c, `#if 0` around every
 * lock and unlock; page_lock() is empty without CONFIG_DEBUG_TCG), so the collection has
 * no effect: its only reader is page_collection_unlock(), also reached from
 * tb_invalidate_phys_page_range__locked() before it leaves the loop. Upstream fixed the
 * store path in 2.1.0 (commit d0103576, "notdirty_write: fix store-related performance
 * problems"), which reports stores about 40x slower than loads (docs/unicorn.md 10).
 *
 * Measured on this machine (tools: /tmp microbenchmark, one `str` in a 3-instruction loop):
 * 81.5 ns per store with 2.0.1 as shipped, 26.6 ns with the two functions below, which
 * return a shared dummy collection and free nothing. Loads and MMIO are unaffected.
 *
 * The two symbols are exported by libunicorn.so.2 and called through its PLT, so the
 * definitions here (in the executable) take their place. They only do so for Unicorn 2.0.x,
 * whose source was read for the claim above; any other version gets its own functions back
 * through dlsym(RTLD_NEXT). se_ucfix_set(false) restores the shipped behaviour at run time
 * (stldr-bench measures both). The stldr-emu executable links Debian's static libunicorn.a
 * instead (cmake/deps.cmake, for start-up time): there the archive's two definitions are made
 * weak, so these win for every caller, and se_ucfix_set(false) has nothing to forward to
 * (dlsym finds no next definition: the fix stays on). */
#define _GNU_SOURCE
#include "emu/ucfix.h"

#include <dlfcn.h>
#include <stddef.h>

#include <unicorn/unicorn.h>

struct page_collection;

typedef struct page_collection *(*lock_fn)(void *uc, uint64_t start, uint64_t end);
typedef void (*unlock_fn)(struct page_collection *set);

/* Never dereferenced by Unicorn 2.0.x: only handed back to page_collection_unlock. */
static struct page_collection *const dummy = (struct page_collection *)&dummy;

static int state;           /* 0 = not decided yet, 1 = short path, 2 = forward */
static bool enabled = true; /* se_ucfix_set() */
static lock_fn real_lock;
static unlock_fn real_unlock;

static void decide(void)
{
    unsigned major = 0, minor = 0;
    uc_version(&major, &minor);
    if (major == 2 && minor == 0) {
        state = 1;
    } else {
        real_lock = (lock_fn)(void (*)(void))dlsym(RTLD_NEXT, "page_collection_lock_arm");
        real_unlock = (unlock_fn)(void (*)(void))dlsym(RTLD_NEXT, "page_collection_unlock_arm");
        state = 2;
    }
}

static bool active(void)
{
    if (!state)
        decide();
    return state == 1 && enabled;
}

/* The first call decides, so the real functions are known before they are needed. */
static void ensure_real(void)
{
    if (!real_lock)
        real_lock = (lock_fn)(void (*)(void))dlsym(RTLD_NEXT, "page_collection_lock_arm");
    if (!real_unlock)
        real_unlock = (unlock_fn)(void (*)(void))dlsym(RTLD_NEXT, "page_collection_unlock_arm");
}

struct page_collection *page_collection_lock_arm(void *uc, uint64_t start, uint64_t end);
void page_collection_unlock_arm(struct page_collection *set);

struct page_collection *page_collection_lock_arm(void *uc, uint64_t start, uint64_t end)
{
    if (active())
        return dummy;
    ensure_real();
    return real_lock ? real_lock(uc, start, end) : dummy;
}

void page_collection_unlock_arm(struct page_collection *set)
{
    if (set == dummy)
        return;
    ensure_real();
    if (real_unlock)
        real_unlock(set);
}

bool se_ucfix_active(void) { return active(); }

void se_ucfix_set(bool on) { enabled = on; }
