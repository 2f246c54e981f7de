/* acme-nic <-> the standard org.virtio.net state, through the generated C codec.
 *
 * The schema version is chosen when building: -DACME_DSF_MINOR=1 (the default) compiles
 * against codegen/c/org_virtio_net_v1_1.{h,c}, -DACME_DSF_MINOR=0 against v1_0.
 */
#include "acme_nic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ACME_DSF_MINOR
#define ACME_DSF_MINOR 1
#endif

#if ACME_DSF_MINOR == 1
#include "org_virtio_net_v1_1.h"
#define NET(name) org_virtio_net_v1_1_##name
#define NETC(name) ORG_VIRTIO_NET_V1_1_##name
#define NET_STATE struct org_virtio_net_v1_1
const char *const acme_schema_version = "1.1";
#elif ACME_DSF_MINOR == 0
#include "org_virtio_net_v1_0.h"
#define NET(name) org_virtio_net_v1_0_##name
#define NETC(name) ORG_VIRTIO_NET_V1_0_##name
#define NET_STATE struct org_virtio_net_v1_0
const char *const acme_schema_version = "1.0";
#else
#error "ACME_DSF_MINOR must be 0 or 1"
#endif

static NET_STATE state; /* about 51 KiB: not on the stack */


/* Vendor A's must-understand IPsec section: its own UUID namespace, id 1, not optional. */
static const uint8_t ipsec_vendor[DEVSTATE_VENDOR_HEADER_SIZE] = {
    0x02, 0x00, 0x5f, 0x1c, 0x0a, 0x2e, 0x7d, 0x4b, 0x4e, 0x8a, 0x9a, 0x51, 0x0c, 0x0f, 0xfe, 0xe0, 0xa0, 0xa0};
static uint8_t ipsec_payload[28];

#if ACME_DSF_MINOR >= 1
/* Vendor A's private counters travel in the standard schema's optional opaque vendor
 * section pci:0x1af4 #1 "impl_private" (1.1): "ACME", u16 format 1, u16 rings, then per
 * ring u64 packets, u64 bytes (little-endian). Other implementations skip it. */
#define PRIV_HEAD 8u
static uint8_t priv_payload[PRIV_HEAD + 16u * (2u * ACME_MAX_PAIRS + 1u)];

/* virtio hash type bit i <-> vendor A's bit */
static const uint32_t hash_map[9] = {ACME_H_IP4, ACME_H_TCP4, ACME_H_UDP4, ACME_H_IP6, ACME_H_TCP6,
                                     ACME_H_UDP6, ACME_H_IP6EX, ACME_H_TCP6EX, ACME_H_UDP6EX};
#endif

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

#if ACME_DSF_MINOR >= 1
static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}
#endif

/* -- save: internals -> standard state -------------------------------------------------- */

static void put_common(const struct acme_nic *nic)
{
    state.common.status = nic->dev_status;
    state.common.device_feature_select = nic->dfselect;
    state.common.device_features[0] = nic->offered;
    state.common.driver_feature_select = nic->gfselect;
    state.common.driver_features[0] = nic->accepted;
    state.common.config_generation = nic->cfg_gen;
    state.common.queue_select = nic->q_select;
    state.common.msix_config = nic->cfg_vector;
    state.common.isr = nic->isr;
    state.common.num_queues = (uint16_t)acme_ring_count(nic);
}

static void put_queues(struct acme_nic *nic)
{
    state.queues.count = acme_ring_count(nic);
    for (unsigned i = 0; i < state.queues.count; i++) {
        const struct acme_ring *ring = acme_ring_at(nic, i);
        state.queues.items[i].size = ring->depth;
        state.queues.items[i].enabled = ring->armed;
        state.queues.items[i].desc_addr = ring->desc_gpa;
        state.queues.items[i].driver_addr = ring->avail_gpa;
        state.queues.items[i].device_addr = ring->used_gpa;
        state.queues.items[i].last_avail_idx = ring->next_avail;
        state.queues.items[i].used_idx = ring->used_published;
        state.queues.items[i].msix_vector = ring->irq_vector;
        state.queues.items[i].notify_off = ring->doorbell_off;
        state.queues.items[i].notify_data = ring->doorbell_data;
    }
}

