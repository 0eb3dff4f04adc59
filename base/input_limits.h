/* Every bound on what stldr-emu reads from a file, in one place (docs/cli.md "Limits on
 * input files"). A file is checked with fstat before a byte is read: not a regular file (a
 * FIFO would wait for a writer, /dev/zero never ends) is refused, exit 3; over its limit,
 * exit 2. */
#ifndef SE_INPUT_LIMITS_H
#define SE_INPUT_LIMITS_H

/* A .stldr: real loaders are a few KiB to a few hundred KiB, a few MiB with DWARF. */
#define SE_LIMIT_LOADER_BYTES (64u * 1024u * 1024u)
/* A profile file (--profile): at most 64 keys of at most 510 characters, and comments. */
#define SE_LIMIT_PROFILE_BYTES (64u * 1024u)
/* A fuzz reproducer (run --replay): a comment header and at most 6 calls. */
#define SE_LIMIT_REPLAY_BYTES (64u * 1024u)
/* fuzz --from-input: a coverage-guided input (libFuzzer's -max_len is far shorter). */
#define SE_LIMIT_FUZZ_INPUT_BYTES (1024u * 1024u)
/* A data file given to --write or -d as Intel HEX, S-record or ELF (base/datafile.h): text
 * takes 2.75 characters a byte at 16 bytes a record (13 at one), so a 64 MiB device image
 * needs about 180 MiB of HEX. The data it holds is bounded by the device, its discontiguous
 * runs by SE_DF_MAX_RUNS; a raw binary by the device alone. */
#define SE_LIMIT_DATAFILE_BYTES (256u * 1024u * 1024u)
/* Sized by the target rather than here: --write FILE at most the device (StorageInfo size),
 * --internal-flash at most the internal flash (512 KiB on the L562), --flash-image at most
 * the external flash (64 MiB, the MX25LM51245G). */

#endif
