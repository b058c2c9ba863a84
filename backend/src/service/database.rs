//! Whether the database answers. A SurrealDB server over the network may restart or be out of
//! reach; the SDK reconnects by itself, and meanwhile every query waits. While the database
//! does not answer, requests are answered at once ("reconnecting", 503) instead of after the
//! time limit, and the devices say so in their sync bar until it answers again.

use std::time::Duration;
use tokio::sync::watch;

use super::Service;

/// How long the health check may take before the database counts as out of reach. A server
/// under load still answers a health check in milliseconds on its own connection (on the
/// queries' connection, behind a 100,000-task plan being read, it took over 2 s: measured).
pub const ANSWER_WITHIN: Duration = Duration::from_secs(3);
/// How often the database is checked while it answers, and while it does not.
const CHECK_EVERY: Duration = Duration::from_secs(1);
const CHECK_EVERY_WHILE_DOWN: Duration = Duration::from_millis(250);

impl Service {
    /// True now, and whenever it changes, while the database answers.
    pub fn database_up(&self) -> watch::Receiver<bool> {
        self.database.subscribe()
    }

    /// Checks the database every second while this process runs (a server over the network
    /// only: an embedded engine cannot be out of reach), and says when it stops or starts
    /// answering.
    pub async fn watch_database(&self) -> std::convert::Infallible {
        if !self.store.remote() {
            return std::future::pending().await;
        }
        loop {
            let up = tokio::time::timeout(ANSWER_WITHIN, self.store.answers())
                .await
                .unwrap_or(false);
            let was = self.database.send_replace(up);
            match (was, up) {
                (true, false) => tracing::warn!(
                    "the database does not answer: requests are answered 503 until it does"
                ),
                (false, true) => tracing::info!("the database answers again"),
                _ => {}
            }
            tokio::time::sleep(if up {
                CHECK_EVERY
            } else {
                CHECK_EVERY_WHILE_DOWN
            })
            .await;
        }
    }
}