static void put_config(const struct acme_nic *nic)
{
    memcpy(state.config.mac, nic->perm_mac, 6);
    state.config.status = (uint16_t)((nic->link_up ? NETC(NET_STATUS_LINK_UP) : 0) |
                                     (nic->announce_flag ? NETC(NET_STATUS_ANNOUNCE) : 0));
    state.config.max_virtqueue_pairs = nic->max_pairs;
    state.config.mtu = (nic->offered & ACME_BIT(ACME_F_MTU)) ? nic->mtu : 0;
#if ACME_DSF_MINOR >= 1
    if (nic->offered & ACME_BIT(ACME_F_SPEED_DUPLEX)) {
        state.config.speed = nic->speed;
        state.config.duplex = nic->duplex;
    }
    if (nic->offered & ACME_BIT(ACME_F_RSS)) {
        state.config.rss_max_key_size = ACME_RSS_KEY_MAX;
        state.config.rss_max_indirection_table_length = ACME_RSS_TABLE_MAX;
        state.config.supported_hash_types = (uint32_t)NETC(HASH_TYPES_MASK);
    }
#endif
}

static void put_ctrl(const struct acme_nic *nic)
{
    const struct acme_rx_policy *rx = &nic->rx;
    state.ctrl.curr_queue_pairs = nic->active_pairs;
    state.ctrl.rx_mode = (uint8_t)((rx->promisc ? NETC(RX_MODE_PROMISC) : 0) | (rx->allmulti ? NETC(RX_MODE_ALLMULTI) : 0) |
                                   (rx->alluni ? NETC(RX_MODE_ALLUNI) : 0) | (rx->nomulti ? NETC(RX_MODE_NOMULTI) : 0) |
                                   (rx->nouni ? NETC(RX_MODE_NOUNI) : 0) | (rx->nobcast ? NETC(RX_MODE_NOBCAST) : 0));
#if ACME_DSF_MINOR >= 1
    state.ctrl.guest_offloads_disabled = nic->offloads_off;
#endif
}

static void put_filters(const struct acme_nic *nic)
{
    state.mac_filter.unicast_overflow = nic->macs.uni_overflow;
    state.mac_filter.multicast_overflow = nic->macs.multi_overflow;
    state.mac_filter.unicast.count = acme_mac_list(&nic->macs, ACME_SLOT_UNICAST, state.mac_filter.unicast.items);
    state.mac_filter.multicast.count = acme_mac_list(&nic->macs, ACME_SLOT_MULTICAST, state.mac_filter.multicast.items);
    for (unsigned w = 0; w < ACME_VLAN_WORDS; w++) {
        state.vlan_filter[2 * w] = (uint32_t)nic->vlan_words[w];
        state.vlan_filter[2 * w + 1] = (uint32_t)(nic->vlan_words[w] >> 32);
    }
    state.announce.rounds_remaining = nic->announce_rounds;
    state.announce.next_round_delay = nic->announce_delay_ms;
}

#if ACME_DSF_MINOR >= 1
static void put_rss(const struct acme_nic *nic)
{
    static const uint8_t modes[] = {NETC(RSS_MODE_DISABLED), NETC(RSS_MODE_RSS), NETC(RSS_MODE_HASH_REPORT)};
    state.has_rss = (nic->offered & ACME_BIT(ACME_F_RSS)) != 0;
    state.rss.mode = modes[nic->rss.mode];
    state.rss.hash_types = 0;
    for (unsigned i = 0; i < 9; i++)
        if (nic->rss.hash_sel & hash_map[i]) state.rss.hash_types |= 1u << i;
    state.rss.unclassified_queue = nic->rss.fallback_rxq;
    state.rss.max_tx_vq = nic->rss.tx_limit;
    state.rss.hash_key.data = nic->rss.key;
    state.rss.hash_key.len = nic->rss.key_len;
    state.rss.indirection_table.count = nic->rss.indir_len;
    for (unsigned i = 0; i < nic->rss.indir_len; i++) state.rss.indirection_table.items[i] = nic->rss.indir[i];
}

