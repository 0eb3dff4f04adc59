/* Macronix MX25LM51245G, 512 Mbit octal NOR (docs/hardware.md A): SPI / SOPI / DOPI frames,
 * WEL gating, AND programming with page wrap, 4K/64K/chip erase with WIP held for the
 * typical time in virtual time, SR/CR/CR2/security registers, RSTEN+RST, suspend, deep
 * power-down. Not modelled: secured OTP contents, advanced sector protection, lock and
 * password registers, fast boot, burst wrap, persistence of the non-volatile registers. */
#ifndef SE_MX25LM51245G_H
#define SE_MX25LM51245G_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/flash_image.h"
#include "peripherals/flashbus.h"
#include "peripherals/periph.h"

#define SE_MX25_SIZE 0x04000000u /* 64 MiB; the image must be this size */
#define SE_MX25_PAGE 256u

/* SR bits (docs/hardware.md A.4) */
#define SE_MX25_SR_WIP 0x01u
#define SE_MX25_SR_WEL 0x02u
#define SE_MX25_SR_BP_MASK 0x3Cu
/* Security register bits */
#define SE_MX25_SECR_SOI 0x01u
#define SE_MX25_SECR_LDSO 0x02u
#define SE_MX25_SECR_PSB 0x04u
#define SE_MX25_SECR_ESB 0x08u
#define SE_MX25_SECR_P_FAIL 0x20u
#define SE_MX25_SECR_E_FAIL 0x40u
#define SE_MX25_SECR_WPSEL 0x80u
/* CR2 addresses */
#define SE_MX25_CR2_MODE 0x00000000u
#define SE_MX25_CR2_DQS 0x00000200u
#define SE_MX25_CR2_DC 0x00000300u
#define SE_MX25_CR2_PPTSEL 0x00000500u
#define SE_MX25_CR2_DEFMODE 0x40000000u
#define SE_MX25_CR2_SOPI 0x01u
#define SE_MX25_CR2_DOPI 0x02u

typedef enum se_mx25_mode { SE_MX25_SPI, SE_MX25_SOPI, SE_MX25_DOPI } se_mx25_mode;

/* The operation that holds WIP=1 (or that is suspended). */
typedef enum se_mx25_op {
    SE_MX25_OP_NONE,
    SE_MX25_OP_PROGRAM,
    SE_MX25_OP_ERASE_4K,
    SE_MX25_OP_ERASE_64K,
    SE_MX25_OP_ERASE_CHIP,
    SE_MX25_OP_WRITE_REG,
} se_mx25_op;

/* Every warning is counted here and logged (SE_LOG_WARN) through the host. */
typedef struct se_mx25_counters {
    uint64_t frames;           /* transfer() calls */
    uint64_t warnings;         /* the sum of the kinds below */
    uint64_t unerased_program; /* program frames that tried to turn a 0 bit into 1 ... */
    uint64_t unerased_bytes;   /* ... and the bytes concerned */
    uint64_t no_wel;           /* program, erase or register write with WEL=0: ignored */
    uint64_t read_while_busy;  /* array read while WIP=1: answered 0xFF */
    uint64_t cmd_while_busy;   /* any other command while WIP=1 (or suspended): ignored */
    uint64_t unknown_command;  /* opcode not known in the current mode: ignored */
    uint64_t wrong_mode;       /* frame shaped for another mode: ignored */
    uint64_t bad_complement;   /* OPI second opcode byte is not ~first: ignored */
    uint64_t wrong_dummy;      /* dummy cycles differ from what the command needs */
    uint64_t bad_frame;        /* address/data phases do not fit the command: ignored */
    uint64_t no_dqs;           /* DOPI read without DQS */
    uint64_t dtr_odd;          /* DOPI program/read at an odd address */
    uint64_t protected_area;   /* program/erase into a BP-protected area: ignored */
    uint64_t bad_sequence;     /* RST without RSTEN, resume with nothing suspended, ... */
    uint64_t reset_while_busy; /* RST while an operation was running */
    uint64_t deep_power_down;  /* command sent while in deep power-down: ignored */
    uint64_t not_modelled;     /* recognised command whose effect is not modelled */
} se_mx25_counters;

