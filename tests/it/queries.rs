//! The read side: customer and fan lists (sorting, filters, keyset pages), the audience
//! filter against a plain in-memory evaluation, revenue against raw sums, and the unified
//! customer/fan views.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use encore::domain::audience::engagement::{EngagementEvent, record_engagement};
use encore::domain::audience::fans::{FanForm, NewFan, ProfileForm, add_fan, erase_fan};
use encore::domain::audience::queries::{count_fans, fan_profile, list_fans};
use encore::domain::audience::scoring::Engagement;
use encore::domain::audience::tagging::{
    FanSelection, add_tag, delete_tag, remove_tag, rename_tag,
};
use encore::domain::audience::tags::TagName;
use encore::domain::commerce::customers::{customer_detail, list_customers};
use encore::domain::commerce::products::list_products;
use encore::domain::commerce::purchases::{PurchaseInput, RecordPurchase, record_purchase};
use encore::domain::commerce::refunds::{RefundInput, RefundPurchase, refund_purchase};
use encore::domain::commerce::revenue::{dashboard, revenue_summary};
use encore::domain::time::at_db_precision;
use encore::dto::{
    CustomerFilter, CustomerQuery, CustomerSort, DateRange, FanFilter, FanQuery, FanSort, PageAt,
    SortDirection,
};
use encore::entities::{
    buyer_count, customer, fan, fan_genre, fan_tag, purchase, refund, subscription,
    subscription_period, tag,
};
use encore::vocab::{
    Daw, EmailStatus, Genre, ProductKind, PurchaseSource, SkillLevel, SubscriptionStatus,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use crate::db_test;
use crate::fixtures::*;

fn bought_at(
    store_id: i64,
    product_id: i64,
    email: &str,
    cents: i64,
    key: &str,
    at: DateTime<Utc>,
) -> RecordPurchase {
    bought_by(store_id, product_id, email, "", cents, key, at)
}

/// A named buyer's import of a purchase at `at`.
fn bought_by(
    store_id: i64,
    product_id: i64,
    email: &str,
    name: &str,
    cents: i64,
    key: &str,
    at: DateTime<Utc>,
) -> RecordPurchase {
    RecordPurchase::parse(PurchaseInput {
        name,
        source: PurchaseSource::Import,
        purchased_at: Some(at),
        ..input(store_id, product_id, email, cents, key)
    })
    .unwrap()
}

/// Walks every page forwards, then every page backwards from the last, and checks both walks
/// see the same rows in the same order.
async fn walk_customers(
    db: &DatabaseConnection,
    store_id: i64,
    mut query: CustomerQuery,
) -> Vec<i64> {
    let mut pages: Vec<Vec<i64>> = Vec::new();
    let mut total = None;
    loop {
        let page = list_customers(db, store_id, &query).await.unwrap();
        total.get_or_insert(page.total);
        assert_eq!(
            Some(page.total),
            total,
            "the count does not depend on the page"
        );
        pages.push(page.rows.iter().map(|row| row.id).collect());
        match page.next {
            Some(next) => query.page = PageAt::After(next),
            None => break,
        }
    }
    let forwards: Vec<i64> = pages.concat();
    assert_eq!(forwards.len() as u64, total.unwrap());

    // And back again from the last page.
    let mut backwards: Vec<Vec<i64>> = vec![pages.last().unwrap().clone()];
    let mut page = list_customers(db, store_id, &query).await.unwrap();
    while let Some(previous) = page.previous {
        query.page = PageAt::Before(previous);
        page = list_customers(db, store_id, &query).await.unwrap();
        backwards.insert(0, page.rows.iter().map(|row| row.id).collect());
    }
    assert_eq!(backwards, pages, "walking back shows the same pages");
    forwards
}

db_test!(
    customer_pages_walk_120_customers_without_duplicates_or_gaps,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let start = at_db_precision(Utc::now() - Duration::days(200));
        // Totals repeat (ties broken by id) and names are mixed case.
        for i in 0..120i64 {
            let name = if i % 3 == 0 {
                format!("Zed {i}")
            } else {
                format!("alex {i}")
            };
            let command = bought_by(
                store_id,
                course.id,
                &format!("buyer{i:03}@example.com"),
                &name,
                1000 + (i % 17) * 500,
                &format!("o{i}"),
                start + Duration::hours(i * 7 % 97),
            );
            record_purchase(&db, &command).await.unwrap();
        }
        let customers = customer::Entity::find().all(&db).await.unwrap();

        for (sort, direction) in [
            (CustomerSort::TotalSpent, SortDirection::Desc),
            (CustomerSort::TotalSpent, SortDirection::Asc),
            (CustomerSort::LastPurchase, SortDirection::Desc),
            (CustomerSort::Purchases, SortDirection::Desc),
            (CustomerSort::Name, SortDirection::Asc),
        ] {
            let ids = walk_customers(
                &db,
                store_id,
                CustomerQuery {
                    sort,
                    direction,
                    page_size: 50,
                    ..CustomerQuery::default()
                },
            )
            .await;
            let mut expected = customers.clone();
            expected.sort_by(|a, b| {
                let order = match sort {
                    CustomerSort::TotalSpent => a.total_spent_cents.cmp(&b.total_spent_cents),
                    CustomerSort::LastPurchase => a.last_purchase_at.cmp(&b.last_purchase_at),
                    CustomerSort::Purchases => a.purchase_count.cmp(&b.purchase_count),
                    CustomerSort::Name => a.sort_name.cmp(&b.sort_name),
                }
                .then(a.id.cmp(&b.id));
                if direction == SortDirection::Desc {
                    order.reverse()
                } else {
                    order
                }
            });
            let expected: Vec<i64> = expected.iter().map(|c| c.id).collect();
            assert_eq!(ids, expected, "{sort:?} {direction:?}");
            assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 120);
        }

        let tampered = list_customers(
            &db,
            store_id,
            &CustomerQuery {
                page: PageAt::After("not-a-cursor".into()),
                ..CustomerQuery::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(tampered.rows.len(), 50, "an unreadable cursor starts over");
        assert!(tampered.previous.is_none());
    }
);

db_test!(
    customers_are_filtered_and_carry_products_subscriptions_and_fan_scores,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let club = feedback_club(&db, store_id).await;
        let pack = product(
            &db,
            store_id,
            "Drum Kit",
            ProductKind::SamplePack,
            2900,
            false,
        )
        .await;
        buy(&db, store_id, course.id, "ada@example.com", 9900, "1").await;
        buy(&db, store_id, club.id, "ada@example.com", 1500, "2").await;
        let grace = buy(&db, store_id, pack.id, "grace@example.com", 2900, "3").await;
        refund_purchase(&db, &refund_of(store_id, grace.purchase_id, Some(900), "r"))
            .await
            .unwrap();
        // Grace buys the same pack again: still one chip.
        buy(&db, store_id, pack.id, "grace@example.com", 2900, "5").await;
        let old = bought_by(
            store_id,
            club.id,
            "lin@example.com",
            "Lin",
            1500,
            "4",
            at_db_precision(Utc::now() - Duration::days(90)),
        );
        record_purchase(&db, &old).await.unwrap();

        let list = |filter: CustomerFilter| {
            let db = db.clone();
            async move {
                let page = list_customers(
                    &db,
                    store_id,
                    &CustomerQuery {
                        filter,
                        ..CustomerQuery::default()
                    },
                )
                .await
                .unwrap();
                assert_eq!(page.total as usize, page.rows.len());
                page.rows
                    .into_iter()
                    .map(|row| row.email)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            list(CustomerFilter::default()).await,
            ["ada@example.com", "grace@example.com", "lin@example.com"]
        );
        assert_eq!(
            list(CustomerFilter {
                product_id: Some(club.id),
                ..Default::default()
            })
            .await,
            ["ada@example.com", "lin@example.com"]
        );
        assert_eq!(
            list(CustomerFilter {
                subscribed_now: true,
                ..Default::default()
            })
            .await,
            ["ada@example.com"]
        );
        assert_eq!(
            list(CustomerFilter {
                has_refunds: true,
                ..Default::default()
            })
            .await,
            ["grace@example.com"]
        );
        assert_eq!(
            list(CustomerFilter {
                search: Some("GRACE".into()),
                ..Default::default()
            })
            .await,
            ["grace@example.com"]
        );
        assert_eq!(
            list(CustomerFilter {
                search: Some("lin".into()),
                ..Default::default()
            })
            .await,
            ["lin@example.com"]
        );
        assert!(
            list(CustomerFilter {
                search: Some("%".into()),
                ..Default::default()
            })
            .await
            .is_empty()
        );

        let page = list_customers(&db, store_id, &CustomerQuery::default())
            .await
            .unwrap();
        let ada = &page.rows[0];
        let store_products = list_products(&db, store_id, true).await.unwrap();
        let products: Vec<_> = ada.product_names(&store_products).collect();
        assert_eq!(products, ["Feedback Club", "Mixing Masterclass"]);
        assert_eq!(ada.subscription, Some(SubscriptionStatus::Active));
        assert_eq!(ada.fan.as_ref().map(|fan| fan.score), Some(9 + 1));
        let lin = page
            .rows
            .iter()
            .find(|row| row.email == "lin@example.com")
            .unwrap();
        assert_eq!(
            lin.subscription,
            Some(SubscriptionStatus::PastDue),
            "an unrenewed month is past due"
        );

        let detail = customer_detail(&db, store_id, ada.id).await.unwrap();
        assert_eq!(detail.purchases.len(), 2);
        assert_eq!(detail.enrollments.len(), 1);
        assert_eq!(detail.subscriptions.len(), 1);
        assert!(
            detail.refunds.is_empty(),
            "Grace's refund is not on Ada's history"
        );
        let fan = detail.fan.unwrap();
        assert_eq!(
            (fan.score, fan.tags.clone()),
            (10, vec!["customer".to_owned()])
        );
        let grace_detail = customer_detail(&db, store_id, grace.customer_id)
            .await
            .unwrap();
        assert_eq!(grace_detail.refunds.len(), 1);
        assert_eq!(grace_detail.refunds[0].amount_cents, cents(900));
        assert_eq!(grace_detail.purchases.len(), 2);
        let chips: Vec<_> = grace_detail
            .customer
            .product_names(&store_products)
            .collect();
        assert_eq!(chips, ["Drum Kit"], "a product bought twice is one chip");
        assert_eq!(grace_detail.customer.products.len(), 1);

        // A customer's page shows the list's row for them, chips, status and fan link alike,
        // also for a customer whose fan profile was erased.
        erase_fan(&db, store_id, lin.fan.as_ref().unwrap().fan_id)
            .await
            .unwrap();
        let page = list_customers(&db, store_id, &CustomerQuery::default())
            .await
            .unwrap();
        assert_eq!(page.rows.len(), 3);
        assert!(page.rows.iter().any(|row| row.fan.is_none()));
        for row in &page.rows {
            let detail = customer_detail(&db, store_id, row.id).await.unwrap();
            assert_eq!(&detail.customer, row, "{}", row.email);
        }
    }
);

/// A fan as the in-memory evaluation sees it.
struct FanFacts {
    id: i64,
    email: String,
    score: i64,
    daw: Option<Daw>,
    skill: Option<SkillLevel>,
    status: EmailStatus,
    last_open: Option<DateTime<Utc>>,
    tags: HashSet<String>,
    genres: HashSet<Genre>,
    customer: bool,
}

fn matches(fan: &FanFacts, filter: &FanFilter, now: DateTime<Utc>) -> bool {
    let key = |name: &String| name.trim().to_lowercase();
    (filter.tags_any.is_empty() || filter.tags_any.iter().any(|t| fan.tags.contains(&key(t))))
        && filter.tags_all.iter().all(|t| fan.tags.contains(&key(t)))
        && !filter.tags_none.iter().any(|t| fan.tags.contains(&key(t)))
        && filter.daw.is_none_or(|d| fan.daw == Some(d))
        && filter.skill.is_none_or(|s| fan.skill == Some(s))
        && filter.genre.is_none_or(|g| fan.genres.contains(&g))
        && filter.email_status.is_none_or(|s| fan.status == s)
        && filter.score_min.is_none_or(|min| fan.score >= min)
        && filter.score_max.is_none_or(|max| fan.score <= max)
        && filter.opened_within_days.is_none_or(|days| {
            fan.last_open
                .is_some_and(|at| at >= now - Duration::days(days.into()))
        })
        && filter.not_opened_days.is_none_or(|days| {
            fan.last_open
                .is_none_or(|at| at < now - Duration::days(days.into()))
        })
        && filter.customer.is_none_or(|wanted| fan.customer == wanted)
        && filter
            .search
            .as_ref()
            .is_none_or(|s| fan.email.contains(&s.to_lowercase()))
}

async fn facts(db: &DatabaseConnection, store_id: i64) -> Vec<FanFacts> {
    let tags: HashMap<i64, String> = tag::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.id, t.key))
        .collect();
    let links = fan_tag::Entity::find().all(db).await.unwrap();
    let genres = fan_genre::Entity::find().all(db).await.unwrap();
    let customers: HashSet<String> = customer::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.email)
        .collect();
    fan::Entity::find()
        .filter(fan::Column::StoreId.eq(store_id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| FanFacts {
            tags: links
                .iter()
                .filter(|l| l.fan_id == f.id)
                .map(|l| tags[&l.tag_id].clone())
                .collect(),
            genres: genres
                .iter()
                .filter(|g| g.fan_id == f.id)
                .map(|g| g.genre)
                .collect(),
            customer: customers.contains(&f.email),
            id: f.id,
            email: f.email,
            score: f.score,
            daw: f.daw,
            skill: f.skill_level,
            status: f.email_status,
            last_open: f.last_open_at,
        })
        .collect()
}

