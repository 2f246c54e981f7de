/* acme-nic device model: rings, MAC hash table, VLAN words, RSS, scenario, reports. */
#include "acme_nic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct name_bit {
    const char *name;
    int bit;
};

static const struct name_bit features[] = {
    {"csum", ACME_F_CSUM}, {"guest-csum", ACME_F_GUEST_CSUM},
    {"ctrl-guest-offloads", ACME_F_CTRL_GUEST_OFFLOADS}, {"mtu", ACME_F_MTU}, {"mac", ACME_F_MAC},
    {"mrg-rxbuf", ACME_F_MRG_RXBUF}, {"status", ACME_F_STATUS}, {"ctrl-vq", ACME_F_CTRL_VQ},
    {"ctrl-rx", ACME_F_CTRL_RX}, {"ctrl-vlan", ACME_F_CTRL_VLAN}, {"ctrl-rx-extra", ACME_F_CTRL_RX_EXTRA},
    {"guest-announce", ACME_F_GUEST_ANNOUNCE}, {"mq", ACME_F_MQ}, {"ctrl-mac-addr", ACME_F_CTRL_MAC_ADDR},
    {"version-1", ACME_F_VERSION_1}, {"rss", ACME_F_RSS}, {"speed-duplex", ACME_F_SPEED_DUPLEX},
};

static const struct name_bit status_bits[] = {
    {"acknowledge", 0}, {"driver", 1}, {"driver-ok", 2}, {"features-ok", 3},
};

static const struct name_bit hash_names[] = {
    {"ipv4", 4}, {"tcpv4", 5}, {"udpv4", 6}, {"ipv6", 8}, {"tcpv6", 9}, {"udpv6", 10},
    {"ipv6-ex", 12}, {"tcpv6-ex", 13}, {"udpv6-ex", 14},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void acme_reset(struct acme_nic *nic)
{
    memset(nic, 0, sizeof *nic);
    nic->mtu = 1500;
    nic->max_pairs = 1;
    nic->active_pairs = 1;
    nic->cfg_vector = 0xffff;
}

bool acme_has(const struct acme_nic *nic, int feature)
{
    return (nic->accepted & nic->offered & ACME_BIT(feature)) != 0;
}

unsigned acme_ring_count(const struct acme_nic *nic)
{
    return 2u * nic->max_pairs + (acme_has(nic, ACME_F_CTRL_VQ) ? 1u : 0u);
}

/* Standard queue order: receiveq1, transmitq1, ..., receiveqN, transmitqN, controlq. */
struct acme_ring *acme_ring_at(struct acme_nic *nic, unsigned index)
{
    if (index >= acme_ring_count(nic)) return NULL;
    if (index == 2u * nic->max_pairs) return &nic->ctl_ring;
    return (index % 2u == 0) ? &nic->rx_ring[index / 2u] : &nic->tx_ring[index / 2u];
}

/* -- MAC filter: open-addressing hash table -------------------------------------------- */

static unsigned mac_hash(const uint8_t addr[6])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 6; i++) h = (h ^ addr[i]) * 16777619u;
    return h & (ACME_MAC_SLOTS - 1u);
}

void acme_mac_clear(struct acme_mac_filter *filter)
{
    memset(filter, 0, sizeof *filter);
}

/* 0 added, 1 the kind's capacity is exhausted (overflow: receive all of that kind). */
int acme_mac_add(struct acme_mac_filter *filter, const uint8_t addr[6], uint8_t kind)
{
    unsigned *count = kind == ACME_SLOT_UNICAST ? &filter->n_uni : &filter->n_multi;
    unsigned slot = mac_hash(addr);
    if (*count >= ACME_MAC_PER_KIND) {
        if (kind == ACME_SLOT_UNICAST) filter->uni_overflow = true;
        else filter->multi_overflow = true;
        return 1;
    }
    while (filter->slot[slot].kind != ACME_SLOT_EMPTY) slot = (slot + 1u) & (ACME_MAC_SLOTS - 1u);
    memcpy(filter->slot[slot].addr, addr, 6);
    filter->slot[slot].kind = kind;
    filter->slot[slot].rank = (uint8_t)(*count)++;
    return 0;
}