static void put_private(struct acme_nic *nic)
{
    unsigned rings = acme_ring_count(nic);
    memcpy(priv_payload, "ACME", 4);
    put_le(priv_payload + 4, 1, 2);
    put_le(priv_payload + 6, rings, 2);
    for (unsigned i = 0; i < rings; i++) {
        put_le(priv_payload + PRIV_HEAD + 16 * i, acme_ring_at(nic, i)->packets, 8);
        put_le(priv_payload + PRIV_HEAD + 16 * i + 8, acme_ring_at(nic, i)->bytes, 8);
    }
    state.has_impl_private = true;
    state.impl_private.data = priv_payload;
    state.impl_private.len = PRIV_HEAD + 16u * rings;
}
#endif

static void put_ipsec(const struct acme_nic *nic)
{
    struct devstate_unknown_section *u = &state.unknown[0];
    if (!nic->sa.active) return;
    put_le(ipsec_payload, nic->sa.spi, 4);
    put_le(ipsec_payload + 4, nic->sa.seq, 8);
    memcpy(ipsec_payload + 12, nic->sa.key, 16);
    u->id = 1;
    u->flags = DEVSTATE_SECTION_VENDOR; /* not OPTIONAL: a reader must understand it or refuse */
    memcpy(u->vendor, ipsec_vendor, sizeof ipsec_vendor);
    u->payload.data = ipsec_payload;
    u->payload.len = sizeof ipsec_payload;
    state.unknown_count = 1;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *file = fopen(path, "wb");
    if (file == NULL || fwrite(data, 1, len, file) != len || fclose(file) != 0) {
        fprintf(stderr, "acme-nic: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int acme_save(struct acme_nic *nic, const char *path)
{
    struct devstate_error err;
    size_t need, written;
    NET(init)(&state);
    put_common(nic);
    put_queues(nic);
    put_config(nic);
    put_ctrl(nic);
    put_filters(nic);
#if ACME_DSF_MINOR >= 1
    put_rss(nic);
    put_private(nic);
#endif
    put_ipsec(nic);
    need = NET(encoded_size)(&state);
    uint8_t *blob = malloc(need);
    if (blob == NULL) return -1;
    if (NET(encode)(&state, blob, need, &written, &err) != DEVSTATE_OK) {
        fprintf(stderr, "acme-nic: encode: %s (%s)\n", devstate_error_name(err.code), err.path);
        free(blob);
        return -1;
    }
    int rc = write_file(path, blob, written);
    if (rc == 0) printf("acme-nic: saved %s (org.virtio.net@%s, %zu bytes)\n", path, acme_schema_version, written);
    free(blob);
    return rc;
}

/* -- load: standard state -> internals -------------------------------------------------- */

static int refuse(const char *why)
{
    fprintf(stderr, "acme-nic: refused: %s\n", why);
    return 1;
}

/* Can this hardware host the state at all? Checked before anything is changed. */
static int check_capabilities(void)
{
    unsigned pairs = state.config.max_virtqueue_pairs;
    bool cvq = (state.common.driver_features[0] & state.common.device_features[0] & ACME_BIT(ACME_F_CTRL_VQ)) != 0;
    if (pairs == 0 || pairs > ACME_MAX_PAIRS) return refuse("acme-nic has 1..8 queue pairs");
    if (state.common.device_features[1] != 0 || state.common.driver_features[1] != 0)
        return refuse("feature bits above 63 are not implemented by acme-nic");
    if (state.queues.count != 2u * pairs + (cvq ? 1u : 0u))
        return refuse("the queue count does not match max_virtqueue_pairs and the control queue");
#if ACME_DSF_MINOR >= 1
    for (unsigned i = 0; state.has_rss && i < state.rss.indirection_table.count; i++)
        if (state.rss.indirection_table.items[i] >= pairs) return refuse("RSS indirection entry out of range");
#endif
    return 0;
}

static void get_common(struct acme_nic *nic)
{
    nic->dev_status = state.common.status;
    nic->dfselect = state.common.device_feature_select;
    nic->offered = state.common.device_features[0];
    nic->gfselect = state.common.driver_feature_select;
    nic->accepted = state.common.driver_features[0];
    nic->cfg_gen = state.common.config_generation;
    nic->q_select = state.common.queue_select;
    nic->cfg_vector = state.common.msix_config;
    nic->isr = state.common.isr;
}

static void get_config(struct acme_nic *nic)
{
    memcpy(nic->perm_mac, state.config.mac, 6);
    nic->link_up = (state.config.status & NETC(NET_STATUS_LINK_UP)) != 0;
    nic->announce_flag = (state.config.status & NETC(NET_STATUS_ANNOUNCE)) != 0;
    nic->max_pairs = state.config.max_virtqueue_pairs;
    if (state.config.mtu != 0) nic->mtu = state.config.mtu;
#if ACME_DSF_MINOR >= 1
    nic->speed = state.config.speed;
    nic->duplex = state.config.duplex;
#endif
}

static void get_queues(struct acme_nic *nic)
{
    for (unsigned i = 0; i < state.queues.count; i++) {
        struct acme_ring *ring = acme_ring_at(nic, i);
        ring->depth = state.queues.items[i].size;
        ring->armed = state.queues.items[i].enabled;
        ring->desc_gpa = state.queues.items[i].desc_addr;
        ring->avail_gpa = state.queues.items[i].driver_addr;
        ring->used_gpa = state.queues.items[i].device_addr;
        ring->next_avail = state.queues.items[i].last_avail_idx;
        ring->used_published = state.queues.items[i].used_idx;
        ring->irq_vector = state.queues.items[i].msix_vector;
        ring->doorbell_off = state.queues.items[i].notify_off;
        ring->doorbell_data = state.queues.items[i].notify_data;
    }
}

static void get_ctrl(struct acme_nic *nic)
{
    uint8_t mode = state.ctrl.rx_mode;
    nic->active_pairs = state.ctrl.curr_queue_pairs;
    nic->rx.promisc = (mode & NETC(RX_MODE_PROMISC)) != 0;
    nic->rx.allmulti = (mode & NETC(RX_MODE_ALLMULTI)) != 0;
    nic->rx.alluni = (mode & NETC(RX_MODE_ALLUNI)) != 0;
    nic->rx.nomulti = (mode & NETC(RX_MODE_NOMULTI)) != 0;
    nic->rx.nouni = (mode & NETC(RX_MODE_NOUNI)) != 0;
    nic->rx.nobcast = (mode & NETC(RX_MODE_NOBCAST)) != 0;
#if ACME_DSF_MINOR >= 1
    nic->offloads_off = state.ctrl.guest_offloads_disabled;
#endif
}

static void get_filters(struct acme_nic *nic)
{
    acme_mac_clear(&nic->macs);
    for (unsigned i = 0; i < state.mac_filter.unicast.count; i++)
        acme_mac_add(&nic->macs, state.mac_filter.unicast.items[i], ACME_SLOT_UNICAST);
    for (unsigned i = 0; i < state.mac_filter.multicast.count; i++)
        acme_mac_add(&nic->macs, state.mac_filter.multicast.items[i], ACME_SLOT_MULTICAST);
    nic->macs.uni_overflow = state.mac_filter.unicast_overflow;
    nic->macs.multi_overflow = state.mac_filter.multicast_overflow;
    for (unsigned w = 0; w < ACME_VLAN_WORDS; w++)
        nic->vlan_words[w] = (uint64_t)state.vlan_filter[2 * w] | (uint64_t)state.vlan_filter[2 * w + 1] << 32;
    nic->announce_rounds = state.announce.rounds_remaining;
    nic->announce_delay_ms = state.announce.next_round_delay;
}

#if ACME_DSF_MINOR >= 1
static void get_rss(struct acme_nic *nic)
{
    memset(&nic->rss, 0, sizeof nic->rss);
    if (!state.has_rss) return;
    nic->rss.mode = state.rss.mode == NETC(RSS_MODE_RSS) ? ACME_RSS_STEER
                  : state.rss.mode == NETC(RSS_MODE_HASH_REPORT) ? ACME_RSS_REPORT : ACME_RSS_OFF;
    for (unsigned i = 0; i < 9; i++)
        if (state.rss.hash_types & (1u << i)) nic->rss.hash_sel |= hash_map[i];
    nic->rss.fallback_rxq = state.rss.unclassified_queue;
    nic->rss.tx_limit = state.rss.max_tx_vq;
    memcpy(nic->rss.key, state.rss.hash_key.data, state.rss.hash_key.len);
    nic->rss.key_len = (uint8_t)state.rss.hash_key.len;
    nic->rss.indir_len = (uint16_t)state.rss.indirection_table.count;
    for (unsigned i = 0; i < nic->rss.indir_len; i++) nic->rss.indir[i] = (uint8_t)state.rss.indirection_table.items[i];
}

/* Our own counters come back; anyone else's private state is skipped, and said so. */
static void get_private(struct acme_nic *nic)
{
    const uint8_t *p = state.impl_private.data;
    size_t len = state.impl_private.len;
    if (!state.has_impl_private) return;
    if (len < PRIV_HEAD || memcmp(p, "ACME", 4) != 0 || get_le(p + 4, 2) != 1 ||
        len != PRIV_HEAD + 16u * get_le(p + 6, 2) || get_le(p + 6, 2) != acme_ring_count(nic)) {
        printf("acme-nic: skipped optional vendor section pci:0x1af4 #1 impl_private (%zu bytes, not acme-nic's "
               "format): that private state is lost\n", len);
        return;
    }
    for (unsigned i = 0; i < acme_ring_count(nic); i++) {
        acme_ring_at(nic, i)->packets = get_le(p + PRIV_HEAD + 16 * i, 8);
        acme_ring_at(nic, i)->bytes = get_le(p + PRIV_HEAD + 16 * i + 8, 8);
    }
}
#endif

static void report_unknown(void)
{
    for (unsigned i = 0; i < state.unknown_count; i++) {
        const struct devstate_unknown_section *u = &state.unknown[i];
        printf("acme-nic: skipped optional %ssection #%u (%zu bytes): unknown to org.virtio.net@%s\n",
               (u->flags & DEVSTATE_SECTION_VENDOR) ? "vendor " : "", (unsigned)u->id, u->payload.len,
               acme_schema_version);
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data = NULL;
    long size;
    if (file == NULL || fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) != 0 ||
        (data = malloc((size_t)size + 1)) == NULL || fread(data, 1, (size_t)size, file) != (size_t)size) {
        fprintf(stderr, "acme-nic: cannot read %s: %s\n", path, strerror(errno));
        free(data);
        data = NULL;
    }
    if (file != NULL) fclose(file);
    *len = data != NULL ? (size_t)size : 0;
    return data;
}

/* 0 loaded, 1 refused (nothing changed), -1 I/O error. */
int acme_load(struct acme_nic *nic, const char *path)
{
    struct devstate_error err;
    size_t len;
    uint8_t *blob = read_file(path, &len);
    if (blob == NULL) return -1;
    if (NET(decode)(blob, len, &state, &err) != DEVSTATE_OK) {
        fprintf(stderr, "acme-nic: refused %s: %s at offset %zu (%s)\n", path, devstate_error_name(err.code),
                err.offset, err.path);
        free(blob);
        return 1;
    }
    if (check_capabilities() != 0) {
        free(blob);
        return 1;
    }
    acme_reset(nic);
    get_common(nic);
    get_config(nic);
    get_queues(nic);
    get_ctrl(nic);
    get_filters(nic);
#if ACME_DSF_MINOR >= 1
    get_rss(nic);
    get_private(nic);
#endif
    report_unknown();
    printf("acme-nic: loaded %s (org.virtio.net blob, %zu bytes, read as %s)\n", path, len, acme_schema_version);
    free(blob);
    return 0;
}
