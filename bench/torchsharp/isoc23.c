/* The one C23 entry point that Debian 13's libstdc++ takes from glibc 2.38: strtoul with C23's "0b" prefixes.
   libstdc++ parses no binary literals with it, so glibc 2.36's strtoul serves. Preloaded by run.sh. */
#include <stdlib.h>

unsigned long __isoc23_strtoul(const char *text, char **end, int base)
{
    return strtoul(text, end, base);
}
