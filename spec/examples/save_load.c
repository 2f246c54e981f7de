/* Save a virtio-net device's state on the source and load it on the destination, with
 * the generated C codec (cc -std=c99 save_load.c org_virtio_net_v1_1.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "org_virtio_net_v1_1.h"

#define NET(name) ORG_VIRTIO_NET_V1_1_##name

int main(void) {
    /* The state is large (up to 1024 queues): keep it off the stack. */
    struct org_virtio_net_v1_1 *state = malloc(sizeof *state);
    struct org_virtio_net_v1_1 *loaded = malloc(sizeof *loaded);
    struct devstate_error err;
    if (state == NULL || loaded == NULL) return 1;

    /* Source: start from the defaults and fill in what the device holds. */
    org_virtio_net_v1_1_init(state);
    state->common.status = NET(VIRTIO_DEVICE_STATUS_ACKNOWLEDGE) | NET(VIRTIO_DEVICE_STATUS_DRIVER) |
                           NET(VIRTIO_DEVICE_STATUS_DRIVER_OK) | NET(VIRTIO_DEVICE_STATUS_FEATURES_OK);
    state->common.num_queues = 2;
    state->queues.count = 2; /* receiveq1, transmitq1 */
    for (unsigned i = 0; i < 2; i++) {
        state->queues.items[i].size = 256;
        state->queues.items[i].enabled = true;
        state->queues.items[i].desc_addr = 0x10000000u + i * 0x10000u;
        state->queues.items[i].last_avail_idx = (uint16_t)(17 + i);
        state->queues.items[i].used_idx = (uint16_t)(17 + i);
    }
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    memcpy(state->config.mac, mac, sizeof mac);
    state->config.status = NET(NET_STATUS_LINK_UP);
    state->ctrl.curr_queue_pairs = 1;

    size_t size = org_virtio_net_v1_1_encoded_size(state), written = 0;
    uint8_t *blob = malloc(size);
    if (blob == NULL || org_virtio_net_v1_1_encode(state, blob, size, &written, &err) != DEVSTATE_OK) {
        fprintf(stderr, "encode: %s at %s\n", devstate_error_name(err.code), err.path);
        return 1;
    }
    FILE *file = fopen("net0.dsf", "wb");
    if (file == NULL || fwrite(blob, 1, written, file) != written || fclose(file) != 0) return 1;
    printf("saved %zu bytes\n", written); /* any implementation of org.virtio.net 1.x loads net0.dsf */

    /* Destination: decode checks every limit, range and the checksum; no allocation. */
    if (org_virtio_net_v1_1_decode(blob, written, loaded, &err) != DEVSTATE_OK) {
        fprintf(stderr, "decode: %s at offset %zu (%s)\n", devstate_error_name(err.code), err.offset, err.path);
        return 1;
    }
    printf("loaded queue 1 at avail index %u\n", (unsigned)loaded->queues.items[1].last_avail_idx);

    /* Damaged or hostile input is refused with a stable code, offset and field path. */
    blob[60] ^= 0xFF;
    int code = org_virtio_net_v1_1_decode(blob, written, loaded, &err);
    printf("refused: %s at offset %zu\n", devstate_error_name(code), err.offset);

    free(blob);
    free(loaded);
    free(state);
    return code == DEVSTATE_E_BAD_CHECKSUM ? 0 : 1;
}
