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
        SmtpSink::start_with_delay(0.0)
    }

    /// A sink that answers each message's DATA only after `delay` seconds.
    fn start_with_delay(delay: f64) -> SmtpSink {
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
            .args([
                "--port",
                &port.to_string(),
                "--delay",
                &delay.to_string(),
                "--dir",
            ])
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
        unsubscribe_mailto: None,
    }
}

/// The real server with its mail settings changed by `mail`.
async fn app_with_mail(
    db: DatabaseConnection,
    mail: impl FnOnce(&mut encore::server::settings::MailSettings),
) -> TestApp {
    let mut settings = crate::support::test_settings();
    mail(&mut settings.mail);
    crate::support::spawn_app_with(db, settings).await
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

app_test!(
    a_send_whose_sender_settings_vanish_pauses_with_the_reason_and_resumes_once_fixed,
    |app: TestApp| async move {
        let db = app.db.clone();
        let store_id = app.signed_in_store().await;
        sender_settings(&db, store_id).await;
        fan_with(&db, store_id, "ada@example.com", "Ada", "ableton").await;
        fan_with(&db, store_id, "bob@example.com", "Bob", "ableton").await;
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();

        // The settings row disappears mid-send (an operator's cleanup, a restore).
        encore::entities::store_email_settings::Entity::delete_by_id(store_id)
            .exec(&db)
            .await
            .unwrap();
        let sink = SmtpSink::start();
        let sent = worker::drain(&db, mailer(sink.transport()), WorkerConfig::default())
            .await
            .expect("the worker pauses the campaign instead of failing every lease");
        assert_eq!(sent, 0);
        let paused = campaign_row(&db, id).await;
        assert_eq!(paused.status, CampaignStatus::Paused);
        assert_eq!(
            paused.paused_reason.as_deref(),
            Some(worker::HOLD_NO_SETTINGS)
        );
        // The claimed rows are handed back untouched: queued, no attempt counted, and no
        // longer claimed by anyone.
        for row in recipients(&db, id).await {
            assert_eq!((row.status, row.attempts), (RecipientStatus::Queued, 0));
        }
        assert!(
            queue::claim(&db, 10, Duration::from_secs(300))
                .await
                .unwrap()
                .is_empty()
        );

        // The campaign's page says why and where to fix it.
        let page = app
            .get_text(&format!("/store/{store_id}/campaigns/{id}"))
            .await;
        assert!(
            page.contains("this store has no sender address or postal address"),
            "{page}"
        );

        // Resuming before the fix is refused with a clear error; after it, the rest goes.
        let error = lifecycle::control(&db, store_id, id, Control::Resume)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, DomainError::Invalid(errors) if errors[0].field == "settings"),
            "{error:?}"
        );
        assert_eq!(campaign_row(&db, id).await.status, CampaignStatus::Paused);
        sender_settings(&db, store_id).await;
        lifecycle::control(&db, store_id, id, Control::Resume)
            .await
            .unwrap();
        assert_eq!(campaign_row(&db, id).await.paused_reason, None);
        worker::drain(&db, mailer(sink.transport()), WorkerConfig::default())
            .await
            .unwrap();
        assert_eq!(sink.messages().len(), 2);
        let done = campaign_row(&db, id).await;
        assert_eq!((done.status, done.sent_count), (CampaignStatus::Sent, 2));
        for row in recipients(&db, id).await {
            assert_eq!(row.attempts, 1);
        }
    }
);

