//! Days since 1970-01-01 to the civil (proleptic Gregorian) date, by Howard Hinnant's `civil_from_days`
//! (*chrono-Compatible Low-Level Date Algorithms*): exact for every day, before 1970 too, with integer
//! arithmetic only. The provenance's date, and the current year that bounds a plausible `built_year`.
//!
//! ```
//! use lifecircle::calendar::{civil_from_days, year_of_unix_day};
//! assert_eq!(civil_from_days(0), (1970, 1, 1));
//! assert_eq!(civil_from_days(11_016), (2000, 2, 29)); // a leap day of a century leap year
//! assert_eq!(year_of_unix_day(-1), 1969);
//! ```

/// (year, month 1-12, day 1-31) of day `days` counted from 1970-01-01 (day 0).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of the 400-year era, 0..146_096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of the era, 0..399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the year starting 1 March
    let mp = (5 * doy + 2) / 153; // month starting from March, 0..11
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month as u32, day as u32)
}

/// The year of day `days` counted from 1970-01-01.
pub fn year_of_unix_day(days: i64) -> i32 {
    civil_from_days(days).0 as i32
}

/// The current year (UTC) by the system clock; a clock before 1970 gives 1970.
pub fn current_year() -> i32 {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400) as i64;
    year_of_unix_day(days)
}