fn random_filter(rng: &mut StdRng) -> FanFilter {
    let tag_names = ["ableton", "Trap", "LOFI", "beginner", "vip", "nosuchtag"];
    let pick_tags = |rng: &mut StdRng| -> Vec<String> {
        (0..rng.random_range(0..3))
            .map(|_| tag_names[rng.random_range(0..tag_names.len())].to_owned())
            .collect()
    };
    FanFilter {
        tags_any: pick_tags(rng),
        tags_all: if rng.random_bool(0.3) {
            pick_tags(rng)
        } else {
            Vec::new()
        },
        tags_none: if rng.random_bool(0.3) {
            pick_tags(rng)
        } else {
            Vec::new()
        },
        daw: rng
            .random_bool(0.2)
            .then(|| Daw::ALL[rng.random_range(0..3)]),
        genre: rng
            .random_bool(0.2)
            .then(|| Genre::ALL[rng.random_range(0..3)]),
        skill: rng
            .random_bool(0.2)
            .then(|| SkillLevel::ALL[rng.random_range(0..SkillLevel::ALL.len())]),
        score_min: rng.random_bool(0.2).then(|| rng.random_range(0..8)),
        score_max: rng.random_bool(0.2).then(|| rng.random_range(0..15)),
        opened_within_days: rng.random_bool(0.2).then(|| rng.random_range(1..40)),
        not_opened_days: rng.random_bool(0.2).then(|| rng.random_range(1..40)),
        customer: rng.random_bool(0.3).then(|| rng.random_bool(0.5)),
        email_status: rng
            .random_bool(0.15)
            .then(|| EmailStatus::ALL[rng.random_range(0..2)]),
        search: rng
            .random_bool(0.1)
            .then(|| format!("{}@", rng.random_range(0..9))),
    }
}

