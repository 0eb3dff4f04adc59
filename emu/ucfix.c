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

/* ---- Part 2: stores to RAM pages that hold no code ---------------------------------------
 *
 * The collection above made each store cheaper, but every RAM store still takes the slow path:
 * Unicorn 2.0.1 stubs out QEMU's dirty-memory bitmaps (include/exec/ram_addr.h:
 * cpu_physical_memory_is_clean() always returns true, set_dirty_range() does nothing), so
 * tlb_set_page_with_attrs() marks every writable RAM page TLB_NOTDIRTY and notdirty_write()
 * never clears it: each store looks its page up (page_find_alloc) to find code to invalidate.
 * 2.1.0 fixed it by only doing that for executable regions (commit d0103576).
 *
 * We keep QEMU's self-modifying-code check for the pages that hold translated code and drop it
 * for plain RAM pages without code: after Unicorn fills a TLB entry, the entry's NOTDIRTY flag is
 * cleared with Unicorn's own tlb_set_dirty() when the machine says so (emu/run.c: an SRAM page
 * that holds no code; it marks a page when a block of it first runs, and flushes the TLB then,
 * so the page's entries come back with the flag). The slow path is also where Unicorn checks a
 * region's permissions (a store to a read-only region faults there only), which is why only
 * the machine, which knows its read-write RAM, may say so. Without a machine entered
 * (se_ucfix_enter), nothing changes.
 *
 * tlb_set_page_with_attrs_arm() is exported by libunicorn.so.2 and called through its PLT: the
 * weak definition below interposes it and forwards to the library's through dlsym(RTLD_NEXT).
 * The statically linked stldr-emu is linked with --wrap instead (cmake/deps.cmake): there the
 * archive's definition wins over the weak one and __wrap_ below is what the TLB fill calls.
 * The argument types are those of 2.0.1's arm build (target_ulong 32 bits, hwaddr 64 bits,
 * MemTxAttrs a 32-bit bit-field struct passed in a register like an unsigned). */
typedef void (*tlbset_fn)(void *cpu, uint32_t vaddr, uint64_t paddr, uint32_t attrs, int prot,
                          int mmu_idx, uint32_t size);
void tlb_set_dirty_arm(void *cpu, uint32_t vaddr);
void tlb_flush_arm(void *cpu);
void tlb_set_page_with_attrs_arm(void *cpu, uint32_t vaddr, uint64_t paddr, uint32_t attrs,
                                 int prot, int mmu_idx, uint32_t size);
void __wrap_tlb_set_page_with_attrs_arm(void *cpu, uint32_t vaddr, uint64_t paddr, uint32_t attrs,
                                        int prot, int mmu_idx, uint32_t size);
extern void __real_tlb_set_page_with_attrs_arm(void *cpu, uint32_t vaddr, uint64_t paddr,
                                               uint32_t attrs, int prot, int mmu_idx, uint32_t size)
    __attribute__((weak));

static _Thread_local se_ucfix_fast_fn cur_fn;
static _Thread_local void *cur_ctx;
static _Thread_local void **cur_cpu;
static tlbset_fn real_tlbset;

static void after_fill(void *cpu, uint32_t vaddr, int prot)
{
    if (!cur_fn || !active())
        return;
    *cur_cpu = cpu;
    if ((prot & 2) && cur_fn(cur_ctx, vaddr & ~0x3FFu)) /* PAGE_WRITE */
        tlb_set_dirty_arm(cpu, vaddr);
}

void __wrap_tlb_set_page_with_attrs_arm(void *cpu, uint32_t vaddr, uint64_t paddr, uint32_t attrs,
                                        int prot, int mmu_idx, uint32_t size)
{
    __real_tlb_set_page_with_attrs_arm(cpu, vaddr, paddr, attrs, prot, mmu_idx, size);
    after_fill(cpu, vaddr, prot);
}

__attribute__((weak)) void tlb_set_page_with_attrs_arm(void *cpu, uint32_t vaddr, uint64_t paddr,
                                                       uint32_t attrs, int prot, int mmu_idx,
                                                       uint32_t size)
{
    if (!real_tlbset)
        real_tlbset = (tlbset_fn)(void (*)(void))dlsym(RTLD_NEXT, "tlb_set_page_with_attrs_arm");
    real_tlbset(cpu, vaddr, paddr, attrs, prot, mmu_idx, size);
    after_fill(cpu, vaddr, prot);
}

void se_ucfix_enter(se_ucfix_fast_fn fn, void *ctx, void **cpu)
{
    cur_fn = fn;
    cur_ctx = ctx;
    cur_cpu = cpu;
}

void se_ucfix_leave(void) { cur_fn = NULL; }

void se_ucfix_flush_tlb(void *cpu)
{
    if (cpu)
        tlb_flush_arm(cpu);
}

