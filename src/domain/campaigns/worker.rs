//! The background sender: a tokio task in the server process that claims due messages from
//! the queue ([`super::queue`]), builds each one and hands it to the transport, with at most
//! `concurrency` messages in flight (`ENCORE_SEND_CONCURRENCY`, default 4) and an optional
//! rate limit (`ENCORE_SEND_RATE` messages per second). It also starts scheduled campaigns
//! when their time comes. A restart simply starts claiming again: the queue is the state.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::lifecycle::{self, content_of};
use super::queue::{self, Claimed, Outcome};
use super::render::{Footer, Rendered};
use super::sender;
use super::transport::{SendError, Transport};
use crate::domain::signing::{Purpose, SigningKey};
use crate::domain::{DomainError, DomainResult, time};
use crate::entities::{campaign, store};

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub concurrency: usize,
    /// How long a claim holds a message before another worker may take it (a crash).
    pub lease: Duration,
    /// How long an idle worker waits before looking at the queue again.
    pub poll: Duration,
    /// Messages per second, at most.
    pub rate: Option<NonZeroU32>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 4,
            lease: Duration::from_secs(5 * 60),
            poll: Duration::from_secs(1),
            rate: None,
        }
    }
}

/// Everything needed to turn a queue row into a message.
#[derive(Clone)]
pub struct Mailer {
    pub transport: Transport,
    pub key: SigningKey,
    /// Where Encore is reached from the outside, for unsubscribe links (no trailing `/`).
    pub public_url: String,
    /// `ENCORE_UNSUBSCRIBE_MAILTO`: a mailbox offered in `List-Unsubscribe` beside the link.
    pub unsubscribe_mailto: Option<String>,
}

impl Mailer {
    /// The unsubscribe link of one recipient row.
    pub fn unsubscribe_url(&self, recipient_id: i64) -> String {
        format!(
            "{}/unsubscribe/{}",
            self.public_url,
            self.key.sign(Purpose::Unsubscribe, recipient_id)
        )
    }

    /// The `List-Unsubscribe` value of one recipient row: the https link (which RFC 8058's
    /// one-click POST goes to), then, when a mailbox is configured, a `mailto:` whose subject
    /// carries the same signed token, for mail clients that only offer email.
    pub fn list_unsubscribe(&self, recipient_id: i64) -> String {
        let url = self.unsubscribe_url(recipient_id);
        match &self.unsubscribe_mailto {
            None => format!("<{url}>"),
            Some(mailbox) => format!(
                "<{url}>, <mailto:{mailbox}?subject=unsubscribe%20{}>",
                self.key.sign(Purpose::Unsubscribe, recipient_id)
            ),
        }
    }

    /// The host Message-IDs are made under: the public address's.
    fn host(&self) -> &str {
        self.public_url
            .split("://")
            .nth(1)
            .unwrap_or("encore.invalid")
            .split(['/', ':'])
            .next()
            .filter(|host| !host.is_empty())
            .unwrap_or("encore.invalid")
    }

    /// The Message-ID of one recipient row: the same on every try, so a copy sent again
    /// after a crash is recognisably the same message.
    pub fn message_id(&self, campaign_id: i64, recipient_id: i64) -> String {
        format!("<campaign-{campaign_id}-{recipient_id}@{}>", self.host())
    }

    /// The Message-ID of a test message: its own, never a recipient's.
    pub fn test_message_id(&self, campaign_id: i64, n: i64) -> String {
        format!("<campaign-{campaign_id}-test-{n}@{}>", self.host())
    }
}

/// A campaign prepared once for all its messages.
pub(super) struct Prepared {
    rendered: Rendered,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    store_name: String,
    postal_address: String,
}

/// Why a campaign's messages cannot be built.
pub(super) enum Unpreparable {
    /// Something the creator can fix (or must know about): the campaign is paused with this
    /// sentence as its reason, instead of its messages being claimed again every lease.
    Hold(String),
    /// The database failed: the claims lapse and are tried again.
    Database(DomainError),
}

impl From<sea_orm::DbErr> for Unpreparable {
    fn from(error: sea_orm::DbErr) -> Self {
        Unpreparable::Database(error.into())
    }
}

impl From<DomainError> for Unpreparable {
    fn from(error: DomainError) -> Self {
        Unpreparable::Database(error)
    }
}

/// The reason shown on a campaign paused because its store's sender settings are missing.
pub const HOLD_NO_SETTINGS: &str = "Sending stopped: this store has no sender address or \
    postal address in Email settings any more. Add them, then resume.";

