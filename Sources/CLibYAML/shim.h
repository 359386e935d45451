#ifndef PODCAP_CLIBYAML_SHIM_H
#define PODCAP_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
