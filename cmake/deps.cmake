# How the libraries below the emulator are linked into the stldr-emu executable.
#
# Start-up (`run --init-only`) was mostly the dynamic loader relocating libunicorn.so.2 (19 MB,
# ~125k relative relocations) and Capstone, and the page faults that costs (issue 20). With
# STLDR_STATIC_DEPS (default ON when Debian's archives are installed: libunicorn-dev,
# libcapstone-dev, libdw-dev and libelf-dev ship libunicorn.a, libcapstone.a, libdw.a and
# libelf.a), stldr-emu links those archives into a non-PIE executable, so nothing of them is
# relocated at start-up (docs/performance.md has the figures). Tests, the benchmark and the
# fuzz targets keep the shared libraries: the benchmark measures Unicorn as Debian ships it,
# which needs the shared library's own store path (emu/ucfix.c).
#
# emu/ucfix.c replaces two functions of Unicorn 2.0.x. The shared library is interposed through
# its PLT; in the archive the two are defined in translate-all.c.o next to symbols we need, so
# a copy of the archive with those two definitions made weak (objcopy --weaken-symbol) is
# linked instead, and ours win for every caller: cputlb.c.o and translate-all.c.o both call
# them through relocations against the global symbol (objdump -r of Debian's 2.0.1 archive).
#
# The choice is per executable: a target with the property SE_STATIC_DEPS set gets the
# archives, every other one the shared libraries (se_unicorn and se_dwelf below).
option(STLDR_STATIC_DEPS "link stldr-emu with the static Unicorn, Capstone, libdw and libelf" ON)

find_library(SE_UNICORN_A NAMES libunicorn.a HINTS ${UNICORN_LIBRARY_DIRS})
find_library(SE_CAPSTONE_A NAMES libcapstone.a HINTS ${CAPSTONE_LIBRARY_DIRS})
find_library(SE_DW_A NAMES libdw.a HINTS ${LIBDW_LIBRARY_DIRS})
find_library(SE_ELF_A NAMES libelf.a HINTS ${LIBELF_LIBRARY_DIRS})
find_program(SE_OBJCOPY NAMES objcopy)
find_package(ZLIB)
set(SE_STATIC_OK OFF)
if(STLDR_STATIC_DEPS AND SE_UNICORN_A AND SE_CAPSTONE_A AND SE_DW_A AND SE_ELF_A AND SE_OBJCOPY
   AND ZLIB_FOUND)
  set(SE_STATIC_OK ON)
elseif(STLDR_STATIC_DEPS)
  message(STATUS "stldr-emu links the shared Unicorn/Capstone/libdw/libelf: a static archive, "
                 "objcopy or zlib is missing")
endif()

set(se_static $<BOOL:$<TARGET_PROPERTY:SE_STATIC_DEPS>>)
add_library(se_unicorn INTERFACE)
add_library(se_dwelf INTERFACE)
target_include_directories(se_unicorn INTERFACE ${UNICORN_INCLUDE_DIRS} ${CAPSTONE_INCLUDE_DIRS})
target_include_directories(se_dwelf INTERFACE ${LIBDW_INCLUDE_DIRS} ${LIBELF_INCLUDE_DIRS})
if(SE_STATIC_OK)
  set(SE_UNICORN_UCFIX_A ${CMAKE_BINARY_DIR}/deps/libunicorn-ucfix.a)
  add_custom_command(
    OUTPUT ${SE_UNICORN_UCFIX_A}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/deps
    COMMAND ${SE_OBJCOPY} --weaken-symbol=page_collection_lock_arm
            --weaken-symbol=page_collection_unlock_arm ${SE_UNICORN_A} ${SE_UNICORN_UCFIX_A}
    DEPENDS ${SE_UNICORN_A}
    COMMENT "Unicorn archive with the two functions emu/ucfix.c replaces made weak"
    VERBATIM)
  add_custom_target(se_unicorn_ucfix DEPENDS ${SE_UNICORN_UCFIX_A})
  target_link_libraries(se_unicorn INTERFACE
    "$<IF:${se_static},${SE_UNICORN_UCFIX_A},PkgConfig::UNICORN>"
    "$<IF:${se_static},${SE_CAPSTONE_A},PkgConfig::CAPSTONE>" Threads::Threads)
  target_link_libraries(se_dwelf INTERFACE
    "$<IF:${se_static},${SE_DW_A},PkgConfig::LIBDW>"
    "$<IF:${se_static},${SE_ELF_A},PkgConfig::LIBELF>" "$<${se_static}:ZLIB::ZLIB>")
else()
  target_link_libraries(se_unicorn INTERFACE PkgConfig::UNICORN PkgConfig::CAPSTONE)
  target_link_libraries(se_dwelf INTERFACE PkgConfig::LIBDW PkgConfig::LIBELF)
endif()

# se_static_deps(<executable>): link it with the archives (non-PIE: nothing to relocate).
function(se_static_deps target)
  if(SE_STATIC_OK)
    set_target_properties(${target} PROPERTIES SE_STATIC_DEPS ON)
    # emu/ucfix.c parts 2-4: the TLB fill, the region lookup and the unmap flush go through our
    # wrappers
    target_link_options(${target} PRIVATE -no-pie -Wl,--wrap=tlb_set_page_with_attrs_arm
      -Wl,--wrap=memory_mapping -Wl,--wrap=uc_mem_map -Wl,--wrap=uc_mem_map_ptr
      -Wl,--wrap=uc_mmio_map -Wl,--wrap=uc_mem_unmap -Wl,--wrap=uc_mem_protect
      -Wl,--wrap=uc_close -Wl,--wrap=tlb_flush_page_arm)
    add_dependencies(${target} se_unicorn_ucfix)
  endif()
endfunction()
