//! The Fans pages through a real socket (forms posted as a browser without JavaScript posts
//! them), what the tag commands report back to those pages, and the audience components
//! rendered on their own.

use chrono::{TimeZone, Utc};
use encore::api::fans::{ApplyBulkTag, DeleteTag, FanList, PreviewBulkTag, RenameTag};
use encore::components::audience::{ActivityTimeline, PurchaseHistory};
use encore::domain::audience::fans::{FanForm, NewFan, ProfileForm, add_fan};
use encore::domain::audience::queries::list_tags;
use encore::domain::audience::tagging::{delete_tag, rename_tag};
use encore::domain::audience::tags::TagName;
use encore::dto::{ActivityRow, CustomerBadge, FanListView, PurchaseRow};
use encore::error::AppError;
use encore::money::Currency;
use encore::vocab::{ActivityKind, PurchaseSource};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use sea_orm::DatabaseConnection;

use crate::fixtures::*;
use crate::support::TestApp;
use crate::{app_test, db_test};

async fn fan(db: &DatabaseConnection, store_id: i64, email: &str, name: &str, tags: &str) -> i64 {
    add_fan(
        db,
        store_id,
        &NewFan::parse(FanForm {
            email,
            profile: ProfileForm {
                name,
                ..ProfileForm::default()
            },
            tags,
        })
        .unwrap(),
    )
    .await
    .unwrap()
    .fan_id()
}

fn tag(name: &str) -> TagName {
    TagName::parse(name).unwrap()
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

db_test!(
    renaming_and_deleting_report_the_tag_as_shown,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        fan(&db, store_id, "a@x.io", "", "lofi, house").await;
        fan(&db, store_id, "b@x.io", "", "Lo-Fi").await;
        let id_of = |tags: &[encore::dto::TagCount], name: &str| {
            tags.iter().find(|t| t.name == name).unwrap().id
        };
        let tags = list_tags(&db, store_id).await.unwrap();

        // A plain rename shows the new spelling; a merge shows the surviving tag's.
        let house = id_of(&tags, "house");
        let shown = rename_tag(&db, store_id, house, &tag("Deep House"))
            .await
            .unwrap();
        assert_eq!(shown, "Deep House");
        let shown = rename_tag(&db, store_id, id_of(&tags, "lofi"), &tag("LO-FI"))
            .await
            .unwrap();
        assert_eq!(shown, "Lo-Fi");

        let deleted = delete_tag(&db, store_id, house).await.unwrap();
        assert_eq!(deleted, "Deep House");
        let names: Vec<_> = list_tags(&db, store_id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.fans))
            .collect();
        assert_eq!(names, [("Lo-Fi".to_owned(), 2)]);
        assert_invariants(&db, store_id).await;
    }
);

