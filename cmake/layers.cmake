# The project's layers (docs/architecture.md): each folder is one static library that links
# only the layers below it, and compiles against an include view that holds only those
# layers' folders (symbolic links under the build tree), so `#include "emu/machine.h"` from
# peripherals/ fails to compile and a call back up fails to link. Includes are written from
# the project root ("emu/machine.h"); tests/check_layers.sh rejects "../" includes, which
# would get around the views.
#
#   base         errors, file I/O, number parsing (no dependency)
#   peripherals  device models: plain state + reset + read/write by offset (no Unicorn)
#   emu          the machine: CPU (Unicorn), bus, exceptions, time, TrustZone, boards
#   loader       .stldr reading, lint, the host protocols, DWARF; sees emu only through
#                its public headers (SE_EMU_PUBLIC_HEADERS)
#   fuzz         the fuzzing engine (fuzz/engine.c) over the host; its command
#                (fuzz/cmd_fuzz.c) and the libFuzzer harnesses live beside it
#   tools        the command line and the GDB server: loader, fuzz and emu's public headers
#   (bench)      the benchmark: as tools, plus emu/ucfix.h (it runs bare Unicorn too)

set(SE_LAYER_VIEWS ${CMAKE_BINARY_DIR}/layers)
set(SE_EMU_PUBLIC_HEADERS emu/machine.h emu/profile.h emu/trace.h emu/board.h emu/family.h)

# se_layer_view(<target> <view>): compile <target> against the include view <view>.
function(se_layer_view target view)
  target_include_directories(${target} PRIVATE ${SE_LAYER_VIEWS}/${view})
endfunction()

# _se_view_dirs(<view> <folders...>) and _se_view_files(<view> <files...>): populate a view.
function(_se_view_dirs view)
  file(MAKE_DIRECTORY ${SE_LAYER_VIEWS}/${view})
  foreach(d ${ARGN})
    if(NOT EXISTS ${SE_LAYER_VIEWS}/${view}/${d})
      file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${d} ${SE_LAYER_VIEWS}/${view}/${d} SYMBOLIC)
    endif()
  endforeach()
endfunction()
function(_se_view_files view)
  foreach(f ${ARGN})
    get_filename_component(dir ${f} DIRECTORY)
    file(MAKE_DIRECTORY ${SE_LAYER_VIEWS}/${view}/${dir})
    if(NOT EXISTS ${SE_LAYER_VIEWS}/${view}/${f})
      file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${f} ${SE_LAYER_VIEWS}/${view}/${f} SYMBOLIC)
    endif()
  endforeach()
endfunction()

_se_view_dirs(base base)
_se_view_dirs(peripherals base peripherals)
_se_view_dirs(emu base peripherals emu)
_se_view_dirs(loader base loader)
_se_view_files(loader ${SE_EMU_PUBLIC_HEADERS})
_se_view_dirs(fuzz base loader fuzz)
_se_view_files(fuzz ${SE_EMU_PUBLIC_HEADERS} tools/cli.h)
_se_view_dirs(tools base loader fuzz tools)
_se_view_files(tools ${SE_EMU_PUBLIC_HEADERS})
# The benchmark measures bare Unicorn next to the machine, with the same store-path fix.
_se_view_dirs(bench base loader fuzz tools)
_se_view_files(bench ${SE_EMU_PUBLIC_HEADERS} emu/ucfix.h)

file(GLOB SE_BASE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/base/*.c)
add_library(se_base STATIC ${SE_BASE_SOURCES})
se_layer_view(se_base base)

file(GLOB SE_PERIPH_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/peripherals/*.c)
add_library(se_periph STATIC ${SE_PERIPH_SOURCES})
se_layer_view(se_periph peripherals)
target_link_libraries(se_periph PUBLIC se_base)

file(GLOB SE_EMU_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/emu/*.c
     ${CMAKE_SOURCE_DIR}/emu/boards/*.c)
add_library(se_emu STATIC ${SE_EMU_SOURCES})
se_layer_view(se_emu emu)
target_link_libraries(se_emu PUBLIC se_periph se_unicorn m) # cmake/deps.cmake

file(GLOB SE_LOADER_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/loader/*.c)
add_library(se_loader STATIC ${SE_LOADER_SOURCES})
se_layer_view(se_loader loader)
target_link_libraries(se_loader PUBLIC se_emu se_dwelf)

add_library(se_fuzz STATIC ${CMAKE_SOURCE_DIR}/fuzz/engine.c)
se_layer_view(se_fuzz fuzz)
target_link_libraries(se_fuzz PUBLIC se_loader)
