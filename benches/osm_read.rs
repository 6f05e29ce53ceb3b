//! Benchmark of `read_osm`, the OpenStreetMap extract (decode, classify, project, build, clusters,
//! population), timed end to end.
//!
//! Files: Andorra (`tests/data/andorra-2020.osm.pbf`, 235,550 nodes) and, when present, the SYNTHETIC
//! 7 × 7 tiling of it made by `scripts/tile_osm.py` (`target/bench-data/andorra-tiled-7x7.osm.pbf`,
//! 11.5 million nodes), or any files given as arguments. Run with `scripts/bench_extract.sh`, which makes
//! the tiled file first, or `cargo bench --bench osm_read [FILE ...]`.
//!
//! Prints, per file, the best and median wall time of several runs after one warm-up run, the read
//! throughput in nodes per second (nodes in the file / best time), and the CPU time of the process per
//! run (user + system, from `/proc/self/stat`, Linux only): on a machine shared with other jobs the wall
//! time varies with their load, the CPU time much less. `RAYON_NUM_THREADS` sets the threads.

use lifecircle::read::osm::read_osm;
use lifecircle::profile::Profile;
use std::path::PathBuf;
use std::time::Instant;

/// CPU seconds (user + system) this process has used so far, from `/proc/self/stat` (fields 14 and 15,
/// in clock ticks of 1/100 s, Linux's USER_HZ); `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

fn main() {
    let mut files: Vec<PathBuf> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).map(PathBuf::from).collect();
    if files.is_empty() {
        files.push("tests/data/andorra-2020.osm.pbf".into());
        let tiled = PathBuf::from("target/bench-data/andorra-tiled-7x7.osm.pbf");
        if tiled.exists() {
            files.push(tiled);
        } else {
            eprintln!("(no {}: run scripts/bench_extract.sh to make the synthetic 11.5-million-node file)", tiled.display());
        }
    }
    let profile = Profile::default_profile();
    println!("threads: {}", rayon::current_num_threads());
    for file in files {
        let size_mb = std::fs::metadata(&file).map(|m| m.len() as f64 / 1e6).unwrap_or(f64::NAN);
        let runs = if size_mb > 20.0 { 3 } else { 7 };
        let mut times = Vec::new();
        let mut cpu_times = Vec::new();
        let mut nodes = 0.0;
        for run in 0..=runs {
            let started = Instant::now();
            let cpu_started = cpu_seconds();
            let extract = match read_osm(&file, &profile, None) {
                Ok(mut x) => {
                    lifecircle::estates::derive_estates(&mut x, &profile);
                    x
                }
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(e.exit_code());
                }
            };
            let seconds = started.elapsed().as_secs_f64();
            if run > 0 {
                times.push(seconds);
                if let (Some(a), Some(b)) = (cpu_started, cpu_seconds()) {
                    cpu_times.push(b - a);
                }
            }
            let s = &extract.stats;
            nodes = s.nodes_read as f64;
            if run == 0 {
                println!(
                    "{} ({size_mb:.1} MB): {} nodes, {} ways, {} relations -> {} estates, {} buildings, {} facilities, {} ways, {} rejects",
                    file.display(),
                    s.nodes_read,
                    s.ways_read,
                    s.relations_read,
                    s.layers["estates"],
                    s.layers["buildings"],
                    s.layers["facilities"],
                    s.layers["ways"],
                    s.layers["rejects"]
                );
            }
        }
        times.sort_by(f64::total_cmp);
        let (best, median) = (times[0], times[times.len() / 2]);
        println!("  read_osm: best {best:.3} s, median {median:.3} s over {runs} runs; {:.2} million nodes/s", nodes / best / 1e6);
        if !cpu_times.is_empty() {
            cpu_times.sort_by(f64::total_cmp);
            println!("  CPU time per run (user + system): best {:.2} s, median {:.2} s", cpu_times[0], cpu_times[cpu_times.len() / 2]);
        }
    }
}
