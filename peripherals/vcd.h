/* The serial-flash bus as a waveform: each se_flash_frame becomes the signal changes of
 * NCS, CLK, IO0..IO7 and DQS in a Value Change Dump (IEEE 1364 VCD), in virtual time, for
 * GTKWave, PulseView or sigrok-cli.
 *
 * Conventions (timescale 1 ps, so a half clock period at any bus frequency is exact to
 * 0.5 ps):
 * - Clock mode 0: CLK idles low. One clock cycle = low half, then high half. A frame
 *   starts with NCS falling half a period before the first rising edge and ends with NCS
 *   rising half a period after the last falling edge. Lines nobody drives are 'z'.
 * - Every phase starts on a cycle boundary, in frame order: instruction, address,
 *   alternate bytes, dummy cycles (IOs 'z'), data. Bytes go out MSB first. With n lines,
 *   one transfer carries n bits: IO(n-1) the most significant, IO0 the least (1 line: IO0
 *   alone, the SPI MOSI; 8 lines: IO7..IO0 = bit 7..0 of the byte).
 * - STR: a transfer per clock; the line changes at the falling edge before the rising
 *   edge that samples it (the first at NCS falling).
 * - DTR: two transfers per clock, sampled at the rising and at the falling edge; the lines
 *   change a quarter period before each edge (centred in the data eye). An odd number of
 *   transfers leaves the last half cycle with the lines released.
 * - Read data is driven by the chip: a 1-line read comes back on IO1 (the SPI MISO),
 *   2/4/8-line reads on IO0..IO(n-1). Writes drive the same lines from the controller.
 * - DQS is 'z' except in a read frame with DQS enabled, where the chip drives it low from
 *   the first dummy cycle (or the data phase) and toggles it with CLK during the data
 *   phase, so each DQS edge sits in the middle of a data eye.
 * - Frames are placed at their virtual start time. The models are instant, so when a frame
 *   would start before the previous one ended plus the chip-select high time, it is moved
 *   to that point; the waveform stays in order but may run ahead of virtual time.
 * - Bytes of a data phase are put on the wire in buffer (address) order; OCTOSPI's MTYP
 *   byte swapping in octal DTR is not shown (the controller model does not do it either). */
#ifndef SE_VCD_H
#define SE_VCD_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "peripherals/flashbus.h"

/* Frames recorded when nothing else is said; later frames are dropped. */
#define SE_VCD_DEFAULT_LIMIT 100000u

typedef struct se_vcd se_vcd;

/* Create (truncate) path and write the header. NULL on failure, with err filled. */
se_vcd *se_vcd_open(const char *path, se_error *err);
/* The same for the bus of controller ("QUADSPI", "SPI1"): the header's comment names it and
 * its scope is the name in lower case (se_vcd_open: "OCTOSPI1"). */
se_vcd *se_vcd_open_for(const char *path, const char *controller, se_error *err);

/* Frames to record before dropping the rest: UINT64_MAX = all (default
 * SE_VCD_DEFAULT_LIMIT). */
void se_vcd_set_limit(se_vcd *v, uint64_t max_frames);
/* Least NCS high time before the next frame, in clock cycles of the frame just recorded:
 * DCR1.CSHT + 1 (default 1). */
void se_vcd_set_cs_high(se_vcd *v, unsigned cycles);

/* Record one frame (after the chip answered it: a read's buf holds the data) starting no
 * earlier than start_ns, the bus clocked at bus_hz (0 is taken as 1 Hz). Dropped once the
 * limit is reached. A write error is kept for se_vcd_close. */
void se_vcd_frame(se_vcd *v, const se_flash_frame *f, uint64_t start_ns, uint32_t bus_hz);

/* Frames recorded so far, and whether the limit has been reached. */
uint64_t se_vcd_frames(const se_vcd *v);
bool se_vcd_full(const se_vcd *v);
/* Picoseconds at which the last recorded frame released NCS (0 before any frame). */
uint64_t se_vcd_end_ps(const se_vcd *v);

/* Finish the file, close it and free v (NULL is fine). Reports the first write error. */
se_err se_vcd_close(se_vcd *v, se_error *err);

#endif