pub(super) async fn prepare(
    db: &DatabaseConnection,
    campaign_id: i64,
) -> Result<Prepared, Unpreparable> {
    let model = campaign::Entity::find_by_id(campaign_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("campaign"))?;
    let store = store::Entity::find_by_id(model.store_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("store"))?;
    let settings = sender::find(db, model.store_id).await?;
    let settings = match settings {
        Some(settings) if sender::is_ready(Some(&settings)) => settings,
        _ => return Err(Unpreparable::Hold(HOLD_NO_SETTINGS.to_owned())),
    };
    let hold = |what: &str| Unpreparable::Hold(format!("Sending stopped: {what}"));
    let rendered = Rendered::new(&content_of(&model)).map_err(|_| {
        hold("the email uses a merge field Encore does not know. Cancel it and send a copy.")
    })?;
    let from_name = [&model.from_name, &settings.sender_name, &store.name]
        .into_iter()
        .find(|name| !name.trim().is_empty())
        .cloned();
    let from = Mailbox::new(
        from_name,
        settings.sender_address.parse().map_err(|_| {
            hold("the sender address in Email settings cannot be used. Fix it, then resume.")
        })?,
    );
    let reply_to = if settings.reply_to.is_empty() {
        None
    } else {
        Some(Mailbox::new(
            None,
            settings.reply_to.parse().map_err(|_| {
                hold("the reply-to address in Email settings cannot be used. Fix it, then resume.")
            })?,
        ))
    };
    Ok(Prepared {
        rendered,
        from,
        reply_to,
        store_name: store.name,
        postal_address: settings.postal_address,
    })
}

/// One message's particulars.
pub struct Envelope<'a> {
    pub to: &'a str,
    pub first_name: &'a str,
    pub unsubscribe_url: &'a str,
    pub list_unsubscribe: String,
    pub message_id: String,
    /// Put before the subject (`"[Test] "` for a test message).
    pub subject_prefix: &'a str,
}

