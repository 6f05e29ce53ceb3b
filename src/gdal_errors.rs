//! GDAL's messages: GDAL reports problems through a global error handler that prints `ERROR 1: ...` on
//! stderr; [`install_error_handler`] replaces it: failures are kept per thread and become part of our own
//! error messages (`describe`), warnings go to `tracing`. Both the GDAL reader
//! ([`crate::read::gdal_vector`]) and the GeoPackage writer ([`crate::write::geopackage`]) use it.

use gdal::errors::{CplErrType, GdalError};
use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    /// The last GDAL failure message on this thread (GDAL calls the handler on the failing thread).
    static LAST_FAILURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Route GDAL's messages away from stderr: failures are kept for our error messages (and logged at
/// debug level), warnings are logged through `tracing`. Idempotent; every function here calls it.
pub fn install_error_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        gdal::config::set_error_handler(|class, number, message| match class {
            CplErrType::Failure | CplErrType::Fatal => {
                LAST_FAILURE.with(|last| *last.borrow_mut() = Some(message.to_string()));
                tracing::debug!(target: "lifecircle::gdal", number, "GDAL error: {message}");
            }
            CplErrType::Warning => tracing::warn!(target: "lifecircle::gdal", "GDAL: {message}"),
            CplErrType::Debug | CplErrType::None => tracing::trace!(target: "lifecircle::gdal", "{message}"),
        });
    });
}

pub(crate) fn clear_last_failure() {
    LAST_FAILURE.with(|last| last.borrow_mut().take());
}

/// A GDAL error with the message GDAL gave through the handler, when the error value lacks it.
pub(crate) fn describe(e: &GdalError) -> String {
    let text = e.to_string();
    match LAST_FAILURE.with(|last| last.borrow_mut().take()) {
        Some(m) if !m.is_empty() && !text.contains(&m) => format!("{m} ({text})"),
        _ => text,
    }
}
