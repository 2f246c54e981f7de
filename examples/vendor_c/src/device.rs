//! rustnic's device model: vendor C's own view of a virtio-net device.
//!
//! Nothing here follows the standard state's layout: the queues are one `Vec<Ring>` where
//! each ring knows its role, features are two `u128` bit sets, MAC addresses are `u64`s,
//! receive modes are rustnic's own bit order, the VLAN filter is a `BTreeSet` and RSS
//! keeps its key and table in one `Vec`. `dsf.rs` maps it to and from the standard
//! org.virtio.net state. The scenario language (what the guest driver did) is the one the
//! other vendors' devices read; see `examples/README.md`.

use std::collections::BTreeSet;

/// Queue pairs rustnic can host.
pub const MAX_PAIRS: u16 = 8;

/// virtio(-net) feature names rustnic knows, with their bit numbers.
pub const FEATURES: [(&str, u32); 40] = [
    ("csum", 0),
    ("guest-csum", 1),
    ("ctrl-guest-offloads", 2),
    ("mtu", 3),
    ("mac", 5),
    ("guest-tso4", 7),
    ("guest-tso6", 8),
    ("guest-ecn", 9),
    ("guest-ufo", 10),
    ("host-tso4", 11),
    ("host-tso6", 12),
    ("host-ecn", 13),
    ("host-ufo", 14),
    ("mrg-rxbuf", 15),
    ("status", 16),
    ("ctrl-vq", 17),
    ("ctrl-rx", 18),
    ("ctrl-vlan", 19),
    ("ctrl-rx-extra", 20),
    ("guest-announce", 21),
    ("mq", 22),
    ("ctrl-mac-addr", 23),
    ("notify-on-empty", 24),
    ("any-layout", 27),
    ("indirect-desc", 28),
    ("event-idx", 29),
    ("version-1", 32),
    ("access-platform", 33),
    ("ring-packed", 34),
    ("in-order", 35),
    ("order-platform", 36),
    ("notification-data", 38),
    ("ring-reset", 40),
    ("guest-uso4", 54),
    ("guest-uso6", 55),
    ("host-uso", 56),
    ("hash-report", 57),
    ("rss", 60),
    ("rsc-ext", 61),
    ("speed-duplex", 63),
];

/// Device status bits in the driver's order (acknowledge, driver, driver-ok, features-ok).
pub const STATUS: [&str; 4] = ["acknowledge", "driver", "driver-ok", "features-ok"];
/// rustnic's receive-mode bits: its own order, not the standard's.
pub const RX_MODES: [&str; 6] = [
    "nobcast", "nouni", "nomulti", "alluni", "allmulti", "promisc",
];
pub const HASH_TYPES: [&str; 9] = [
    "ipv4", "tcpv4", "udpv4", "ipv6", "tcpv6", "udpv6", "ipv6-ex", "tcpv6-ex", "udpv6-ex",
];

/// A feature's bit, by name.
pub fn feature_bit(name: &str) -> Option<u32> {
    FEATURES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, bit)| bit)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Rx(u16),
    Tx(u16),
    Ctrl,
}

/// One virtqueue as rustnic tracks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ring {
    pub role: Role,
    pub depth: u16,
    /// Guest addresses: descriptor table, driver area, device area.
    pub areas: [u64; 3],
    pub next_avail: u16,
    pub used: u16,
    pub vector: u16,
    pub notify: (u16, u16),
    /// Packed-ring wrap counters and the reset bit.
    pub wrap: (bool, bool),
    pub reset: bool,
}

impl Ring {
    pub fn new(role: Role) -> Ring {
        Ring {
            role,
            depth: 0,
            areas: [0; 3],
            next_avail: 0,
            used: 0,
            vector: 0,
            notify: (0, 0),
            wrap: (false, false),
            reset: false,
        }
    }

    pub fn name(&self) -> String {
        match self.role {
            Role::Rx(pair) => format!("rx{}", pair),
            Role::Tx(pair) => format!("tx{}", pair),
            Role::Ctrl => "ctrl".to_string(),
        }
    }
}