/* The entries of one kind in the driver's order (the hash table's order is not it). */
unsigned acme_mac_list(const struct acme_mac_filter *filter, uint8_t kind, uint8_t out[][6])
{
    unsigned n = 0;
    for (unsigned i = 0; i < ACME_MAC_SLOTS; i++) {
        const struct acme_mac_slot *s = &filter->slot[i];
        if (s->kind != kind) continue;
        memcpy(out[s->rank], s->addr, 6);
        n++;
    }
    return n;
}

static unsigned mac_longest_probe(const struct acme_mac_filter *filter)
{
    unsigned longest = 0;
    for (unsigned i = 0; i < ACME_MAC_SLOTS; i++) {
        if (filter->slot[i].kind == ACME_SLOT_EMPTY) continue;
        unsigned distance = (i - mac_hash(filter->slot[i].addr)) & (ACME_MAC_SLOTS - 1u);
        if (distance > longest) longest = distance;
    }
    return longest;
}

void acme_vlan_set(struct acme_nic *nic, unsigned vid)
{
    nic->vlan_words[vid / 64u] |= (uint64_t)1 << (vid % 64u);
}

/* -- scenario: what the guest driver did, one command per line ------------------------- */

struct scenario {
    const char *path;
    unsigned line;
    char message[200];
};

static int bad(struct scenario *sc, const char *what, const char *arg)
{
    snprintf(sc->message, sizeof sc->message, "%s:%u: %s%s%s", sc->path, sc->line, what, arg ? ": " : "",
             arg ? arg : "");
    return -1;
}

static int number(struct scenario *sc, const char *text, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);
    if (errno != 0 || end == text || *end != '\0' || value > max) return bad(sc, "bad number", text);
    *out = value;
    return 0;
}

static int lookup(struct scenario *sc, const struct name_bit *table, size_t n, const char *name, int *bit)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].name, name) == 0) {
            *bit = table[i].bit;
            return 0;
        }
    }
    return bad(sc, "unknown name", name);
}

static int parse_mac(struct scenario *sc, const char *text, uint8_t mac[6])
{
    unsigned v[6];
    char tail;
    if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
        return bad(sc, "bad MAC address", text);
    for (int i = 0; i < 6; i++) mac[i] = (uint8_t)v[i];
    return 0;
}

static int parse_hex(struct scenario *sc, const char *text, uint8_t *out, size_t max, size_t *len)
{
    size_t n = strlen(text);
    if (n % 2 != 0 || n / 2 > max) return bad(sc, "bad hex bytes", text);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned byte;
        if (sscanf(text + 2 * i, "%2x", &byte) != 1) return bad(sc, "bad hex bytes", text);
        out[i] = (uint8_t)byte;
    }
    *len = n / 2;
    return 0;
}

