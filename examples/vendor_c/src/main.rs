//! rustnic: vendor C's virtio-net device (Rust), as a command-line program for the demo.
//!
//!     rustnic describe [SCENARIO]     print the device description (JSON) for pre-migration checks
//!     rustnic save SCENARIO OUT.dsf   run the scenario, then save the device state
//!     rustnic load IN.dsf [OUT.dsf]   load saved state; OUT.dsf: save it again from the internals
//!
//! It speaks org.virtio.net 1.1 and saves and loads only through the generated Rust codec
//! (codegen/rust). Exit status: 0 done, 1 the state was refused (nothing was loaded),
//! 2 usage, scenario or I/O error.

mod device;
mod dsf;

use devstate_codecs::dsf1::Codec;
use devstate_codecs::org_virtio_net_v1_1 as net;
use std::fmt::Write as _; // write! into a String, which cannot fail

use device::{RustNic, MAX_PAIRS};

const PARAMS: [&str; 13] = [
    "mq",
    "ctrl-vq",
    "ctrl-rx",
    "ctrl-vlan",
    "ctrl-mac-addr",
    "guest-announce",
    "mrg-rxbuf",
    "csum",
    "guest-csum",
    "rss",
    "hash-report",
    "ctrl-guest-offloads",
    "speed-duplex",
];

fn banner(verb: &str) -> String {
    format!("rustnic (vendor C, Rust, org.virtio.net@1.1) {}:", verb)
}

fn describe(scenario: Option<&str>) -> Result<i32, String> {
    let mut nic = RustNic::default();
    let mut out =
        String::from("{\n  \"description\": \"vendor C: rustnic (Rust), org.virtio.net 1.1\",\n");
    out.push_str("  \"model\": \"org.virtio.net\",\n  \"versions\": [\"1.1\"],\n");
    if let Some(path) = scenario {
        device::run_scenario(&mut nic, path)?;
        let _ = write!(
            out,
            "  \"params\": {{\"max-queue-pairs\": {}, \"mtu\": {}",
            nic.max_pairs, nic.mtu
        );
        for name in PARAMS {
            let _ = write!(out, ", \"{}\": {}", name, nic.offers(name));
        }
        out.push_str("},\n");
    }
    let _ = write!(
        out,
        "  \"supported_params\": {{\"max-queue-pairs\": {{\"min\": 1, \"max\": {}}}, \
         \"mtu\": {{\"min\": 68, \"max\": 65535}}",
        MAX_PAIRS
    );
    for name in PARAMS {
        let _ = write!(out, ", \"{}\": {{\"any\": true}}", name);
    }
    out.push_str("},\n  \"vendor_sections\": []\n}");
    println!("{}", out);
    Ok(0)
}

fn write(nic: &RustNic, path: &str) -> Result<i32, String> {
    let blob = dsf::to_state(nic)
        .encode()
        .map_err(|e| format!("cannot save: {}", e))?;
    std::fs::write(path, &blob).map_err(|e| format!("{}: {}", path, e))?;
    println!(
        "rustnic: saved {} (org.virtio.net@1.1, {} bytes)",
        path,
        blob.len()
    );
    Ok(0)
}

fn save(scenario: &str, output: &str) -> Result<i32, String> {
    let mut nic = RustNic::default();
    device::run_scenario(&mut nic, scenario)?;
    println!("{}", banner("running the scenario"));
    for line in nic.internals() {
        println!("{}", line);
    }
    write(&nic, output)
}

fn load(input: &str, export: Option<&str>) -> Result<i32, String> {
    let data = std::fs::read(input).map_err(|e| format!("{}: {}", input, e))?;
    let state = match net::State::decode(&data) {
        Ok(state) => state,
        Err(e) => {
            eprintln!("rustnic: refused {}: {}; nothing was loaded", input, e);
            return Ok(1);
        }
    };
    if let Err(why) = dsf::check_capabilities(&state, MAX_PAIRS) {
        eprintln!("rustnic: refused {}: {}; nothing was loaded", input, why);
        return Ok(1);
    }
    for line in dsf::skipped_sections(&state) {
        println!("rustnic: skipped {}: that state is lost", line);
    }
    let nic = dsf::from_state(&state);
    println!(
        "rustnic: loaded {} (org.virtio.net blob, {} bytes, read as 1.1)",
        input,
        data.len()
    );
    println!("{}", banner("after loading"));
    for line in nic.internals() {
        println!("{}", line);
    }
    match export {
        Some(path) => write(&nic, path),
        None => Ok(0),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["describe"] => describe(None),
        ["describe", scenario] => describe(Some(scenario)),
        ["save", scenario, output] => save(scenario, output),
        ["load", input] => load(input, None),
        ["load", input, export] => load(input, Some(export)),
        _ => {
            eprintln!(
                "usage: rustnic describe [SCENARIO] | save SCENARIO OUT.dsf | load IN.dsf [OUT.dsf]"
            );
            std::process::exit(2);
        }
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(message) => {
            eprintln!("rustnic: {}", message);
            std::process::exit(2);
        }
    }
}
