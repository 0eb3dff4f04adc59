/* Shared fixtures for the integration tests: paths of the firmware built by
 * tests/firmware, a whole host session on a profile, and running the stldr-emu tool. */
#ifndef SE_TEST_HARNESS_H
#define SE_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/machine.h"
#include "loader/host.h"
#include "loader/stldr.h"

#define TH_MAX_CALLS 64

typedef struct th_session {
    se_stldr *l;
    se_machine *m;
    se_host *h;
    se_error err;
    unsigned ncalls;
    se_call_record calls[TH_MAX_CALLS];
    unsigned nlogs;
    char logs[16][512];
} th_session;

/* "<build>/tests/firmware/<name>.stldr" (static buffer). */
const char *th_firmware(const char *name);
/* Open the loader and build a machine + host on stm32l562e-dk with TrustZone tz. Asserts
 * success. mo/ho may be NULL for defaults. */
void th_open(th_session *s, const char *name, bool tz, const se_machine_opts *mo,
             const se_host_opts *ho);
/* The same on a given profile (TrustZone variants: se_profile_find_tz). */
void th_open_profile(th_session *s, const char *name, const se_profile *prof,
                     const se_machine_opts *mo, const se_host_opts *ho);
void th_close(th_session *s);
/* The last recorded call to `function`, or NULL. */
const se_call_record *th_last_call(const th_session *s, const char *function);

/* Run the stldr-emu binary with args (a shell fragment); stdout+stderr into *out
 * (malloc'ed). Returns the exit status. */
int th_run_tool(const char *args, char **out);

/* A temporary directory for a test group (cmocka group setup/teardown), removed after. */
int th_tmpdir_setup(void **state);
int th_tmpdir_teardown(void **state);
const char *th_tmpdir(void);
/* th_run_tool with printf-style arguments. */
int th_run_toolf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
