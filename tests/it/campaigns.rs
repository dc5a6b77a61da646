//! Campaigns (#28), on both engines: messages through a real SMTP server (PyPI's aiosmtpd,
//! tests/smtp/sink.py, installed by `make smtp-sink`), the audience snapshot, unsubscribes
//! during a send, cancel, lapsed claims, bounces, forged tokens, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use encore::domain::DomainError;
use encore::domain::audience::fans::{FanForm, NewFan, ProfileForm, add_fan, set_email_status};
use encore::domain::campaigns::audience::Audience;
use encore::domain::campaigns::compose::{Content, ContentForm};
use encore::domain::campaigns::lifecycle::{self, Control};
use encore::domain::campaigns::sender::{self, Sender, SenderForm};
use encore::domain::campaigns::transport::{self, Transport};
use encore::domain::campaigns::worker::{self, Mailer, WorkerConfig};
use encore::domain::campaigns::{queue, unsubscribe};
use encore::domain::signing::{Purpose, SigningKey};
use encore::entities::{campaign, campaign_recipient, fan};
use encore::vocab::{CampaignStatus, EmailStatus, RecipientStatus};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::fixtures::*;
use crate::support::TestApp;
use crate::{app_test, db_test};

// ---------------------------------------------------------------------------------------
// The SMTP sink

/// A running tests/smtp/sink.py; stopped when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

fn sink_python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var("CARGO_TARGET_DIR")
        .map_or_else(|_| root.join("target"), |dir| root.join(dir));
    target.join("smtp-sink-venv/bin/python")
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let python = sink_python();
        assert!(
            python.exists(),
            "the SMTP sink's Python is missing at {}: run `make smtp-sink`",
            python.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/sink.py"))
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP sink");
        let mut ready = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut ready,
        )
        .unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP sink did not start");
        SmtpSink { child, port, dir }
    }

    fn transport(&self) -> Transport {
        transport::smtp(&format!("smtp://127.0.0.1:{}", self.port)).unwrap()
    }

    /// Every message received, in arrival order.
    fn messages(&self) -> Vec<String> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| std::fs::read_to_string(path).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Set-up

const KEY: &str = "a test secret of at least thirty-two characters";

fn mailer(transport: Transport) -> Mailer {
    Mailer {
        transport,
        key: SigningKey::from_secret(KEY),
        public_url: "https://encore.test".to_owned(),
    }
}

async fn fan_with(
    db: &DatabaseConnection,
    store_id: i64,
    email: &str,
    name: &str,
    tags: &str,
) -> i64 {
    let new = NewFan::parse(FanForm {
        email,
        profile: ProfileForm {
            name,
            daw: "",
            genres: &[],
            skill: "",
            goals: "",
        },
        tags,
    })
    .unwrap();
    add_fan(db, store_id, &new).await.unwrap().fan_id()
}

async fn sender_settings(db: &DatabaseConnection, store_id: i64) {
    let sender = Sender::parse(&SenderForm {
        sender_name: "Night Owl",
        sender_address: "hello@nightowl.test",
        reply_to: "replies@nightowl.test",
        postal_address: "1 Loop Street\n10115 Berlin",
    })
    .unwrap();
    sender::save(db, store_id, &sender).await.unwrap();
}

fn content(subject: &str, body: &str) -> Content {
    Content::parse(&ContentForm {
        subject,
        preheader: "New sounds inside",
        from_name: "Night Owl Beats",
        body,
    })
    .unwrap()
}

async fn draft(db: &DatabaseConnection, store_id: i64, audience: &str) -> i64 {
    lifecycle::create_draft(
        db,
        store_id,
        &content(
            "Hi {first_name|there}, the Ableton pack is out",
            "# New pack\n\nHi **{first_name|there}**, grab it [here](https://nightowl.test/pack).",
        ),
        &Audience::parse(audience).unwrap(),
    )
    .await
    .unwrap()
}

async fn recipients(db: &DatabaseConnection, campaign_id: i64) -> Vec<campaign_recipient::Model> {
    campaign_recipient::Entity::find()
        .filter(campaign_recipient::Column::CampaignId.eq(campaign_id))
        .order_by_asc(campaign_recipient::Column::Id)
        .all(db)
        .await
        .unwrap()
}