/* "key=value": the value, or NULL when the argument is not that key. */
static const char *value_of(const char *arg, const char *key)
{
    size_t n = strlen(key);
    return strncmp(arg, key, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

typedef int (*command_fn)(struct acme_nic *nic, struct scenario *sc, int argc, char **argv);

static int cmd_device(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    uint64_t v;
    for (int i = 0; i < argc; i++) {
        const char *x;
        if ((x = value_of(argv[i], "mac")) != NULL) { if (parse_mac(sc, x, nic->perm_mac)) return -1; }
        else if ((x = value_of(argv[i], "mtu")) != NULL) { if (number(sc, x, 65535, &v)) return -1; nic->mtu = (uint16_t)v; }
        else if ((x = value_of(argv[i], "pairs")) != NULL) {
            if (number(sc, x, ACME_MAX_PAIRS, &v) || v == 0) return bad(sc, "acme-nic has 1..8 queue pairs", x);
            nic->max_pairs = (uint16_t)v;
        }
        else if ((x = value_of(argv[i], "speed")) != NULL) { if (number(sc, x, 0xffffffffu, &v)) return -1; nic->speed = (uint32_t)v; }
        else if ((x = value_of(argv[i], "duplex")) != NULL) nic->duplex = strcmp(x, "full") == 0 ? 1 : strcmp(x, "half") == 0 ? 0 : 255;
        else if ((x = value_of(argv[i], "ipsec-offload")) != NULL) nic->ipsec_offload = strcmp(x, "on") == 0;
        else return bad(sc, "unknown device setting", argv[i]);
    }
    return 0;
}

static int feature_list(struct scenario *sc, int argc, char **argv, uint64_t *bits)
{
    int bit;
    for (int i = 0; i < argc; i++) {
        if (lookup(sc, features, COUNT(features), argv[i], &bit)) return -1;
        *bits |= ACME_BIT(bit);
    }
    return 0;
}

static int cmd_offer(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    return feature_list(sc, argc, argv, &nic->offered);
}

/* The driver accepts features; the device keeps only those it offered. */
static int cmd_accept(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    uint64_t wanted = 0;
    if (feature_list(sc, argc, argv, &wanted)) return -1;
    nic->accepted = wanted & nic->offered;
    nic->gfselect = 1;
    nic->dfselect = 1;
    return 0;
}

static int cmd_status(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    int bit;
    for (int i = 0; i < argc; i++) {
        if (lookup(sc, status_bits, COUNT(status_bits), argv[i], &bit)) return -1;
        nic->dev_status |= (uint8_t)(1u << bit);
    }
    return 0;
}

static int cmd_link(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    if (argc != 1) return bad(sc, "usage: link up|down", NULL);
    nic->link_up = strcmp(argv[0], "up") == 0;
    return 0;
}

static struct acme_ring *ring_named(struct acme_nic *nic, struct scenario *sc, const char *name)
{
    uint64_t n;
    if (strcmp(name, "ctrl") == 0) return acme_has(nic, ACME_F_CTRL_VQ) ? &nic->ctl_ring : NULL;
    if ((name[0] != 'r' && name[0] != 't') || name[1] != 'x' || number(sc, name + 2, ACME_MAX_PAIRS - 1, &n)) return NULL;
    if (n >= nic->max_pairs) return NULL;
    return name[0] == 'r' ? &nic->rx_ring[n] : &nic->tx_ring[n];
}

static int ring_field(struct scenario *sc, struct acme_ring *ring, const char *arg)
{
    static const char *const keys[] = {"size", "desc", "driver", "device", "avail", "used", "msix", "notify"};
    uint64_t v;
    for (size_t k = 0; k < COUNT(keys); k++) {
        const char *x = value_of(arg, keys[k]);
        if (x == NULL) continue;
        if (number(sc, x, k >= 1 && k <= 3 ? UINT64_MAX : 0xffff, &v)) return -1;
        switch (k) {
        case 0: ring->depth = (uint16_t)v; ring->armed = v != 0; break;
        case 1: ring->desc_gpa = v; break;
        case 2: ring->avail_gpa = v; break;
        case 3: ring->used_gpa = v; break;
        case 4: ring->next_avail = (uint16_t)v; break;
        case 5: ring->used_published = (uint16_t)v; break;
        case 6: ring->irq_vector = (uint16_t)v; break;
        default: ring->doorbell_off = (uint16_t)v; break;
        }
        return 0;
    }
    return bad(sc, "unknown queue setting", arg);
}

static int cmd_queue(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    struct acme_ring *ring = argc > 0 ? ring_named(nic, sc, argv[0]) : NULL;
    if (ring == NULL) return bad(sc, "no such queue on this device", argc > 0 ? argv[0] : NULL);
    for (int i = 1; i < argc; i++)
        if (ring_field(sc, ring, argv[i])) return -1;
    return 0;
}

/* VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET */
static int cmd_pairs(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    uint64_t v;
    if (!acme_has(nic, ACME_F_MQ)) return bad(sc, "command rejected: VIRTIO_NET_F_MQ not negotiated", NULL);
    if (argc != 1 || number(sc, argv[0], nic->max_pairs, &v) || v == 0) return bad(sc, "usage: pairs 1..max", NULL);
    nic->active_pairs = (uint16_t)v;
    return 0;
}

static int cmd_rx_mode(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    struct { const char *name; bool *flag; bool extra; } modes[] = {
        {"promisc", &nic->rx.promisc, false}, {"allmulti", &nic->rx.allmulti, false},
        {"alluni", &nic->rx.alluni, true}, {"nomulti", &nic->rx.nomulti, true},
        {"nouni", &nic->rx.nouni, true}, {"nobcast", &nic->rx.nobcast, true},
    };
    for (int i = 0; i < argc; i++) {
        size_t m = 0;
        while (m < COUNT(modes) && strcmp(modes[m].name, argv[i]) != 0) m++;
        if (m == COUNT(modes)) return bad(sc, "unknown receive mode", argv[i]);
        if (!acme_has(nic, modes[m].extra ? ACME_F_CTRL_RX_EXTRA : ACME_F_CTRL_RX))
            return bad(sc, "command rejected: receive mode needs CTRL_RX(_EXTRA)", argv[i]);
        *modes[m].flag = true;
    }
    return 0;
}

static int mac_csv(struct acme_nic *nic, struct scenario *sc, char *list, uint8_t kind)
{
    uint8_t mac[6];
    for (char *item = strtok(list, ","); item != NULL; item = strtok(NULL, ",")) {
        if (parse_mac(sc, item, mac)) return -1;
        acme_mac_add(&nic->macs, mac, kind);
    }
    return 0;
}

/* VIRTIO_NET_CTRL_MAC_TABLE_SET: replaces both tables. */
static int cmd_mac_table(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    if (!acme_has(nic, ACME_F_CTRL_RX)) return bad(sc, "command rejected: VIRTIO_NET_F_CTRL_RX not negotiated", NULL);
    acme_mac_clear(&nic->macs);
    for (int i = 0; i < argc; i++) {
        char *x;
        if ((x = (char *)value_of(argv[i], "unicast")) != NULL) { if (mac_csv(nic, sc, x, ACME_SLOT_UNICAST)) return -1; }
        else if ((x = (char *)value_of(argv[i], "multicast")) != NULL) { if (mac_csv(nic, sc, x, ACME_SLOT_MULTICAST)) return -1; }
        else return bad(sc, "usage: mac-table unicast=MAC,... multicast=MAC,...", NULL);
    }
    return 0;
}

static int cmd_vlan(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    uint64_t v;
    if (!acme_has(nic, ACME_F_CTRL_VLAN)) return bad(sc, "command rejected: VIRTIO_NET_F_CTRL_VLAN not negotiated", NULL);
    for (int i = 0; i < argc; i++) {
        if (number(sc, argv[i], 4095, &v)) return -1;
        acme_vlan_set(nic, (unsigned)v);
    }
    return 0;
}

static int rss_types(struct acme_nic *nic, struct scenario *sc, char *list)
{
    int bit;
    for (char *item = strtok(list, ","); item != NULL; item = strtok(NULL, ",")) {
        if (lookup(sc, hash_names, COUNT(hash_names), item, &bit)) return -1;
        nic->rss.hash_sel |= 1u << bit;
    }
    return 0;
}

static int rss_table(struct acme_nic *nic, struct scenario *sc, char *list)
{
    uint64_t v;
    nic->rss.indir_len = 0;
    for (char *item = strtok(list, ","); item != NULL; item = strtok(NULL, ",")) {
        if (nic->rss.indir_len == ACME_RSS_TABLE_MAX || number(sc, item, nic->max_pairs - 1u, &v))
            return bad(sc, "bad indirection table entry", item);
        nic->rss.indir[nic->rss.indir_len++] = (uint8_t)v;
    }
    return 0;
}

static int rss_field(struct acme_nic *nic, struct scenario *sc, char *arg)
{
    uint64_t v;
    size_t len;
    char *x;
    if ((x = (char *)value_of(arg, "types")) != NULL) return rss_types(nic, sc, x);
    if ((x = (char *)value_of(arg, "table")) != NULL) return rss_table(nic, sc, x);
    if ((x = (char *)value_of(arg, "key")) != NULL) {
        if (parse_hex(sc, x, nic->rss.key, ACME_RSS_KEY_MAX, &len)) return -1;
        nic->rss.key_len = (uint8_t)len;
        return 0;
    }
    if ((x = (char *)value_of(arg, "unclassified")) != NULL) {
        if (number(sc, x, nic->max_pairs - 1u, &v)) return -1;
        nic->rss.fallback_rxq = (uint16_t)v;
        return 0;
    }
    if ((x = (char *)value_of(arg, "max-tx")) != NULL) {
        if (number(sc, x, nic->max_pairs, &v)) return -1;
        nic->rss.tx_limit = (uint16_t)v;
        return 0;
    }
    return bad(sc, "unknown rss setting", arg);
}

/* VIRTIO_NET_CTRL_MQ_RSS_CONFIG */
static int cmd_rss(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    if (!acme_has(nic, ACME_F_RSS)) return bad(sc, "command rejected: VIRTIO_NET_F_RSS not negotiated", NULL);
    memset(&nic->rss, 0, sizeof nic->rss);
    nic->rss.mode = ACME_RSS_STEER;
    nic->rss.tx_limit = nic->max_pairs;
    for (int i = 0; i < argc; i++)
        if (rss_field(nic, sc, argv[i])) return -1;
    return 0;
}

static int cmd_announce(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    uint64_t v;
    for (int i = 0; i < argc; i++) {
        const char *x;
        if ((x = value_of(argv[i], "rounds")) != NULL) { if (number(sc, x, 255, &v)) return -1; nic->announce_rounds = (uint8_t)v; }
        else if ((x = value_of(argv[i], "delay")) != NULL) { if (number(sc, x, 0xffffffffu, &v)) return -1; nic->announce_delay_ms = (uint32_t)v; }
        else return bad(sc, "usage: announce rounds=N delay=MS", NULL);
    }
    return 0;
}

static int cmd_registers(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    uint64_t v;
    for (int i = 0; i < argc; i++) {
        const char *x;
        if ((x = value_of(argv[i], "generation")) != NULL) { if (number(sc, x, 255, &v)) return -1; nic->cfg_gen = (uint8_t)v; }
        else if ((x = value_of(argv[i], "queue-select")) != NULL) { if (number(sc, x, 0xffff, &v)) return -1; nic->q_select = (uint16_t)v; }
        else if ((x = value_of(argv[i], "msix-config")) != NULL) { if (number(sc, x, 0xffff, &v)) return -1; nic->cfg_vector = (uint16_t)v; }
        else if ((x = value_of(argv[i], "isr")) != NULL) { if (number(sc, x, 3, &v)) return -1; nic->isr = (uint8_t)v; }
        else return bad(sc, "unknown register", argv[i]);
    }
    return 0;
}

/* Vendor A only: private per-ring counters, e.g. "counters rx0=1200:1800000". */
static int cmd_counters(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '='), *colon;
        uint64_t packets, bytes;
        if (eq == NULL || (colon = strchr(eq, ':')) == NULL) return bad(sc, "usage: counters QUEUE=PACKETS:BYTES", NULL);
        *eq = *colon = '\0';
        struct acme_ring *ring = ring_named(nic, sc, argv[i]);
        if (ring == NULL || number(sc, eq + 1, UINT64_MAX, &packets) || number(sc, colon + 1, UINT64_MAX, &bytes))
            return bad(sc, "bad counters", argv[i]);
        ring->packets = packets;
        ring->bytes = bytes;
    }
    return 0;
}

