/* acme-nic: vendor A's virtio-net device, as a command-line program for the demo.
 *
 *   acme-nic describe [SCENARIO]     print the device description (JSON) for pre-migration checks
 *   acme-nic save SCENARIO OUT.dsf   run the scenario, then save the device state
 *   acme-nic load IN.dsf [OUT.dsf]   load saved state; OUT.dsf: save it again from the internals
 *
 * Exit status: 0 done, 1 the state was refused (nothing was loaded), 2 usage, scenario or I/O error.
 */
#include <stdio.h>
#include <string.h>

#include "acme_nic.h"

static struct acme_nic nic;

static int usage(void)
{
    fprintf(stderr, "usage: acme-nic describe [SCENARIO] | save SCENARIO OUT.dsf | load IN.dsf [OUT.dsf]\n");
    return 2;
}

static int describe(int argc, char **argv)
{
    if (argc > 1 || (argc == 1 && acme_load_scenario(&nic, argv[0]) != 0)) return 2;
    acme_print_description(&nic, argc == 1);
    return 0;
}

static int save(int argc, char **argv)
{
    if (argc != 2) return usage();
    if (acme_load_scenario(&nic, argv[0]) != 0) return 2;
    acme_print_internals(&nic, "running the scenario");
    return acme_save(&nic, argv[1]) == 0 ? 0 : 2;
}

static int load(int argc, char **argv)
{
    if (argc < 1 || argc > 2) return usage();
    int rc = acme_load(&nic, argv[0]);
    if (rc != 0) return rc < 0 ? 2 : 1;
    acme_print_internals(&nic, "after loading");
    if (argc == 2 && acme_save(&nic, argv[1]) != 0) return 2;
    return 0;
}

int main(int argc, char **argv)
{
    acme_reset(&nic);
    if (argc < 2) return usage();
    if (strcmp(argv[1], "describe") == 0) return describe(argc - 2, argv + 2);
    if (strcmp(argv[1], "save") == 0) return save(argc - 2, argv + 2);
    if (strcmp(argv[1], "load") == 0) return load(argc - 2, argv + 2);
    return usage();
}