db_test!(
    audience_filters_agree_with_a_plain_evaluation,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let mut rng = StdRng::seed_from_u64(2026);
        let tag_pool = ["Ableton", "trap", "lofi", "beginner", "VIP"];
        for i in 0..60 {
            let tags: Vec<&str> = tag_pool
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.35))
                .collect();
            let genres: Vec<String> = Genre::ALL[..3]
                .iter()
                .filter(|_| rng.random_bool(0.4))
                .map(|g| g.as_str().to_owned())
                .collect();
            let new = NewFan::parse(FanForm {
                email: &format!("fan{i}@example.com"),
                profile: ProfileForm {
                    name: &format!("Fan {i}"),
                    daw: if rng.random_bool(0.7) {
                        Daw::ALL[rng.random_range(0..3)].as_str()
                    } else {
                        ""
                    },
                    genres: &genres,
                    skill: if rng.random_bool(0.6) {
                        SkillLevel::ALL[rng.random_range(0..4)].as_str()
                    } else {
                        ""
                    },
                    ..ProfileForm::default()
                },
                tags: &tags.join(","),
            })
            .unwrap();
            let fan_id = add_fan(&db, store_id, &new).await.unwrap().fan_id();
            if rng.random_bool(0.6) {
                let days_ago = rng.random_range(0..60);
                record_engagement(
                    &db,
                    &EngagementEvent {
                        store_id,
                        fan_id,
                        kind: Engagement::Open,
                        reference: "c1".into(),
                        detail: String::new(),
                        occurred_at: Some(
                            Utc::now() - Duration::days(days_ago) - Duration::hours(1),
                        ),
                    },
                )
                .await
                .unwrap();
            }
            if rng.random_bool(0.3) {
                buy(
                    &db,
                    store_id,
                    course.id,
                    &format!("fan{i}@example.com"),
                    rng.random_range(0..12_000),
                    &format!("o{i}"),
                )
                .await;
            }
            if rng.random_bool(0.1) {
                encore::domain::audience::fans::set_email_status(
                    &db,
                    store_id,
                    fan_id,
                    EmailStatus::Unsubscribed,
                )
                .await
                .unwrap();
            }
        }
        let everyone = facts(&db, store_id).await;
        let now = Utc::now();
        let (mut non_empty, mut multi_page) = (0, 0);

        for round in 0..60 {
            let filter = random_filter(&mut rng);
            let mut expected: Vec<&FanFacts> = everyone
                .iter()
                .filter(|f| matches(f, &filter, now))
                .collect();
            expected.sort_by(|a, b| b.score.cmp(&a.score).then(b.id.cmp(&a.id)));
            let expected: Vec<i64> = expected.iter().map(|f| f.id).collect();

            let mut query = FanQuery {
                filter: filter.clone(),
                page_size: 7,
                ..FanQuery::default()
            };
            let mut seen = Vec::new();
            loop {
                let page = list_fans(&db, store_id, &query).await.unwrap();
                assert_eq!(
                    page.total as usize,
                    expected.len(),
                    "round {round}: count of {filter:?}"
                );
                seen.extend(page.rows.iter().map(|row| row.id));
                match page.next {
                    Some(next) => query.page = PageAt::After(next),
                    None => break,
                }
            }
            assert_eq!(seen, expected, "round {round}: fans of {filter:?}");
            assert_eq!(
                count_fans(&db, store_id, &filter).await.unwrap() as usize,
                expected.len()
            );
            non_empty += usize::from(!expected.is_empty());
            multi_page += usize::from(expected.len() > 7);
        }
        // Every two-tag AND / OR / NOT (sized from the tags' counts and their overlap), with
        // mixed case, a repeated tag and an unknown one.
        let names = ["ableton", "TRAP", "lofi", "vip", "nosuchtag"];
        for a in names {
            for b in names {
                let (a, b) = (vec![a.to_owned()], vec![b.to_owned()]);
                let both = [a.clone(), b.clone()].concat();
                for filter in [
                    FanFilter {
                        tags_all: both.clone(),
                        ..FanFilter::default()
                    },
                    FanFilter {
                        tags_any: both.clone(),
                        ..FanFilter::default()
                    },
                    FanFilter {
                        tags_any: a.clone(),
                        tags_all: b.clone(),
                        ..FanFilter::default()
                    },
                    FanFilter {
                        tags_any: a.clone(),
                        tags_none: b.clone(),
                        ..FanFilter::default()
                    },
                    FanFilter {
                        tags_all: a.clone(),
                        tags_none: b.clone(),
                        ..FanFilter::default()
                    },
                ] {
                    let mut matching: Vec<&FanFacts> = everyone
                        .iter()
                        .filter(|f| matches(f, &filter, now))
                        .collect();
                    let expected = matching.len();
                    let counted = count_fans(&db, store_id, &filter).await.unwrap();
                    assert_eq!(counted as usize, expected, "count of {filter:?}");
                    let query = FanQuery {
                        filter: filter.clone(),
                        page_size: 200,
                        ..FanQuery::default()
                    };
                    let page = list_fans(&db, store_id, &query).await.unwrap();
                    assert_eq!(page.total as usize, expected, "total of {filter:?}");
                    // Best first, whichever tag's links (if any) the page walked.
                    matching.sort_by(|a, b| b.score.cmp(&a.score).then(b.id.cmp(&a.id)));
                    let listed: Vec<i64> = page.rows.iter().map(|row| row.id).collect();
                    let best: Vec<i64> = matching.iter().map(|f| f.id).collect();
                    assert_eq!(listed, best, "fans of {filter:?}");
                }
            }
        }

        // The random filters must exercise something: many match fans, several span pages.
        assert!(
            non_empty >= 20 && multi_page >= 5,
            "{non_empty} non-empty, {multi_page} multi-page"
        );

        for sort in [FanSort::LastActivity, FanSort::Newest, FanSort::Name] {
            let page = list_fans(
                &db,
                store_id,
                &FanQuery {
                    sort,
                    direction: sort.default_direction(),
                    page_size: 200,
                    ..FanQuery::default()
                },
            )
            .await
            .unwrap();
            let ids: BTreeSet<i64> = page.rows.iter().map(|row| row.id).collect();
            assert_eq!(ids.len(), 60, "{sort:?} lists everyone once");
        }
    }
);

