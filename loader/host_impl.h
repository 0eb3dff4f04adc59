/* Private to loader/host.c and loader/flmhost.c: the host object and the helpers both
 * protocols share. Not a public header. */
#ifndef SE_HOST_IMPL_H
#define SE_HOST_IMPL_H

#include "loader/dwarf.h"
#include "loader/flm.h"
#include "loader/host.h"

struct se_host {
    const se_stldr *l;
    se_machine *m;
    se_host_opts o;
    se_image img;
    uint32_t sp, buffer, chunk;
    uint32_t vcap; /* bytes of one Verify call's words: whole words, <= chunk
                                  * (one word when the chunk is smaller) */
    se_host_call_fn log;
    void *log_ctx;
    se_host_progress_fn progress;
    void *progress_ctx;
    uint64_t instructions, vtime_ns;
    unsigned calls;
    const char *op;
    uint8_t *scratch;
    se_dwarf *dwarf; /* --trace / --last: opened at the first lookup */
    bool dwarf_tried;
    /* TrustZone: the session's first refusal that did not fault (a GTZC read as zero or
     * write ignored, from a call that returned), named when the host later judges a call
     * or the data failed */
    char refusal[900];
    /* CMSIS flash algorithm (loader/flmhost.c); NULL for a .stldr */
    const se_flm_info *flm;
    uint32_t header;      /* the breakpoint word's address: 4 bytes below the code */
    uint32_t static_base; /* R9 */
    uint32_t stack_lo;    /* lowest byte of the stack area */
    bool check_failed;    /* the last call failed a post-call check (not its return value) */
    bool mm_unreadable;   /* a memory-mapped read of the device failed */
    /* The flash part's mode history (issue 14 item 5): when it entered its current mode and
     * during which call ("erase Init (call 1)"). */
    uint64_t mode_ns;
    char mode_call[96];
};

/* host.c helpers flmhost.c uses */
se_err se_host__with_refusal(const se_host *h, se_error *err, se_err e);
void se_host__progress(const se_host *h, const char *op, uint32_t done, uint32_t total);
se_err se_host__out_of_device(const se_host *h, se_error *err, uint32_t addr, uint32_t len);
se_err se_host__refuse_read_only(const se_host *h, const char *what, se_error *err);
uint32_t se_host__sector_start(const se_storage_info *si, uint32_t off);

/* flmhost.c: the FLM protocol behind the public se_host_* functions (docs/flm.md). */
se_err se_flmhost_setup(se_host *h, se_error *err);
se_err se_flmhost_init_only(se_host *h, se_error *err);
se_err se_flmhost_erase(se_host *h, uint32_t abs, uint32_t len, se_error *err);
se_err se_flmhost_mass_erase(se_host *h, se_error *err);
se_err se_flmhost_write(se_host *h, uint32_t abs, const uint8_t *data, uint32_t len, se_error *err);
se_err se_flmhost_read(se_host *h, uint32_t abs, uint8_t *out, uint32_t len, const uint8_t *expect,
                       se_error *err);
se_err se_flmhost_verify(se_host *h, uint32_t abs, const uint8_t *data, uint32_t len,
                         se_error *err);
se_err se_flmhost_raw(se_host *h, bool with_init, const char *op, se_entry_id id, unsigned nargs,
                      const uint32_t args[4], const uint8_t *data, uint32_t len,
                      se_call_record *rec, se_error *err);

#endif