/* Vendor A only: the guest installed an IPsec security association in the offload engine. */
static int cmd_ipsec_sa(struct acme_nic *nic, struct scenario *sc, int argc, char **argv)
{
    uint64_t v;
    size_t len;
    if (!nic->ipsec_offload) return bad(sc, "command rejected: the device has no IPsec offload", NULL);
    for (int i = 0; i < argc; i++) {
        const char *x;
        if ((x = value_of(argv[i], "spi")) != NULL) { if (number(sc, x, 0xffffffffu, &v)) return -1; nic->sa.spi = (uint32_t)v; }
        else if ((x = value_of(argv[i], "seq")) != NULL) { if (number(sc, x, UINT64_MAX, &v)) return -1; nic->sa.seq = v; }
        else if ((x = value_of(argv[i], "key")) != NULL) { if (parse_hex(sc, x, nic->sa.key, 16, &len) || len != 16) return bad(sc, "key: 16 bytes", NULL); }
        else return bad(sc, "usage: ipsec-sa spi=N seq=N key=HEX", NULL);
    }
    nic->sa.active = true;
    return 0;
}

static const struct { const char *name; command_fn fn; } commands[] = {
    {"device", cmd_device}, {"offer", cmd_offer}, {"accept", cmd_accept}, {"status", cmd_status},
    {"link", cmd_link}, {"queue", cmd_queue}, {"pairs", cmd_pairs}, {"rx-mode", cmd_rx_mode},
    {"mac-table", cmd_mac_table}, {"vlan", cmd_vlan}, {"rss", cmd_rss}, {"announce", cmd_announce},
    {"registers", cmd_registers}, {"counters", cmd_counters}, {"ipsec-sa", cmd_ipsec_sa},
};