/// AND / OR / NOT of two tags, each counted by the app and by a plain evaluation.
async fn assert_pair_counts(db: &DatabaseConnection, store_id: i64, a: &str, b: &str, step: &str) {
    let everyone = facts(db, store_id).await;
    let (a, b) = (vec![a.to_owned()], vec![b.to_owned()]);
    for filter in [
        FanFilter {
            tags_all: [a.clone(), b.clone()].concat(),
            ..FanFilter::default()
        },
        FanFilter {
            tags_any: [a.clone(), b.clone()].concat(),
            ..FanFilter::default()
        },
        FanFilter {
            tags_all: a.clone(),
            tags_none: b.clone(),
            ..FanFilter::default()
        },
    ] {
        let expected = everyone
            .iter()
            .filter(|f| matches(f, &filter, Utc::now()))
            .count();
        let counted = count_fans(db, store_id, &filter).await.unwrap();
        assert_eq!(counted as usize, expected, "{step}: {filter:?}");
    }
}

db_test!(
    kept_two_tag_counts_follow_every_change,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let mut ids = Vec::new();
        for i in 0..12 {
            let tags = match i % 4 {
                0 => "vip,trap",
                1 => "vip",
                2 => "trap,lofi",
                _ => "",
            };
            let new = NewFan::parse(FanForm {
                email: &format!("f{i}@example.com"),
                profile: ProfileForm::default(),
                tags,
            })
            .unwrap();
            ids.push(add_fan(&db, store_id, &new).await.unwrap().fan_id());
        }
        let tag = |name: &str| TagName::parse(name).unwrap();
        let selection = |fans: &[i64]| FanSelection::Fans(fans.to_vec());
        assert_pair_counts(&db, store_id, "vip", "trap", "first count").await;
        assert_pair_counts(&db, store_id, "vip", "trap", "kept count").await;

        add_tag(&db, store_id, &selection(&ids[1..2]), &tag("trap"))
            .await
            .unwrap();
        assert_pair_counts(&db, store_id, "vip", "trap", "a fan tagged").await;
        remove_tag(&db, store_id, &selection(&ids[0..1]), &tag("vip"))
            .await
            .unwrap();
        assert_pair_counts(&db, store_id, "trap", "vip", "a tag removed").await;
        erase_fan(&db, store_id, ids[4]).await.unwrap();
        assert_pair_counts(&db, store_id, "vip", "trap", "a fan erased").await;
        buy(&db, store_id, course.id, "f5@example.com", 5000, "o1").await;
        assert_pair_counts(&db, store_id, "vip", "customer", "a purchase").await;
        let lofi = tag::Entity::find()
            .filter(tag::Column::Key.eq("lofi"))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_pair_counts(&db, store_id, "lofi", "trap", "before the merge").await;
        rename_tag(&db, store_id, lofi.id, &tag("vip"))
            .await
            .unwrap();
        assert_pair_counts(&db, store_id, "vip", "trap", "lofi merged into vip").await;
        let vip = tag::Entity::find()
            .filter(tag::Column::Key.eq("vip"))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        delete_tag(&db, store_id, vip.id).await.unwrap();
        assert_pair_counts(&db, store_id, "vip", "trap", "vip deleted").await;
        assert_invariants(&db, store_id).await;
    }
);

