/* version.c: the version of the library actually loaded. */
#include "config.h"

#include "writ.h"

const char *writ_version(void)
{
	return WRIT_VERSION_STRING;
}

unsigned writ_version_number(void)
{
	return WRIT_VERSION_NUMBER;
}