static int run_line(struct acme_nic *nic, struct scenario *sc, char *text)
{
    char *argv[160];
    int argc = 0;
    char *hash = strchr(text, '#');
    if (hash != NULL) *hash = '\0';
    for (char *tok = strtok(text, " \t\r\n"); tok != NULL && argc < 160; tok = strtok(NULL, " \t\r\n"))
        argv[argc++] = tok;
    if (argc == 0) return 0;
    for (size_t i = 0; i < COUNT(commands); i++) {
        if (strcmp(commands[i].name, argv[0]) == 0) return commands[i].fn(nic, sc, argc - 1, argv + 1);
    }
    return bad(sc, "unknown command", argv[0]);
}

/* Apply a scenario file; -1 with a message on stderr naming the file and line. */
int acme_load_scenario(struct acme_nic *nic, const char *path)
{
    struct scenario sc = {path, 0, ""};
    char text[4096];
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        fprintf(stderr, "acme-nic: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(text, sizeof text, file) != NULL) {
        sc.line++;
        if (run_line(nic, &sc, text) != 0) {
            fprintf(stderr, "acme-nic: %s\n", sc.message);
            fclose(file);
            return -1;
        }
    }
    fclose(file);
    if (nic->active_pairs > nic->max_pairs) nic->active_pairs = nic->max_pairs;
    return 0;
}