/// The unfiltered audience (every fan of the store), counted by the app and by SQL.
async fn assert_everyone(db: &DatabaseConnection, store_id: i64, expected: u64, step: &str) {
    let counted = count_fans(db, store_id, &FanFilter::default())
        .await
        .unwrap();
    let page = list_fans(db, store_id, &FanQuery::default()).await.unwrap();
    assert_eq!((counted, page.total), (expected, expected), "{step}");
}

db_test!(
    the_unfiltered_count_follows_every_change,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let other = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let other_course = masterclass(&db, other).await;
        assert_everyone(&db, store_id, 0, "a new store").await;

        let mut ids = Vec::new();
        for i in 0..5 {
            let new = NewFan::parse(FanForm {
                email: &format!("f{i}@example.com"),
                profile: ProfileForm::default(),
                tags: "vip",
            })
            .unwrap();
            ids.push(add_fan(&db, store_id, &new).await.unwrap().fan_id());
        }
        assert_everyone(&db, store_id, 5, "five fans added").await;
        buy(&db, store_id, course.id, "f1@example.com", 5000, "o1").await;
        assert_everyone(&db, store_id, 5, "a fan buys").await;
        buy(&db, store_id, course.id, "new@example.com", 5000, "o2").await;
        assert_everyone(&db, store_id, 6, "a new buyer becomes a fan").await;
        buy(&db, other, other_course.id, "f2@example.com", 5000, "o3").await;
        assert_everyone(&db, store_id, 6, "another store's sale").await;
        assert_everyone(&db, other, 1, "the other store's fan").await;
        erase_fan(&db, store_id, ids[3]).await.unwrap();
        assert_everyone(&db, store_id, 5, "a fan erased").await;

        // A fan never moves between stores: the count could not follow.
        let moved = db
            .execute_unprepared(&format!(
                "UPDATE fans SET store_id = {other} WHERE id = {}",
                ids[0]
            ))
            .await;
        assert!(moved.is_err(), "moving a fan must be refused");
        assert_everyone(&db, store_id, 5, "after the refused move").await;
        assert_invariants(&db, store_id).await;
        assert_invariants(&db, other).await;
    }
);

