#ifndef PODCAP_CPCAP_SHIM_H
#define PODCAP_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
