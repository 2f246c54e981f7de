//! rustnic <-> the standard org.virtio.net 1.1 state, through the generated Rust codec
//! (devstate-codecs, codegen/rust) and nothing else.

use std::borrow::Cow;

use devstate_codecs::org_virtio_net_v1_1 as net;

use crate::device::{feature_bit, Ring, RustNic, Steering, FEATURES, RX_MODES};

/// The standard receive-mode bits, by name (rustnic's own order differs).
const STANDARD_RX_MODES: [(&str, net::RxMode); 6] = [
    ("promisc", net::RxMode::PROMISC),
    ("allmulti", net::RxMode::ALLMULTI),
    ("alluni", net::RxMode::ALLUNI),
    ("nomulti", net::RxMode::NOMULTI),
    ("nouni", net::RxMode::NOUNI),
    ("nobcast", net::RxMode::NOBCAST),
];

fn mac_octets(mac: u64) -> [u8; 6] {
    let b = mac.to_be_bytes();
    [b[2], b[3], b[4], b[5], b[6], b[7]]
}

fn mac_number(octets: &[u8; 6]) -> u64 {
    octets.iter().fold(0u64, |mac, &b| mac << 8 | b as u64)
}

fn words(set: u128) -> [u64; 2] {
    [set as u64, (set >> 64) as u64]
}

fn set(words: &[u64; 2]) -> u128 {
    words[0] as u128 | (words[1] as u128) << 64
}

// ---- save: rustnic -> standard state -----------------------------------------------------

pub fn to_state(nic: &RustNic) -> net::State<'_> {
    let mut state = net::State::default();
    let c = &mut state.common;
    c.status = net::VirtioDeviceStatus(nic.status);
    c.device_feature_select = nic.feature_select.0;
    c.device_features = words(nic.offered);
    c.driver_feature_select = nic.feature_select.1;
    c.driver_features = words(nic.negotiated);
    c.config_generation = nic.generation;
    c.queue_select = nic.queue_select;
    c.msix_config = nic.msix_config;
    c.isr = net::VirtioIsrStatus(nic.isr);
    c.num_queues = nic.rings.len() as u16;
    state.queues = nic.rings.iter().map(ring_state).collect();
    let config = &mut state.config;
    config.mac = mac_octets(nic.mac);
    config.status = net::NetStatus(nic.link_up as u16 | (nic.announce_pending as u16) << 1);
    config.max_virtqueue_pairs = nic.max_pairs;
    config.mtu = if nic.offers("mtu") { nic.mtu } else { 0 };
    if nic.offers("speed-duplex") {
        config.speed = nic.speed;
        config.duplex = match nic.full_duplex {
            Some(true) => net::Duplex::Full,
            Some(false) => net::Duplex::Half,
            None => net::Duplex::default(),
        };
    }
    if nic.offers("rss") {
        config.rss_max_key_size = 40;
        config.rss_max_indirection_table_length = 128;
        config.supported_hash_types = net::HashTypes(net::HashTypes::MASK);
    }
    state.ctrl.curr_queue_pairs = nic.pairs;
    state.ctrl.rx_mode = STANDARD_RX_MODES
        .iter()
        .filter(|(name, _)| nic.rx_modes >> own_rx_bit(name) & 1 == 1)
        .fold(net::RxMode::empty(), |modes, &(_, bit)| modes | bit);
    state.ctrl.guest_offloads_disabled = nic.offloads_off;
    state.mac_filter.unicast_overflow = nic.overflow.0;
    state.mac_filter.multicast_overflow = nic.overflow.1;
    state.mac_filter.unicast = nic.unicast.iter().map(|&m| mac_octets(m)).collect();
    state.mac_filter.multicast = nic.multicast.iter().map(|&m| mac_octets(m)).collect();
    for &vid in &nic.vlans {
        state.vlan_filter[vid as usize / 32] |= 1 << (vid % 32);
    }
    state.announce.rounds_remaining = nic.announce.0;
    state.announce.next_round_delay = nic.announce.1;
    if nic.offers("rss") {
        state.rss = Some(match &nic.steering {
            None => net::RssState::default(),
            Some(s) => net::RssState {
                mode: match s.mode {
                    1 => net::RssMode::Rss,
                    2 => net::RssMode::HashReport,
                    _ => net::RssMode::Disabled,
                },
                hash_types: net::HashTypes(s.hash_types),
                unclassified_queue: s.unclassified,
                max_tx_vq: s.max_tx,
                hash_key: Cow::Owned(
                    s.key_and_table[..s.key_len]
                        .iter()
                        .map(|&b| b as u8)
                        .collect(),
                ),
                indirection_table: s.key_and_table[s.key_len..].to_vec(),
            },
        });
    }
    state
}

fn own_rx_bit(name: &str) -> usize {
    RX_MODES.iter().position(|m| *m == name).unwrap_or(0)
}

fn ring_state(ring: &Ring) -> net::VirtioVirtqueue {
    net::VirtioVirtqueue {
        size: ring.depth,
        enabled: ring.depth != 0,
        desc_addr: ring.areas[0],
        driver_addr: ring.areas[1],
        device_addr: ring.areas[2],
        last_avail_idx: ring.next_avail,
        used_idx: ring.used,
        msix_vector: ring.vector,
        notify_off: ring.notify.0,
        notify_data: ring.notify.1,
        avail_wrap_counter: ring.wrap.0,
        used_wrap_counter: ring.wrap.1,
        reset: ring.reset,
    }
}