/* -- reports ---------------------------------------------------------------------------- */

static void print_ring(const char *name, const struct acme_ring *ring)
{
    if (ring->depth == 0) return;
    printf("    %-5s depth %4u  next_avail %5u  used_published %5u  irq %u", name, ring->depth, ring->next_avail,
           ring->used_published, ring->irq_vector);
    if (ring->packets != 0) printf("  [%llu pkts]", (unsigned long long)ring->packets);
    printf("\n");
}

static unsigned vlan_count(const struct acme_nic *nic)
{
    unsigned n = 0;
    for (unsigned w = 0; w < ACME_VLAN_WORDS; w++)
        for (uint64_t bits = nic->vlan_words[w]; bits != 0; bits &= bits - 1) n++;
    return n;
}

/* Vendor A's own view of its state (not the standard one). */
void acme_print_internals(const struct acme_nic *nic, const char *verb)
{
    char name[8];
    printf("acme-nic (vendor A, C, org.virtio.net@%s) %s:\n", acme_schema_version, verb);
    printf("  rings (rx_ring[] / tx_ring[] / ctl_ring):\n");
    for (unsigned p = 0; p < nic->max_pairs; p++) {
        snprintf(name, sizeof name, "rx%u", p);
        print_ring(name, &nic->rx_ring[p]);
        snprintf(name, sizeof name, "tx%u", p);
        print_ring(name, &nic->tx_ring[p]);
    }
    print_ring("ctl", &nic->ctl_ring);
    printf("  mac hash table: %u unicast + %u multicast in %u slots, longest probe %u\n", nic->macs.n_uni,
           nic->macs.n_multi, ACME_MAC_SLOTS, mac_longest_probe(&nic->macs));
    printf("  rx policy: promisc=%d allmulti=%d alluni=%d nomulti=%d nouni=%d nobcast=%d\n", nic->rx.promisc,
           nic->rx.allmulti, nic->rx.alluni, nic->rx.nomulti, nic->rx.nouni, nic->rx.nobcast);
    printf("  vlan words: %u ids set; active pairs %u of %u\n", vlan_count(nic), nic->active_pairs, nic->max_pairs);
    if (nic->rss.mode != ACME_RSS_OFF)
        printf("  rss: mode %u, hash_sel 0x%04x (acme bits), key %u B, %u buckets\n", nic->rss.mode,
               (unsigned)nic->rss.hash_sel, nic->rss.key_len, nic->rss.indir_len);
    if (nic->sa.active) printf("  ipsec offload: SA spi 0x%08x seq %llu\n", (unsigned)nic->sa.spi,
                               (unsigned long long)nic->sa.seq);
}