/// Receive-side scaling as the driver configured it: `key_len` bytes of key, then the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Steering {
    /// 0 off, 1 rss, 2 hash report.
    pub mode: u8,
    pub hash_types: u32,
    pub key_len: usize,
    pub key_and_table: Vec<u16>,
    pub unclassified: u16,
    pub max_tx: u16,
}

/// Vendor C's virtio-net device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustNic {
    pub mac: u64,
    pub mtu: u16,
    pub max_pairs: u16,
    pub speed: u32,
    pub full_duplex: Option<bool>,
    pub offered: u128,
    pub negotiated: u128,
    pub status: u8,
    pub feature_select: (u32, u32),
    pub generation: u8,
    pub queue_select: u16,
    pub msix_config: u16,
    pub isr: u8,
    pub link_up: bool,
    pub announce_pending: bool,
    pub pairs: u16,
    pub rx_modes: u8,
    pub unicast: Vec<u64>,
    pub multicast: Vec<u64>,
    pub overflow: (bool, bool),
    pub vlans: BTreeSet<u16>,
    pub steering: Option<Steering>,
    pub offloads_off: u64,
    pub announce: (u8, u32),
    pub rings: Vec<Ring>,
}

impl Default for RustNic {
    fn default() -> RustNic {
        RustNic {
            mac: 0,
            mtu: 1500,
            max_pairs: 1,
            speed: 0,
            full_duplex: None,
            offered: 0,
            negotiated: 0,
            status: 0,
            feature_select: (0, 0),
            generation: 0,
            queue_select: 0,
            msix_config: 0xFFFF,
            isr: 0,
            link_up: false,
            announce_pending: false,
            pairs: 1,
            rx_modes: 0,
            unicast: Vec::new(),
            multicast: Vec::new(),
            overflow: (false, false),
            vlans: BTreeSet::new(),
            steering: None,
            offloads_off: 0,
            announce: (0, 0),
            rings: Vec::new(),
        }
    }
}

impl RustNic {
    pub fn has(&self, feature: &str) -> bool {
        feature_bit(feature).map_or(false, |bit| self.negotiated >> bit & 1 == 1)
    }

    pub fn offers(&self, feature: &str) -> bool {
        feature_bit(feature).map_or(false, |bit| self.offered >> bit & 1 == 1)
    }

    /// The standard queue order: rx0, tx0, ..., then ctrl when negotiated.
    pub fn roles(&self) -> Vec<Role> {
        let mut roles = Vec::new();
        for pair in 0..self.max_pairs {
            roles.push(Role::Rx(pair));
            roles.push(Role::Tx(pair));
        }
        if self.has("ctrl-vq") {
            roles.push(Role::Ctrl);
        }
        roles
    }

    /// Rings for the current roles (existing ones kept).
    fn lay_out_rings(&mut self) {
        let old = std::mem::take(&mut self.rings);
        self.rings = self
            .roles()
            .into_iter()
            .map(|role| {
                old.iter()
                    .find(|r| r.role == role)
                    .cloned()
                    .unwrap_or_else(|| Ring::new(role))
            })
            .collect();
    }

    /// rustnic's own view of its state, for humans.
    pub fn internals(&self) -> Vec<String> {
        let rings: Vec<String> = self
            .rings
            .iter()
            .filter(|r| r.depth != 0)
            .map(|r| format!("{}({}, avail {})", r.name(), r.depth, r.next_avail))
            .collect();
        let steering = match &self.steering {
            None => "off".to_string(),
            Some(s) => format!(
                "mode {}, {} hash types, {}-byte key, {}-entry table",
                s.mode,
                s.hash_types.count_ones(),
                s.key_len,
                s.key_and_table.len() - s.key_len
            ),
        };
        vec![
            format!("  rings (Vec<Ring> with roles): {}", rings.join(", ")),
            format!(
                "  mac {:012x} (u64); {} unicast, {} multicast filter entries (Vec<u64>)",
                self.mac,
                self.unicast.len(),
                self.multicast.len()
            ),
            format!(
                "  rx modes 0b{:06b} (rustnic's bits); vlans {:?} (BTreeSet); pairs {}/{}",
                self.rx_modes, self.vlans, self.pairs, self.max_pairs
            ),
            format!(
                "  features: {} negotiated of {} offered (u128); steering: {}",
                self.negotiated.count_ones(),
                self.offered.count_ones(),
                steering
            ),
        ]
    }
}

