//! The demo store `make run` loads into an empty database: a music producer's shop with a
//! year of history, recorded through the real commands (so it obeys every rule). The same
//! seed always gives the same store.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::domain::DomainResult;
use crate::domain::accounts::creators::{NewPassword, SignUp, sign_up};
use crate::domain::accounts::stores::{NewStore, create_store};
use crate::domain::audience::engagement::{EngagementEvent, record_engagement};
use crate::domain::audience::fans::{FanForm, NewFan, ProfileForm, add_fan, set_email_status};
use crate::domain::audience::scoring::Engagement;
use crate::domain::commerce::products::{NewProduct, create_product};
use crate::domain::commerce::purchases::{PurchaseInput, RecordPurchase, record_purchase};
use crate::domain::commerce::refunds::{RefundInput, RefundPurchase, refund_purchase};
use crate::domain::email::Email;
use crate::domain::time;
use crate::dto::StoreSummary;
use crate::entities::store;
use crate::money::{MinorUnits, Money};
use crate::vocab::{Daw, EmailStatus, Genre, ProductKind, PurchaseSource, SkillLevel};

/// What the demo contains, for the message after loading it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    /// The demo creator's email…
    pub login: String,
    /// …and password (shown once, never stored). The demo always creates its own account.
    pub password: String,
    pub store: StoreSummary,
    pub fans: usize,
    pub purchases: usize,
    pub refunds: usize,
}

const FIRST_NAMES: &[&str] = &[
    "Aaliyah", "Ben", "Carmen", "Dev", "Elif", "Finn", "Grace", "Hiro", "Isla", "Jamal", "Kenji",
    "Lena", "Malik", "Nia", "Oscar", "Priya", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Vik",
    "Wen", "Ximena", "Yusuf", "Zoe", "Andre", "Bea", "Chidi", "Dana", "Emeka", "Freya",
];
const LAST_NAMES: &[&str] = &[
    "Okafor", "Nguyen", "García", "Smith", "Kowalski", "Haddad", "Silva", "Tanaka", "Müller",
    "Johnson", "Rossi", "Ahmed", "Dubois", "Kim", "Petrov", "Mensah", "Larsen", "Costa",
];
const GOALS: &[&str] = &[
    "Finish my first EP this year",
    "Get my mixes to sound loud without losing punch",
    "Land a placement with an artist",
    "Start releasing lo-fi beats every month",
    "Understand sound design in Serum",
    "Quit my day job and produce full time",
    "",
];