void se_ucfix_set(bool on) { enabled = on; }

/* ---- Part 3: Unicorn's region lookup on the slow path --------------------------------------
 *
 * Every load or store that leaves the TLB's fast path (each MMIO access, each store to a page
 * with code) first calls memory_mapping() (uc.c), which checks one cached region and otherwise
 * binary-searches the mapped regions; a loader that alternates between SRAM, a peripheral and the
 * SCS misses the cache at nearly every access (~9% of a HAL-style loader's run). Regions are
 * mapped in whole 1 KiB pages, so the answer for an address is the answer for its page: the
 * statically linked stldr-emu wraps the function (--wrap=memory_mapping, cmake/deps.cmake) with
 * a small per-page cache, emptied whenever anything is mapped, unmapped or protected (those
 * calls are wrapped too) or an engine is closed. The shared library's internal calls do not go
 * through its PLT for this function, so other executables keep Unicorn's lookup. */
void *__wrap_memory_mapping(void *uc, uint64_t address);
extern void *__real_memory_mapping(void *uc, uint64_t address) __attribute__((weak));

#define MM_SLOTS 64u
static _Thread_local struct mm_slot {
    void *uc;
    uint64_t page;
    unsigned gen;
    void *mr;
} mm_cache[MM_SLOTS];
static _Thread_local unsigned mm_gen = 1;

void *__wrap_memory_mapping(void *uc, uint64_t address)
{
    uint64_t page = address >> 10;
    struct mm_slot *s = &mm_cache[page & (MM_SLOTS - 1u)];
    if (s->uc == uc && s->page == page && s->gen == mm_gen)
        return s->mr;
    void *mr = __real_memory_mapping(uc, address);
    *s = (struct mm_slot){uc, page, mm_gen, mr};
    return mr;
}

#define SE_WRAP(ret, name, params, args)                   \
    ret __wrap_##name params;                              \
    extern ret __real_##name params __attribute__((weak)); \
    ret __wrap_##name params                               \
    {                                                      \
        mm_gen++;                                          \
        return __real_##name args;                         \
    }
SE_WRAP(uc_err, uc_mem_map, (uc_engine * uc, uint64_t a, size_t n, uint32_t p), (uc, a, n, p))
SE_WRAP(uc_err, uc_mem_map_ptr, (uc_engine * uc, uint64_t a, size_t n, uint32_t p, void *ptr),
        (uc, a, n, p, ptr))
SE_WRAP(uc_err, uc_mmio_map,
        (uc_engine * uc, uint64_t a, size_t n, uc_cb_mmio_read_t r, void *ru, uc_cb_mmio_write_t w,
         void *wu),
        (uc, a, n, r, ru, w, wu))

/* ---- Part 4: unmapping flushes the TLB page by page ----------------------------------------
 *
 * memory_unmap() (softmmu/memory.c) calls tlb_flush_page() for every 1 KiB page of the region:
 * ~2,300 host instructions a page, ~3 ms for a 4 MiB block of the external-memory window, paid
 * each time a block leaves or enters in-place mode (emu/window.c), i.e. around most Write calls.
 * One whole-TLB flush has the same effect (it drops a superset of the entries) for the price of a
 * few page flushes. In the statically linked stldr-emu, tlb_flush_page_arm is wrapped
 * (--wrap=tlb_flush_page_arm) and, while uc_mem_unmap runs, the first page flush becomes one
 * tlb_flush() and the rest are skipped. */
void __wrap_tlb_flush_page_arm(void *cpu, uint32_t addr);
extern void __real_tlb_flush_page_arm(void *cpu, uint32_t addr) __attribute__((weak));
static _Thread_local int unmapping; /* 1: in uc_mem_unmap, 2: and the TLB was flushed */

void __wrap_tlb_flush_page_arm(void *cpu, uint32_t addr)
{
    if (!unmapping || !active()) {
        __real_tlb_flush_page_arm(cpu, addr);
        return;
    }
    if (unmapping == 1)
        tlb_flush_arm(cpu);
    unmapping = 2;
}

uc_err __wrap_uc_mem_unmap(uc_engine *uc, uint64_t a, size_t n);
extern uc_err __real_uc_mem_unmap(uc_engine *uc, uint64_t a, size_t n) __attribute__((weak));
uc_err __wrap_uc_mem_unmap(uc_engine *uc, uint64_t a, size_t n)
{
    mm_gen++;
    unmapping = 1;
    uc_err e = __real_uc_mem_unmap(uc, a, n);
    unmapping = 0;
    return e;
}
SE_WRAP(uc_err, uc_mem_protect, (uc_engine * uc, uint64_t a, size_t n, uint32_t p), (uc, a, n, p))
SE_WRAP(uc_err, uc_close, (uc_engine * uc), (uc))