typedef struct se_mx25 {
    /* Configuration, kept across reset. */
    const se_periph_host *host;
    se_flash_image *img;
    bool log_commands;       /* one SE_LOG_INFO line per frame */
    const uint8_t *id;       /* the part's RDID bytes (its row in the parts table) */
    unsigned warn_log_limit; /* log at most this many warnings of each kind (0 = all) */

    se_mx25_mode mode;
    uint8_t sr;          /* WIP and WEL as of the last frame (see se_mx25_busy_until) */
    uint8_t cr;          /* CR1: ODS[2:0], TB, PBE */
    uint8_t cr2_mode;    /* CR2 @0x0: SOPI, DOPI */
    uint8_t cr2_dqs;     /* CR2 @0x200: DQSPRC, DOS */
    uint8_t cr2_dc;      /* CR2 @0x300: DC[2:0] */
    uint8_t cr2_pptsel;  /* CR2 @0x500 */
    uint8_t cr2_defmode; /* CR2 @0x4000_0000: DEFSOPI, DEFDOPI */
    uint8_t secr;        /* security register */
    bool rsten;          /* the previous frame was RSTEN */
    bool deep_power_down;
    bool secured_otp;   /* between ENSO and EXSO */
    se_mx25_op busy_op; /* WIP=1 until busy_until_ns */
    uint64_t busy_until_ns;
    uint32_t busy_addr, busy_len; /* range of busy_op (for messages) */
    se_mx25_op suspended_op;
    uint64_t suspended_left_ns;
    /* Mode history, for the reason of a failure (issue 14 item 5): when the current mode was
     * entered and by what (0 / NULL: power-on), and the frames shaped for another mode since. */
    uint64_t mode_ns;
    const char *mode_by;
    uint64_t foreign_n;  /* frames since mode_ns shaped for another mode (resets excluded) */
    uint64_t foreign_ns; /* the first of them */
    uint32_t foreign_op; /* its opcode */
    int foreign_shape;   /* its mode */
    /* The last array read with the wrong dummy cycles (issue 14 item 9). */
    uint64_t dummy_ns; /* when (0: none yet) */
    const char *dummy_cmd;
    uint8_t dummy_mode, dummy_got, dummy_need;
    long dummy_shift_bits;     /* (got - need) * bits per cycle */
    se_mx25_counters counters; /* not cleared by reset */
} se_mx25;

/* img must be SE_MX25_SIZE bytes (NULL otherwise, or out of memory). host may be NULL.
 * The chip starts at power-on reset. Neither is owned. */
se_mx25 *se_mx25_new(const se_periph_host *host, se_flash_image *img);
void se_mx25_free(se_mx25 *s);
/* Power-on reset: SPI mode, SR=0, CR=0x07, CR2 all 0 (DC=0: 20 cycles), nothing running. */
void se_mx25_reset(se_mx25 *s);
/* One chip-select frame at virtual time now_ns (the se_flash_chip_ops entry point). */
void se_mx25_transfer(se_mx25 *s, se_flash_frame *f, uint64_t now_ns);
/* A read frame shaped like f returns the array at its address, unchanged and without a
 * warning, at now_ns (the se_flash_chip_ops.reads_array entry point): a 4-byte-address
 * read command of the current mode with the dummy cycles it needs (and DQS in DOPI), while
 * nothing runs, nothing is suspended, no RSTEN waits and neither deep power-down nor the
 * secured OTP is on. Ends a finished operation first, as a frame would. */
bool se_mx25_reads_array(se_mx25 *s, const se_flash_frame *f, uint64_t now_ns);
/* When the running program/erase/register write ends (WIP 1 -> 0), or 0 if none runs.
 * A value <= now means it has ended; the next frame will see WIP=0. */
uint64_t se_mx25_busy_until(const se_mx25 *s);
/* Frames at or after since_ns were ignored because the chip is still in a mode entered
 * before since_ns (an earlier call left it in octal mode, say): true, with "DOPI mode,
 * entered by ..." in mode and the frames ignored in frames (len bytes each). *entered_ns: when the current mode was entered (0: power-on), always. */
bool se_mx25_mode_cause(const se_mx25 *s, uint64_t since_ns, char *mode, char *frames, size_t len,
                        uint64_t *entered_ns);
/* An array read at or after since_ns had the wrong dummy cycles: true, with what it used,
 * what the chip expects and how the data moved in buf ("uses 4 dummy cycles (8DTRD in
 * DOPI), the chip expects 6: data shifted by 4 bytes (...)"). */
bool se_mx25_read_cause(const se_mx25 *s, uint64_t since_ns, char *buf, size_t len);
/* Dummy cycles 8READ/8DTRD need for the current CR2 DC. */
unsigned se_mx25_read_dummy_cycles(const se_mx25 *s);

/* .transfer = se_mx25_transfer, .busy_until = se_mx25_busy_until, .reads_array =
 * se_mx25_reads_array; .chip = an se_mx25 * */
extern const se_flash_chip_ops se_mx25_ops;
/* The part for boards: se_mx25_new/free, the counters as se_flash_stat kinds. */
extern const se_flash_chip_class se_mx25lm51245g_class;

/* The 1.8 V sibling on the STM32U5A9J-DK (ID C2 80 3A; assumed to have the same commands,
 * geometry and registers [uncertain: datasheet not read]): the same model, another row. */
extern const se_flash_chip_class se_mx25um51245g_class;

#endif