async fn campaign_row(db: &DatabaseConnection, id: i64) -> campaign::Model {
    campaign::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

/// A header's value, unfolded (a long header continues on lines that start with a space).
fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next().unwrap_or(message);
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded
        .split("\r\n")
        .find(|line| {
            line.to_lowercase()
                .starts_with(&format!("{}:", name.to_lowercase()))
        })
        .map(|line| line[name.len() + 1..].trim().to_owned())
}

/// The decoded text of a message (quoted-printable soft breaks undone).
fn decoded(message: &str) -> String {
    message.replace("=\r\n", "").replace("=3D", "=")
}

// ---------------------------------------------------------------------------------------
// Tests

db_test!(
    a_campaign_reaches_each_subscribed_fan_through_a_real_smtp_server,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        fan_with(&db, store_id, "ada@example.com", "Ada Lovelace", "ableton").await;
        fan_with(&db, store_id, "noname@example.com", "", "ableton").await;
        let gone = fan_with(&db, store_id, "gone@example.com", "Gone", "ableton").await;
        set_email_status(&db, store_id, gone, EmailStatus::Unsubscribed)
            .await
            .unwrap();
        fan_with(&db, store_id, "other@example.com", "Other", "fl").await;
        let id = draft(&db, store_id, "any=ableton").await;

        lifecycle::send_now(&db, store_id, id).await.unwrap();
        let started = campaign_row(&db, id).await;
        assert_eq!(started.status, CampaignStatus::Sending);
        assert_eq!(started.recipient_count, 2);
        assert_eq!(started.left_out_unsubscribed, 1);
        // A fan tagged after sending started does not get it.
        fan_with(&db, store_id, "late@example.com", "Late", "ableton").await;

        let sink = SmtpSink::start();
        let mailer = mailer(sink.transport());
        let sent = worker::drain(&db, mailer.clone(), WorkerConfig::default())
            .await
            .unwrap();
        assert_eq!(sent, 2);

        let messages = sink.messages();
        assert_eq!(messages.len(), 2, "one message per recipient");
        let rows = recipients(&db, id).await;
        for row in &rows {
            assert_eq!(row.status, RecipientStatus::Sent);
            let message = messages
                .iter()
                .find(|m| header(m, "X-Envelope-To").as_deref() == Some(row.email.as_str()))
                .unwrap_or_else(|| panic!("no message for {}", row.email));
            let message_id = mailer.message_id(id, row.id);
            assert_eq!(
                header(message, "Message-ID").as_deref(),
                Some(message_id.as_str())
            );
            assert_eq!(row.message_id.as_deref(), Some(message_id.as_str()));
            let unsubscribe = mailer.unsubscribe_url(row.id);
            assert_eq!(
                header(message, "List-Unsubscribe"),
                Some(format!("<{unsubscribe}>"))
            );
            assert_eq!(
                header(message, "List-Unsubscribe-Post").as_deref(),
                Some("List-Unsubscribe=One-Click")
            );
            assert!(
                header(message, "From")
                    .unwrap()
                    .contains("hello@nightowl.test")
            );
            assert_eq!(
                header(message, "Reply-To").as_deref(),
                Some("replies@nightowl.test")
            );
            let text = decoded(message);
            assert!(text.contains("Content-Type: text/plain"), "{text}");
            assert!(text.contains("Content-Type: text/html"), "{text}");
            assert!(text.contains("<h1>New pack</h1>"), "{text}");
            assert!(text.contains(&unsubscribe), "{text}");
            assert!(text.contains("1 Loop Street"), "{text}");
        }
        let ada = messages
            .iter()
            .find(|m| m.contains("ada@example.com"))
            .unwrap();
        assert_eq!(
            header(ada, "Subject").as_deref(),
            Some("Hi Ada, the Ableton pack is out")
        );
        assert!(decoded(ada).contains("<strong>Ada</strong>"));
        let nameless = messages
            .iter()
            .find(|m| m.contains("noname@example.com"))
            .unwrap();
        assert!(decoded(nameless).contains("<strong>there</strong>"));

        let done = campaign_row(&db, id).await;
        assert_eq!(done.status, CampaignStatus::Sent);
        assert_eq!(
            (done.sent_count, done.failed_count, done.skipped_count),
            (2, 0, 0)
        );
        assert!(done.finished_at.is_some());
    }
);

