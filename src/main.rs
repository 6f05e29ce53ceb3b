//! The `lifecircle` command: the allocator, then the library's command line ([`lifecircle::cli`]).

/// mimalloc for every allocation of the process, GEOS's, GDAL's and SQLite's included (its `override`
/// feature replaces `malloc`): GEOS's overlays spent a fifth of their time in glibc's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 2.x's `mimalloc.h` (the Rust bindings do not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Keep freed memory for reuse instead of handing it back to the OS and faulting it in again: a
    // city-scale plan spent 2-3 s of system time on that. SAFETY: `mi_option_set` only stores an
    // option's value; no other thread runs yet.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    std::process::exit(lifecircle::cli::main());
}
