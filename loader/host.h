/* The STM32CubeProgrammer side of the protocol (docs/protocol.md 2): per operation the host
 * writes the BKPT word and the loader image, calls Init (R0 = 1), then the operation's
 * entry points with arguments in R0-R3, LR = BKPT word | 1, SP = BKPT address + image
 * size + 0x400, and reads R0 (R0:R1 for Verify) when the breakpoint is reached. Write data
 * goes through a RAM buffer after the stack, in chunks. Reads use the loader's Read when it
 * exports one, else the memory-mapped window, as the host does. */
#ifndef SE_HOST_H
#define SE_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/machine.h"
#include "loader/stldr.h"

/* How a CMSIS flash algorithm (.FLM) is called where the hosts differ (docs/flm.md). */
typedef enum se_flm_host {
    SE_FLM_HOST_PYOCD,    /* default: header 0xE7FDBE00, flash_algo_debug's post-call checks */
    SE_FLM_HOST_PROBE_RS, /* header 0xBE00BE00, stack canary 0x56 checked after each call */
    SE_FLM_HOST_KEIL,     /* BlankCheck before each EraseSector: blank sectors are skipped */
} se_flm_host;

/* "pyocd", "probe-rs", "keil"; parse returns false for another name. */
const char *se_flm_host_name(se_flm_host h);
bool se_flm_host_parse(const char *name, se_flm_host *out);

typedef struct se_host_opts {
    se_place place;            /* where the image goes (default: the profile's base) */
    bool strict;               /* over-limit image is an error */
    uint32_t chunk;            /* Write/Read/Verify chunk size; 0 = all free RAM */
    uint32_t buffer;           /* data buffer address; 0 = after the stack */
    uint32_t sp;               /* stack pointer override; 0 = the host's rule unless sp_set */
    bool sp_set;               /* sp is given, even 0 (the field case "MSP is set to zero") */
    uint64_t max_instructions; /* per call; 0 = none */
    double max_seconds;        /* per call wall-clock limit; 0 = none */
    se_flm_host flm_host;      /* FLM only: whose calling conventions */
} se_host_opts;

void se_host_opts_default(se_host_opts *o);

/* One loader call as the run log shows it. */
typedef struct se_call_record {
    const char *op;       /* the host operation: "erase", "write", ... */
    const char *function; /* "Init", "SectorErase", ... */
    unsigned nargs;
    uint32_t args[4];
    bool ok;        /* the call returned and reported success */
    bool returns64; /* Verify: result is r1:r0 */
    se_call_result res;
    char note[768]; /* how the result was judged, when it failed */
} se_call_record;

typedef void (*se_host_call_fn)(void *ctx, const se_call_record *rec);

typedef struct se_host se_host;

se_err se_host_new(const se_stldr *l, se_machine *m, const se_host_opts *o, se_host **out,
                   se_error *err);
void se_host_free(se_host *h);
void se_host_set_logger(se_host *h, se_host_call_fn fn, void *ctx);
/* After each chunk of a write, read, read-back or Verify call: the operation ("write",
 * "read", "verify" for the read-back, "Verify" for the loader's Verify calls), bytes done
 * and the operation's total (progress lines). */
typedef void (*se_host_progress_fn)(void *ctx, const char *op, uint64_t done, uint64_t total);
void se_host_set_progress(se_host *h, se_host_progress_fn fn, void *ctx);
/* The per-call limits from the next call on (stldr-emu gdb's `monitor budget`). */
void se_host_set_limits(se_host *h, uint64_t max_instructions, double max_seconds);
/* The per-call limits in force. */
void se_host_limits(const se_host *h, uint64_t *max_instructions, double *max_seconds);

const se_image *se_host_image(const se_host *h);
/* The SP the host sets (its rule or --sp), as the core holds it: bits [1:0] clear. */
uint32_t se_host_sp(const se_host *h);
/* The host's rule: BKPT address + image size + stack gap, bits [1:0] clear (MSP RES0). */
uint32_t se_host_rule_sp(uint32_t bkpt_addr, const se_image *img, uint32_t stack_gap);
uint32_t se_host_buffer(const se_host *h);
uint32_t se_host_chunk(const se_host *h);
/* Totals over all calls so far. */
uint64_t se_host_instructions(const se_host *h);
uint64_t se_host_vtime_ns(const se_host *h);
unsigned se_host_calls(const se_host *h);

/* Device addresses may be absolute (StorageInfo start + offset) or offsets: a value below
 * the device start is taken as an offset. Returns false if [addr, addr+len) is not inside
 * the device. */
bool se_host_device_range(const se_host *h, uint32_t addr, uint32_t len, uint32_t *abs);

/* Each operation downloads the image and the BKPT word, calls Init, then its calls. */
se_err se_host_init_only(se_host *h, se_error *err);
/* Erase the sectors touched by [addr, addr+len): SectorErase(first sector start, last sector
 * start). */
se_err se_host_erase(se_host *h, uint32_t addr, uint32_t len, se_error *err);
se_err se_host_mass_erase(se_host *h, se_error *err);
se_err se_host_write(se_host *h, uint32_t addr, const uint8_t *data, uint32_t len, se_error *err);
se_err se_host_read(se_host *h, uint32_t addr, uint8_t *out, uint32_t len, se_error *err);
/* One operation of one call exactly as given (--replay of reproducers written before
 * cases were one operation): download + Init, then the entry point with args (no range checks: out-of-device arguments reach the loader). When
 * data is given it is written to the host buffer first (pass se_host_buffer() in the
 * args). Returns SE_OK when the call returned to the breakpoint, whatever R0 says (rec->res
 * has it); an error for faults, hangs, a failing Init, a missing entry point. */
se_err se_host_raw(se_host *h, const char *op, se_entry_id id, unsigned nargs,
                   const uint32_t args[4], const uint8_t *data, uint32_t len, se_call_record *rec,
                   se_error *err);
/* The same call as the next one of the operation in progress (docs/protocol.md 2.1: an
 * operation is download + Init, then one or more calls with no Init between them): no
 * download, no Init. Start the operation with se_host_init_only, or restore a snapshot
 * taken after it. */
se_err se_host_call_raw(se_host *h, const char *op, se_entry_id id, unsigned nargs,
                        const uint32_t args[4], const uint8_t *data, uint32_t len,
                        se_call_record *rec, se_error *err);

/* Read back and compare; also calls Verify and CheckSum when the loader exports them. */
se_err se_host_verify(se_host *h, uint32_t addr, const uint8_t *data, uint32_t len, se_error *err);

#endif