db_test!(
    bad_input_gets_clear_errors_and_changes_nothing,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        fan_with(&db, store_id, "ada@example.com", "Ada", "ableton").await;
        let fields = |error: DomainError| match error {
            DomainError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect::<Vec<_>>(),
            other => panic!("expected Invalid, got {other:?}"),
        };

        // No postal address yet, an empty subject and an unknown merge field.
        let id = lifecycle::create_draft(
            &db,
            store_id,
            &content("", "Hi {last_name|you}"),
            &Audience::parse("any=ableton").unwrap(),
        )
        .await
        .unwrap();
        let before = table_counts(&db).await;
        let error = lifecycle::send_now(&db, store_id, id).await.unwrap_err();
        assert_eq!(fields(error), ["subject", "body", "settings"]);
        assert_eq!(table_counts(&db).await, before);
        assert_eq!(campaign_row(&db, id).await.status, CampaignStatus::Draft);

        // Fixed content and settings, but an audience of nobody.
        sender_settings(&db, store_id).await;
        let nobody = draft(&db, store_id, "any=no-such-tag").await;
        let before = table_counts(&db).await;
        let error = lifecycle::send_now(&db, store_id, nobody)
            .await
            .unwrap_err();
        assert_eq!(fields(error), ["audience"]);
        assert_eq!(table_counts(&db).await, before);
        assert_eq!(
            campaign_row(&db, nobody).await.status,
            CampaignStatus::Draft
        );

        // A bad audience link and a past schedule.
        assert_eq!(Audience::parse("min=ten").unwrap_err()[0].field, "audience");
        let past = encore::domain::time::now() - chrono::Duration::hours(1);
        let error = lifecycle::schedule(&db, store_id, nobody, past)
            .await
            .unwrap_err();
        assert!(fields(error).contains(&"scheduled_at".to_owned()));
    }
);

db_test!(
    a_fan_who_unsubscribes_during_a_send_gets_nothing_after,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        for n in 0..3 {
            fan_with(&db, store_id, &format!("fan{n}@example.com"), "", "ableton").await;
        }
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();
        let rows = recipients(&db, id).await;
        let key = SigningKey::from_secret(KEY);

        // fan1 follows the unsubscribe link while the campaign is queued for them.
        let token = key.sign(Purpose::Unsubscribe, rows[1].id);
        unsubscribe::unsubscribe(&db, &key, &token).await.unwrap();
        // Idempotent: a second click changes nothing more.
        unsubscribe::unsubscribe(&db, &key, &token).await.unwrap();
        let fan1 = fan::Entity::find_by_id(rows[1].fan_id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fan1.email_status, EmailStatus::Unsubscribed);
        let subject = campaign_row(&db, id).await.subject;
        let unsubscribed: Vec<_> = activities_of(&db, fan1.id)
            .await
            .into_iter()
            .filter(|(detail, _)| detail.starts_with("Unsubscribed"))
            .collect();
        assert_eq!(
            unsubscribed,
            [(format!("Unsubscribed (from: {subject})"), 0)]
        );

        let sink = SmtpSink::start();
        worker::drain(&db, mailer(sink.transport()), WorkerConfig::default())
            .await
            .unwrap();
        let messages = sink.messages();
        assert_eq!(messages.len(), 2);
        assert!(messages.iter().all(|m| !m.contains("fan1@example.com")));
        let rows = recipients(&db, id).await;
        assert_eq!(rows[1].status, RecipientStatus::Skipped);
        let done = campaign_row(&db, id).await;
        assert_eq!(
            (done.sent_count, done.skipped_count, done.status),
            (2, 1, CampaignStatus::Sent)
        );
    }
);

db_test!(
    cancel_stops_a_send_and_pause_holds_it,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        for n in 0..4 {
            fan_with(&db, store_id, &format!("fan{n}@example.com"), "", "ableton").await;
        }
        let sink = SmtpSink::start();
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();

        lifecycle::control(&db, store_id, id, Control::Pause)
            .await
            .unwrap();
        worker::drain(&db, mailer(sink.transport()), WorkerConfig::default())
            .await
            .unwrap();
        assert_eq!(sink.messages().len(), 0, "a paused campaign sends nothing");

        lifecycle::control(&db, store_id, id, Control::Resume)
            .await
            .unwrap();
        // One message goes out, then the creator cancels.
        let first = queue::claim(&db, 1, Duration::from_secs(300))
            .await
            .unwrap();
        assert_eq!(first.len(), 1);
        lifecycle::control(&db, store_id, id, Control::Cancel)
            .await
            .unwrap();
        worker::drain(&db, mailer(sink.transport()), WorkerConfig::default())
            .await
            .unwrap();
        assert_eq!(
            sink.messages().len(),
            0,
            "nothing more goes out after cancel"
        );
        assert_eq!(
            campaign_row(&db, id).await.status,
            CampaignStatus::Cancelled
        );
        // A cancelled campaign stays cancelled.
        let error = lifecycle::control(&db, store_id, id, Control::Resume)
            .await
            .unwrap_err();
        assert!(matches!(error, DomainError::Conflict(_)), "{error:?}");
    }
);

