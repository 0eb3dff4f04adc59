#include "base/error.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int exit_code;
} err_table[SE_ERR__COUNT] = {
    [SE_OK] = {"ok", 0},
    [SE_ERR_USAGE] = {"usage", 2},
    [SE_ERR_IO] = {"io", 3},
    [SE_ERR_NOMEM] = {"no-memory", 4},
    [SE_ERR_NOT_ELF] = {"not-elf", 10},
    [SE_ERR_NOT_ARM] = {"not-arm", 11},
    [SE_ERR_ELF64] = {"elf64", 12},
    [SE_ERR_BIG_ENDIAN] = {"big-endian", 13},
    [SE_ERR_TRUNCATED] = {"truncated", 14},
    [SE_ERR_OVERLAP] = {"overlap", 15},
    [SE_ERR_NO_STORAGEINFO] = {"no-storageinfo", 16},
    [SE_ERR_BAD_STORAGEINFO] = {"bad-storageinfo", 17},
    [SE_ERR_NO_ENTRY] = {"no-entry", 18},
    [SE_ERR_COVERS_BKPT] = {"covers-breakpoint", 19},
    [SE_ERR_OUTSIDE_RAM] = {"outside-ram", 20},
    [SE_ERR_TOO_LARGE] = {"too-large", 21},
    [SE_ERR_NO_SEGMENT] = {"no-segment", 22},
    [SE_ERR_DATA] = {"bad-data-file", 23},
    [SE_ERR_CALL_FAILED] = {"call-failed", 30},
    [SE_ERR_VERIFY] = {"verify-mismatch", 31},
    [SE_ERR_FAULT] = {"fault", 32},
    [SE_ERR_LOCKUP] = {"lockup", 33},
    [SE_ERR_HANG] = {"hang", 34},
    [SE_ERR_BKPT_CLOBBERED] = {"breakpoint-clobbered", 35},
    [SE_ERR_EMU] = {"emulator", 40},
    [SE_ERR_STRICT] = {"strict", 41},
    [SE_ERR_STOPPED] = {"stopped", 42},
};

const char *se_err_name(se_err code)
{
    if ((unsigned)code >= SE_ERR__COUNT)
        return "unknown";
    return err_table[code].name;
}

int se_err_exit_code(se_err code)
{
    if ((unsigned)code >= SE_ERR__COUNT)
        return 1;
    return err_table[code].exit_code;
}

se_err se_error_set(se_error *e, se_err code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->code = code;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void se_error_clear(se_error *e)
{
    if (e) {
        e->code = SE_OK;
        e->msg[0] = '\0';
    }
}
