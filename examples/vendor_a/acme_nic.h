/* acme-nic: vendor A's virtio-net device model (C99).
 *
 * The internal layout is vendor A's own and deliberately unlike the standard state:
 * receive and transmit rings in separate arrays plus a control ring, the MAC filter as an
 * open-addressing hash table, the receive policy as booleans, the VLAN filter as 64-bit
 * words, RSS with vendor A's own hash-type bits and a byte-wide indirection table, and
 * private per-ring counters that no standard field holds. acme_dsf.c maps this to and
 * from the standard org.virtio.net state through the generated C codec.
 */
#ifndef ACME_NIC_H
#define ACME_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACME_MAX_PAIRS 8       /* queue pairs the hardware has */
#define ACME_MAC_SLOTS 256     /* MAC hash table slots (a power of two) */
#define ACME_MAC_PER_KIND 64   /* unicast (and multicast) entries the filter holds */
#define ACME_RSS_KEY_MAX 40
#define ACME_RSS_TABLE_MAX 128
#define ACME_VLAN_WORDS 64     /* 4096 VLAN ids in 64-bit words */

/* virtio(-net) feature bits vendor A implements */
#define ACME_F_CSUM 0
#define ACME_F_GUEST_CSUM 1
#define ACME_F_CTRL_GUEST_OFFLOADS 2
#define ACME_F_MTU 3
#define ACME_F_MAC 5
#define ACME_F_MRG_RXBUF 15
#define ACME_F_STATUS 16
#define ACME_F_CTRL_VQ 17
#define ACME_F_CTRL_RX 18
#define ACME_F_CTRL_VLAN 19
#define ACME_F_CTRL_RX_EXTRA 20
#define ACME_F_GUEST_ANNOUNCE 21
#define ACME_F_MQ 22
#define ACME_F_CTRL_MAC_ADDR 23
#define ACME_F_VERSION_1 32
#define ACME_F_RSS 60
#define ACME_F_SPEED_DUPLEX 63
#define ACME_BIT(f) ((uint64_t)1 << (f))

/* RSS hash types in vendor A's own bit layout (not virtio's VIRTIO_NET_HASH_TYPE_*) */
#define ACME_H_IP4 (1u << 4)
#define ACME_H_TCP4 (1u << 5)
#define ACME_H_UDP4 (1u << 6)
#define ACME_H_IP6 (1u << 8)
#define ACME_H_TCP6 (1u << 9)
#define ACME_H_UDP6 (1u << 10)
#define ACME_H_IP6EX (1u << 12)
#define ACME_H_TCP6EX (1u << 13)
#define ACME_H_UDP6EX (1u << 14)

/* One virtqueue in vendor A's bookkeeping. */
struct acme_ring {
    uint16_t depth;          /* descriptors; 0: the ring does not exist */
    bool armed;              /* the driver enabled it */
    uint64_t desc_gpa, avail_gpa, used_gpa;
    uint16_t next_avail;     /* next available-ring entry the device takes */
    uint16_t used_published; /* used idx last published to the guest */
    uint16_t irq_vector;
    uint16_t doorbell_off, doorbell_data;
    uint64_t packets, bytes; /* private counters (vendor section, optional) */
};

#define ACME_SLOT_EMPTY 0
#define ACME_SLOT_UNICAST 1
#define ACME_SLOT_MULTICAST 2

struct acme_mac_slot {
    uint8_t addr[6];
    uint8_t kind;  /* ACME_SLOT_* */
    uint8_t rank;  /* position in the driver's list of that kind */
};

/* MAC filter: open addressing, linear probing, FNV-1a over the address. */
struct acme_mac_filter {
    struct acme_mac_slot slot[ACME_MAC_SLOTS];
    unsigned n_uni, n_multi;
    bool uni_overflow, multi_overflow;
};

struct acme_rx_policy {
    bool promisc, allmulti, alluni, nomulti, nouni, nobcast;
};

#define ACME_RSS_OFF 0
#define ACME_RSS_STEER 1
#define ACME_RSS_REPORT 2

struct acme_rss {
    uint8_t mode;      /* ACME_RSS_* */
    uint32_t hash_sel; /* ACME_H_* */
    uint8_t key[ACME_RSS_KEY_MAX];
    uint8_t key_len;
    uint8_t indir[ACME_RSS_TABLE_MAX]; /* receive queue per bucket: vendor A has < 256 */
    uint16_t indir_len;
    uint16_t fallback_rxq;
    uint16_t tx_limit;
};

/* Vendor A's inline IPsec offload: one security association. No standard field holds
 * it, and a destination that dropped it would break the guest's traffic, so it travels
 * in a must-understand (non-optional) vendor section. */
struct acme_ipsec_sa {
    bool active;
    uint32_t spi;
    uint64_t seq;
    uint8_t key[16];
};

struct acme_nic {
    /* configuration: what the migration parameters describe */
    uint8_t perm_mac[6];
    uint16_t mtu, max_pairs;
    uint32_t speed;
    uint8_t duplex; /* 0 half, 1 full, 255 unknown */
    bool ipsec_offload;
    uint64_t offered, accepted; /* feature bits 0..63 (vendor A has none above) */
    /* registers */
    uint8_t dev_status, cfg_gen, isr;
    uint32_t dfselect, gfselect;
    uint16_t q_select, cfg_vector;
    bool link_up, announce_flag;
    /* driver-set state */
    uint16_t active_pairs;
    struct acme_rx_policy rx;
    struct acme_mac_filter macs;
    uint64_t vlan_words[ACME_VLAN_WORDS];
    struct acme_rss rss;
    uint64_t offloads_off;
    uint8_t announce_rounds;
    uint32_t announce_delay_ms;
    struct acme_ring rx_ring[ACME_MAX_PAIRS], tx_ring[ACME_MAX_PAIRS], ctl_ring;
    struct acme_ipsec_sa sa;
};

/* acme_nic.c: the device model */
void acme_reset(struct acme_nic *nic);
bool acme_has(const struct acme_nic *nic, int feature); /* negotiated */
unsigned acme_ring_count(const struct acme_nic *nic);   /* standard queue count */
struct acme_ring *acme_ring_at(struct acme_nic *nic, unsigned index);
int acme_mac_add(struct acme_mac_filter *filter, const uint8_t addr[6], uint8_t kind);
void acme_mac_clear(struct acme_mac_filter *filter);
unsigned acme_mac_list(const struct acme_mac_filter *filter, uint8_t kind, uint8_t out[][6]);
void acme_vlan_set(struct acme_nic *nic, unsigned vid);
int acme_load_scenario(struct acme_nic *nic, const char *path);
void acme_print_internals(const struct acme_nic *nic, const char *verb);
void acme_print_description(const struct acme_nic *nic, bool configured);

/* acme_dsf.c: the standard state through the generated codec */
extern const char *const acme_schema_version; /* "1.0" or "1.1": fixed at build time */
int acme_save(struct acme_nic *nic, const char *path);
int acme_load(struct acme_nic *nic, const char *path);

#endif /* ACME_NIC_H */