db_test!(
    a_lapsed_claim_is_sent_again_with_the_same_message_id,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        fan_with(&db, store_id, "ada@example.com", "Ada", "ableton").await;
        fan_with(&db, store_id, "bob@example.com", "Bob", "ableton").await;
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();

        // A worker claims both and dies (kill -9): its lease is over at once.
        let claimed = queue::claim(&db, 10, Duration::ZERO).await.unwrap();
        assert_eq!(claimed.len(), 2);
        assert!(
            recipients(&db, id)
                .await
                .iter()
                .all(|r| r.status == RecipientStatus::Sending)
        );

        // A live worker's claims are not taken by another worker.
        let sink = SmtpSink::start();
        let mailer = mailer(sink.transport());
        worker::drain(&db, mailer.clone(), WorkerConfig::default())
            .await
            .unwrap();
        let messages = sink.messages();
        assert_eq!(messages.len(), 2);
        for row in recipients(&db, id).await {
            assert_eq!(row.status, RecipientStatus::Sent);
            assert_eq!(row.attempts, 2);
            let message = messages.iter().find(|m| m.contains(&row.email)).unwrap();
            assert_eq!(
                header(message, "Message-ID"),
                Some(mailer.message_id(id, row.id))
            );
        }
        assert_eq!(campaign_row(&db, id).await.sent_count, 2);
    }
);

db_test!(
    a_claim_within_its_lease_is_left_alone,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        fan_with(&db, store_id, "ada@example.com", "Ada", "ableton").await;
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();
        let first = queue::claim(&db, 10, Duration::from_secs(300))
            .await
            .unwrap();
        assert_eq!(first.len(), 1);
        let second = queue::claim(&db, 10, Duration::from_secs(300))
            .await
            .unwrap();
        assert!(second.is_empty(), "a claimed message is claimed once");
    }
);

db_test!(
    an_unknown_user_bounces_the_fan_and_a_busy_server_is_tried_again,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        let unknown = fan_with(&db, store_id, "unknown.user@example.com", "", "ableton").await;
        fan_with(&db, store_id, "busy.box@example.com", "", "ableton").await;
        fan_with(&db, store_id, "rejected.box@example.com", "", "ableton").await;
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();

        let sink = SmtpSink::start();
        worker::drain(&db, mailer(sink.transport()), WorkerConfig::default())
            .await
            .unwrap();
        assert!(sink.messages().is_empty());
        let rows = recipients(&db, id).await;
        let by_email = |email: &str| rows.iter().find(|r| r.email == email).unwrap();
        assert_eq!(
            by_email("unknown.user@example.com").status,
            RecipientStatus::Failed
        );
        assert_eq!(
            by_email("rejected.box@example.com").status,
            RecipientStatus::Failed
        );
        let busy = by_email("busy.box@example.com");
        assert_eq!(busy.status, RecipientStatus::Queued);
        assert_eq!(busy.attempts, 1);
        assert!(busy.next_attempt_at > encore::domain::time::now());
        assert!(
            busy.error.as_deref().unwrap_or_default().contains("451"),
            "{:?}",
            busy.error
        );

        let bounced = fan::Entity::find_by_id(unknown)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(bounced.email_status, EmailStatus::Bounced);
        let rejected = fan_by_email(&db, store_id, "rejected.box@example.com")
            .await
            .unwrap();
        assert_eq!(
            rejected.email_status,
            EmailStatus::Subscribed,
            "only 5.1.1 bounces the fan"
        );
        let row = campaign_row(&db, id).await;
        assert_eq!((row.failed_count, row.status), (2, CampaignStatus::Sending));
    }
);