// ---- the scenario ------------------------------------------------------------------------

fn number<T: TryFrom<u64>>(text: &str) -> Result<T, String> {
    let value = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    }
    .map_err(|_| format!("not a number: {}", text))?;
    T::try_from(value).map_err(|_| format!("out of range: {}", text))
}

pub fn parse_mac(text: &str) -> Result<u64, String> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 6 {
        return Err(format!("not a MAC address: {}", text));
    }
    parts.iter().try_fold(0u64, |mac, part| {
        u8::from_str_radix(part, 16)
            .map(|b| mac << 8 | b as u64)
            .map_err(|_| format!("not a MAC address: {}", text))
    })
}

fn settings(args: &[&str]) -> Result<Vec<(String, String)>, String> {
    args.iter()
        .map(|arg| match arg.split_once('=') {
            Some((k, v)) => Ok((k.to_string(), v.to_string())),
            None => Err(format!("expected key=value: {}", arg)),
        })
        .collect()
}

fn get<'s>(values: &'s [(String, String)], key: &str) -> Option<&'s str> {
    values
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn features(args: &[&str]) -> Result<u128, String> {
    args.iter()
        .try_fold(0u128, |set, name| match feature_bit(name) {
            Some(bit) => Ok(set | 1 << bit),
            None => Err(format!("unknown feature: {}", name)),
        })
}

impl RustNic {
    fn require(&self, feature: &str) -> Result<(), String> {
        if self.has(feature) {
            Ok(())
        } else {
            Err(format!("command rejected: {} not negotiated", feature))
        }
    }

    /// One scenario line (comment already removed).
    fn command(&mut self, words: &[&str]) -> Result<(), String> {
        let (command, args) = (words[0], &words[1..]);
        match command {
            "device" => {
                for (key, value) in settings(args)? {
                    match key.as_str() {
                        "mac" => self.mac = parse_mac(&value)?,
                        "mtu" => self.mtu = number(&value)?,
                        "speed" => self.speed = number(&value)?,
                        "duplex" => self.full_duplex = Some(value == "full"),
                        "pairs" => {
                            self.max_pairs = number(&value)?;
                            if !(1..=MAX_PAIRS).contains(&self.max_pairs) {
                                return Err(format!("rustnic has 1..{} queue pairs", MAX_PAIRS));
                            }
                        }
                        _ => return Err(format!("unknown device setting: {}", key)),
                    }
                }
                self.rings.clear();
                self.lay_out_rings();
            }
            "offer" => self.offered |= features(args)?,
            "accept" => {
                self.negotiated = features(args)? & self.offered;
                self.feature_select = (1, 1);
                self.lay_out_rings();
            }
            "status" => {
                for name in args {
                    match STATUS.iter().position(|s| s == name) {
                        Some(bit) => self.status |= 1 << bit,
                        None => return Err(format!("unknown status bit: {}", name)),
                    }
                }
            }
            "link" => self.link_up = args == ["up"],
            "queue" => self.queue(args)?,
            "pairs" => {
                self.require("mq")?;
                let pairs: u16 = number(args.first().copied().unwrap_or(""))?;
                if !(1..=self.max_pairs).contains(&pairs) {
                    return Err(format!("pairs: 1..{}", self.max_pairs));
                }
                self.pairs = pairs;
            }
            "rx-mode" => {
                for mode in args {
                    let bit = RX_MODES
                        .iter()
                        .position(|m| m == mode)
                        .ok_or(format!("unknown receive mode: {}", mode))?;
                    let needs = if *mode == "promisc" || *mode == "allmulti" {
                        "ctrl-rx"
                    } else {
                        "ctrl-rx-extra"
                    };
                    self.require(needs)?;
                    self.rx_modes |= 1 << bit;
                }
            }
            "mac-table" => {
                self.require("ctrl-rx")?;
                let tables = settings(args)?;
                let list = |key: &str| -> Result<Vec<u64>, String> {
                    get(&tables, key)
                        .unwrap_or("")
                        .split(',')
                        .filter(|m| !m.is_empty())
                        .map(parse_mac)
                        .collect()
                };
                self.unicast = list("unicast")?;
                self.multicast = list("multicast")?;
            }
            "vlan" => {
                self.require("ctrl-vlan")?;
                for vid in args {
                    self.vlans.insert(number(vid)?);
                }
            }
            "rss" => self.rss(args)?,
            "announce" => {
                let values = settings(args)?;
                self.announce = (
                    number(get(&values, "rounds").unwrap_or("0"))?,
                    number(get(&values, "delay").unwrap_or("0"))?,
                );
            }
            "registers" => {
                for (key, value) in settings(args)? {
                    match key.as_str() {
                        "generation" => self.generation = number(&value)?,
                        "queue-select" => self.queue_select = number(&value)?,
                        "msix-config" => self.msix_config = number(&value)?,
                        "isr" => self.isr = number(&value)?,
                        _ => return Err(format!("unknown register: {}", key)),
                    }
                }
            }
            _ => return Err(format!("unknown command: {}", command)),
        }
        Ok(())
    }