app_test!(
    the_preview_is_its_own_scriptless_document_framed_only_by_encore,
    |app: TestApp| async move {
        let db = app.db.clone();
        let store_id = app.signed_in_store().await;
        let id = draft(&db, store_id, "any=ableton").await;
        let base = format!("/store/{store_id}/campaigns/{id}");

        let response = app
            .client
            .get(app.url(&format!("{base}/preview.html")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(csp, encore::server::campaign_files::PREVIEW_CSP);
        assert!(
            csp.contains("default-src 'none'") && csp.contains("sandbox"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
        assert!(!csp.contains("script-src"), "{csp}");
        assert_eq!(response.headers()["x-frame-options"], "SAMEORIGIN");
        let html = response.text().await.unwrap();
        assert!(html.contains("<h1>New pack</h1>"), "{html}");
        // The merge field shows its fallback; the footer asks for the postal address.
        assert!(html.contains("<strong>there</strong>"), "{html}");
        assert!(html.contains("Your postal address"), "{html}");
        assert!(!html.contains("<script"), "{html}");

        // The preview page frames it at desktop and phone widths, sandboxed, and is itself
        // framed by nobody, like every other page.
        let response = app
            .client
            .get(app.url(&format!("{base}/preview")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            csp.contains("default-src 'self'") && !csp.contains("frame-src"),
            "{csp}"
        );
        assert_eq!(response.headers()["x-frame-options"], "DENY");
        let page = response.text().await.unwrap();
        assert_eq!(page.matches("<iframe").count(), 2, "{page}");
        assert!(
            page.contains(&format!("src=\"{base}/preview.html\"")),
            "{page}"
        );
        assert!(
            page.contains("width=\"375\"") && page.contains("width=\"680\""),
            "{page}"
        );
        assert!(page.contains("sandbox=\"\""), "{page}");
        // The campaign page links to it.
        assert!(
            app.get_text(&base)
                .await
                .contains(&format!("{base}/preview"))
        );

        // Another store's campaign, inside your own store: 404, nothing shown.
        let b_store = store(&db).await;
        let theirs = draft(&db, b_store, "").await;
        for path in [
            format!("/store/{store_id}/campaigns/{theirs}/preview.html"),
            format!("/store/{store_id}/campaigns/{theirs}/preview"),
            format!("/store/{b_store}/campaigns/{theirs}/preview.html"),
        ] {
            let response = app.client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
            assert!(
                !response.text().await.unwrap().contains("New pack"),
                "{path}"
            );
        }
    }
);

db_test!(
    send_a_test_to_me_goes_through_the_real_smtp_server_to_the_creator_only,
    |db: DatabaseConnection| async move {
        let sink = SmtpSink::start();
        let port = sink.port;
        let app = app_with_mail(db.clone(), |mail| {
            mail.smtp_url = Some(encore::server::settings::Secret(format!(
                "smtp://127.0.0.1:{port}"
            )));
        })
        .await;
        app.sign_up("maker@example.com").await;
        let store_id = app.create_store_with(&app.client, "Night Owl Beats").await;
        let ada = fan_with(&db, store_id, "ada@example.com", "Ada", "ableton").await;
        let id = draft(&db, store_id, "any=ableton").await;
        let app_ref = &app;
        let send_test = move || async move {
            app_ref
                .client
                .post(app_ref.url("/api/campaigns/send_test"))
                .form(&[
                    ("store_id", store_id.to_string()),
                    ("campaign_id", id.to_string()),
                ])
                .send()
                .await
                .unwrap()
        };

        // No sender settings yet: a clear error, nothing sent.
        let response = send_test().await;
        assert_eq!(response.status(), 400);
        assert!(response.text().await.unwrap().contains("Email settings"));
        assert!(sink.messages().is_empty());

        sender_settings(&db, store_id).await;
        let before = table_counts(&db).await;
        let activities = activities_of(&db, ada).await;
        let response = send_test().await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        let messages = sink.messages();
        assert_eq!(messages.len(), 1);
        let message = &messages[0];
        assert_eq!(
            header(message, "X-Envelope-To").as_deref(),
            Some("maker@example.com")
        );
        assert_eq!(
            header(message, "Subject").as_deref(),
            Some("[Test] Hi there, the Ableton pack is out")
        );
        assert!(
            header(message, "From")
                .unwrap()
                .contains("hello@nightowl.test")
        );
        assert!(header(message, "Message-ID").unwrap().contains("-test-"));
        let text = decoded(message);
        assert!(text.contains("<strong>there</strong>"), "{text}");
        assert!(text.contains("1 Loop Street"), "{text}");
        // No recipient row, no fan touched, the draft still a draft.
        assert_eq!(table_counts(&db).await, before);
        assert_eq!(activities_of(&db, ada).await, activities);
        assert!(recipients(&db, id).await.is_empty());
        assert_eq!(campaign_row(&db, id).await.status, CampaignStatus::Draft);

        // A few at once, then the limit: five in all (the refused one above counted).
        for _ in 0..3 {
            assert_eq!(send_test().await.status(), 200);
        }
        assert_eq!(send_test().await.status(), 429);
        assert_eq!(sink.messages().len(), 4);

        // With a mail server there is no outbox to open.
        let response = app
            .client
            .get(app.url(&format!("/store/{store_id}/campaigns/{id}/outbox")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
    }
);

db_test!(
    list_unsubscribe_offers_the_mailto_when_one_is_configured,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        sender_settings(&db, store_id).await;
        fan_with(&db, store_id, "ada@example.com", "Ada", "ableton").await;
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();
        let sink = SmtpSink::start();
        let mailer = Mailer {
            unsubscribe_mailto: Some("unsubscribe@nightowl.test".to_owned()),
            ..mailer(sink.transport())
        };
        worker::drain(&db, mailer.clone(), WorkerConfig::default())
            .await
            .unwrap();
        let messages = sink.messages();
        assert_eq!(messages.len(), 1);
        let row = &recipients(&db, id).await[0];
        let token = SigningKey::from_secret(KEY).sign(Purpose::Unsubscribe, row.id);
        assert_eq!(
            header(&messages[0], "List-Unsubscribe"),
            Some(format!(
                "<https://encore.test/unsubscribe/{token}>, \
                 <mailto:unsubscribe@nightowl.test?subject=unsubscribe%20{token}>"
            ))
        );
        assert_eq!(
            header(&messages[0], "List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
    }
);

#[test]
fn a_malformed_unsubscribe_mailbox_stops_the_server_with_one_clear_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_encore"))
        .arg("serve")
        .arg("--leptos-config")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("ENCORE_UNSUBSCRIBE_MAILTO", "not a mailbox")
        .env("DATABASE_URL", "sqlite://target/never-created.db")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .output()
        .expect("run encore");
    assert!(!output.status.success(), "the server started");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("encore:"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("ENCORE_UNSUBSCRIBE_MAILTO"), "{stderr}");
}

db_test!(
    saved_messages_are_listed_and_shown_escaped_to_their_creator_only,
    |db: DatabaseConnection| async move {
        let outbox = tempfile::tempdir().unwrap();
        let folder = outbox.path().to_owned();
        let app = app_with_mail(db.clone(), |mail| mail.outbox_dir = folder.clone()).await;
        let store_id = app.signed_in_store().await;
        sender_settings(&db, store_id).await;
        fan_with(&db, store_id, "ada@example.com", "Ada <b>", "ableton").await;
        fan_with(&db, store_id, "bob@example.com", "Bob", "ableton").await;
        let id = draft(&db, store_id, "any=ableton").await;
        lifecycle::send_now(&db, store_id, id).await.unwrap();
        worker::drain(
            &db,
            mailer(Transport::Outbox(folder.clone())),
            WorkerConfig::default(),
        )
        .await
        .unwrap();
        let rows = recipients(&db, id).await;
        // Something Encore did not write, beside the messages.
        std::fs::write(folder.join(id.to_string()).join("notes.txt"), "private").unwrap();
        std::fs::write(folder.join("secret.eml"), "private").unwrap();

        let base = format!("/store/{store_id}/campaigns/{id}");
        let page = app.get_text(&base).await;
        assert!(page.contains("Open the saved messages"), "{page}");
        assert!(page.contains(&format!("href=\"{base}/outbox\"")), "{page}");

        let list = app.get_text(&format!("{base}/outbox")).await;
        for row in &rows {
            assert!(
                list.contains(&format!("href=\"{base}/outbox/{}.eml\"", row.id)),
                "{list}"
            );
        }
        assert!(!list.contains("notes.txt"), "{list}");

        let shown = app
            .client
            .get(app.url(&format!("{base}/outbox/{}.eml", rows[0].id)))
            .send()
            .await
            .unwrap();
        assert_eq!(shown.status(), 200);
        assert!(
            shown.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        let shown = shown.text().await.unwrap();
        assert!(shown.contains("ada@example.com"), "{shown}");
        assert!(shown.contains("&lt;h1&gt;New pack&lt;/h1&gt;"), "{shown}");
        assert!(!shown.contains("<h1>New pack"), "{shown}");

        // Only names the outbox writes, inside this campaign's folder.
        for bad in [
            "notes.txt",
            "..%2Fsecret.eml",
            "..%2F..%2Fsecret.eml",
            "%2Fetc%2Fpasswd",
            "999999.eml",
        ] {
            let response = app
                .client
                .get(app.url(&format!("{base}/outbox/{bad}")))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 404, "{bad}");
            assert!(!response.text().await.unwrap().contains("private"), "{bad}");
        }

        // Another creator sees none of it.
        let other = app.another_client();
        app.sign_up_with(&other, "other@example.com").await;
        let theirs = app.create_store_with(&other, "Other Beats").await;
        for path in [
            format!("{base}/outbox"),
            format!("{base}/outbox/{}.eml", rows[0].id),
            format!("/store/{theirs}/campaigns/{id}/outbox"),
            format!("/store/{theirs}/campaigns/{id}/outbox/{}.eml", rows[0].id),
        ] {
            let response = other.get(app.url(&path)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
            assert!(
                !response.text().await.unwrap().contains("ada@example.com"),
                "{path}"
            );
        }
    }
);

// ---------------------------------------------------------------------------------------
// Two real `encore serve` processes on one database

/// A running `encore serve` (the debug binary); killed (SIGKILL) when dropped.
struct Server {
    child: Child,
}

impl Server {
    fn start(database_url: &str, smtp_port: u16) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_encore"))
            .arg("serve")
            .arg("--leptos-config")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("ENCORE_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
            .env("ENCORE_SECRET", KEY)
            .env("ENCORE_PUBLIC_URL", "https://encore.test")
            .env("ENCORE_SEND_CONCURRENCY", SERVER_CONCURRENCY.to_string())
            .env("ENCORE_SEND_LEASE", "3s")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start encore serve");
        Server { child }
    }

    /// `kill -9`: no message in flight is settled.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SERVER_CONCURRENCY: usize = 3;

/// Waits (up to two minutes) until `done` holds.
async fn wait_until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1200 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting: {what}");
}

/// A sending campaign to `fans` fans of a new store.
async fn sending_campaign(db: &DatabaseConnection, fans: usize) -> i64 {
    let store_id = store(db).await;
    sender_settings(db, store_id).await;
    for n in 0..fans {
        fan_with(db, store_id, &format!("fan{n}@example.com"), "", "ableton").await;
    }
    let id = draft(db, store_id, "any=ableton").await;
    lifecycle::send_now(db, store_id, id).await.unwrap();
    id
}

/// Each recipient's messages at the sink: their Message-IDs.
fn received_by_recipient(sink: &SmtpSink) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut by = std::collections::BTreeMap::<String, Vec<String>>::new();
    for message in sink.messages() {
        by.entry(header(&message, "X-Envelope-To").unwrap())
            .or_default()
            .push(header(&message, "Message-ID").unwrap());
    }
    by
}

async fn two_servers_share_one_send(engine: crate::support::Engine) {
    let Some(test_db) = crate::support::TestDb::create(engine).await else {
        return;
    };
    let db = test_db.db.clone();
    let id = sending_campaign(&db, 60).await;
    let sink = SmtpSink::start();
    let servers = [
        Server::start(&test_db.url, sink.port),
        Server::start(&test_db.url, sink.port),
    ];
    let db_ref = &db;
    wait_until("the campaign is sent", move || async move {
        campaign_row(db_ref, id).await.status == CampaignStatus::Sent
    })
    .await;
    drop(servers);
    let by = received_by_recipient(&sink);
    assert_eq!(by.len(), 60, "every recipient got it");
    for (to, ids) in &by {
        assert_eq!(ids.len(), 1, "{to} got {} copies", ids.len());
    }
    let done = campaign_row(&db, id).await;
    assert_eq!((done.sent_count, done.failed_count), (60, 0));
    assert!(test_db.destroy().await);
}

async fn a_killed_server_leaves_the_rest_to_a_restart(engine: crate::support::Engine) {
    let Some(test_db) = crate::support::TestDb::create(engine).await else {
        return;
    };
    let db = test_db.db.clone();
    let id = sending_campaign(&db, 40).await;
    // A slow server, so the send is surely under way when one process is killed.
    let sink = SmtpSink::start_with_delay(0.2);
    let first = Server::start(&test_db.url, sink.port);
    let second = Server::start(&test_db.url, sink.port);
    let sink_ref = &sink;
    wait_until("a few messages arrive", move || async move {
        sink_ref.messages().len() >= 6
    })
    .await;
    first.kill();
    assert_ne!(
        campaign_row(&db, id).await.status,
        CampaignStatus::Sent,
        "killed before the end of the send"
    );
    let restarted = Server::start(&test_db.url, sink.port);
    let db_ref = &db;
    wait_until("the campaign is sent", move || async move {
        campaign_row(db_ref, id).await.status == CampaignStatus::Sent
    })
    .await;
    drop((second, restarted));

    let by = received_by_recipient(&sink);
    assert_eq!(by.len(), 40, "every recipient got it");
    let mailer = mailer(sink.transport());
    let rows = recipients(&db, id).await;
    let mut duplicates = 0;
    for row in &rows {
        let ids = &by[&row.email];
        duplicates += ids.len() - 1;
        // Any second copy is recognisably the same message.
        for message_id in ids {
            assert_eq!(message_id, &mailer.message_id(id, row.id), "{}", row.email);
        }
        assert_eq!(row.status, RecipientStatus::Sent);
    }
    assert!(
        duplicates <= SERVER_CONCURRENCY,
        "{duplicates} duplicates, more than the killed process's {SERVER_CONCURRENCY} in flight"
    );
    assert_eq!(campaign_row(&db, id).await.sent_count, 40);
    assert!(test_db.destroy().await);
}

mod two_encore_processes_share_one_send {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        two_servers_share_one_send(crate::support::Engine::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        two_servers_share_one_send(crate::support::Engine::Postgres).await;
    }
}

mod kill_9_of_one_process_mid_send_then_restart_delivers_the_rest {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        a_killed_server_leaves_the_rest_to_a_restart(crate::support::Engine::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        a_killed_server_leaves_the_rest_to_a_restart(crate::support::Engine::Postgres).await;
    }
}