/// Builds a message of a prepared campaign.
///
/// # Errors
/// An address lettre cannot write (stored addresses are validated, so a bug).
pub(super) fn compose(prepared: &Prepared, envelope: Envelope<'_>) -> Result<Message, String> {
    let letter = prepared.rendered.letter(
        envelope.first_name,
        &Footer {
            store_name: &prepared.store_name,
            postal_address: &prepared.postal_address,
            unsubscribe_url: envelope.unsubscribe_url,
        },
    );
    let to: lettre::Address = envelope
        .to
        .parse()
        .map_err(|e| format!("recipient address: {e}"))?;
    let name = |text: &'static str| HeaderName::new_from_ascii_str(text);
    let mut builder = Message::builder()
        .from(prepared.from.clone())
        .to(Mailbox::new(None, to))
        .subject(format!("{}{}", envelope.subject_prefix, letter.subject))
        .message_id(Some(envelope.message_id))
        .raw_header(HeaderValue::new(
            name("List-Unsubscribe"),
            envelope.list_unsubscribe,
        ))
        // RFC 8058: a POST to the link unsubscribes at once (mail clients' one-click button).
        .raw_header(HeaderValue::new(
            name("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ));
    if let Some(reply_to) = &prepared.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    builder
        .multipart(MultiPart::alternative_plain_html(letter.text, letter.html))
        .map_err(|e| format!("message: {e}"))
}

/// Builds one recipient's message.
///
/// # Errors
/// An address lettre cannot write (stored addresses are validated, so a bug).
fn build(mailer: &Mailer, prepared: &Prepared, row: &Claimed) -> Result<(Message, String), String> {
    let unsubscribe = mailer.unsubscribe_url(row.id);
    let message_id = mailer.message_id(row.campaign_id, row.id);
    let message = compose(
        prepared,
        Envelope {
            to: &row.email,
            first_name: &row.first_name,
            unsubscribe_url: &unsubscribe,
            list_unsubscribe: mailer.list_unsubscribe(row.id),
            message_id: message_id.clone(),
            subject_prefix: "",
        },
    )?;
    Ok((message, message_id))
}

/// Sends one claimed message and records the outcome.
async fn deliver(
    db: DatabaseConnection,
    mailer: Arc<Mailer>,
    prepared: Arc<Prepared>,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    row: Claimed,
) {
    let outcome = match build(&mailer, &prepared, &row) {
        Err(error) => Outcome::Permanent {
            error,
            user_unknown: false,
        },
        Ok((message, message_id)) => {
            if let Some(limiter) = &limiter {
                limiter.until_ready().await;
            }
            let name = format!("{}/{}", row.campaign_id, row.id);
            match mailer.transport.send(message, &name).await {
                Ok(()) => Outcome::Sent { message_id },
                Err(SendError::Transient(error)) => Outcome::Transient { error },
                Err(SendError::Permanent {
                    error,
                    user_unknown,
                }) => Outcome::Permanent {
                    error,
                    user_unknown,
                },
            }
        }
    };
    if let Outcome::Transient { error } | Outcome::Permanent { error, .. } = &outcome {
        tracing::warn!(recipient = row.id, campaign = row.campaign_id, %error, "a message did not go");
    }
    if let Err(error) = queue::settle(&db, &row, &outcome).await {
        // The claim lapses and the message is tried again, with the same Message-ID.
        tracing::error!(recipient = row.id, %error, "cannot record a message's outcome");
    }
}

/// The worker's state between claims.
struct Worker {
    db: DatabaseConnection,
    mailer: Arc<Mailer>,
    config: WorkerConfig,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    prepared: HashMap<i64, Arc<Prepared>>,
    in_flight: JoinSet<()>,
}

impl Worker {
    fn new(db: DatabaseConnection, mailer: Mailer, config: WorkerConfig) -> Worker {
        let limiter = config
            .rate
            .map(|rate| Arc::new(RateLimiter::direct(Quota::per_second(rate))));
        Worker {
            db,
            mailer: Arc::new(mailer),
            config,
            limiter,
            prepared: HashMap::new(),
            in_flight: JoinSet::new(),
        }
    }

    /// Claims as many messages as there are free slots and starts them. Returns how many.
    async fn fill(&mut self) -> DomainResult<usize> {
        let free = self
            .config
            .concurrency
            .max(1)
            .saturating_sub(self.in_flight.len());
        if free == 0 {
            return Ok(0);
        }
        let rows = queue::claim(&self.db, free as u64, self.config.lease).await?;
        let mut started = 0;
        // Campaigns that cannot be sent, with the rows of this claim that belong to them.
        let mut held: HashMap<i64, (String, Vec<i64>)> = HashMap::new();
        for row in rows {
            if let Some((_, ids)) = held.get_mut(&row.campaign_id) {
                ids.push(row.id);
                continue;
            }
            let prepared = match self.prepared.get(&row.campaign_id) {
                Some(prepared) => prepared.clone(),
                None => {
                    // Content cannot change once a campaign sends, so it is prepared once.
                    if self.prepared.len() > 64 {
                        self.prepared.clear();
                    }
                    match prepare(&self.db, row.campaign_id).await {
                        Ok(prepared) => {
                            let prepared = Arc::new(prepared);
                            self.prepared.insert(row.campaign_id, prepared.clone());
                            prepared
                        }
                        Err(Unpreparable::Hold(reason)) => {
                            held.insert(row.campaign_id, (reason, vec![row.id]));
                            continue;
                        }
                        Err(Unpreparable::Database(error)) => return Err(error),
                    }
                }
            };
            started += 1;
            self.in_flight.spawn(deliver(
                self.db.clone(),
                self.mailer.clone(),
                prepared,
                self.limiter.clone(),
                row,
            ));
        }
        for (campaign_id, (reason, ids)) in held {
            tracing::warn!(campaign_id, %reason, "a campaign was paused: its messages cannot be built");
            queue::hold(&self.db, campaign_id, &reason, &ids).await?;
        }
        Ok(started)
    }

    async fn start_due(&self) {
        if let Err(error) = lifecycle::start_due(&self.db, time::now()).await {
            tracing::error!(%error, "cannot start scheduled campaigns");
        }
    }
}

/// Sends everything due, then returns: for tests and tools. Returns how many messages went
/// through a transport attempt.
///
/// # Errors
/// Database failures.
pub async fn drain(
    db: &DatabaseConnection,
    mailer: Mailer,
    config: WorkerConfig,
) -> DomainResult<usize> {
    let mut worker = Worker::new(db.clone(), mailer, config);
    worker.start_due().await;
    let mut handled = 0;
    loop {
        handled += worker.fill().await?;
        if worker.in_flight.join_next().await.is_none() {
            return Ok(handled);
        }
    }
}

/// Runs the worker until `stop` turns true; messages in flight then finish.
pub async fn run(
    db: DatabaseConnection,
    mailer: Mailer,
    config: WorkerConfig,
    mut stop: watch::Receiver<bool>,
) {
    let poll = config.poll;
    let mut worker = Worker::new(db, mailer, config);
    let mut last_schedule_check = tokio::time::Instant::now() - poll;
    loop {
        if *stop.borrow() {
            break;
        }
        if last_schedule_check.elapsed() >= poll {
            worker.start_due().await;
            last_schedule_check = tokio::time::Instant::now();
        }
        let claimed = match worker.fill().await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::error!(%error, "cannot claim messages");
                0
            }
        };
        if worker.in_flight.is_empty()
            || (claimed == 0 && worker.in_flight.len() < worker.config.concurrency)
        {
            // Nothing to do, or the queue is dry: wait for a message to finish, the poll
            // interval, or the stop signal.
            tokio::select! {
                _ = worker.in_flight.join_next(), if !worker.in_flight.is_empty() => {}
                () = tokio::time::sleep(poll) => {}
                _ = stop.changed() => {}
            }
        } else {
            tokio::select! {
                _ = worker.in_flight.join_next() => {}
                _ = stop.changed() => {}
            }
        }
    }
    while worker.in_flight.join_next().await.is_some() {}
    tracing::info!("the campaign sender stopped");
}
