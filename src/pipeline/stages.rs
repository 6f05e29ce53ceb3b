//! The stages of a run timed: a spinner on a terminal (unless quiet), a log line with the time of each,
//! and the seconds per stage that `summary.json` reports (`01_read inputs`, `02_coverage` ...).

use std::collections::BTreeMap;
use std::time::Instant;

/// Times the stages of a run: a spinner on a terminal (unless quiet), a log line with the time of each.
pub struct Stages {
    started: Instant,
    current: Option<(String, Instant, Option<indicatif::ProgressBar>)>,
    pub seconds: BTreeMap<String, f64>,
    show_progress: bool,
}

impl Stages {
    pub fn new(show_progress: bool) -> Stages {
        Stages { started: Instant::now(), current: None, seconds: BTreeMap::new(), show_progress }
    }

    /// End the current stage (if any) and start `name`.
    pub fn start(&mut self, name: &str) {
        self.finish();
        let bar = self.show_progress.then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(name.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        self.current = Some((name.to_string(), Instant::now(), bar));
    }

    /// End the current stage.
    pub fn finish(&mut self) {
        if let Some((name, t, bar)) = self.current.take() {
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let seconds = t.elapsed().as_secs_f64();
            tracing::info!(stage = %name, seconds, "stage done");
            self.seconds.insert(format!("{:02}_{name}", self.seconds.len() + 1), seconds);
        }
    }

    pub fn total_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
