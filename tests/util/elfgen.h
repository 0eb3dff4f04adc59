/* elfgen: a tiny in-memory ELF32 little-endian writer for tests.
 *
 * Describe sections (name, type, flags, address, bytes), program headers (as a run of
 * those sections, or raw numbers) and symbols; elfgen_build() lays the file out as
 *
 *   ELF header | program headers | section data ... | .symtab | .strtab | .shstrtab |
 *   section header table
 *
 * and records where everything went, so that tests can then corrupt any byte.
 *
 * Section header indices: 0 is the null section, user section i is index i + 1, then
 * .symtab, .strtab and .shstrtab. Symbol table indices: 0 is the null symbol, user symbol
 * i is index i + 1 (in the order given). */
#ifndef ELFGEN_H
#define ELFGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* elfgen_symbol.section values other than a user section index. */
#define ELFGEN_SEC_UNDEF (-1) /* SHN_UNDEF */
#define ELFGEN_SEC_ABS (-2)   /* SHN_ABS */
#define ELFGEN_SEC_RAW (-3)   /* use elfgen_symbol.raw_shndx */

typedef struct elfgen_section {
    const char *name;
    uint32_t type;  /* SHT_PROGBITS, SHT_NOBITS, ... */
    uint32_t flags; /* SHF_ALLOC | SHF_EXECINSTR ... */
    uint32_t addr;
    const void *data; /* size bytes; NULL = zeros (ignored for SHT_NOBITS) */
    uint32_t size;
    uint32_t align; /* file and sh_addralign; 0 = 4 */
} elfgen_section;

typedef struct elfgen_segment {
    uint32_t type;  /* PT_LOAD, ... */
    uint32_t flags; /* PF_R | PF_W | PF_X */
    uint32_t vaddr;
    uint32_t paddr; /* 0 = same as vaddr */
    /* File range: when nsections > 0, the file bytes of user sections
     * [first_section, first_section + nsections) (offset of the first, filesz up to the end
     * of the last one with file bytes) and memsz from vaddr to the end of the last one's
     * addr + size unless memsz is given. When nsections == 0, offset/filesz/memsz are used
     * as given. */
    int first_section;
    int nsections;
    uint32_t offset;
    uint32_t filesz;
    uint32_t memsz; /* 0 = computed (see above) */
    uint32_t align; /* 0 = 4 */
} elfgen_segment;

typedef struct elfgen_symbol {
    const char *name;
    uint32_t value;
    uint32_t size;
    uint8_t type; /* STT_FUNC, STT_OBJECT, ... */
    uint8_t bind; /* STB_LOCAL, STB_GLOBAL, ... */
    int section;  /* user section index, or ELFGEN_SEC_* */
    uint16_t raw_shndx;
} elfgen_symbol;

typedef struct elfgen_desc {
    uint16_t machine; /* 0 = EM_ARM */
    uint16_t type;    /* 0 = ET_EXEC */
    uint32_t entry;
    uint32_t eflags; /* 0 = EF_ARM_EABI_VER5 | soft float */
    const elfgen_section *sections;
    size_t nsections;
    const elfgen_segment *segments;
    size_t nsegments;
    const elfgen_symbol *symbols;
    size_t nsymbols;
    bool no_symtab; /* leave out .symtab and .strtab */
} elfgen_desc;

typedef struct elfgen_file {
    uint8_t *data;
    size_t len;
    uint32_t phoff; /* program header table */
    uint32_t shoff; /* section header table */
    unsigned phnum;
    unsigned shnum;
    unsigned symtab_shndx; /* 0 when no_symtab */
    unsigned strtab_shndx;
    unsigned shstrtab_shndx;
    uint32_t symtab_off; /* file offset of the symbol table's bytes */
    uint32_t strtab_off;
    uint32_t *sec_off; /* file offset of each user section's bytes */
    size_t nsec;
} elfgen_file;

/* Build the file described by d into *f. Returns 0, or -1 on a bad description or out of
 * memory (then *f is empty). */
int elfgen_build(const elfgen_desc *d, elfgen_file *f);
void elfgen_free(elfgen_file *f);
/* A copy of f's bytes (f->len bytes, malloc'ed), e.g. to corrupt. */
uint8_t *elfgen_dup(const elfgen_file *f);

/* Section header index of user section i. */
unsigned elfgen_shndx(unsigned i);
/* File offsets of header table entries and symbol table entries. */
size_t elfgen_shdr_off(const elfgen_file *f, unsigned shndx);
size_t elfgen_phdr_off(const elfgen_file *f, unsigned i);
size_t elfgen_sym_off(const elfgen_file *f, unsigned user_symbol);

/* Little-endian accessors on a byte buffer (no bounds check beyond an assert). */
void elfgen_put8(uint8_t *buf, size_t len, size_t off, uint8_t v);
void elfgen_put16(uint8_t *buf, size_t len, size_t off, uint16_t v);
void elfgen_put32(uint8_t *buf, size_t len, size_t off, uint32_t v);
uint16_t elfgen_get16(const uint8_t *buf, size_t len, size_t off);
uint32_t elfgen_get32(const uint8_t *buf, size_t len, size_t off);

#endif