/// Loads the demo store, unless the database already has a store and `only_if_empty` is set.
/// Returns `None` when nothing was loaded.
///
/// # Errors
/// Database failures.
pub async fn load_demo(
    db: &DatabaseConnection,
    only_if_empty: bool,
) -> DomainResult<Option<DemoSummary>> {
    if only_if_empty && store::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let mut rng = StdRng::seed_from_u64(20_261_126);
    let now = time::now();
    let (login, owner_id, password) = demo_creator(db).await?;
    let store = create_store(db, owner_id, &NewStore::parse("Night Owl Beats", "USD")?).await?;
    let store_id = store.id;

    let currency = store.currency;
    let product = |name: &str, kind, price_cents, is_subscription| {
        NewProduct::new(
            name,
            kind,
            MinorUnits::new(price_cents).of(currency),
            is_subscription,
        )
    };
    let masterclass = create_product(
        db,
        store_id,
        &product("Mixing Masterclass", ProductKind::Course, 9900, false)?,
    )
    .await?;
    let drums = create_product(
        db,
        store_id,
        &product(
            "Lo-fi Drum Kit Vol. 2",
            ProductKind::SamplePack,
            2900,
            false,
        )?,
    )
    .await?;
    let presets = create_product(
        db,
        store_id,
        &product(
            "Future Bass Serum Presets",
            ProductKind::Preset,
            1900,
            false,
        )?,
    )
    .await?;
    let coaching = create_product(
        db,
        store_id,
        &product(
            "1:1 Mix Feedback Session",
            ProductKind::Coaching,
            14900,
            false,
        )?,
    )
    .await?;
    let club = create_product(
        db,
        store_id,
        &product(
            "Feedback Club (monthly)",
            ProductKind::Membership,
            1500,
            true,
        )?,
    )
    .await?;
    let one_offs = [
        (&masterclass, 30),
        (&drums, 40),
        (&presets, 30),
        (&coaching, 6),
    ];

    let mut fans = Vec::new();
    for i in 0..320 {
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i * 7 + i / FIRST_NAMES.len()) % LAST_NAMES.len()];
        let email = format!(
            "{}.{}{}@example.com",
            first.to_lowercase(),
            ascii(last).to_lowercase(),
            i
        );
        let daw = *Daw::ALL[..8].choose(&mut rng).unwrap_or(&Daw::AbletonLive);
        let genre_count = rng.random_range(1..=3);
        let mut genres: Vec<Genre> = Genre::ALL[..12]
            .choose_multiple(&mut rng, genre_count)
            .copied()
            .collect();
        genres.sort();
        let skill = *SkillLevel::ALL
            .choose(&mut rng)
            .unwrap_or(&SkillLevel::Beginner);
        let mut tags = vec![daw_tag(daw).to_owned(), skill.as_str().to_owned()];
        tags.extend(
            genres
                .iter()
                .filter_map(|genre| genre_tag(*genre))
                .map(str::to_owned),
        );
        if rng.random_bool(0.15) {
            tags.push("newsletter-2025".to_owned());
        }
        let genres: Vec<String> = genres
            .iter()
            .map(|genre| genre.as_str().to_owned())
            .collect();
        let new = NewFan::parse(FanForm {
            email: &email,
            profile: ProfileForm {
                name: &format!("{first} {last}"),
                daw: daw.as_str(),
                genres: &genres,
                skill: skill.as_str(),
                goals: GOALS.choose(&mut rng).unwrap_or(&""),
            },
            tags: &tags.join(","),
        })?;
        let fan_id = add_fan(db, store_id, &new).await?.fan_id();
        fans.push((fan_id, new.email().clone(), new.profile().name().to_owned()));
    }

    // A year of sales: most fans buy nothing, some buy once, a few keep coming back.
    let mut purchases = Vec::new();
    let mut order = 0;
    for (_, email, name) in &fans {
        let orders = match rng.random_range(0..100) {
            0..=44 => 0,
            45..=79 => 1,
            80..=94 => 2,
            _ => 4,
        };
        for _ in 0..orders {
            let (product, _) = one_offs
                .choose_weighted(&mut rng, |(_, weight)| *weight)
                .map_err(|_| crate::domain::DomainError::Corrupt("demo weights".into()))?;
            let at = now - Duration::minutes(rng.random_range(60..365 * 24 * 60));
            order += 1;
            let price = product.price_cents.get();
            let discount = if rng.random_bool(0.2) { price / 5 } else { 0 };
            let receipt = record_purchase(
                db,
                &purchase(
                    store_id,
                    email,
                    name,
                    product.id,
                    MinorUnits::new(price - discount).of(currency),
                    order,
                    at,
                )?,
            )
            .await?;
            purchases.push((receipt.purchase_id, price - discount, at));
        }
    }
    // Feedback Club members pay every month since they joined.
    for (_, email, name) in &fans {
        if !rng.random_bool(0.12) {
            continue;
        }
        let months = rng.random_range(1..=12);
        for month in (0..months).rev() {
            let at = now - Duration::days(30 * month + rng.random_range(0..5)) - Duration::hours(2);
            order += 1;
            record_purchase(
                db,
                &purchase(
                    store_id,
                    email,
                    name,
                    club.id,
                    club.price_cents.of(currency),
                    order,
                    at,
                )?,
            )
            .await?;
        }
    }

    // A few refunds, full and partial.
    purchases.shuffle(&mut rng);
    let mut refunds = 0;
    for (purchase_id, amount, at) in purchases.iter().take(purchases.len() / 25) {
        let amount = if rng.random_bool(0.5) {
            None
        } else {
            Some(MinorUnits::new((amount / 2).max(1)).of(currency))
        };
        // Refunds come a few days after the sale, never in the future.
        let refunded_at = std::cmp::min(*at + Duration::days(rng.random_range(1..10)), now);
        let refund = RefundPurchase::parse(RefundInput {
            store_id,
            purchase_id: *purchase_id,
            amount,
            reason: "Customer asked for a refund",
            request_key: "demo",
            refunded_at: Some(refunded_at),
        })?;
        refund_purchase(db, &refund).await?;
        refunds += 1;
    }

    // Three campaigns' opens and clicks, and some replies.
    for (fan_id, _, _) in &fans {
        for (campaign, open_rate, click_rate, days_ago) in [
            ("october-tips", 0.55, 0.2, 40),
            ("black-friday", 0.6, 0.3, 12),
            ("new-kit", 0.45, 0.15, 3),
        ] {
            if rng.random_bool(open_rate) {
                let at =
                    now - Duration::days(days_ago) + Duration::minutes(rng.random_range(0..600));
                engage(db, store_id, *fan_id, Engagement::Open, campaign, at).await?;
                if rng.random_bool(click_rate / open_rate) {
                    engage(
                        db,
                        store_id,
                        *fan_id,
                        Engagement::Click,
                        campaign,
                        at + Duration::minutes(2),
                    )
                    .await?;
                }
            }
        }
        if rng.random_bool(0.05) {
            engage(
                db,
                store_id,
                *fan_id,
                Engagement::Reply,
                &format!("reply-{fan_id}"),
                now - Duration::days(2),
            )
            .await?;
        }
        if rng.random_bool(0.04) {
            set_email_status(db, store_id, *fan_id, EmailStatus::Unsubscribed).await?;
        }
    }

    Ok(Some(DemoSummary {
        login,
        password,
        store,
        fans: fans.len(),
        purchases: order,
        refunds,
    }))
}