app_test!(
    a_bulk_tag_form_post_tags_the_audience_and_reports_in_the_url,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let ada = fan(&app.db, store_id, "ada@x.io", "Ada", "Ableton").await;
        let ben = fan(&app.db, store_id, "ben@x.io", "Ben", "ableton").await;
        let cy = fan(&app.db, store_id, "cy@x.io", "Cy", "logic").await;
        let store = store_id.to_string();
        let confirm =
            format!("/store/{store_id}/contacts/bulk?any=ableton&everyone=true&tag=trap&op=add");

        let (status, html) = page(&app, &confirm).await;
        assert_eq!(status, 200);
        assert!(html.contains("Add tag trap to 2 fans?"), "{html}");

        let response = app
            .post_form(
                ApplyBulkTag::PATH,
                &confirm,
                &[
                    ("store_id", &store),
                    ("params[any]", "ableton"),
                    ("ids", ""),
                    ("everyone", "true"),
                    ("tag", "trap"),
                    ("action", "add"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        let done = location(&response);
        assert_eq!(done, format!("/store/{store_id}/contacts/bulk?any=ableton"));
        assert_eq!(tags_of(&app.db, ada).await, ["Ableton", "trap"]);
        assert_eq!(tags_of(&app.db, ben).await, ["Ableton", "trap"]);
        assert_eq!(tags_of(&app.db, cy).await, ["logic"]);

        let (_, html) = page(&app, &done).await;
        assert!(html.contains("Tag trap added to 2 fans."), "{html}");
        assert!(
            html.contains(&format!(r#"href="/store/{store_id}/contacts?any=ableton""#)),
            "links back to the same audience"
        );
        assert_invariants(&app.db, store_id).await;
    }
);

app_test!(
    ticked_fans_without_a_filter_are_tagged,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let ada = fan(&app.db, store_id, "ada@x.io", "Ada", "").await;
        let ben = fan(&app.db, store_id, "ben@x.io", "Ben", "").await;
        let store = store_id.to_string();
        let ids = ada.to_string();
        // No filter at all: the confirmation form sends no `params[…]` field.
        let response = app
            .post_form(
                ApplyBulkTag::PATH,
                &format!("/store/{store_id}/contacts/bulk?ids={ada}&tag=vip&op=add"),
                &[
                    ("store_id", &store),
                    ("ids", &ids),
                    ("everyone", "false"),
                    ("tag", "vip"),
                    ("action", "add"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(
            location(&response),
            format!("/store/{store_id}/contacts/bulk")
        );
        let (_, html) = page(&app, &location(&response)).await;
        assert!(html.contains("Tag vip added to 1 fan."), "{html}");
        assert_eq!(tags_of(&app.db, ada).await, ["vip"]);
        assert!(tags_of(&app.db, ben).await.is_empty());
    }
);

app_test!(
    an_unfiltered_audience_is_every_fan,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        fan(&app.db, store_id, "ada@x.io", "Ada", "").await;
        fan(&app.db, store_id, "ben@x.io", "Ben", "").await;
        // What the browser's server-function client sends for a list without filters.
        let response = app
            .client
            .post(app.url(FanList::PATH))
            .form(&[("store_id", store_id.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let view: FanListView = response.json().await.unwrap();
        assert_eq!(view.page.total, 2);
    }
);

app_test!(
    the_bulk_preview_refuses_the_customer_tag_before_confirming,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        fan(&app.db, store_id, "ada@x.io", "Ada", "").await;
        let response = app
            .client
            .post(app.url(PreviewBulkTag::PATH))
            .form(&[
                ("store_id", store_id.to_string().as_str()),
                ("ids", ""),
                ("everyone", "true"),
                ("tag", " Customer "),
            ])
            .send()
            .await
            .unwrap();
        let error: AppError = response.json().await.unwrap();
        assert_eq!(
            error.field_message("tag"),
            Some("The customer tag is managed by Encore: it follows purchases and refunds.")
        );
    }
);

app_test!(
    renaming_and_deleting_tags_by_form_post_report_on_the_tags_page,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        fan(&app.db, store_id, "a@x.io", "", "lofi").await;
        fan(&app.db, store_id, "b@x.io", "", "Lo-Fi").await;
        let tags = list_tags(&app.db, store_id).await.unwrap();
        let lofi = tags
            .iter()
            .find(|t| t.name == "lofi")
            .unwrap()
            .id
            .to_string();
        let store = store_id.to_string();

        let response = app
            .post_form(
                RenameTag::PATH,
                &format!("/store/{store_id}/tags?rename={lofi}"),
                &[("store_id", &store), ("tag_id", &lofi), ("name", "LO-FI")],
            )
            .await;
        assert_eq!(response.status(), 303);
        let done = location(&response);
        assert_eq!(done, format!("/store/{store_id}/tags"));
        let (_, html) = page(&app, &done).await;
        assert!(html.contains("Tag renamed to Lo-Fi."));
        assert!(html.contains("2 fans"));

        let survivor = list_tags(&app.db, store_id).await.unwrap()[0]
            .id
            .to_string();
        let (_, html) = page(&app, &format!("/store/{store_id}/tags?delete={survivor}")).await;
        assert!(html.contains("Delete tag Lo-Fi? It comes off 2 fans."));
        let response = app
            .post_form(
                DeleteTag::PATH,
                &format!("/store/{store_id}/tags?delete={survivor}"),
                &[("store_id", &store), ("tag_id", &survivor)],
            )
            .await;
        assert_eq!(location(&response), format!("/store/{store_id}/tags"));
        let (_, html) = page(&app, &location(&response)).await;
        assert!(html.contains("Tag Lo-Fi deleted."), "{html}");
        assert!(list_tags(&app.db, store_id).await.unwrap().is_empty());
    }
);

app_test!(
    the_fan_pages_render_user_text_as_text,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let evil = "Mo </title></textarea><script>alert(1)</script><img src=x onerror=alert(1)>";
        let fan_id = add_fan(
            &app.db,
            store_id,
            &NewFan::parse(FanForm {
                email: "mo@x.io",
                profile: ProfileForm {
                    name: evil,
                    goals: evil,
                    ..ProfileForm::default()
                },
                tags: "<b>x</b>",
            })
            .unwrap(),
        )
        .await
        .unwrap()
        .fan_id();
        let product = masterclass(&app.db, store_id).await;
        buy(&app.db, store_id, product.id, "mo@x.io", 9900, "k1").await;

        for path in [
            format!("/store/{store_id}/contacts"),
            format!("/store/{store_id}/contacts/{fan_id}"),
            format!("/store/{store_id}/tags"),
            format!("/store/{store_id}/contacts/bulk?ids={fan_id}&tag=%3Cscript%3E&op=add"),
        ] {
            let (status, html) = page(&app, &path).await;
            assert_eq!(status, 200, "{path}");
            for raw in ["<script>alert", "<img src=x", "<b>x</b>"] {
                assert!(!html.contains(raw), "{path} contains raw {raw}");
            }
        }
        let (_, profile) = page(&app, &format!("/store/{store_id}/contacts/{fan_id}")).await;
        assert!(profile.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // leptos_meta does not escape the title: the app's title formatter does.
        assert!(
            profile.contains("<title>Mo &lt;/title&gt;&lt;/textarea&gt;"),
            "the title is escaped"
        );
        assert!(profile.contains("Purchased: Mixing Masterclass"));
        assert!(profile.contains("+9 points"));
        assert!(profile.contains("$99.00"));

        let (status, html) = page(&app, &format!("/store/{store_id}/contacts/987654")).await;
        assert_eq!(status, 404);
        assert!(html.contains("We couldn"));
        // The store's own bar and navigation stay; the message does not add a second bar.
        assert_eq!(html.matches("<header").count(), 1, "one top bar");
        assert!(
            html.contains("aria-label=\"Store\""),
            "the store navigation stays"
        );
    }
);

fn at(text: &str) -> chrono::DateTime<Utc> {
    text.parse().unwrap()
}

#[test]
fn the_timeline_shows_points_with_their_sign_and_escapes_details() {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
    let row = |id, kind, detail: &str, points| ActivityRow {
        id,
        kind,
        detail: detail.to_owned(),
        points,
        occurred_at: at("2026-11-25T12:00:00Z"),
    };
    let html = view! {
        <ActivityTimeline
            activities=vec![
                row(2, ActivityKind::Refund, "Refunded: Kit", -9),
                row(1, ActivityKind::Purchase, "Purchased: <i>Kit</i>", 9),
                row(0, ActivityKind::TagAdded, "Tagged: vip", 0),
            ]
            now
        />
    }
    .to_html();
    assert!(html.contains("+9 points"), "{html}");
    assert!(html.contains("-9 points"), "{html}");
    assert!(html.contains("Purchased: &lt;i&gt;Kit&lt;/i&gt;"), "{html}");
    assert!(html.contains("1 day ago"), "{html}");
    assert_eq!(
        html.matches("points").count(),
        2,
        "no points for a tag change"
    );
}

#[test]
fn the_purchase_history_totals_what_was_paid_and_refunded() {
    let now = at("2026-11-26T12:00:00Z");
    let usd = Currency::from_code("USD").unwrap();
    let purchase = |id, amount_cents, refunded_cents| PurchaseRow {
        id,
        product_id: 1,
        product_name: "Mixing Masterclass".to_owned(),
        amount_cents,
        refunded_cents,
        currency: usd,
        source: PurchaseSource::Manual,
        purchased_at: at("2026-11-20T12:00:00Z"),
    };
    let html = view! {
        <PurchaseHistory
            store_id=7
            purchases=vec![purchase(2, cents(9900), cents(2000)), purchase(1, cents(4950), cents(0))]
            customer=Some(CustomerBadge { customer_id: 3, total_spent_cents: cents(12850) })
            currency=usd
            now
        />
    }
    .to_html();
    assert!(html.contains("2 purchases"), "{html}");
    assert!(html.contains("$148.50"), "gross: {html}");
    assert!(html.contains("-$20.00"), "refunded: {html}");
    assert!(html.contains("$128.50"), "net total: {html}");
    assert!(html.contains(r#"href="/store/7/customers/3""#), "{html}");

    let empty = view! {
        <PurchaseHistory store_id=7 purchases=vec![] customer=None currency=usd now />
    }
    .to_html();
    assert!(empty.contains("No purchases yet."));
}