db_test!(
    the_fan_profile_shows_tags_timeline_and_purchases,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let fan_id = add_fan(
            &db,
            store_id,
            &NewFan::parse(FanForm {
                email: "ada@example.com",
                profile: ProfileForm {
                    name: "Ada",
                    daw: "logic_pro",
                    genres: &["ambient".into()],
                    skill: "advanced",
                    goals: "Score a film",
                },
                tags: "Logic",
            })
            .unwrap(),
        )
        .await
        .unwrap()
        .fan_id();
        buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1").await;

        let profile = fan_profile(&db, store_id, fan_id, 50).await.unwrap();

        assert_eq!(profile.fan.daw, Some(Daw::LogicPro));
        assert_eq!(profile.fan.genres, [Genre::Ambient]);
        let tags: Vec<_> = profile.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(tags, ["Logic", "customer"], "in the order they were added");
        assert_eq!(
            profile.activities[0].detail,
            "Purchased: Mixing Masterclass"
        );
        assert_eq!(profile.activities[0].points, 9);
        assert_eq!(profile.purchases.len(), 1);
        assert_eq!(profile.purchases[0].product_name, "Mixing Masterclass");
        assert_eq!(
            profile.customer.map(|c| c.total_spent_cents),
            Some(cents(9900))
        );
        let page = list_fans(&db, store_id, &FanQuery::default())
            .await
            .unwrap();
        assert_eq!(
            page.rows[0].customer.as_ref().map(|c| c.total_spent_cents),
            Some(cents(9900))
        );
    }
);

