//! The `lifecircle` command: the allocator, then the library's command line ([`lifecircle::cli`]).

/// mimalloc for every allocation of the process, GEOS's, GDAL's and SQLite's included (its `override`
/// feature replaces `malloc`): GEOS's overlays spent a fifth of their time in glibc's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay`, which the Rust bindings do not name: `build.rs` reads its number from the
/// `mimalloc.h` that `libmimalloc-sys` compiles (15 in mimalloc 2.3), so a mimalloc update cannot point it
/// at another option.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = match i32::from_str_radix(env!("LIFECIRCLE_MI_OPTION_PURGE_DELAY"), 10) {
    Ok(option) => option,
    Err(_) => panic!("build.rs wrote a non-numeric LIFECIRCLE_MI_OPTION_PURGE_DELAY"),
};

fn main() {
    // Keep freed memory for reuse instead of handing it back to the OS and faulting it in again: a
    // city-scale plan spent 2-3 s of system time on that. SAFETY: `mi_option_set` only stores an
    // option's value; no other thread runs yet.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    std::process::exit(lifecircle::cli::main());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_number_is_the_purge_delay() {
        // mimalloc 2.x purges freed memory after 10 ms by default; its neighbours in the enum default to 1
        // (eager_commit_delay) and 0 (use_numa_nodes). SAFETY: reading an option has no precondition.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }, 10);
    }
}
