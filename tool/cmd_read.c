/* tool/cmd_read.c: placeholder, filled in by its owner. */
#include <stdio.h>
#include "cmds.h"

int tr_cmd_read(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tapring read: not built yet\n");
	return 1;
}
