/* stldr-emu error codes: one enum for every module, one table of names and exit codes.
 * Each fallible call fills an se_error with the code and a one-line message that names
 * what was refused, the value and where. */
#ifndef SE_ERROR_H
#define SE_ERROR_H

#include <stdarg.h>

typedef enum se_err {
    SE_OK = 0,
    SE_ERR_USAGE, /* bad command line or API argument */
    SE_ERR_IO,    /* file could not be read or written */
    SE_ERR_NOMEM,
    /* refusals of the .stldr file */
    SE_ERR_NOT_ELF,
    SE_ERR_NOT_ARM,
    SE_ERR_ELF64,
    SE_ERR_BIG_ENDIAN,
    SE_ERR_TRUNCATED,
    SE_ERR_OVERLAP,
    SE_ERR_NO_STORAGEINFO,
    SE_ERR_BAD_STORAGEINFO,
    SE_ERR_NO_ENTRY,
    SE_ERR_COVERS_BKPT,
    SE_ERR_OUTSIDE_RAM,
    SE_ERR_TOO_LARGE,
    SE_ERR_NO_SEGMENT, /* no loadable segment with file bytes: nothing to download */
    /* refusals of a data file (--write, -d: base/datafile.h) */
    SE_ERR_DATA, /* bad HEX/S-record/ELF, data outside the device, format mismatch */
    /* outcomes of running the loader */
    SE_ERR_CALL_FAILED,    /* the loader returned its failure value */
    SE_ERR_VERIFY,         /* read-back or Verify found different bytes */
    SE_ERR_FAULT,          /* a fault the loader did not recover from */
    SE_ERR_LOCKUP,         /* the core locked up (fault during HardFault, bad vector) */
    SE_ERR_HANG,           /* instruction budget or wall-clock limit reached */
    SE_ERR_BKPT_CLOBBERED, /* the host's breakpoint word was overwritten */
    SE_ERR_EMU,            /* the emulator itself failed (Unicorn error) */
    SE_ERR_STRICT,         /* a warning promoted to an error by --strict */
    SE_ERR_STOPPED,        /* a debugger stopped the call (se_machine_stop_calls) */
    SE_ERR__COUNT
} se_err;

typedef struct se_error {
    se_err code;
    char msg[768];
} se_error;

/* Short stable name, e.g. "not-elf". */
const char *se_err_name(se_err code);
/* Process exit status for a code: 0 for SE_OK, distinct non-zero values otherwise. */
int se_err_exit_code(se_err code);

/* Fill e (if not NULL) and return code. */
se_err se_error_set(se_error *e, se_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void se_error_clear(se_error *e);

#endif