static void print_param_bool(const char *name, bool value, bool *first)
{
    printf("%s\"%s\": %s", *first ? "" : ", ", name, value ? "true" : "false");
    *first = false;
}

static void print_params(const struct acme_nic *nic)
{
    static const struct name_bit bools[] = {
        {"mq", ACME_F_MQ}, {"ctrl-vq", ACME_F_CTRL_VQ}, {"ctrl-rx", ACME_F_CTRL_RX},
        {"ctrl-vlan", ACME_F_CTRL_VLAN}, {"ctrl-mac-addr", ACME_F_CTRL_MAC_ADDR},
        {"guest-announce", ACME_F_GUEST_ANNOUNCE}, {"mrg-rxbuf", ACME_F_MRG_RXBUF}, {"csum", ACME_F_CSUM},
        {"guest-csum", ACME_F_GUEST_CSUM}, {"rss", ACME_F_RSS}, {"ctrl-guest-offloads", ACME_F_CTRL_GUEST_OFFLOADS},
        {"speed-duplex", ACME_F_SPEED_DUPLEX},
    };
    bool first = true;
    size_t n = strcmp(acme_schema_version, "1.0") == 0 ? 9 : COUNT(bools); /* 1.1 added the rest */
    printf("  \"params\": {\"max-queue-pairs\": %u, \"mtu\": %u", nic->max_pairs, nic->mtu);
    first = false;
    for (size_t i = 0; i < n; i++) print_param_bool(bools[i].name, (nic->offered & ACME_BIT(bools[i].bit)) != 0, &first);
    printf("},\n");
}

static void print_supported(void)
{
    printf("  \"supported_params\": {\"max-queue-pairs\": {\"min\": 1, \"max\": %d}, \"mtu\": {\"min\": 68, \"max\": 9216}",
           ACME_MAX_PAIRS);
    static const char *const any[] = {"mq", "ctrl-vq", "ctrl-rx", "ctrl-vlan", "ctrl-mac-addr", "guest-announce",
                                      "mrg-rxbuf", "csum", "guest-csum", "rss", "ctrl-guest-offloads", "speed-duplex"};
    size_t n = strcmp(acme_schema_version, "1.0") == 0 ? 9 : COUNT(any);
    for (size_t i = 0; i < n; i++) printf(", \"%s\": {\"any\": true}", any[i]);
    printf("},\n");
}

/* The device description (spec/migration-parameters.md) of this device as configured. */
void acme_print_description(const struct acme_nic *nic, bool configured)
{
    bool v11 = strcmp(acme_schema_version, "1.1") == 0;
    printf("{\n  \"description\": \"vendor A: acme-nic (C), org.virtio.net %s\",\n", acme_schema_version);
    printf("  \"model\": \"org.virtio.net\",\n  \"versions\": [\"%s\"],\n", acme_schema_version);
    if (configured) print_params(nic);
    print_supported();
    printf("  \"vendor_sections\": [");
    if (v11) printf("{\"vendor\": \"pci:0x1af4\", \"id\": 1, \"name\": \"impl_private\"}");
    if (nic->ipsec_offload)
        printf("%s{\"vendor\": \"uuid:5f1c0a2e-7d4b-4e8a-9a51-0c0ffee0a0a0\", \"id\": 1, \"name\": \"acme_ipsec_sa\"}",
               v11 ? ", " : "");
    printf("]\n}\n");
}