db_test!(
    the_revenue_summary_equals_the_raw_sums,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let club = feedback_club(&db, store_id).await;
        let pack = product(
            &db,
            store_id,
            "Drum Kit",
            ProductKind::SamplePack,
            2900,
            false,
        )
        .await;
        let products = [course.id, club.id, pack.id];
        let today = Utc::now().date_naive();
        let mut rng = StdRng::seed_from_u64(99);
        for i in 0..150 {
            let days_ago = rng.random_range(0..400);
            let at = at_db_precision(
                Utc::now()
                    - Duration::days(days_ago)
                    - Duration::minutes(rng.random_range(0..1440)),
            );
            let email = format!("b{}@example.com", rng.random_range(0..40));
            let command = bought_at(
                store_id,
                products[i % 3],
                &email,
                rng.random_range(0..15_000),
                &format!("o{i}"),
                at,
            );
            let receipt = record_purchase(&db, &command).await.unwrap();
            let paid = command.amount().minor().get();
            if rng.random_bool(0.2) && paid > 0 {
                let refund_at = at + Duration::days(rng.random_range(0..20));
                let refund_at = std::cmp::min(refund_at, at_db_precision(Utc::now()));
                let amount = rng.random_range(1..=paid);
                refund_purchase(
                    &db,
                    &RefundPurchase::parse(RefundInput {
                        refunded_at: Some(refund_at),
                        ..refund_input(store_id, receipt.purchase_id, Some(amount), "r")
                    })
                    .unwrap(),
                )
                .await
                .unwrap();
            }
        }
        let ranges = |days: u64| {
            let current = DateRange {
                start: today - chrono::Days::new(days - 1),
                end: today,
            };
            let previous = DateRange {
                start: current.start - chrono::Days::new(days),
                end: current.start - chrono::Days::new(1),
            };
            [current, previous]
        };
        for days in [7u64, 30, 90, 365, 400] {
            for range in ranges(days) {
                assert_summary_equals_raw_sums(&db, store_id, range).await;
            }
            // The dashboard shows the current period in full and compares it with the
            // previous period's totals, read without that period's chart or best sellers.
            let [current, previous] = ranges(days);
            let now = Utc::now();
            let shown = dashboard(&db, store_id, current, now).await.unwrap();
            assert_eq!(
                shown.current,
                revenue_summary(&db, store_id, current, now).await.unwrap()
            );
            assert_eq!(
                shown.previous,
                revenue_summary(&db, store_id, previous, now)
                    .await
                    .unwrap()
                    .totals
            );
        }

        let [_, previous] = ranges(30);
        let kept = buyer_count::Entity::find_by_id((store_id, previous.end, previous.start))
            .one(&db)
            .await
            .unwrap();
        let kept = kept.expect("a past range's buyers are kept");
        // And read back rather than counted again: a kept count changed behind the
        // dashboard's back is what it shows (put back right after).
        for buyers in [kept.buyers + 1_000, kept.buyers] {
            let mut row: buyer_count::ActiveModel = kept.clone().into();
            row.buyers = Set(buyers);
            row.update(&db).await.unwrap();
            let shown = revenue_summary(&db, store_id, previous, Utc::now())
                .await
                .unwrap();
            assert_eq!(shown.totals.customers, buyers);
        }

        // A past range's distinct buyers are kept once counted; a purchase backdated into
        // it (a new buyer there, whose first purchase moves back too) must show at once.
        let inside = at_db_precision(previous.start.and_hms_opt(9, 0, 0).unwrap().and_utc());
        for (i, email) in ["b1@example.com", "late@example.com"].iter().enumerate() {
            let command = bought_at(store_id, pack.id, email, 2900, &format!("back{i}"), inside);
            record_purchase(&db, &command).await.unwrap();
            assert_summary_equals_raw_sums(&db, store_id, previous).await;
            assert_summary_equals_raw_sums(&db, store_id, ranges(30)[0]).await;
            assert_invariants(&db, store_id).await;
        }

        let bad = DateRange {
            start: today,
            end: today - chrono::Days::new(1),
        };
        assert!(
            revenue_summary(&db, store_id, bad, Utc::now())
                .await
                .is_err()
        );
        let _: NaiveDate = today;
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    subscribers_at_past_moments_follow_lapses_restarts_and_refunds,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let club = feedback_club(&db, store_id).await;
        let today = Utc::now().date_naive();
        let days_ago = |n: u64| {
            at_db_precision(
                (today - chrono::Days::new(n))
                    .and_hms_opt(9, 0, 0)
                    .unwrap()
                    .and_utc(),
            )
        };
        let pay = |email: &'static str, key: &'static str, at: DateTime<Utc>| {
            let db = db.clone();
            async move {
                record_purchase(&db, &bought_at(store_id, club.id, email, 1500, key, at))
                    .await
                    .unwrap()
            }
        };
        // Sam: a month from 100 days ago, lapsed; a month from 40 days ago, lapsed; a month
        // from 5 days ago. Lin: 50 days ago, renewed early 30 days ago, refunded today.
        pay("sam@example.com", "sam-1", days_ago(100)).await;
        pay("sam@example.com", "sam-2", days_ago(40)).await;
        pay("sam@example.com", "sam-3", days_ago(5)).await;
        pay("lin@example.com", "lin-1", days_ago(50)).await;
        let renewal = pay("lin@example.com", "lin-2", days_ago(30)).await;
        refund_purchase(
            &db,
            &refund_of(store_id, renewal.purchase_id, None, "lin-refund"),
        )
        .await
        .unwrap();
        assert_invariants(&db, store_id).await;

        // A one-day range counts the subscribers at its end (or now, for today).
        let subscribers_on = |n: u64| {
            let db = db.clone();
            async move {
                let day = today - chrono::Days::new(n);
                let range = DateRange {
                    start: day,
                    end: day,
                };
                revenue_summary(&db, store_id, range, Utc::now())
                    .await
                    .unwrap()
                    .totals
                    .active_subscribers
            }
        };
        assert_eq!(subscribers_on(80).await, 1, "Sam's first month");
        assert_eq!(subscribers_on(60).await, 0, "Sam lapsed, Lin not yet in");
        assert_eq!(subscribers_on(45).await, 1, "Sam lapsed, Lin in");
        assert_eq!(subscribers_on(20).await, 2, "both");
        assert_eq!(subscribers_on(7).await, 1, "Sam lapsed again");
        assert_eq!(subscribers_on(0).await, 1, "Lin's refund ended hers");

        // Lin comes back: the refunded month is not hers any more, so her new month runs
        // from today, not from the end of the one she was refunded.
        let back = at_db_precision(Utc::now());
        pay("lin@example.com", "lin-3", back).await;
        let lin = customer_by_email(&db, store_id, "lin@example.com")
            .await
            .unwrap();
        let row = subscription::Entity::find()
            .filter(subscription::Column::CustomerId.eq(lin.id))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, SubscriptionStatus::Active);
        assert_eq!(
            row.started_at,
            days_ago(50),
            "the first payment stays the start"
        );
        assert_eq!(
            row.current_period_end,
            back.checked_add_months(chrono::Months::new(1)).unwrap()
        );
        assert_eq!(subscribers_on(0).await, 2);
        assert_eq!(subscribers_on(20).await, 2, "the past is unchanged");
        assert_invariants(&db, store_id).await;
    }
);