db_test!(
    without_smtp_messages_are_saved_to_the_outbox,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        fan_with(&db, store_id, "ada@example.com", "Ada", "ableton").await;
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();
        let outbox = tempfile::tempdir().unwrap();
        let transport = Transport::Outbox(outbox.path().to_owned());
        worker::drain(&db, mailer(transport), WorkerConfig::default())
            .await
            .unwrap();
        let row = &recipients(&db, id).await[0];
        let saved =
            std::fs::read_to_string(outbox.path().join(format!("{id}/{}.eml", row.id))).unwrap();
        assert!(saved.contains("To: ada@example.com"), "{saved}");
        assert!(saved.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    }
);

db_test!(
    forged_unsubscribe_tokens_change_nothing,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        fan_with(&db, store_id, "ada@example.com", "Ada", "ableton").await;
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();
        let row = recipients(&db, id).await.remove(0);
        let key = SigningKey::from_secret(KEY);
        let genuine = key.sign(Purpose::Unsubscribe, row.id);
        let (_, tag) = genuine.split_once('.').unwrap();
        let before = (table_counts(&db).await, state_digest(&db).await);
        for n in 0..10_000_i64 {
            let forged = match n % 4 {
                // Another row's id with this row's tag.
                0 => format!("{}.{tag}", row.id + 1 + n),
                // This row's id with a random tag.
                1 => format!("{}.{:032x}", row.id, rand::random::<u128>()),
                // A token signed with another key.
                2 => SigningKey::from_secret("another secret").sign(Purpose::Unsubscribe, row.id),
                // One character changed.
                _ => {
                    let mut bytes = genuine.clone().into_bytes();
                    let at = bytes.len() - 1 - usize::try_from(n % 30).unwrap();
                    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
                    String::from_utf8(bytes).unwrap()
                }
            };
            let outcome = unsubscribe::unsubscribe(&db, &key, &forged).await;
            assert!(
                matches!(outcome, Err(DomainError::NotFound(_))),
                "{forged}: {outcome:?}"
            );
        }
        assert_eq!((table_counts(&db).await, state_digest(&db).await), before);
        let ada = fan_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(ada.email_status, EmailStatus::Subscribed);
    }
);

