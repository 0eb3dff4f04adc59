/* A CMSIS-Pack flash algorithm (.FLM) of our own for the STM32L562E-DK's MX25LM51245G: the
 * reference driver of ref/mx25_l562.c behind the FLM functions (docs/flm.md).
 *
 * FLM_PIC (the default build): position-independent as armlink's ROPI/RWPI algorithms are.
 * GCC has no RWPI mode (its -msingle-pic-base loads data addresses from a GOT the hosts never
 * relocate), so the code is built -fPIE with hidden visibility (code and read-only data are
 * reached PC-relatively) and -ffixed-r9, and all read-write state is one struct reached
 * through R9, the static base the host sets to where PrgData lands. Without FLM_PIC the same
 * state is an ordinary global and the algorithm is linked at an absolute address.
 *
 * FLM_BUG_*: one planted mistake each, for the host's diagnoses. */
#pragma GCC visibility push(hidden)

#include <stdint.h>

/* The reference driver's own entry points get other names; the FLM ones are below. */
#define Init ref_Init
#define DeInit ref_DeInit
#define Write ref_Write
#define Read ref_Read
#define SectorErase ref_SectorErase
#define MassErase ref_MassErase
#define CheckSum ref_CheckSum
#define Verify ref_Verify
#include "ref/mx25_l562.c"
#undef Init
#undef DeInit
#undef Write
#undef Read
#undef SectorErase
#undef MassErase
#undef CheckSum
#undef Verify

#pragma GCC visibility pop

/* FlashOS.h */
struct FlashSectors {
    unsigned long szSector;
    unsigned long AddrSector;
};

struct FlashDevice {
    unsigned short Vers;
    char DevName[128];
    unsigned short DevType;
    unsigned long DevAdr;
    unsigned long szDev;
    unsigned long szPage;
    unsigned long Res;
    unsigned char valEmpty;
    unsigned long toProg;
    unsigned long toErase;
    struct FlashSectors sectors[2];
};
_Static_assert(__builtin_offsetof(struct FlashDevice, sectors) == 160, "FlashDevice layout");

#define FLM_MAGIC 0x464C4D21u /* "FLM!" */

struct flm_state {
    uint32_t magic; /* initialised data: proves PrgData was downloaded where R9 points */
    uint32_t fnc;   /* the phase Init opened, 0 when none */
    uint32_t inits;
};

#ifdef FLM_PIC
register struct flm_state *S __asm__("r9");
#define STATE S
#else
__attribute__((section(".data.flm_state"))) static struct flm_state flm_state = {FLM_MAGIC, 0, 0};
#define STATE (&flm_state)
#endif

#ifndef FLM_PIC
/* An allocated section outside PrgCode/PrgData/DevDscr (flm.ld.in). */
__attribute__((section(".algo_info"), used)) static const char algo_info[] = "stldr-emu test FLM";
#endif

#ifdef FLM_PIC
/* Placed in PrgData by the linker script; the code never names it, it reaches it through R9. */
__attribute__((section(".data.flm_state"), used)) static const struct flm_state flm_state_init = {
    FLM_MAGIC, 0, 0};
#endif

__attribute__((section("DevDscr"), used)) const struct FlashDevice FlashDevice = {
    .Vers = 0x0101u,
#ifdef FLM_L552_EVAL_NAME /* an L552 board's name: --target auto must go by the chip */
    .DevName = "STM32L552E-EVAL MX25LM51245G STLDR-EMU-FLM",
#else
    .DevName = "MX25LM51245G_STM32L562E-DK_STLDR-EMU-FLM",
#endif
    .DevType = 5u, /* EXTSPI */
    .DevAdr = 0x90000000u,
    .szDev = 0x04000000u,
    .szPage = 0x100u,
    .Res = 0u,
    .valEmpty = 0xFFu,
    .toProg = 100u,
    .toErase = 6000u,
    .sectors = {{0x10000u, 0x0u}, {0xFFFFFFFFu, 0xFFFFFFFFu}},
};

int Init(unsigned long adr, unsigned long clk, unsigned long fnc)
{
    (void)adr;
    (void)clk;
    if (STATE->magic != FLM_MAGIC)
        return 2; /* R9 does not point at PrgData */
    STATE->fnc = fnc;
    STATE->inits++;
    return ref_Init() == 1 ? 0 : 1;
}

#ifdef FLM_BUG_SP_LEAK
/* Returns 0 with SP 16 bytes lower than at entry. */
__attribute__((naked)) int UnInit(unsigned long fnc)
{
    (void)fnc;
    __asm__ volatile("sub sp, sp, #16\n\tmovs r0, #0\n\tbx lr");
}
#else
int UnInit(unsigned long fnc)
{
    if (STATE->fnc != fnc)
        return 1;
    STATE->fnc = 0;
    (void)ref_DeInit();
#ifdef FLM_BUG_R9_CLOBBER
    __asm__ volatile("movs r0, #0\n\tmov r9, r0" ::: "r0");
#endif
    return 0;
}
#endif

int EraseSector(unsigned long adr)
{
#ifdef FLM_BUG_FAULT
    if (*(volatile uint32_t *)0x60000000u == 0u) /* unmapped FMC bank: BusFault */
        return 1;
#endif
    return ref_SectorErase(adr, adr) == 1 ? 0 : 1;
}

int EraseChip(void) { return ref_MassErase(0) == 1 ? 0 : 1; }

int ProgramPage(unsigned long adr, unsigned long sz, unsigned char *buf)
{
#ifdef FLM_BUG_HANG
    for (volatile uint32_t n = 0;; n++) /* never returns: toProg must end it */
        ;
#endif
#ifdef FLM_BUG_RETURN
    if (adr & 0x100u) /* every second page: reports a failure */
        return 1;
#endif
    return ref_Write(adr, sz, buf) == 1 ? 0 : 1;
}

/* adr + sz when [adr, adr + sz) holds buf, else the address of the first differing byte. */
unsigned long Verify(unsigned long adr, unsigned long sz, unsigned char *buf)
{
    uint32_t off;
    if (!dev_range(adr, sz, &off) || !mm_ensure())
        return adr;
    const volatile uint8_t *m = mapped(off);
    for (uint32_t i = 0; i < sz; i++) {
#ifdef FLM_BUG_VERIFY
        if (i == 5u)
            return adr + i; /* claims a mismatch that is not there */
#endif
        if (m[i] != buf[i])
            return adr + i;
    }
    return adr + sz;
}

/* 0 when every byte of [adr, adr + sz) is pat, 1 otherwise. */
int BlankCheck(unsigned long adr, unsigned long sz, unsigned char pat)
{
    uint32_t off;
    if (!dev_range(adr, sz, &off) || !mm_ensure())
        return 1;
    const volatile uint8_t *m = mapped(off);
    for (uint32_t i = 0; i < sz; i++)
        if (m[i] != pat)
            return 1;
    return 0;
}

#ifdef FLM_READFLASH
/* probe-rs's addition to the CMSIS set. */
int ReadFlash(unsigned long adr, unsigned long sz, unsigned char *buf)
{
    return ref_Read(adr, sz, buf) == 1 ? 0 : 1;
}
#endif