// ---- load: standard state -> rustnic -----------------------------------------------------

/// Refuse, before anything changes, state this device cannot host.
pub fn check_capabilities(state: &net::State<'_>, max_pairs: u16) -> Result<(), String> {
    let pairs = state.config.max_virtqueue_pairs;
    if !(1..=max_pairs).contains(&pairs) {
        return Err(format!(
            "{} queue pairs: rustnic hosts 1..{}",
            pairs, max_pairs
        ));
    }
    let offered = set(&state.common.device_features);
    let unknown: Vec<String> = (0..128)
        .filter(|&bit| offered >> bit & 1 == 1 && !FEATURES.iter().any(|&(_, b)| b == bit))
        .map(|bit| format!("bit{}", bit))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "feature bits rustnic does not implement: {}",
            unknown.join(", ")
        ));
    }
    let negotiated = set(&state.common.driver_features) & offered;
    let ctrl = feature_bit("ctrl-vq").map_or(false, |bit| negotiated >> bit & 1 == 1);
    if state.queues.len() != 2 * pairs as usize + ctrl as usize {
        return Err(
            "the queue count does not match max_virtqueue_pairs and the control queue".into(),
        );
    }
    Ok(())
}

pub fn from_state(state: &net::State<'_>) -> RustNic {
    let c = &state.common;
    let offered = set(&c.device_features);
    let mut nic = RustNic {
        offered,
        negotiated: set(&c.driver_features) & offered,
        status: c.status.0,
        feature_select: (c.device_feature_select, c.driver_feature_select),
        generation: c.config_generation,
        queue_select: c.queue_select,
        msix_config: c.msix_config,
        isr: c.isr.0,
        mac: mac_number(&state.config.mac),
        max_pairs: state.config.max_virtqueue_pairs,
        link_up: state.config.status.contains(net::NetStatus::LINK_UP),
        announce_pending: state.config.status.contains(net::NetStatus::ANNOUNCE),
        speed: state.config.speed,
        pairs: state.ctrl.curr_queue_pairs,
        offloads_off: state.ctrl.guest_offloads_disabled,
        unicast: state.mac_filter.unicast.iter().map(mac_number).collect(),
        multicast: state.mac_filter.multicast.iter().map(mac_number).collect(),
        overflow: (
            state.mac_filter.unicast_overflow,
            state.mac_filter.multicast_overflow,
        ),
        announce: (
            state.announce.rounds_remaining,
            state.announce.next_round_delay,
        ),
        ..RustNic::default()
    };
    if state.config.mtu != 0 {
        nic.mtu = state.config.mtu;
    }
    nic.full_duplex = match state.config.duplex {
        net::Duplex::Full => Some(true),
        net::Duplex::Half => Some(false),
        _ => None,
    };
    nic.rx_modes = STANDARD_RX_MODES
        .iter()
        .filter(|(_, bit)| state.ctrl.rx_mode.contains(*bit))
        .fold(0u8, |modes, (name, _)| modes | 1 << own_rx_bit(name));
    for (word, bits) in state.vlan_filter.iter().enumerate() {
        for bit in 0..32 {
            if bits >> bit & 1 == 1 {
                nic.vlans.insert((word * 32 + bit) as u16);
            }
        }
    }
    let roles = nic.roles();
    nic.rings = roles
        .into_iter()
        .zip(&state.queues)
        .map(|(role, q)| Ring {
            role,
            depth: q.size,
            areas: [q.desc_addr, q.driver_addr, q.device_addr],
            next_avail: q.last_avail_idx,
            used: q.used_idx,
            vector: q.msix_vector,
            notify: (q.notify_off, q.notify_data),
            wrap: (q.avail_wrap_counter, q.used_wrap_counter),
            reset: q.reset,
        })
        .collect();
    if let Some(rss) = &state.rss {
        if rss.mode != net::RssMode::Disabled {
            let mut key_and_table: Vec<u16> = rss.hash_key.iter().map(|&b| b as u16).collect();
            key_and_table.extend_from_slice(&rss.indirection_table);
            nic.steering = Some(Steering {
                mode: if rss.mode == net::RssMode::Rss { 1 } else { 2 },
                hash_types: rss.hash_types.0,
                key_len: rss.hash_key.len(),
                key_and_table,
                unclassified: rss.unclassified_queue,
                max_tx: rss.max_tx_vq,
            });
        }
    }
    nic
}

/// What rustnic skips in a loaded state, one line each: the opaque implementation-private
/// vendor section (rustnic keeps no private state) and every unknown optional section.
pub fn skipped_sections(state: &net::State<'_>) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(private) = &state.impl_private {
        found.push(format!(
            "optional vendor section pci:0x1af4 #1 impl_private ({} bytes, another implementation's private state)",
            private.len()
        ));
    }
    for section in &state.unknown_sections {
        let place = match section.vendor {
            Some(vendor) => format!("vendor section {} #{}", vendor, section.id),
            None => format!("section #{}", section.id),
        };
        found.push(format!(
            "optional {} ({} bytes, unknown to org.virtio.net@1.1)",
            place,
            section.payload.len()
        ));
    }
    found
}