/// Compares every figure of the summary with sums and counts over the raw facts.
async fn assert_summary_equals_raw_sums(db: &DatabaseConnection, store_id: i64, range: DateRange) {
    let purchases = purchase::Entity::find().all(db).await.unwrap();
    let refunds = refund::Entity::find().all(db).await.unwrap();
    let customers = customer::Entity::find().all(db).await.unwrap();
    let periods = subscription_period::Entity::find().all(db).await.unwrap();
    let within = |at: &DateTime<Utc>| (range.start..=range.end).contains(&at.date_naive());
    let now = Utc::now();
    let summary = revenue_summary(db, store_id, range, now).await.unwrap();
    let totals = &summary.totals;

    let gross: i64 = purchases
        .iter()
        .filter(|p| within(&p.purchased_at))
        .map(|p| p.amount_cents)
        .sum();
    let refunded: i64 = refunds
        .iter()
        .filter(|r| within(&r.refunded_at))
        .map(|r| r.amount_cents)
        .sum();
    let orders = purchases.iter().filter(|p| within(&p.purchased_at)).count() as i64;
    let buyers: HashSet<i64> = purchases
        .iter()
        .filter(|p| within(&p.purchased_at))
        .map(|p| p.customer_id)
        .collect();
    let new_customers = customers
        .iter()
        .filter(|c| c.first_purchase_at.is_some_and(|at| within(&at)))
        .count() as i64;

    let end = (range.end + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let moment = std::cmp::min(end, now);
    let subscribers = periods
        .iter()
        .filter(|p| p.started_at <= moment && moment < p.ended_at)
        .count() as i64;

    let label = format!("{} to {}", range.start, range.end);
    assert_eq!(totals.gross_cents.get(), gross, "{label}: gross");
    assert_eq!(totals.refunds_cents.get(), refunded, "{label}: refunds");
    assert_eq!(totals.net_cents.get(), gross - refunded, "{label}: net");
    assert_eq!(totals.orders, orders, "{label}: orders");
    assert_eq!(totals.customers, buyers.len() as i64, "{label}: buyers");
    assert_eq!(
        totals.new_customers, new_customers,
        "{label}: new customers"
    );
    assert_eq!(
        totals.active_subscribers, subscribers,
        "{label}: subscribers"
    );
    let series_net: i64 = summary
        .series
        .iter()
        .map(|point| point.net_cents.get())
        .sum();
    assert_eq!(series_net, gross - refunded, "{label}: the series adds up");
    assert_eq!(summary.series.first().map(|p| p.start), Some(range.start));
    let top_net: Vec<i64> = summary
        .top_products
        .iter()
        .map(|p| p.net_cents.get())
        .collect();
    assert!(
        top_net.windows(2).all(|w| w[0] >= w[1]),
        "{label}: best sellers first"
    );
    let expected_aov = if orders == 0 {
        0
    } else {
        (gross + orders / 2) / orders
    };
    assert_eq!(
        totals.average_order_cents.get(),
        expected_aov,
        "{label}: average order"
    );
}