app_test!(
    the_unsubscribe_link_works_from_another_site_without_a_login,
    |app: TestApp| async move {
        let db = &app.db;
        let store_id = store(db).await;
        sender_settings(db, store_id).await;
        fan_with(db, store_id, "ada@example.com", "Ada", "ableton").await;
        let id = draft(db, store_id, "any=ableton").await;
        lifecycle::send_now(db, store_id, id).await.unwrap();
        let row = recipients(db, id).await.remove(0);
        // The server's own key (generated once and kept in the database).
        let key = encore::domain::signing::load_key(db, None).await.unwrap();
        let path = format!("/unsubscribe/{}", key.sign(Purpose::Unsubscribe, row.id));

        let page = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("<button type=\"submit\""), "{html}");
        assert!(html.contains("ada@example.com"));
        assert_eq!(
            fan_by_email(db, store_id, "ada@example.com")
                .await
                .unwrap()
                .email_status,
            EmailStatus::Subscribed,
            "a GET changes nothing (link scanners follow links)"
        );

        // A mail client's one-click POST (RFC 8058), from another origin.
        for _ in 0..2 {
            let response = app
                .another_client()
                .post(app.url(&path))
                .header("origin", "https://mail.example.net")
                .header("sec-fetch-site", "cross-site")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
        }
        let ada = fan_by_email(db, store_id, "ada@example.com").await.unwrap();
        assert_eq!(ada.email_status, EmailStatus::Unsubscribed);
        let unsubscribed = activities_of(db, ada.id)
            .await
            .into_iter()
            .filter(|(detail, _)| detail.starts_with("Unsubscribed (from: "))
            .count();
        assert_eq!(unsubscribed, 1, "idempotent");

        // Forged tokens: 404, nothing changes.
        let before = table_counts(db).await;
        for forged in ["/unsubscribe/1.00", "/unsubscribe/x", &format!("{path}0")] {
            let response = app.client.post(app.url(forged)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{forged}");
            let response = app.client.get(app.url(forged)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{forged}");
        }
        assert_eq!(table_counts(db).await, before);

        // Only this route is exempt: a cross-site POST to a server function is refused.
        let response = app
            .client
            .post(app.url("/api/campaigns/send"))
            .header("origin", "https://mail.example.net")
            .header("sec-fetch-site", "cross-site")
            .form(&[
                ("store_id", store_id.to_string()),
                ("campaign_id", id.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
    }
);

app_test!(
    a_creator_composes_and_sends_from_the_pages_with_javascript_off,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        fan_with(&app.db, store_id, "ada@example.com", "Ada", "ableton").await;
        let gone = fan_with(&app.db, store_id, "gone@example.com", "", "ableton").await;
        set_email_status(&app.db, store_id, gone, EmailStatus::Bounced)
            .await
            .unwrap();

        // The Fans page hands its audience to a new campaign.
        let fans = app
            .get_text(&format!("/store/{store_id}/contacts?any=ableton"))
            .await;
        let link = format!("/store/{store_id}/campaigns/new?any=ableton");
        assert!(fans.contains(&link), "{fans}");
        let new = app.get_text(&link).await;
        assert!(new.contains("Fans tagged ableton"), "{new}");
        assert!(new.contains("1 fan would receive it now"), "{new}");
        assert!(
            new.contains("1 left out: 0 unsubscribed, 1 bounced, 0 complained"),
            "{new}"
        );
        assert!(new.contains("Mail is saved, not sent"), "{new}");

        // Saving a draft keeps what was typed, problems and all.
        let response = app
            .post_form(
                "/api/campaigns/create",
                &link,
                &[
                    ("store_id", &store_id.to_string()),
                    ("subject", ""),
                    ("preheader", "Fresh <sounds>"),
                    ("from_name", "Night Owl"),
                    ("body", "Hi {last_name}, </textarea><script>x</script>"),
                    ("audience", "any=ableton"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let id: i64 = location
            .trim_start_matches(&format!("/store/{store_id}/campaigns/"))
            .parse()
            .unwrap();
        let page = app.get_text(&location).await;
        assert!(page.contains("Draft saved."));
        assert!(page.contains("Fresh &lt;sounds&gt;"), "{page}");
        assert!(
            page.contains("Hi {last_name}, &lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;"),
            "{page}"
        );
        assert!(page.contains("Write a subject."), "{page}");
        assert!(page.contains("Unknown merge field {last_name}"), "{page}");
        assert!(
            page.contains("Add your sender address and postal address"),
            "{page}"
        );

        // Sending is refused with the reasons, and nothing changes.
        let response = app
            .post_form(
                "/api/campaigns/send",
                &location,
                &[
                    ("store_id", &store_id.to_string()),
                    ("campaign_id", &id.to_string()),
                ],
            )
            .await;
        assert!(
            response.status().is_redirection() || response.status() == 400,
            "{}",
            response.status()
        );
        assert_eq!(
            campaign_row(&app.db, id).await.status,
            CampaignStatus::Draft
        );
        assert!(recipients(&app.db, id).await.is_empty());

        // Settings, a fixed draft, then Send now.
        let response = app
            .post_form(
                "/api/campaigns/settings/save",
                &format!("/store/{store_id}/campaigns/settings"),
                &[
                    ("store_id", &store_id.to_string()),
                    ("sender_name", "Night Owl"),
                    ("sender_address", "hello@nightowl.test"),
                    ("reply_to", ""),
                    ("postal_address", "1 Loop Street"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        let response = app
            .post_form(
                "/api/campaigns/update",
                &location,
                &[
                    ("store_id", &store_id.to_string()),
                    ("campaign_id", &id.to_string()),
                    ("subject", "New pack"),
                    ("preheader", ""),
                    ("from_name", "Night Owl"),
                    ("body", "Hi {first_name|there}"),
                    ("audience", "any=ableton"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        let response = app
            .post_form(
                "/api/campaigns/send",
                &location,
                &[
                    ("store_id", &store_id.to_string()),
                    ("campaign_id", &id.to_string()),
                ],
            )
            .await;
        assert_eq!(response.status(), 302);
        let page = app
            .get_text(&format!("/store/{store_id}/campaigns/{id}"))
            .await;
        assert!(page.contains("http-equiv=\"refresh\""), "{page}");
        assert!(page.contains("0 of 1 sent"), "{page}");
        assert!(page.contains("Pause"));
        let list = app.get_text(&format!("/store/{store_id}/campaigns")).await;
        assert!(
            list.contains("New pack") && list.contains("Sending"),
            "{list}"
        );
    }
);

#[test]
fn a_malformed_smtp_url_stops_the_server_with_one_clear_line() {
    for bad in ["mail.example.com:587", "http://mail.example.com", "smtp://"] {
        let output = Command::new(env!("CARGO_BIN_EXE_encore"))
            .arg("serve")
            .arg("--leptos-config")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
            .env("ENCORE_SMTP_URL", bad)
            .env("DATABASE_URL", "sqlite://target/never-created.db")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .output()
            .expect("run encore");
        assert!(!output.status.success(), "{bad}: the server started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("encore:"))
            .collect();
        assert_eq!(lines.len(), 1, "{bad}: {stderr}");
        assert!(lines[0].contains("ENCORE_SMTP_URL"), "{bad}: {stderr}");
        assert!(!stderr.contains("secret"), "{stderr}");
    }
}

app_test!(
    another_stores_campaign_answers_404_inside_your_own_store,
    |app: TestApp| async move {
        let b_store = store(&app.db).await;
        let theirs = draft(&app.db, b_store, "").await;
        let mine = app.signed_in_store().await;
        let page = app
            .client
            .get(app.url(&format!("/store/{mine}/campaigns/{theirs}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 404);
        assert!(!page.text().await.unwrap().contains("Ableton pack"));
        let before = table_counts(&app.db).await;
        for (path, extra) in [
            ("/api/campaigns/detail", None),
            ("/api/campaigns/send", None),
            ("/api/campaigns/control", Some(("action", "cancel"))),
            (
                "/api/campaigns/schedule",
                Some(("scheduled_at", "2099-01-01T10:00")),
            ),
        ] {
            let mut form = vec![
                ("store_id", mine.to_string()),
                ("campaign_id", theirs.to_string()),
            ];
            if let Some((key, value)) = extra {
                form.push((key, value.to_owned()));
            }
            let response = app
                .client
                .post(app.url(path))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 404, "{path}");
        }
        assert_eq!(table_counts(&app.db).await, before);
        assert_eq!(
            campaign_row(&app.db, theirs).await.status,
            CampaignStatus::Draft
        );
    }
);

db_test!(
    two_workers_share_a_send_without_sending_anything_twice,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        for n in 0..40 {
            fan_with(&db, store_id, &format!("fan{n}@example.com"), "", "ableton").await;
        }
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();

        // Two workers (as two Encore instances on one database would run) drain one queue
        // at once: claims skip each other's rows.
        let sink = SmtpSink::start();
        let config = WorkerConfig {
            concurrency: 3,
            ..WorkerConfig::default()
        };
        let (a, b) = tokio::join!(
            worker::drain(&db, mailer(sink.transport()), config.clone()),
            worker::drain(&db, mailer(sink.transport()), config.clone()),
        );
        assert_eq!(a.unwrap() + b.unwrap(), 40);
        let messages = sink.messages();
        let mut to: Vec<String> = messages
            .iter()
            .map(|m| header(m, "X-Envelope-To").unwrap())
            .collect();
        to.sort();
        to.dedup();
        assert_eq!(
            (messages.len(), to.len()),
            (40, 40),
            "one message per recipient"
        );
        let done = campaign_row(&db, id).await;
        assert_eq!((done.sent_count, done.status), (40, CampaignStatus::Sent));
    }
);

db_test!(
    a_scheduled_campaign_starts_when_its_time_comes,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        fan_with(&db, store_id, "ada@example.com", "Ada", "ableton").await;
        let id = draft(&db, store_id, "any=ableton").await;
        let at = encore::domain::time::now() + chrono::Duration::hours(1);
        lifecycle::schedule(&db, store_id, id, at).await.unwrap();
        let now = encore::domain::time::now();
        assert_eq!(lifecycle::start_due(&db, now).await.unwrap(), 0);
        assert!(
            recipients(&db, id).await.is_empty(),
            "the audience is fixed when it starts"
        );
        // A fan tagged before it starts is in.
        fan_with(&db, store_id, "ben@example.com", "Ben", "ableton").await;
        let later = at + chrono::Duration::seconds(1);
        assert_eq!(lifecycle::start_due(&db, later).await.unwrap(), 1);
        let row = campaign_row(&db, id).await;
        assert_eq!(
            (row.status, row.recipient_count),
            (CampaignStatus::Sending, 2)
        );
        // Started once, even if asked again.
        assert_eq!(lifecycle::start_due(&db, later).await.unwrap(), 0);
    }
);