/// The demo store's owner.
pub const DEMO_EMAIL: &str = "demo@example.com";

/// A new account for the demo, with a random password (returned to be printed once):
/// [`DEMO_EMAIL`], or `demo-<random>@example.com` when that address already has an account.
/// An existing account is never adopted: anyone could have signed up with the address first,
/// and would then own the demo store and see it grow.
async fn demo_creator(db: &DatabaseConnection) -> DomainResult<(String, i64, String)> {
    let password = random_password();
    for attempt in 0..5 {
        let address = if attempt == 0 {
            DEMO_EMAIL.to_owned()
        } else {
            format!("demo-{}@example.com", &random_password()[..4])
        };
        let email = Email::parse(&address)
            .map_err(|e| crate::domain::DomainError::invalid("email", e.to_string()))?;
        let new_password = NewPassword::parse(&password, &email)
            .map_err(|message| crate::domain::DomainError::invalid("password", message))?;
        if let SignUp::Created(account) = sign_up(db, &email, &new_password).await? {
            return Ok((address, account.creator_id, password));
        }
    }
    Err(crate::domain::DomainError::Conflict(
        "every demo address tried already has an account".to_owned(),
    ))
}

/// Four groups of four lower-case letters and digits: easy to type from a terminal.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..4)
        .map(|_| {
            (0..4)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn purchase(
    store_id: i64,
    email: &Email,
    name: &str,
    product_id: i64,
    amount: Money,
    order: usize,
    at: DateTime<Utc>,
) -> DomainResult<RecordPurchase> {
    RecordPurchase::parse(PurchaseInput {
        store_id,
        email: email.as_str(),
        name,
        product_id,
        amount,
        source: PurchaseSource::Import,
        external_id: &format!("demo-{order}"),
        purchased_at: Some(at),
    })
}

async fn engage(
    db: &DatabaseConnection,
    store_id: i64,
    fan_id: i64,
    kind: Engagement,
    reference: &str,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    record_engagement(
        db,
        &EngagementEvent {
            store_id,
            fan_id,
            kind,
            reference: reference.to_owned(),
            detail: reference.replace('-', " "),
            occurred_at: Some(at),
        },
    )
    .await?;
    Ok(())
}

fn daw_tag(daw: Daw) -> &'static str {
    match daw {
        Daw::AbletonLive => "ableton",
        Daw::FlStudio => "fl-studio",
        Daw::LogicPro => "logic",
        Daw::ProTools => "pro-tools",
        Daw::Cubase => "cubase",
        Daw::StudioOne => "studio-one",
        Daw::Reaper => "reaper",
        Daw::Bitwig => "bitwig",
        Daw::Other => "other-daw",
    }
}

fn genre_tag(genre: Genre) -> Option<&'static str> {
    match genre {
        Genre::Trap => Some("trap"),
        Genre::LoFi => Some("lofi"),
        Genre::HipHop => Some("hip-hop"),
        Genre::House => Some("house"),
        _ => None,
    }
}

/// Plain ASCII for an email's local part ("Müller" → "Muller").
fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ü' => 'u',
            'í' | 'ï' => 'i',
            'é' | 'è' => 'e',
            'á' | 'à' => 'a',
            c if c.is_ascii_alphanumeric() => c,
            _ => 'x',
        })
        .collect()
}
