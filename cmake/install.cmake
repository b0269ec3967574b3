# Installs poolviz like a desktop app, and packages it as a .deb (cpack -G DEB):
#   bin/poolviz                                   the one binary (CLI, GUI, serve)
#   share/poolviz/scenarios/*.toml                the built-in scenarios, to copy and edit
#   share/applications/poolviz.desktop            the menu entry
#   share/icons/hicolor/{N}x{N}/apps/poolviz.png  the icon, drawn by assets/poolviz_icon.cpp
#   share/icons/hicolor/scalable/apps/poolviz.svg
#   share/man/man1/poolviz.1.gz                   generated from the CLI's --help
include(GNUInstallDirs)
find_package(PkgConfig REQUIRED)

install(TARGETS poolviz RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/poolviz/scenarios
        FILES_MATCHING PATTERN "*.toml")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The man page, from the binary's own help texts.
set(poolviz_man ${CMAKE_CURRENT_BINARY_DIR}/man/poolviz.1)
add_custom_command(
  OUTPUT ${poolviz_man}.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/man
  COMMAND ${CMAKE_COMMAND} -DPOOLVIZ=$<TARGET_FILE:poolviz> -DOUT=${poolviz_man} -DVERSION=${PROJECT_VERSION}
          -P ${PROJECT_SOURCE_DIR}/cmake/make_manpage.cmake
  COMMAND gzip -9nf ${poolviz_man}
  DEPENDS poolviz ${PROJECT_SOURCE_DIR}/cmake/make_manpage.cmake
  COMMENT "Generating the poolviz(1) man page from --help"
  VERBATIM)
add_custom_target(poolviz_manpage ALL DEPENDS ${poolviz_man}.gz)
install(FILES ${poolviz_man}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

if(POOLVIZ_BUILD_GUI)
  install(FILES ${PROJECT_SOURCE_DIR}/assets/poolviz.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)

  # The icon: one list of shapes, written as SVG and rasterised to PNGs by our own tool.
  pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
  add_executable(poolviz_icon ${PROJECT_SOURCE_DIR}/assets/poolviz_icon.cpp)
  target_link_libraries(poolviz_icon PRIVATE PkgConfig::STB poolviz::warnings)
  set(icon_dir ${CMAKE_CURRENT_BINARY_DIR}/icons)
  set(icon_sizes 16 32 48 64 128 256)
  set(icon_files ${icon_dir}/poolviz.svg)
  foreach(size IN LISTS icon_sizes)
    list(APPEND icon_files ${icon_dir}/poolviz-${size}.png)
  endforeach()
  add_custom_command(
    OUTPUT ${icon_files}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${icon_dir}
    COMMAND poolviz_icon ${icon_dir}
    DEPENDS poolviz_icon
    COMMENT "Drawing the poolviz icon (SVG and PNGs)"
    VERBATIM)
  add_custom_target(poolviz_icons ALL DEPENDS ${icon_files})
  foreach(size IN LISTS icon_sizes)
    install(FILES ${icon_dir}/poolviz-${size}.png DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps
            RENAME poolviz.png)
  endforeach()
  install(FILES ${icon_dir}/poolviz.svg DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)

  find_program(DESKTOP_FILE_VALIDATE desktop-file-validate)
  if(DESKTOP_FILE_VALIDATE AND TARGET cli_test)
    add_test(NAME install.desktop_entry_validates
             COMMAND ${DESKTOP_FILE_VALIDATE} ${PROJECT_SOURCE_DIR}/assets/poolviz.desktop)
    set_tests_properties(install.desktop_entry_validates PROPERTIES LABELS unit TIMEOUT 30)
  endif()
endif()

# cpack -G DEB: Depends comes from the binary's shared libraries (dpkg-shlibdeps),
# plus what it opens at run time: the DejaVu font and an OpenGL driver.
set(CPACK_PACKAGE_NAME poolviz)
set(CPACK_PACKAGE_VENDOR "poolviz")
set(CPACK_PACKAGE_CONTACT "poolviz maintainers <poolviz@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "watch a real thread pool work, one pattern at a time")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "poolviz teaches thread-pool patterns (fixed pools, timeouts and retries, rate limiting, priority queues, "
    "dynamic scaling, work stealing, backpressure, pipelines, a thread per task) by running a real pool on "
    "real threads and drawing it live. The same binary runs headless for scripts and exports.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION education)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-dejavu-core")
if(POOLVIZ_BUILD_GUI)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libgl1, libgl1-mesa-dri")
endif()
include(CPack)
