#include <stdio.h>
int gethostname(char *name, size_t len) { snprintf(name, len, "%s", "PLACEHOLDER_HOSTNAME"); return 0; }