    fn queue(&mut self, args: &[&str]) -> Result<(), String> {
        let name = args.first().copied().unwrap_or("");
        let index = self
            .rings
            .iter()
            .position(|r| r.name() == name)
            .ok_or(format!("no such queue on this device: {}", name))?;
        let values = settings(&args[1..])?;
        let value = |key: &str| -> Result<u64, String> { number(get(&values, key).unwrap_or("0")) };
        let ring = Ring {
            role: self.rings[index].role,
            depth: value("size")? as u16,
            areas: [value("desc")?, value("driver")?, value("device")?],
            next_avail: value("avail")? as u16,
            used: value("used")? as u16,
            vector: value("msix")? as u16,
            notify: (value("notify")? as u16, 0),
            wrap: (false, false),
            reset: false,
        };
        self.rings[index] = ring;
        Ok(())
    }

    fn rss(&mut self, args: &[&str]) -> Result<(), String> {
        self.require("rss")?;
        let values = settings(args)?;
        let mut hash_types = 0u32;
        for name in get(&values, "types")
            .unwrap_or("")
            .split(',')
            .filter(|t| !t.is_empty())
        {
            let bit = HASH_TYPES
                .iter()
                .position(|t| *t == name)
                .ok_or(format!("unknown hash type: {}", name))?;
            hash_types |= 1 << bit;
        }
        let key = get(&values, "key").unwrap_or("");
        let mut key_and_table: Vec<u16> = (0..key.len() / 2)
            .map(|i| u8::from_str_radix(&key[2 * i..2 * i + 2], 16).map(u16::from))
            .collect::<Result<_, _>>()
            .map_err(|_| "the RSS key is not hex".to_string())?;
        let key_len = key_and_table.len();
        for queue in get(&values, "table")
            .unwrap_or("")
            .split(',')
            .filter(|q| !q.is_empty())
        {
            key_and_table.push(number(queue)?);
        }
        self.steering = Some(Steering {
            mode: 1,
            hash_types,
            key_len,
            key_and_table,
            unclassified: number(get(&values, "unclassified").unwrap_or("0"))?,
            max_tx: match get(&values, "max-tx") {
                Some(text) => number(text)?,
                None => self.max_pairs,
            },
        });
        Ok(())
    }
}

/// Run a scenario file into `nic`; `FILE:LINE: message` on a line rustnic cannot run.
pub fn run_scenario(nic: &mut RustNic, path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {}", path, e))?;
    for (number, line) in text.lines().enumerate() {
        let words: Vec<&str> = line
            .split('#')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        if words.is_empty() {
            continue;
        }
        nic.command(&words)
            .map_err(|e| format!("{}:{}: {}", path, number + 1, e))?;
    }
    Ok(())
}
