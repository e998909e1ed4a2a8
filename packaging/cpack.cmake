# cpack -G DEB in the build folder: two Debian 12 packages,
#   deid_VERSION-1_ARCH.deb      the command, libdeid.so.N, recipes, man page, completion
#   deid-dev_VERSION-1_ARCH.deb  <deid/deid.hpp>, libdeid.so, the CMake package config
# Their library dependencies are read from the binaries by dpkg-shlibdeps
# (dpkg-dev), so they name exactly the Debian 12 packages deid was built
# against: `apt install ./deid_*.deb` fetches them.
set(CPACK_PACKAGE_NAME deid)
set(CPACK_PACKAGE_VENDOR "deid")
set(DEID_PACKAGE_CONTACT "deid developers" CACHE STRING "The Maintainer field of the packages")
set(CPACK_PACKAGE_CONTACT "${DEID_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "deid reads deid recipes (the rule language of the pydicom deid tool), checks them like a compiler and applies them to DICOM files; it also runs the DICOM PS3.15 confidentiality profiles and blacks out burned-in text.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_INSTALL_DIRECTORY deid)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL Runtime Development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME deid)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION science)
# DCMTK's data dictionary (dicom.dic) is in libdcmtk17, which shlibdeps finds.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "dcmtk")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME deid-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
    "deid (= ${PROJECT_VERSION}-1), libdcmtk-dev (>= 3.6.7)")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SHLIBDEPS OFF)

set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR "")
include(CPack)
