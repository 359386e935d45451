#ifndef PODCAP_CPIDFD_SHIM_H
#define PODCAP_CPIDFD_SHIM_H
/* pidfd_open (glibc 2.36+): a process handle that becomes readable when the process exits. */
#include <sys/pidfd.h>
#endif
