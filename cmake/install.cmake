# Installation and the Debian package (docs/install.md): `cmake --install` puts stldr-emu in
# bin/, its man pages (stldr-emu.1 and one stldr-emu-COMMAND.1 per command) and the bash and
# zsh completions, all generated at build time by the built tool from its one option table
# (tools/cli.c: `stldr-emu --man DIR`, `--completion bash|zsh FILE`), so they cannot disagree
# with it; and the documentation. `cpack -G DEB` makes stldr-emu_VERSION_ARCH.deb.
include(GNUInstallDirs)

set(SE_GENERATED ${CMAKE_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${SE_GENERATED}/man/stldr-emu.1 ${SE_GENERATED}/stldr-emu.bash
         ${SE_GENERATED}/_stldr-emu
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SE_GENERATED}/man
  COMMAND stldr-emu --man ${SE_GENERATED}/man
  COMMAND stldr-emu --completion bash ${SE_GENERATED}/stldr-emu.bash
  COMMAND stldr-emu --completion zsh ${SE_GENERATED}/_stldr-emu
  DEPENDS stldr-emu
  COMMENT "man pages and shell completion from stldr-emu's option table"
  VERBATIM)
add_custom_target(stldr_generated ALL
  DEPENDS ${SE_GENERATED}/man/stldr-emu.1 ${SE_GENERATED}/stldr-emu.bash
          ${SE_GENERATED}/_stldr-emu)

install(TARGETS stldr-emu RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${SE_GENERATED}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        FILES_MATCHING PATTERN "*.1")
install(FILES ${SE_GENERATED}/stldr-emu.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME stldr-emu)
install(FILES ${SE_GENERATED}/_stldr-emu
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
file(GLOB SE_DOC_PAGES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${SE_DOC_PAGES} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

set(CPACK_PACKAGE_NAME stldr-emu)
set(CPACK_PACKAGE_VENDOR "stldr-emu")
set(CPACK_PACKAGE_CONTACT "stldr-emu maintainers <stldr-emu@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Run STM32CubeProgrammer external loaders (.stldr) on an emulated STM32")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# The shared libraries it links become Depends: through dpkg-shlibdeps when it is there
# (dpkg-dev); otherwise the names Debian 12 gives them (with STLDR_STATIC_DEPS, cmake/deps.cmake,
# Unicorn, Capstone, libdw and libelf are inside the executable: only zlib remains).
find_program(SE_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(SE_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  if(SE_STATIC_OK)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "zlib1g")
  else()
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "libunicorn2, libelf1, libdw1, libcapstone4")
  endif()
endif()
include(CPack)
