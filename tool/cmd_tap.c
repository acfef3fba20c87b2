/* tool/cmd_tap.c: placeholder, filled in by its owner. */
#include <stdio.h>
#include "cmds.h"

int tr_cmd_tap(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tapring tap: not built yet\n");
	return 1;
}
